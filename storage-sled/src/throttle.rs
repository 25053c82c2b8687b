//! Throttle counters.

use agentmart_core::model::Counter;
use agentmart_core::storage::{StorageResult, ThrottleStore};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::SledStore;
use crate::tx::{T, tx_get_json, tx_put_json};

#[async_trait]
impl ThrottleStore for SledStore {
    async fn hit_counter(&self, k: &str, now: DateTime<Utc>, window: Duration) -> StorageResult<Counter> {
        self.tx(&[T::Counters], |v| {
            let t = v.t(T::Counters)?;
            let old: Option<Counter> = tx_get_json(t, k.as_bytes())?;
            let counter = match old {
                Some(c) if c.window_started_at > now - window => Counter {
                    count: c.count.saturating_add(1),
                    window_started_at: c.window_started_at,
                    last_hit_at: now,
                },
                _ => Counter { count: 1, window_started_at: now, last_hit_at: now },
            };
            tx_put_json(t, k.as_bytes(), &counter)?;
            Ok(counter)
        })
        .await
    }

    async fn get_counter(&self, k: &str) -> StorageResult<Option<Counter>> {
        self.get_json(T::Counters, k.as_bytes())
    }

    async fn release_counter(&self, k: &str) -> StorageResult<()> {
        self.tx(&[T::Counters], |v| {
            let t = v.t(T::Counters)?;
            if let Some(mut counter) = tx_get_json::<Counter>(t, k.as_bytes())? {
                counter.count = counter.count.saturating_sub(1);
                tx_put_json(t, k.as_bytes(), &counter)?;
            }
            Ok(())
        })
        .await
    }

    async fn clear_counter(&self, k: &str) -> StorageResult<()> {
        self.tx(&[T::Counters], |v| {
            v.t(T::Counters)?.remove(k.as_bytes())?;
            Ok(())
        })
        .await
    }
}
