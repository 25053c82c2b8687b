-- One-time tokens of a third kind: email-change confirmations (additive).
-- SQLite cannot alter a CHECK constraint: the table is rebuilt with its rows.
CREATE TABLE one_time_tokens_new (
    hash       BLOB PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('password_reset', 'email_verification', 'email_change')),
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
INSERT INTO one_time_tokens_new (hash, kind, user_id, email, created_at, expires_at)
    SELECT hash, kind, user_id, email, created_at, expires_at FROM one_time_tokens;
DROP TABLE one_time_tokens;
ALTER TABLE one_time_tokens_new RENAME TO one_time_tokens;
CREATE INDEX one_time_tokens_user_idx ON one_time_tokens (user_id, kind);
