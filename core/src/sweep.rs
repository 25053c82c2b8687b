//! The sweeper: bounded purges that keep a long-running store from growing
//! without bound.
//!
//! [`Agentmart::sweep`] deletes, at most `batch` records of each kind per
//! call:
//!
//! - **sessions** that ended (revoked, past their absolute lifetime, or idle
//!   past [`Config::session_idle_timeout`](crate::Config::session_idle_timeout))
//!   more than [`SweepConfig::session_grace`](crate::SweepConfig::session_grace)
//!   ago, with all their refresh-token hashes. Within the grace period a
//!   replayed old refresh token is still detected as reuse; after it the
//!   token is unknown, which is refused just the same;
//! - **throttle and rate-limit counters** not hit for
//!   [`SweepConfig::counter_idle`](crate::SweepConfig::counter_idle) (at
//!   least the login-throttle window plus its longest back-off, and the
//!   [write-limit](crate::limits) window), write-limit counters
//!   (`write:…`) included, except the "this client logged in before" markers;
//! - **one-time tokens** (password reset, email verification) past their
//!   expiry (used ones are deleted when redeemed);
//! - **per-day distinct-user sets of usage** for days older than a usage
//!   event may be backdated to ([`USAGE_MAX_AGE_DAYS`] plus one day): no
//!   event can count for such a day any more, so the set is dead weight. The
//!   day buckets (events, units, distinct users) are kept.
//!
//! Every storage call re-checks its rule in the transaction that deletes,
//! so sweeping while the service serves is safe, and an interrupted sweep
//! leaves only whole records behind.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::Agentmart;
use crate::error::{Error, Result};
use crate::market::USAGE_MAX_AGE_DAYS;
use crate::storage::SessionSweep;

/// Key prefix of the "this client logged in to this account before"
/// markers of login throttling, which the sweeper keeps.
pub(crate) const KNOWN_CLIENT_PREFIX: &str = "login:known:";

/// How many records one [`Agentmart::sweep`] call deleted, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepReport {
    /// Ended sessions deleted (with their refresh-token hashes).
    pub sessions: u64,
    /// Stale throttle and rate-limit counters deleted.
    pub counters: u64,
    /// Expired one-time tokens deleted.
    pub one_time_tokens: u64,
    /// Entries of old per-day distinct-user usage sets deleted.
    pub usage_users: u64,
}

impl SweepReport {
    /// Records deleted, all kinds together.
    pub fn total(&self) -> u64 {
        self.sessions + self.counters + self.one_time_tokens + self.usage_users
    }

    /// Whether some kind filled its batch, so more may be waiting.
    pub fn more_pending(&self, batch: u32) -> bool {
        let b = u64::from(batch);
        batch > 0 && (self.sessions >= b || self.counters >= b || self.one_time_tokens >= b || self.usage_users >= b)
    }

    /// Adds another report's counts to this one.
    pub fn add(&mut self, other: &SweepReport) {
        self.sessions += other.sessions;
        self.counters += other.counters;
        self.one_time_tokens += other.one_time_tokens;
        self.usage_users += other.usage_users;
    }
}

fn duration(d: std::time::Duration, field: &str) -> Result<Duration> {
    Duration::from_std(d).map_err(|_| Error::invalid(field, "out_of_range", "the duration is too long"))
}

impl Agentmart {
    /// One tick of the sweeper: deletes at most `batch` records of each kind
    /// that nothing needs any more (see [`crate::sweep`] for the rules) and
    /// reports how many. Call it periodically (the HTTP service does, every
    /// 60 s by default) or until [`SweepReport::more_pending`] is false.
    /// A `batch` of 0 deletes nothing.
    ///
    /// ```
    /// # async fn demo(mart: agentmart_core::Agentmart) -> agentmart_core::Result<()> {
    /// let mut total = agentmart_core::sweep::SweepReport::default();
    /// loop {
    ///     let report = mart.sweep(1000).await?;
    ///     total.add(&report);
    ///     if !report.more_pending(1000) {
    ///         break;
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn sweep(&self, batch: u32) -> Result<SweepReport> {
        if batch == 0 {
            return Ok(SweepReport::default());
        }
        let inner = &self.inner;
        let config = &inner.config;
        let now = inner.now();
        let grace = duration(config.sweep.session_grace, "sweep.session_grace")?;
        let idle = duration(config.session_idle_timeout, "session_idle_timeout")?;
        let throttle_floor = duration(config.throttle.window + config.throttle.max_backoff, "throttle.window")?;
        let write_floor = duration(config.write_limits.window, "write_limits.window")?;
        let counter_idle =
            duration(config.sweep.counter_idle, "sweep.counter_idle")?.max(throttle_floor).max(write_floor);
        let before = |d: Duration| now.checked_sub_signed(d).unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        let rule = SessionSweep { ended_before: before(grace), idle_before: before(idle + grace) };
        let store = &inner.store;
        let sessions = store.sweep_sessions(rule, batch).await?;
        let counters = store.sweep_counters(before(counter_idle), Some(KNOWN_CLIENT_PREFIX), batch).await?;
        let one_time_tokens = store.sweep_one_time_tokens(now, batch).await?;
        let oldest_day = (now - Duration::days(USAGE_MAX_AGE_DAYS + 1)).date_naive();
        let usage_users = store.sweep_usage_users(oldest_day, batch).await?;
        let report = SweepReport { sessions, counters, one_time_tokens, usage_users };
        if report.total() > 0 {
            tracing::debug!(?report, "sweep");
        }
        Ok(report)
    }
}
