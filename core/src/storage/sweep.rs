use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::StorageResult;

/// Which sessions [`SweepStore::sweep_sessions`] may purge: those that ended
/// long enough ago that nothing needs them any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSweep {
    /// A session revoked at or before this instant (`revoked_at <= ended_before`)
    /// or whose absolute lifetime ended at or before it (`expires_at <= ended_before`) is purged.
    pub ended_before: DateTime<Utc>,
    /// A session last used at or before this instant (idle for longer than
    /// the idle timeout plus the grace period) is purged, revoked or not.
    pub idle_before: DateTime<Utc>,
}

impl SessionSweep {
    /// Whether this rule purges `session`.
    pub fn matches(&self, session: &crate::model::Session) -> bool {
        session.revoked_at.is_some_and(|r| r <= self.ended_before)
            || session.expires_at <= self.ended_before
            || session.last_used_at <= self.idle_before
    }
}

/// Bounded purges of records nothing needs any more (the sweeper,
/// [`crate::Agentmart::sweep`]). Each call deletes **at most `limit`**
/// records of its kind, each in a transaction of its own or one per call,
/// so a call never holds the store for long; the sweeper calls again while a
/// call returns `limit`. Every method re-checks its rule inside the
/// transaction that deletes, so a record touched concurrently (a counter
/// hit, a session refreshed) is not purged on stale facts. Deleting is
/// idempotent: an interrupted call leaves only whole records, and the next
/// call finishes the job.
#[async_trait]
pub trait SweepStore: Send + Sync {
    /// Deletes at most `limit` sessions matching `rule` ([`SessionSweep::matches`]),
    /// each with **every** refresh-token hash of it (current and superseded)
    /// and its per-user index entries. Returns how many sessions were deleted.
    /// Afterwards a refresh token of a deleted session is unknown
    /// (`RedeemOutcome::Unknown`).
    async fn sweep_sessions(&self, rule: SessionSweep, limit: u32) -> StorageResult<u64>;

    /// Deletes at most `limit` throttle/rate-limit counters whose
    /// `last_hit_at <= idle_before`, except those whose key starts with
    /// `keep_prefix` (when given). Returns how many.
    async fn sweep_counters(
        &self,
        idle_before: DateTime<Utc>,
        keep_prefix: Option<&str>,
        limit: u32,
    ) -> StorageResult<u64>;

    /// Deletes at most `limit` one-time tokens (password reset, email
    /// verification) with `expires_at <= expired_before`. (Used tokens are
    /// deleted when they are redeemed.) Returns how many.
    async fn sweep_one_time_tokens(&self, expired_before: DateTime<Utc>, limit: u32) -> StorageResult<u64>;

    /// Deletes at most `limit` entries of the per-day distinct-user sets of
    /// usage (which user already counted on an agent's day) with
    /// `date < before`. The day buckets themselves (events, units, users)
    /// are kept. Returns how many entries.
    async fn sweep_usage_users(&self, before: NaiveDate, limit: u32) -> StorageResult<u64>;
}
