//! The sweeper (issue 11 item 4) through the public services, with the
//! manual clock: a churned store's size stays flat, and refresh-token reuse
//! is still detected during the grace period.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use agentmart_core::auth::{LoginRequest, RegisterRequest};
use agentmart_core::storage::Store;
use agentmart_core::sweep::SweepReport;
use agentmart_core::testing::MemoryStore;
use agentmart_core::transfer::{ExportOptions, export};
use agentmart_core::{Agentmart, ClientInfo, Config, ErrorCode, ManualClock, TokenPair};
use chrono::{DateTime, Duration, Utc};

const PASSWORD: &str = "correct horse battery staple";

fn client() -> ClientInfo {
    ClientInfo {
        ip: Some("198.51.100.1".into()),
        user_agent: Some("tests/1.0".into()),
        client_key: Some("home".into()),
    }
}

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc)
}

fn mart(store: Arc<dyn Store>, clock: &ManualClock) -> Agentmart {
    let mut config = Config::for_tests();
    config.sweep.session_grace = StdDuration::from_secs(24 * 3600);
    Agentmart::builder(store, config).clock(Arc::new(clock.clone())).build().unwrap()
}

async fn register(mart: &Agentmart, email: &str) -> TokenPair {
    let req = RegisterRequest { email: email.into(), password: PASSWORD.into(), handle: None, display_name: None };
    mart.auth().register(req, &client()).await.unwrap().tokens
}

async fn login(mart: &Agentmart, email: &str) -> TokenPair {
    let req = LoginRequest { email: email.into(), password: PASSWORD.into() };
    mart.auth().login(req, &client()).await.unwrap()
}

/// Sessions and refresh-token hashes in the store, from a full export.
async fn session_records(store: &dyn Store) -> (u64, u64) {
    let options = ExportOptions { sessions: true, ..ExportOptions::default() };
    let summary = export(store, &mut std::io::sink(), &options).await.unwrap();
    let n = |k: &str| summary.by_kind.get(k).copied().unwrap_or(0);
    (n("session"), n("refresh_token"))
}

async fn sweep_all(mart: &Agentmart, batch: u32) -> SweepReport {
    let mut total = SweepReport::default();
    loop {
        let report = mart.sweep(batch).await.unwrap();
        total.add(&report);
        if !report.more_pending(batch) {
            return total;
        }
    }
}

#[tokio::test]
async fn logins_and_logouts_then_sweeps_keep_the_store_flat() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(start());
    let mart = mart(store.clone(), &clock);
    let mut kept = register(&mart, "alice@example.com").await;
    let mut sizes = Vec::new();
    for round in 0..3 {
        for _ in 0..200 {
            let tokens = login(&mart, "alice@example.com").await;
            let principal = mart.auth().authenticate(&tokens.access_token).await.unwrap();
            mart.auth().logout(&principal).await.unwrap();
            clock.advance(Duration::seconds(1));
        }
        let before = session_records(&*store).await;
        assert_eq!(before.0, 1 + 200, "round {round}: the churned sessions are there before the sweep");
        assert_eq!(mart.sweep(50).await.unwrap().sessions, 0, "nothing goes within the grace period");
        clock.advance(Duration::hours(25));
        let report = sweep_all(&mart, 50).await;
        assert_eq!(report.sessions, 200, "round {round}: every logged-out session goes, in batches of 50");
        let after = session_records(&*store).await;
        sizes.push(after);
        // Keep the kept session alive (not idle) for the next round.
        kept = mart.auth().refresh(&kept.refresh_token, &client()).await.unwrap();
    }
    assert!(sizes.iter().all(|s| s.0 == 1), "only the live session remains after each sweep: {sizes:?}");
    assert!(sizes.iter().all(|s| s.1 <= 4), "and only its refresh hashes: {sizes:?}");
}

#[tokio::test]
async fn a_replayed_refresh_token_is_reuse_during_the_grace_period_and_invalid_after() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(start());
    let mart = mart(store.clone(), &clock);
    let first = register(&mart, "bob@example.com").await;
    clock.advance(Duration::seconds(5));
    let second = mart.auth().refresh(&first.refresh_token, &client()).await.unwrap();
    clock.advance(Duration::seconds(5));
    let replay = mart.auth().refresh(&first.refresh_token, &client()).await;
    assert_eq!(replay.unwrap_err().code(), ErrorCode::TokenReused, "reuse revokes the session");
    // 23 hours later (grace 24 h) the sweeper keeps the revoked session.
    clock.advance(Duration::hours(23));
    assert_eq!(sweep_all(&mart, 10).await.sessions, 0);
    let replay = mart.auth().refresh(&first.refresh_token, &client()).await;
    assert_eq!(replay.unwrap_err().code(), ErrorCode::TokenReused, "still reuse within the grace period");
    let current = mart.auth().refresh(&second.refresh_token, &client()).await;
    assert_eq!(current.unwrap_err().code(), ErrorCode::TokenInvalid, "the revoked session's current token is dead");
    // Past the grace period the session and its hashes are purged.
    clock.advance(Duration::hours(2));
    assert_eq!(sweep_all(&mart, 10).await.sessions, 1);
    assert_eq!(session_records(&*store).await, (0, 0));
    let replay = mart.auth().refresh(&first.refresh_token, &client()).await;
    assert_eq!(replay.unwrap_err().code(), ErrorCode::TokenInvalid, "a purged token is unknown, still refused");
}

#[tokio::test]
async fn expired_reset_tokens_and_stale_counters_are_swept() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(start());
    let mart = mart(store.clone(), &clock);
    register(&mart, "carol@example.com").await;
    login(&mart, "carol@example.com").await;
    let bad = LoginRequest { email: "carol@example.com".into(), password: "wrong password entirely".into() };
    assert!(mart.auth().login(bad, &client()).await.is_err());
    mart.auth().request_password_reset("carol@example.com", &client()).await.unwrap();
    let user = store.find_user_by_email(&"carol@example.com".parse().unwrap()).await.unwrap().unwrap();
    let kind = agentmart_core::OneTimeTokenKind::PasswordReset;
    assert_eq!(store.count_one_time_tokens(user.id, kind).await.unwrap(), 1);
    assert_eq!(mart.sweep(100).await.unwrap().one_time_tokens, 0, "a pending reset token stays");
    clock.advance(Duration::days(2));
    let report = mart.sweep(100).await.unwrap();
    assert_eq!(report.one_time_tokens, 2, "the expired reset and email-verification tokens go");
    assert!(report.counters >= 2, "the failure and notification counters go: {report:?}");
    assert_eq!(store.count_one_time_tokens(user.id, kind).await.unwrap(), 0);
}
