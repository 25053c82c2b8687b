//! sled write throughput from 32 concurrent tasks, durable (group commit,
//! the default) against relaxed (acknowledged before the flush), for installs
//! and usage events (issue 11 item 1, issue 12 targets).
//!
//! ```text
//! cargo bench -p agentmart-benches --bench sled_durability
//! ```
//!
//! Each mode gets a fresh on-disk store in a temporary directory (so flushes
//! really `fsync`), 64 published agents and 32 users. On a multi-threaded
//! tokio runtime with 2 worker threads, `ROUNDS` timed rounds of:
//! - `install`: 32 tasks, task `t` installing every agent for user `t` through
//!   `InstallStore::install` (2,048 installs; uninstalled untimed after);
//! - `usage`: 32 tasks each recording 200 usage events through
//!   `UsageStore::record_usage`, spread over the agents (6,400 events).
//!
//! Prints the rate of each round, the median, and the flushes per write
//! (`SledStore::flush_stats`). Store-level: no service or HTTP overhead.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentmart_benches::{populate, user};
use agentmart_core::storage::Store;
use agentmart_core::{AgentId, AuditRecord, UsageEvent, UserId};
use agentmart_storage_sled::{Durability, SledOptions, SledStore};
use chrono::{TimeZone, Utc};

const TASKS: usize = 32;
const AGENTS: usize = 64;
const USAGE_PER_TASK: usize = 200;
const ROUNDS: usize = 5;

async fn batch<F, Fut>(job: F) -> Duration
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let handles: Vec<_> = (0..TASKS).map(|t| tokio::spawn(job(t))).collect();
    for h in handles {
        h.await.expect("task");
    }
    started.elapsed()
}

fn report(mode: &str, name: &str, total: usize, rates: &mut [f64], flushes: u64, waits: u64) {
    rates.sort_by(f64::total_cmp);
    let per_flush = if flushes == 0 {
        "no flushes".to_string()
    } else {
        format!("{:.1} writes/flush", waits as f64 / flushes as f64)
    };
    println!(
        "sled/{name}_32_tasks/{mode}: median {:.0}/s over {ROUNDS} rounds of {total} ({per_flush})",
        rates[ROUNDS / 2]
    );
}

async fn run(mode: Durability) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sled = SledStore::open_with(dir.path().join("store"), &SledOptions::default().durability(mode)).expect("open");
    let store: Arc<dyn Store> = Arc::new(sled.clone());
    let agents: Arc<Vec<AgentId>> = Arc::new(populate(&store, 8, AGENTS).await);
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut users = Vec::new();
    for i in 0..TASKS {
        let u = user(50_000 + i);
        store.create_user(&u, &AuditRecord::new(at, "bench.user")).await.expect("create user");
        users.push(u.id);
    }
    let users: Arc<Vec<UserId>> = Arc::new(users);
    let label = mode.as_str();

    let mut rates = Vec::new();
    let before = sled.flush_stats();
    for round in 0..ROUNDS {
        let elapsed = batch(|t| {
            let (store, agents, users) = (Arc::clone(&store), Arc::clone(&agents), Arc::clone(&users));
            async move {
                for a in agents.iter() {
                    store
                        .install(users[t], *a, None, at, &AuditRecord::new(at, "bench.install"))
                        .await
                        .expect("install");
                }
            }
        })
        .await;
        let total = TASKS * AGENTS;
        let rate = total as f64 / elapsed.as_secs_f64();
        println!("sled/install_32_tasks/{label} round {round}: {total} in {elapsed:.2?} = {rate:.0}/s");
        rates.push(rate);
        for u in users.iter() {
            for a in agents.iter() {
                store.uninstall(*u, *a, &AuditRecord::new(at, "bench.uninstall")).await.expect("uninstall");
            }
        }
    }
    let after = sled.flush_stats();
    // The untimed uninstalls are counted too; the ratio is what matters.
    report(
        label,
        "install",
        TASKS * AGENTS,
        &mut rates,
        after.flushes - before.flushes,
        after.durable_waits - before.durable_waits,
    );

    let mut rates = Vec::new();
    let before = sled.flush_stats();
    for round in 0..ROUNDS {
        let elapsed = batch(|t| {
            let (store, agents, users) = (Arc::clone(&store), Arc::clone(&agents), Arc::clone(&users));
            async move {
                for i in 0..USAGE_PER_TASK {
                    let event = UsageEvent {
                        agent_id: agents[(t + i) % agents.len()],
                        user_id: users[t],
                        event: "run".into(),
                        units: 1,
                        occurred_at: at,
                    };
                    store.record_usage(&event, 1.0).await.expect("usage");
                }
            }
        })
        .await;
        let total = TASKS * USAGE_PER_TASK;
        let rate = total as f64 / elapsed.as_secs_f64();
        println!("sled/usage_32_tasks/{label} round {round}: {total} in {elapsed:.2?} = {rate:.0}/s");
        rates.push(rate);
    }
    let after = sled.flush_stats();
    report(
        label,
        "usage",
        TASKS * USAGE_PER_TASK,
        &mut rates,
        after.flushes - before.flushes,
        after.durable_waits - before.durable_waits,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs nothing here.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime");
    for mode in [Durability::Durable, Durability::Relaxed] {
        rt.block_on(run(mode));
    }
}
