//! Cases for [`UsageStore`](crate::storage::UsageStore).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::support::*;
use crate::ids::{AgentId, UserId};
use crate::model::{DailyUsage, UsageEvent};
use crate::ranking::log2_add;
use crate::storage::Store;

fn event(agent: AgentId, user: UserId, units: u64, when: DateTime<Utc>) -> UsageEvent {
    UsageEvent { agent_id: agent, user_id: user, event: "run".into(), units, occurred_at: when }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, d).unwrap_or_default()
}

/// Day buckets by UTC date: events, units, distinct users; inclusive range; empty days absent.
pub async fn usage_day_buckets(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let agent = add_published(s, alice.id, "helper", &definition("Helper"), at(0)).await;
    let other = add_published(s, alice.id, "other", &definition("Other"), at(0)).await;
    let day_secs = 86_400;
    let events = [
        event(agent.id, alice.id, 10, at(0)),
        event(agent.id, alice.id, 5, at(day_secs - 1)),
        event(agent.id, bob.id, 0, at(3600)),
        event(agent.id, alice.id, 7, at(day_secs)),
        event(agent.id, bob.id, 1, at(3 * day_secs + 5)),
        event(other.id, bob.id, 100, at(10)),
    ];
    for e in &events {
        ok(s.record_usage(e, 1.0).await, "record_usage");
    }
    let got = ok(s.usage_by_day(agent.id, day(1), day(4)).await, "usage_by_day");
    assert_eq!(
        got,
        vec![
            DailyUsage { date: day(1), events: 3, units: 15, users: 2 },
            DailyUsage { date: day(2), events: 1, units: 7, users: 1 },
            DailyUsage { date: day(4), events: 1, units: 1, users: 1 },
        ],
        "buckets by UTC day, ascending, days without events absent"
    );
    assert_eq!(
        ok(s.usage_by_day(agent.id, day(2), day(2)).await, "usage_by_day"),
        vec![DailyUsage { date: day(2), events: 1, units: 7, users: 1 }],
        "from and to are inclusive"
    );
    assert!(ok(s.usage_by_day(agent.id, day(5), day(30)).await, "usage_by_day").is_empty(), "no events");
    assert_eq!(
        ok(s.usage_by_day(other.id, day(1), day(31)).await, "usage_by_day"),
        vec![DailyUsage { date: day(1), events: 1, units: 100, users: 1 }],
        "agents are separate"
    );
    assert_eq!(ok(s.get_stats(agent.id).await, "get_stats").usage_events, 5, "usage_events counts every event");
}

/// The trending score is `log2_add(previous, increment)` per event, starting from 0.
pub async fn usage_trending(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let agent = add_published(s, alice.id, "helper", &definition("Helper"), at(0)).await;
    let increments = [10.0, 12.5, 11.25, 40.0];
    let mut expected = 0.0;
    for (i, inc) in increments.iter().enumerate() {
        ok(s.record_usage(&event(agent.id, alice.id, 1, at(i as i64)), *inc).await, "record_usage");
        expected = log2_add(expected, *inc);
        let trending = ok(s.get_stats(agent.id).await, "get_stats").trending;
        assert!((trending - expected).abs() < 1e-9, "trending after {} events: {trending} != {expected}", i + 1);
    }
}

/// 32 tasks × 8 events: totals equal the sum of the recorded events, users are distinct.
pub async fn concurrent_usage_events(store: Arc<dyn Store>) {
    let alice = add_user(&*store, "alice").await;
    let agent = add_published(&*store, alice.id, "helper", &definition("Helper"), at(0)).await;
    let mut users = Vec::new();
    for i in 0..5 {
        users.push(add_user(&*store, &format!("user{i}")).await.id);
    }
    let mut tasks = Vec::new();
    for i in 0..32_u64 {
        let store = store.clone();
        let user = users[(i % 5) as usize];
        let agent = agent.id;
        tasks.push(tokio::spawn(async move {
            for j in 0..8_u64 {
                store.record_usage(&event(agent, user, i + j, at(60)), 20.0).await?;
            }
            Ok::<(), crate::storage::StorageError>(())
        }));
    }
    for task in tasks {
        ok(task.await.expect("task panicked"), "concurrent record_usage");
    }
    let units: u64 = (0..32_u64).flat_map(|i| (0..8_u64).map(move |j| i + j)).sum();
    let buckets = ok(store.usage_by_day(agent.id, day(1), day(1)).await, "usage_by_day");
    assert_eq!(
        buckets,
        vec![DailyUsage { date: day(1), events: 256, units, users: 5 }],
        "concurrent usage events are never lost"
    );
    let stats = ok(store.get_stats(agent.id).await, "get_stats");
    assert_eq!(stats.usage_events, 256, "usage_events counts every concurrent event");
    assert!((stats.trending - 28.0).abs() < 1e-6, "256 events of 2^20 give log2 = 28, got {}", stats.trending);
}
