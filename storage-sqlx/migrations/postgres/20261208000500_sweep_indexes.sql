-- Issue 12 item 4: the sweeper's purges read only the rows they delete.
-- Each term of the session rule `(revoked_at <= t) OR expires_at <= t OR
-- last_used_at <= t'` has its own index (a BitmapOr on PostgreSQL, the
-- multi-index OR on SQLite), so a sweep no longer scans the sessions table.
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX sessions_last_used_idx ON sessions (last_used_at);
CREATE INDEX sessions_revoked_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
-- The other purges: idle counters, expired one-time tokens, old usage-user sets.
CREATE INDEX counters_last_hit_idx ON counters (last_hit_at);
CREATE INDEX one_time_tokens_expires_idx ON one_time_tokens (expires_at);
CREATE INDEX usage_users_day_idx ON usage_users (day);
