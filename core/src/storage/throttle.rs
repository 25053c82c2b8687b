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

    /// Atomically takes back one hit on `key`: the count drops by one (never
    /// below zero); `window_started_at` and `last_hit_at` are unchanged. A
    /// missing counter stays missing. Login throttling reserves an attempt
    /// with [`hit_counter`](Self::hit_counter) before it verifies a password
    /// and releases the reservation when the attempt turns out not to be a
    /// failure (refused, or the password was right). Concurrent hits and
    /// releases are never lost.
    async fn release_counter(&self, key: &str) -> StorageResult<()>;
}
