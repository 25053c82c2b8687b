//! Per-user limits on the writes outside authentication.
//!
//! Every call below counts one hit on a fixed-window counter of
//! [`WriteLimits::window`](crate::WriteLimits::window) in the store, by
//! [`ThrottleStore::hit_counter`](crate::storage::ThrottleStore::hit_counter)
//! (atomic, so parallel calls are never lost), and the decision comes from
//! the count it returns. The counters live in the same table as the login
//! throttle's, so every server over one database enforces one limit, and the
//! sweeper purges them once idle (its `counter_idle` is never shorter than
//! the window).
//!
//! | call | key | default per hour |
//! | --- | --- | --- |
//! | [`AgentsService::create`](crate::AgentsService::create) | `write:agent_create:<user>` | 60 |
//! | [`AgentsService::update_draft`](crate::AgentsService::update_draft) (a patch that changes something) | `write:draft_update:<user>` | 300 |
//! | [`AgentsService::preview`](crate::AgentsService::preview) | `write:preview:<user>` | 300 |
//! | [`AgentsService::publish`](crate::AgentsService::publish) | `write:publish:<user>` | 60 |
//! | [`MarketService::rate`](crate::MarketService::rate), [`delete_rating`](crate::MarketService::delete_rating) | `write:rating:<user>` | 600 |
//! | [`MarketService::record_usage`](crate::MarketService::record_usage) | `write:usage:<user>:<agent>` | 10,000 |
//! | the same, all agents together | `write:usage:<user>` | 100,000 |
//!
//! A call is counted once it has passed validation and the access checks,
//! just before it writes: a refused or invalid request does not use up the
//! budget. Past the limit the call is
//! [`Error::RateLimited`] with the time left in
//! the window (`429 rate_limited` with `Retry-After` over HTTP) and writes
//! nothing. The limits apply to everyone, owners and administrators
//! included: an owner recording usage of their own agent counts like anyone
//! else, so nobody can pump an agent's usage without bound.
//! [`WriteLimits::enabled`](crate::WriteLimits::enabled) `= false` switches
//! them all off (load tests).

use std::time::Duration;

use crate::context::Inner;
use crate::error::{Error, Result};
use crate::ids::{AgentId, UserId};

/// Key prefix of every write-limit counter.
pub(crate) const WRITE_PREFIX: &str = "write:";

/// A write that is limited per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// `AgentsService::create`.
    AgentCreate,
    /// `AgentsService::update_draft` that changes the draft.
    DraftUpdate,
    /// `AgentsService::preview`.
    Preview,
    /// `AgentsService::publish`.
    Publish,
    /// `MarketService::rate` and `delete_rating`.
    Rating,
    /// `MarketService::record_usage` on one agent (counted per agent and per user).
    Usage(AgentId),
}

impl Inner {
    /// Counts one `write` by `user` against its limits, or refuses it with
    /// `rate_limited` and the time left in the window.
    pub(crate) async fn count_write(&self, user: UserId, write: Write) -> Result<()> {
        let limits = &self.config.write_limits;
        if !limits.enabled {
            return Ok(());
        }
        let (name, max) = match write {
            Write::AgentCreate => ("agent_create", limits.agent_creates),
            Write::DraftUpdate => ("draft_update", limits.draft_updates),
            Write::Preview => ("preview", limits.previews),
            Write::Publish => ("publish", limits.publishes),
            Write::Rating => ("rating", limits.rating_writes),
            Write::Usage(agent) => {
                self.hit(&format!("{WRITE_PREFIX}usage:{user}:{agent}"), limits.usage_events_per_agent).await?;
                ("usage", limits.usage_events_per_user)
            }
        };
        self.hit(&format!("{WRITE_PREFIX}{name}:{user}"), max).await
    }

    /// One hit on `key`; `rate_limited` when its count passes `max`.
    async fn hit(&self, key: &str, max: u32) -> Result<()> {
        let window = chrono::Duration::from_std(self.config.write_limits.window).map_err(Error::internal)?;
        let now = self.now();
        let counter = self.store.hit_counter(key, now, window).await?;
        if counter.count <= max {
            return Ok(());
        }
        let left = (counter.window_started_at + window - now).num_milliseconds();
        let secs = u64::try_from(left).unwrap_or(0).div_ceil(1000).max(1);
        Err(Error::RateLimited { retry_after: Duration::from_secs(secs) })
    }
}
