//! Cases for [`SweepStore`](crate::storage::SweepStore): bounded purges of
//! ended sessions, stale counters, expired one-time tokens and old per-day
//! distinct-user sets.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};

use super::support::*;
use crate::model::{AuditRecord, OneTimeTokenKind, UsageEvent, actions};
use crate::storage::{RedeemOutcome, RedeemRefresh, SessionSweep, Store};

fn redeem(presented: &str, replacement: &str, now: chrono::DateTime<chrono::Utc>) -> RedeemRefresh {
    RedeemRefresh {
        presented: token_hash(presented),
        replacement: token_hash(replacement),
        now,
        rotated_audit: AuditRecord::new(now, actions::SESSION_REFRESHED),
        reuse_audit: AuditRecord::new(now, actions::SESSION_REUSE_DETECTED),
    }
}

/// `sweep_sessions` deletes ended sessions (revoked, expired, idle) with every
/// refresh hash, at most `limit` per call, and keeps live ones; before the
/// cutoff an old refresh token still reports reuse.
pub async fn sweep_sessions_purges_ended_with_refresh_hashes(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    // Rotated once (a superseded hash "r1" and a current one "r1b"), then revoked at 100.
    let revoked = add_session(s, alice.id, at(0), "r1").await;
    assert!(matches!(
        ok(s.redeem_refresh_token(&redeem("r1", "r1b", at(10))).await, "rotate"),
        RedeemOutcome::Rotated(_)
    ));
    assert!(ok(s.revoke_session(alice.id, revoked.id, at(100), &audit("session.revoked")).await, "revoke"));
    // Expired: its absolute lifetime ends at 200.
    let mut expiring = session_record(alice.id, at(0));
    expiring.expires_at = at(200);
    ok(s.create_session(&expiring, &token_hash("r2"), &audit("session.created")).await, "create expiring");
    // Idle: last used at 0, never revoked, long lifetime.
    let idle = add_session(s, alice.id, at(0), "r3").await;
    // Live: used at 5000.
    let live = add_session(s, alice.id, at(0), "r4").await;
    assert!(matches!(
        ok(s.redeem_refresh_token(&redeem("r4", "r4b", at(5000))).await, "rotate"),
        RedeemOutcome::Rotated(_)
    ));

    // A cutoff before every end: nothing goes, and reuse is still detected.
    let early = SessionSweep { ended_before: at(50), idle_before: at(-1) };
    assert_eq!(ok(s.sweep_sessions(early, 100).await, "sweep early"), 0, "nothing ended before 50");
    assert!(
        matches!(ok(s.redeem_refresh_token(&redeem("r1", "x1", at(60))).await, "replay"), RedeemOutcome::Reused(_)),
        "within the grace period a replayed rotated token is still reuse"
    );

    let rule = SessionSweep { ended_before: at(1000), idle_before: at(1) };
    let first = ok(s.sweep_sessions(rule, 2).await, "sweep 1");
    assert_eq!(first, 2, "at most `limit` sessions per call");
    let second = ok(s.sweep_sessions(rule, 2).await, "sweep 2");
    assert_eq!(second, 1, "the third ended session goes in the next call");
    assert_eq!(ok(s.sweep_sessions(rule, 2).await, "sweep 3"), 0, "nothing left to purge");

    for (id, what) in [(revoked.id, "revoked"), (expiring.id, "expired"), (idle.id, "idle")] {
        assert_eq!(ok(s.get_session(id).await, "get_session"), None, "the {what} session is gone");
        assert_eq!(ok(s.session_auth(id).await, "session_auth"), None, "the {what} session no longer authenticates");
    }
    for hash in ["r1", "r1b", "r2", "r3"] {
        assert_eq!(
            ok(s.find_session_by_refresh(&token_hash(hash)).await, "find by refresh"),
            None,
            "refresh hash {hash} of a purged session is gone"
        );
        assert_eq!(
            ok(s.redeem_refresh_token(&redeem(hash, &format!("{hash}-new"), at(2000))).await, "redeem"),
            RedeemOutcome::Unknown,
            "a purged refresh token is unknown"
        );
    }
    assert_eq!(ok(s.get_session(live.id).await, "get live").map(|x| x.id), Some(live.id), "the live session stays");
    assert!(
        matches!(ok(s.redeem_refresh_token(&redeem("r4b", "r4c", at(6000))).await, "live"), RedeemOutcome::Rotated(_)),
        "the live session still refreshes"
    );
    assert!(
        matches!(ok(s.find_session_by_refresh(&token_hash("r4")).await, "old live hash"), Some(x) if x.id == live.id),
        "the live session keeps its superseded hashes (reuse detection)"
    );
    let active = ok(s.list_active_sessions(alice.id, at(6000)).await, "list active");
    assert_eq!(active.iter().map(|x| x.id).collect::<Vec<_>>(), vec![live.id]);
}

/// `sweep_counters` deletes counters last hit at or before the cutoff, keeps
/// newer ones and those with the kept prefix, at most `limit` per call.
pub async fn sweep_counters_purges_stale(store: Arc<dyn Store>) {
    let s = &*store;
    let w = Duration::seconds(60);
    for key in ["rl:ip:a", "rl:ip:b", "rl:ip:c", "login:known:x"] {
        ok(s.hit_counter(key, at(0), w).await, "hit");
    }
    ok(s.hit_counter("rl:ip:fresh", at(0), w).await, "hit");
    ok(s.hit_counter("rl:ip:fresh", at(500), w).await, "hit again later");
    assert_eq!(ok(s.sweep_counters(at(100), Some("login:known:"), 2).await, "sweep"), 2, "at most `limit`");
    assert_eq!(ok(s.sweep_counters(at(100), Some("login:known:"), 2).await, "sweep"), 1, "the rest");
    assert_eq!(ok(s.sweep_counters(at(100), Some("login:known:"), 2).await, "sweep"), 0, "nothing left");
    for key in ["rl:ip:a", "rl:ip:b", "rl:ip:c"] {
        assert_eq!(ok(s.get_counter(key).await, "get"), None, "{key} is purged");
    }
    assert!(ok(s.get_counter("login:known:x").await, "get").is_some(), "the kept prefix stays");
    assert_eq!(
        ok(s.get_counter("rl:ip:fresh").await, "get").map(|c| c.count),
        Some(1),
        "a recent hit keeps its counter"
    );
    assert_eq!(ok(s.sweep_counters(at(100), None, 10).await, "sweep all"), 1, "without a kept prefix the marker goes");
    assert_eq!(ok(s.hit_counter("rl:ip:a", at(600), w).await, "hit").count, 1, "a purged counter starts afresh");
}

/// `sweep_one_time_tokens` deletes expired tokens only, at most `limit` per call.
pub async fn sweep_one_time_tokens_purges_expired(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let carol = add_user(s, "carol").await;
    let a = add_one_time_token(s, "a", OneTimeTokenKind::PasswordReset, alice.id, at(100)).await;
    let b = add_one_time_token(s, "b", OneTimeTokenKind::EmailVerification, bob.id, at(100)).await;
    let c = add_one_time_token(s, "c", OneTimeTokenKind::PasswordReset, carol.id, at(10_000)).await;
    assert_eq!(ok(s.sweep_one_time_tokens(at(99), 10).await, "sweep"), 0, "none expired yet");
    assert_eq!(ok(s.sweep_one_time_tokens(at(100), 1).await, "sweep"), 1, "at most `limit`");
    assert_eq!(ok(s.sweep_one_time_tokens(at(100), 1).await, "sweep"), 1, "the other expired one");
    assert_eq!(ok(s.sweep_one_time_tokens(at(100), 1).await, "sweep"), 0, "nothing left");
    assert_eq!(ok(s.find_one_time_token(&a.hash).await, "find"), None);
    assert_eq!(ok(s.find_one_time_token(&b.hash).await, "find"), None);
    assert_eq!(ok(s.count_one_time_tokens(alice.id, OneTimeTokenKind::PasswordReset).await, "count"), 0);
    assert_eq!(ok(s.count_one_time_tokens(bob.id, OneTimeTokenKind::EmailVerification).await, "count"), 0);
    assert_eq!(ok(s.find_one_time_token(&c.hash).await, "find").map(|t| t.hash), Some(c.hash), "unexpired stays");
}

/// `sweep_usage_users` deletes old distinct-user entries and keeps the day
/// buckets; recent days keep their sets.
pub async fn sweep_usage_users_keeps_buckets(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let agent = add_published(s, alice.id, "helper", &definition("Helper"), at(0)).await;
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 1, d).unwrap_or_default();
    let event = |user, secs| UsageEvent {
        agent_id: agent.id,
        user_id: user,
        event: "run".into(),
        units: 1,
        occurred_at: at(secs),
    };
    let day_secs = 86_400;
    for e in [event(alice.id, 0), event(bob.id, 10), event(alice.id, 3 * day_secs)] {
        ok(s.record_usage(&e, 1.0).await, "record_usage");
    }
    let before = ok(s.usage_by_day(agent.id, day(1), day(10)).await, "usage_by_day");
    assert_eq!(ok(s.sweep_usage_users(day(2), 1).await, "sweep"), 1, "at most `limit`");
    assert_eq!(ok(s.sweep_usage_users(day(2), 10).await, "sweep"), 1, "the other entry of day 1");
    assert_eq!(ok(s.sweep_usage_users(day(2), 10).await, "sweep"), 0, "day 4 is kept");
    let after = ok(s.usage_by_day(agent.id, day(1), day(10)).await, "usage_by_day");
    assert_eq!(after, before, "the day buckets (events, units, users) are unchanged");
    assert_eq!(after[0].users, 2);
    // Day 4 still has its set: the same user again does not add a user.
    ok(s.record_usage(&event(alice.id, 3 * day_secs + 5), 1.0).await, "record_usage");
    let day4 = ok(s.usage_by_day(agent.id, day(4), day(4)).await, "usage_by_day");
    assert_eq!((day4[0].events, day4[0].users), (2, 1), "the kept set still deduplicates");
}
