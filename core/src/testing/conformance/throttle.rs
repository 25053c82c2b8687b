//! Cases for [`ThrottleStore`](crate::storage::ThrottleStore).

use std::sync::Arc;

use chrono::Duration;

use super::support::*;
use crate::model::Counter;
use crate::storage::Store;

/// `hit_counter` counts within a window and restarts once `window_started_at <= now - window`.
pub async fn counter_hits_and_windows(store: Arc<dyn Store>) {
    let s = &*store;
    let w = Duration::seconds(60);
    let hit = |key: &'static str, secs| async move { ok(s.hit_counter(key, at(secs), w).await, "hit_counter") };
    assert_eq!(ok(s.get_counter("login:a").await, "get_counter"), None, "no counter yet");
    assert_eq!(hit("login:a", 0).await, Counter { count: 1, window_started_at: at(0), last_hit_at: at(0) });
    assert_eq!(hit("login:a", 10).await, Counter { count: 2, window_started_at: at(0), last_hit_at: at(10) });
    assert_eq!(hit("login:a", 59).await, Counter { count: 3, window_started_at: at(0), last_hit_at: at(59) });
    assert_eq!(
        ok(s.get_counter("login:a").await, "get_counter"),
        Some(Counter { count: 3, window_started_at: at(0), last_hit_at: at(59) }),
        "get_counter reads the counter"
    );
    assert_eq!(hit("login:b", 30).await.count, 1, "keys are independent");
    assert_eq!(
        hit("login:a", 60).await,
        Counter { count: 1, window_started_at: at(60), last_hit_at: at(60) },
        "a window that started at now - window restarts"
    );
    assert_eq!(hit("login:a", 61).await.count, 2, "counting resumes in the new window");
    assert_eq!(
        hit("login:a", 500).await,
        Counter { count: 1, window_started_at: at(500), last_hit_at: at(500) },
        "long after the window, it restarts"
    );
    assert_eq!(ok(s.get_counter("login:b").await, "get_counter").map(|c| c.count), Some(1));
}

/// `clear_counter` removes the counter (and clearing an unknown key is fine).
pub async fn counter_clear(store: Arc<dyn Store>) {
    let s = &*store;
    let w = Duration::seconds(60);
    ok(s.hit_counter("k", at(0), w).await, "hit");
    ok(s.hit_counter("k", at(1), w).await, "hit");
    ok(s.hit_counter("other", at(1), w).await, "hit");
    ok(s.clear_counter("k").await, "clear_counter");
    assert_eq!(ok(s.get_counter("k").await, "get_counter"), None, "cleared");
    assert_eq!(ok(s.get_counter("other").await, "get_counter").map(|c| c.count), Some(1), "others kept");
    ok(s.clear_counter("never").await, "clearing an unknown key");
    assert_eq!(ok(s.hit_counter("k", at(2), w).await, "hit").count, 1, "counting restarts after a clear");
}

/// 32 tasks × 4 hits on one key: the count is exactly 128 (no lost update).
pub async fn concurrent_counter_hits(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for i in 0..32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for j in 0..4 {
                store.hit_counter("shared", at(i64::from(i % 4) + j), Duration::hours(1)).await?;
            }
            Ok::<(), crate::storage::StorageError>(())
        }));
    }
    for task in tasks {
        ok(task.await.expect("task panicked"), "concurrent hit_counter");
    }
    let counter = ok(store.get_counter("shared").await, "get_counter").expect("counter exists");
    assert_eq!(counter.count, 128, "concurrent counter hits are never lost");
}

/// `release_counter` takes back one hit (never below zero, times unchanged),
/// leaves a missing counter missing, and 32 tasks that each hit and release
/// leave the count where it was (no lost update).
pub async fn counter_release(store: Arc<dyn Store>) {
    let s = &*store;
    let w = Duration::seconds(60);
    ok(s.hit_counter("r", at(0), w).await, "hit");
    ok(s.hit_counter("r", at(5), w).await, "hit");
    ok(s.release_counter("r").await, "release_counter");
    assert_eq!(
        ok(s.get_counter("r").await, "get_counter"),
        Some(Counter { count: 1, window_started_at: at(0), last_hit_at: at(5) }),
        "one hit taken back, times unchanged"
    );
    ok(s.release_counter("r").await, "release_counter");
    ok(s.release_counter("r").await, "release_counter");
    assert_eq!(ok(s.get_counter("r").await, "get_counter").map(|c| c.count), Some(0), "never below zero");
    ok(s.release_counter("missing").await, "releasing an unknown key");
    assert_eq!(ok(s.get_counter("missing").await, "get_counter"), None, "a missing counter stays missing");

    ok(s.hit_counter("shared-r", at(0), Duration::hours(1)).await, "hit");
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.hit_counter("shared-r", at(1), Duration::hours(1)).await?;
            store.release_counter("shared-r").await
        }));
    }
    for task in tasks {
        ok(task.await.expect("task panicked"), "concurrent hit + release");
    }
    let counter = ok(store.get_counter("shared-r").await, "get_counter").expect("counter exists");
    assert_eq!(counter.count, 1, "concurrent hits and releases are never lost");
}
