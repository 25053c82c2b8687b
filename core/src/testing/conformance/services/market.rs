//! Service cases of the market: installs, ratings and usage under concurrency.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::market::{InstallRequest, RateRequest, UsageQuery, UsageRequest};
use crate::storage::Store;

use super::*;

/// A usage event a task will send: when, units, event name.
type PlannedEvent = (DateTime<Utc>, u64, &'static str);

/// Invariant 1: 12 tasks install and uninstall through the market service; the detail's install
/// count always equals the users who see the agent among their installs (also after everyone
/// installs twice at once, uninstalls twice at once, and half install again).
pub async fn service_install_count_equals_installing_users(store: Arc<dyn Store>) {
    let w = world(store);
    let owner = w.user("owner").await;
    let (id, path) = w.published(&owner, "counter").await;
    let users = w.users("fan", 6).await;

    // 12 tasks, two per user, each a different mix of installs and uninstalls.
    let tasks = (0..12)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i % users.len()].clone(), path.clone());
            async move {
                for k in 0..4 {
                    if (i + k) % 3 == 0 {
                        market.uninstall(&user, &path).await.unwrap();
                    } else {
                        market.install(&user, &path, InstallRequest::default()).await.unwrap();
                    }
                    tokio::task::yield_now().await;
                }
            }
        })
        .collect();
    run_all(tasks).await;
    w.check_install_count(&users, id, &path).await;

    // Everyone installs (twice at once): exactly one new install per user.
    let tasks = (0..16)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i % users.len()].clone(), path.clone());
            async move { market.install(&user, &path, InstallRequest::default()).await.unwrap().created }
        })
        .collect();
    let created = run_all(tasks).await;
    assert_eq!(w.check_install_count(&users, id, &path).await, 6);
    let fresh = created.iter().filter(|c| **c).count();
    assert!(fresh <= 6, "at most one new install per user, got {fresh}");

    // Everyone uninstalls (twice at once): the count drops to zero, not below.
    let tasks = (0..16)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i % users.len()].clone(), path.clone());
            async move { market.uninstall(&user, &path).await.unwrap() }
        })
        .collect();
    run_all(tasks).await;
    assert_eq!(w.check_install_count(&users, id, &path).await, 0);

    // Half install again: the count is exactly that half.
    let tasks = (0..3)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i].clone(), path.clone());
            async move { market.install(&user, &path, InstallRequest::default()).await.unwrap().created }
        })
        .collect();
    assert_eq!(run_all(tasks).await, vec![true; 3]);
    assert_eq!(w.check_install_count(&users, id, &path).await, 3);
}

/// Invariant 2: 8 tasks rate, re-rate and delete ratings; count, mean and histogram equal the
/// stored reviews, one review per user, `my_rating` agrees with the list; deleting all empties it.
pub async fn service_rating_aggregate_equals_reviews(store: Arc<dyn Store>) {
    let w = world(store);
    let owner = w.user("owner").await;
    let (_, path) = w.published(&owner, "rated").await;
    let users = w.users("critic", 4).await;
    let tasks = users
        .iter()
        .map(|u| {
            let (market, user, path) = (w.mart.market(), u.clone(), path.clone());
            async move { market.install(&user, &path, InstallRequest::default()).await.unwrap() }
        })
        .collect();
    run_all(tasks).await;

    // 8 tasks, two per user: ratings, re-ratings and deletions interleaved.
    let tasks = (0..8)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i % users.len()].clone(), path.clone());
            async move {
                for k in 0..3 {
                    if (i * 3 + k) % 7 == 6 {
                        market.delete_rating(&user, &path).await.unwrap();
                    } else {
                        let stars = ((i + 2 * k) % 5 + 1) as u8;
                        let request = RateRequest { stars, title: Some(format!("take {k}")), body: None };
                        let view = market.rate(&user, &path, request).await.unwrap();
                        assert_eq!(view.stars, stars);
                    }
                    tokio::task::yield_now().await;
                }
            }
        })
        .collect();
    run_all(tasks).await;

    let reviews = w.all_reviews(&path).await;
    let detail = w.mart.market().detail(None, &path).await.unwrap();
    let mut histogram = [0u64; 5];
    for r in &reviews {
        histogram[usize::from(r.stars) - 1] += 1;
    }
    let sum: u64 = reviews.iter().map(|r| u64::from(r.stars)).sum();
    assert!(!reviews.is_empty(), "the last operation of most users is a rating");
    assert_eq!(detail.rating.count, reviews.len() as u64, "count vs reviews");
    assert_eq!(detail.rating.histogram, histogram, "histogram vs reviews");
    let mean = sum as f64 / reviews.len() as f64;
    assert!((detail.rating.mean - mean).abs() < 1e-9, "mean {} vs reviews {mean}", detail.rating.mean);

    // One review per user, and each user's own view agrees with the list.
    let handles: BTreeSet<&str> = reviews.iter().map(|r| r.user.handle.as_str()).collect();
    assert_eq!(handles.len(), reviews.len(), "one rating per user and agent");
    for user in &users {
        let mine = w.mart.market().detail(Some(user), &path).await.unwrap().my_rating;
        let listed = reviews.iter().find(|r| Some(r.id) == mine.as_ref().map(|m| m.id));
        assert_eq!(mine.as_ref(), listed, "my_rating is the listed review (or none)");
    }
    let with_rating = {
        let mut n = 0;
        for user in &users {
            n += usize::from(w.mart.market().detail(Some(user), &path).await.unwrap().my_rating.is_some());
        }
        n
    };
    assert_eq!(with_rating, reviews.len());

    // Everybody deletes at once (twice): the aggregate returns to empty.
    let tasks = (0..8)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i % users.len()].clone(), path.clone());
            async move { market.delete_rating(&user, &path).await.unwrap() }
        })
        .collect();
    run_all(tasks).await;
    let detail = w.mart.market().detail(None, &path).await.unwrap();
    assert_eq!((detail.rating.count, detail.rating.histogram), (0, [0; 5]));
    assert_eq!(detail.rating.mean, 0.0);
    assert!(w.all_reviews(&path).await.is_empty());
}

/// Invariant 8: 12 tasks send usage events over three days; the owner's and an admin's daily
/// usage (events, units, distinct users) and `usage_30d` equal the events sent.
pub async fn service_usage_totals_equal_the_events_sent(store: Arc<dyn Store>) {
    let w = world(store);
    let owner = w.user("owner").await;
    let admin = w.admin().await;
    let (_, path) = w.published(&owner, "busy").await;
    let users = w.users("runner", 6).await;
    for user in &users {
        w.mart.market().install(user, &path, InstallRequest::default()).await.unwrap();
    }
    let now = t0();
    // Per day: (events, units, distinct users) expected from what the tasks will send.
    let mut expected: BTreeMap<chrono::NaiveDate, (u64, u64, BTreeSet<usize>)> = BTreeMap::new();
    let plan: Vec<(usize, Vec<PlannedEvent>)> = (0..12)
        .map(|i| {
            let user = i % users.len();
            let events = (0..4)
                .map(|k| {
                    // Today and the two days before, at various times of day.
                    let days_back = ((i + k) % 3) as i64;
                    let at = now - Duration::days(days_back) - Duration::minutes(((i * 37 + k * 11) % 600) as i64);
                    let units = (i as u64 * 13 + k as u64 * 7) % 50;
                    (at, units, if k % 2 == 0 { "run" } else { "chat.turn" })
                })
                // Users 4 and 5 skip the oldest day, so its distinct users are fewer.
                .filter(|(at, _, _)| !(user >= 4 && at.date_naive() < now.date_naive() - Duration::days(1)))
                .collect();
            (user, events)
        })
        .collect();
    for (user, events) in &plan {
        for (at, units, _) in events {
            let day = expected.entry(at.date_naive()).or_default();
            day.0 += 1;
            day.1 += units;
            day.2.insert(*user);
        }
    }
    let sent: u64 = plan.iter().map(|(_, events)| events.len() as u64).sum();
    let tasks = plan
        .into_iter()
        .map(|(user, events)| {
            let (market, user, path) = (w.mart.market(), users[user].clone(), path.clone());
            async move {
                for (at, units, event) in events {
                    let request = UsageRequest { event: Some(event.into()), units: Some(units), occurred_at: Some(at) };
                    market.record_usage(&user, &path, request).await.unwrap();
                }
            }
        })
        .collect();
    run_all(tasks).await;

    let today = now.date_naive();
    let query = UsageQuery { from: Some(today - Duration::days(3)), to: Some(today) };
    for reader in [&owner, &admin] {
        let days = w.mart.market().usage(reader, &path, query).await.unwrap();
        assert_eq!(days.len(), 4);
        let got: HashMap<_, _> = days.iter().map(|d| (d.date, (d.events, d.units, d.users))).collect();
        assert_eq!(got[&(today - Duration::days(3))], (0, 0, 0));
        for (date, (events, units, who)) in &expected {
            assert_eq!(got[date], (*events, *units, who.len() as u64), "usage of {date}");
        }
    }
    let total: u64 = expected.values().map(|d| d.0).sum();
    assert_eq!(total, sent);
    assert!(expected.values().any(|d| d.2.len() < users.len()), "some day has fewer distinct users than events");
    assert_eq!(w.mart.market().detail(None, &path).await.unwrap().usage_30d, total);
}
