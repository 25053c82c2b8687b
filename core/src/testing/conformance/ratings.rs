//! Cases for [`RatingStore`](crate::storage::RatingStore).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::support::*;
use crate::ids::{AgentId, ReviewId, UserId};
use crate::model::{AgentStats, Review, actions};
use crate::storage::{ReviewKey, ReviewSort, Store};

fn review(agent: AgentId, user: UserId, stars: u8, when: DateTime<Utc>) -> Review {
    Review {
        id: ReviewId::new(),
        agent_id: agent,
        user_id: user,
        stars: crate::model::Stars::new(stars).expect("1..=5 stars"),
        title: Some(format!("{stars} stars")),
        body: Some("Body text.".into()),
        version: Some(v("1.0.0")),
        created_at: when,
        updated_at: when,
    }
}

/// The aggregate the stored reviews give.
fn aggregate(reviews: &[Review]) -> (u64, u64, [u64; 5]) {
    let mut hist = [0; 5];
    let mut sum = 0;
    for r in reviews {
        hist[usize::from(r.stars) - 1] += 1;
        sum += u64::from(r.stars);
    }
    (reviews.len() as u64, sum, hist)
}

fn stats_aggregate(stats: &AgentStats) -> (u64, u64, [u64; 5]) {
    (stats.rating_count, stats.rating_sum, stats.histogram)
}

/// `upsert_rating` creates then replaces (keeping id and `created_at`), updating count, sum and histogram.
pub async fn rating_upsert_and_aggregate(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let carol = add_user(s, "carol").await;
    let agent = add_published(s, alice.id, "helper", &definition("Helper"), at(0)).await;
    let stats = || async { stats_aggregate(&ok(s.get_stats(agent.id).await, "get_stats")) };

    let first = review(agent.id, bob.id, 4, at(10));
    let r = audit(actions::RATING_UPSERTED);
    let outcome = ok(s.upsert_rating(&first, &r).await, "upsert_rating");
    assert!(outcome.created, "the first rating is created");
    assert_eq!(outcome.review, first, "stored as given");
    assert_audited(s, &r, "upsert_rating").await;
    assert_eq!(stats().await, (1, 4, [0, 0, 0, 1, 0]));
    assert_eq!(ok(s.get_rating(bob.id, agent.id).await, "get_rating"), Some(first.clone()));
    assert_eq!(ok(s.get_review(first.id).await, "get_review"), Some(first.clone()));

    let mut change = review(agent.id, bob.id, 2, at(20));
    change.title = None;
    change.version = Some(v("1.1.0"));
    let r = audit(actions::RATING_UPSERTED);
    let outcome = ok(s.upsert_rating(&change, &r).await, "re-rate");
    let expected = Review { id: first.id, created_at: first.created_at, ..change.clone() };
    assert!(!outcome.created, "re-rating replaces");
    assert_eq!(outcome.review, expected, "id and created_at are kept; the rest is replaced");
    assert_audited(s, &r, "re-rate").await;
    assert_eq!(stats().await, (1, 2, [0, 1, 0, 0, 0]), "the aggregate follows the replacement");
    assert_eq!(ok(s.get_review(first.id).await, "get_review"), Some(expected.clone()));
    assert_eq!(ok(s.get_review(change.id).await, "get_review"), None, "the new id is not used on replace");

    ok(s.upsert_rating(&review(agent.id, carol.id, 5, at(30)), &audit("t")).await, "carol rates");
    assert_eq!(stats().await, (2, 7, [0, 1, 0, 0, 1]));
    let all = ok(s.list_reviews(agent.id, ReviewSort::Newest, None, 100).await, "list_reviews");
    assert_eq!(aggregate(&all), stats().await, "aggregate equals the stored reviews");
    assert_eq!(ok(s.get_rating(alice.id, agent.id).await, "get_rating"), None);
}

/// `delete_rating` and `delete_review` remove one review and update the aggregate; false when none.
pub async fn rating_delete_rating_and_review(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let agent = add_published(s, alice.id, "helper", &definition("Helper"), at(0)).await;
    let other = add_published(s, alice.id, "other", &definition("Other"), at(0)).await;
    let by_bob = review(agent.id, bob.id, 3, at(1));
    let by_alice = review(agent.id, alice.id, 5, at(2));
    let elsewhere = review(other.id, bob.id, 1, at(3));
    for r in [&by_bob, &by_alice, &elsewhere] {
        ok(s.upsert_rating(r, &audit("t")).await, "upsert_rating");
    }

    let r = audit(actions::RATING_DELETED);
    assert!(ok(s.delete_rating(bob.id, agent.id, &r).await, "delete_rating"), "deletes the rating");
    assert_audited(s, &r, "delete_rating").await;
    assert_eq!(ok(s.get_rating(bob.id, agent.id).await, "get_rating"), None);
    assert_eq!(ok(s.get_review(by_bob.id).await, "get_review"), None);
    assert_eq!(stats_aggregate(&ok(s.get_stats(agent.id).await, "stats")), (1, 5, [0, 0, 0, 0, 1]));
    assert_eq!(ok(s.get_rating(bob.id, other.id).await, "get_rating"), Some(elsewhere.clone()), "others stay");
    let r = audit("test.delete_again");
    assert!(!ok(s.delete_rating(bob.id, agent.id, &r).await, "again"), "no rating left");
    assert_not_audited(s, &r, "delete_rating without rating").await;

    let r = audit(actions::REVIEW_REMOVED);
    assert!(ok(s.delete_review(by_alice.id, &r).await, "delete_review"), "deletes the review");
    assert_audited(s, &r, "delete_review").await;
    assert_eq!(stats_aggregate(&ok(s.get_stats(agent.id).await, "stats")), (0, 0, [0; 5]));
    assert_eq!(ok(s.get_rating(alice.id, agent.id).await, "get_rating"), None, "the user's rating is gone");
    let r = audit("test.review_again");
    assert!(!ok(s.delete_review(by_alice.id, &r).await, "again"), "no review left");
    assert!(!ok(s.delete_review(ReviewId::new(), &r).await, "unknown"), "unknown review");
    assert_not_audited(s, &r, "delete_review without review").await;

    // After a delete the user may rate again, as a new rating.
    let again = review(agent.id, bob.id, 4, at(9));
    assert!(ok(s.upsert_rating(&again, &audit("t")).await, "rate again").created, "a new rating");
}

/// `list_reviews` in both orders with keyset pages of `limit + 1`; other agents' reviews excluded.
pub async fn rating_list_reviews(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let agent = add_published(s, alice.id, "helper", &definition("Helper"), at(0)).await;
    let other = add_published(s, alice.id, "other", &definition("Other"), at(0)).await;
    let mut all = Vec::new();
    for i in 0..11_i64 {
        let user = add_user(s, &format!("user{i}")).await;
        // Repeated times and stars, so tie-breaks matter.
        let r = review(agent.id, user.id, (i % 5 + 1) as u8, at(100 + (i % 4) * 10));
        ok(s.upsert_rating(&r, &audit("t")).await, "upsert_rating");
        all.push(r);
        ok(s.upsert_rating(&review(other.id, user.id, 1, at(1)), &audit("t")).await, "rate other");
    }
    for sort in [ReviewSort::Newest, ReviewSort::Stars] {
        let mut expected = all.clone();
        expected.sort_by(|a, b| {
            let newest = b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id));
            match sort {
                ReviewSort::Newest => newest,
                ReviewSort::Stars => b.stars.cmp(&a.stars).then(newest),
            }
        });
        let whole = ok(s.list_reviews(agent.id, sort, None, 100).await, "list_reviews");
        assert_eq!(whole, expected, "{sort:?}: order of list_reviews");
        let mut seen: Vec<Review> = Vec::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let page = ok(s.list_reviews(agent.id, sort, after, 4).await, "list_reviews page");
            pages += 1;
            assert!(pages <= 4, "pagination must end");
            assert!(page.len() <= 5, "at most limit + 1");
            let more = page.len() > 4;
            seen.extend(page.into_iter().take(4));
            if !more {
                break;
            }
            after = seen.last().map(ReviewKey::of);
        }
        assert_eq!(pages, 3, "{sort:?}: 11 reviews in pages of 4");
        assert_eq!(seen, expected, "{sort:?}: pages visit every review once, in order");
    }
    assert!(ok(s.list_reviews(AgentId::new(), ReviewSort::Newest, None, 10).await, "list").is_empty());
}

/// 16 users × 6 concurrent upserts/deletes on one agent: count, sum and histogram equal the stored reviews.
pub async fn concurrent_rating_upserts(store: Arc<dyn Store>) {
    let alice = add_user(&*store, "alice").await;
    let agent = add_published(&*store, alice.id, "helper", &definition("Helper"), at(0)).await;
    let mut users = Vec::new();
    for i in 0..16 {
        users.push(add_user(&*store, &format!("user{i}")).await.id);
    }
    let mut tasks = Vec::new();
    for (i, user) in users.iter().copied().enumerate() {
        for round in 0..6_usize {
            let store = store.clone();
            let agent = agent.id;
            tasks.push(tokio::spawn(async move {
                if (i + round) % 5 == 4 {
                    store.delete_rating(user, agent, &audit(actions::RATING_DELETED)).await?;
                } else {
                    let stars = ((i * 7 + round * 3) % 5 + 1) as u8;
                    let r = review(agent, user, stars, at(round as i64));
                    store.upsert_rating(&r, &audit(actions::RATING_UPSERTED)).await?;
                }
                Ok::<(), crate::storage::StorageError>(())
            }));
        }
    }
    for task in tasks {
        ok(task.await.expect("task panicked"), "concurrent rating");
    }
    let reviews = ok(store.list_reviews(agent.id, ReviewSort::Newest, None, 1000).await, "list_reviews");
    let authors: HashSet<_> = reviews.iter().map(|r| r.user_id).collect();
    assert_eq!(authors.len(), reviews.len(), "at most one review per user and agent");
    let stats = ok(store.get_stats(agent.id).await, "get_stats");
    assert_eq!(stats_aggregate(&stats), aggregate(&reviews), "count, sum and histogram equal the stored reviews");
    for user in users {
        let rating = ok(store.get_rating(user, agent.id).await, "get_rating");
        assert_eq!(rating.is_some(), authors.contains(&user), "get_rating agrees with list_reviews");
    }
}
