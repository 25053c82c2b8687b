use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::StorageResult;
use crate::model::Counter;

/// Fixed-window counters for login throttling and rate limits, shared by
/// every process that uses the store.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Atomically counts one hit on `key`: when no counter exists or its window
    /// started at or before `now - window`, it restarts at count 1 with
    /// `window_started_at = now`; otherwise its count grows by one. Sets
    /// `last_hit_at = now` and returns the new counter. Concurrent hits are never lost.
    async fn hit_counter(&self, key: &str, now: DateTime<Utc>, window: Duration) -> StorageResult<Counter>;

    /// The counter, if any (expired windows included; the caller decides).
    async fn get_counter(&self, key: &str) -> StorageResult<Option<Counter>>;

    /// Removes the counter.
    async fn clear_counter(&self, key: &str) -> StorageResult<()>;
}
