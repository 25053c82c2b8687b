use async_trait::async_trait;
use chrono::NaiveDate;

use super::StorageResult;
use crate::ids::AgentId;
use crate::model::{DailyUsage, UsageEvent};

/// Usage events and their per-day totals.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Records one event atomically: adds it to the agent's day bucket (the UTC
    /// date of `occurred_at`: events + 1, units + `event.units`, users + 1 when
    /// this user had no event on that agent and day yet), adds 1 to the agent's
    /// `usage_events`, and sets the agent's trending score to
    /// `crate::ranking::log2_add(previous, trending_increment)` (read-modify-write
    /// inside the same transaction). Concurrent events are never lost: the
    /// totals always equal the sum of the recorded events.
    async fn record_usage(&self, event: &UsageEvent, trending_increment: f64) -> StorageResult<()>;

    /// The agent's day buckets with `from <= date <= to`, ascending by date.
    /// Days without events are absent (core fills them).
    async fn usage_by_day(&self, agent: AgentId, from: NaiveDate, to: NaiveDate) -> StorageResult<Vec<DailyUsage>>;
}
