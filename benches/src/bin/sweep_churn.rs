//! Issue 11 item 4: a churned store stays flat once the sweeper runs.
//!
//! `cargo run -p agentmart-benches --bin sweep_churn -- [N] [TASKS]` logs in
//! and out N times (default 100,000) from TASKS concurrent clients (default
//! 8, one account each) through the services on a fresh sled store, then
//! moves the manual clock past the sweeper's grace period and sweeps in
//! batches of 1,000 until nothing is left, printing the sessions and
//! refresh-token hashes before and after (counted by a full export). The
//! store is opened in relaxed durability: the figure is about record counts,
//! not about flush latency.

use std::sync::Arc;
use std::time::Instant;

use agentmart_core::auth::{LoginRequest, RegisterRequest};
use agentmart_core::storage::Store;
use agentmart_core::sweep::SweepReport;
use agentmart_core::transfer::{ExportOptions, export};
use agentmart_core::{Agentmart, ClientInfo, Config, HashingParams, ManualClock};
use agentmart_storage_sled::{Durability, SledOptions, SledStore};
use chrono::Utc;

const PASSWORD: &str = "correct horse battery staple";

async fn counts(store: &dyn Store) -> (u64, u64) {
    let options = ExportOptions { sessions: true, ..ExportOptions::default() };
    let summary = export(store, &mut std::io::sink(), &options).await.expect("export");
    let n = |k: &str| summary.by_kind.get(k).copied().unwrap_or(0);
    (n("session"), n("refresh_token"))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let total: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let tasks: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(8).max(1);
    let sled = SledStore::temporary_with(&SledOptions::default().durability(Durability::Relaxed)).expect("sled");
    let store: Arc<dyn Store> = Arc::new(sled);
    let clock = ManualClock::new(Utc::now());
    let mut config = Config::for_tests();
    config.hashing = HashingParams::INSECURE_FAST_FOR_TESTS;
    let mart = Agentmart::builder(store.clone(), config).clock(Arc::new(clock.clone())).build().expect("mart");
    let client = ClientInfo { ip: Some("198.51.100.7".into()), user_agent: Some("bench".into()), client_key: None };
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (mart, client) = (mart.clone(), client.clone());
        let email = format!("churn{t}@example.com");
        let per_task = total / tasks + u64::from(t < total % tasks);
        handles.push(tokio::spawn(async move {
            let req =
                RegisterRequest { email: email.clone(), password: PASSWORD.into(), handle: None, display_name: None };
            mart.auth().register(req, &client).await.expect("register");
            for _ in 0..per_task {
                let req = LoginRequest { email: email.clone(), password: PASSWORD.into() };
                let tokens = mart.auth().login(req, &client).await.expect("login");
                let principal = mart.auth().authenticate(&tokens.access_token).await.expect("authenticate");
                mart.auth().logout(&principal).await.expect("logout");
            }
        }));
    }
    for h in handles {
        h.await.expect("task");
    }
    let churn = started.elapsed();
    let before = counts(&*store).await;
    clock.advance(chrono::Duration::days(8));
    let started = Instant::now();
    let mut swept = SweepReport::default();
    let mut calls = 0;
    loop {
        let report = mart.sweep(1000).await.expect("sweep");
        calls += 1;
        swept.add(&report);
        if !report.more_pending(1000) {
            break;
        }
    }
    let sweep = started.elapsed();
    let after = counts(&*store).await;
    println!("logins+logouts: {total} from {tasks} tasks in {:.1} s", churn.as_secs_f64());
    println!("before sweep: sessions {} refresh hashes {}", before.0, before.1);
    println!(
        "sweep: {calls} calls of batch 1000 in {:.2} s, purged sessions {} counters {} one-time tokens {}",
        sweep.as_secs_f64(),
        swept.sessions,
        swept.counters,
        swept.one_time_tokens
    );
    println!("after sweep: sessions {} refresh hashes {}", after.0, after.1);
}
