//! Install throughput from 8 concurrent tasks (issue 3 target: at least
//! 2,000 installs per second), through `MarketService::install`, per backend.
//!
//! ```text
//! BENCH_BACKENDS=sled,sqlite,postgres cargo bench -p agentmart-benches --bench install_concurrency
//! ```
//!
//! For every backend in `BENCH_BACKENDS` a store gets 2,000 published agents
//! and 1,000 users. Two workloads run on a multi-threaded tokio runtime
//! (2 worker threads), each for `ROUNDS` timed rounds; between rounds every
//! install is undone, untimed:
//! - `spread`: 8 tasks, each a different user installing its own 250 agents
//!   one after another (2,000 installs per round, no shared rows);
//! - `hot`: 8 tasks, each installing the same agent for its own 125 users
//!   (1,000 installs per round, all on one agent's counter row).
//!
//! Prints installs/s for each round and the median. Not a criterion bench:
//! the quantity is a throughput of a concurrent batch, timed as a whole.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentmart_benches::{backends_from_env, open_store, owner_handle, populate, slug, user};
use agentmart_core::market::InstallRequest;
use agentmart_core::model::{AuditRecord, Principal, Role};
use agentmart_core::{AgentRef, Agentmart, Config};
use chrono::{TimeZone, Utc};

const TASKS: usize = 8;
const AGENTS: usize = 2_000;
const OWNERS: usize = 10;
const HOT_USERS_PER_TASK: usize = 125;
const ROUNDS: usize = 5;

fn principal(user_id: agentmart_core::UserId) -> Principal {
    Principal { user_id, session_id: None, role: Role::User }
}

/// Runs one timed batch: `jobs[t]` is the list of (user, agent) installs of task `t`.
async fn timed_batch(mart: &Agentmart, jobs: &[Vec<(Principal, AgentRef)>]) -> Duration {
    let started = Instant::now();
    let mut handles = Vec::new();
    for list in jobs {
        let market = mart.market();
        let list = list.clone();
        handles.push(tokio::spawn(async move {
            for (who, agent) in &list {
                market.install(who, agent, InstallRequest::default()).await.expect("install");
            }
        }));
    }
    for h in handles {
        h.await.expect("install task");
    }
    started.elapsed()
}

async fn undo(mart: &Agentmart, jobs: &[Vec<(Principal, AgentRef)>]) {
    let market = mart.market();
    for list in jobs {
        for (who, agent) in list {
            market.uninstall(who, agent).await.expect("uninstall");
        }
    }
}

async fn workload(mart: &Agentmart, backend: &str, name: &str, jobs: &[Vec<(Principal, AgentRef)>]) {
    let total: usize = jobs.iter().map(Vec::len).sum();
    let mut rates = Vec::new();
    for round in 0..ROUNDS {
        let elapsed = timed_batch(mart, jobs).await;
        let rate = total as f64 / elapsed.as_secs_f64();
        println!("{backend}/install_8_tasks_{name} round {round}: {total} installs in {elapsed:.2?} = {rate:.0}/s");
        rates.push(rate);
        undo(mart, jobs).await;
    }
    rates.sort_by(f64::total_cmp);
    println!("{backend}/install_8_tasks_{name}: median {:.0} installs/s over {ROUNDS} rounds", rates[ROUNDS / 2]);
}

async fn run(backend: &str) {
    let store = open_store(backend).unwrap_or_else(|e| panic!("cannot open the `{backend}` store: {e}"));
    eprintln!("[{backend}] publishing {AGENTS} agents...");
    populate(&store, OWNERS, AGENTS).await;
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut users = Vec::new();
    for i in 0..TASKS * HOT_USERS_PER_TASK {
        let u = user(10_000 + i);
        store.create_user(&u, &AuditRecord::new(at, "bench.user")).await.expect("create user");
        users.push(u.id);
    }
    let mart = Agentmart::new(Arc::clone(&store), Config::for_tests()).expect("agentmart instance");
    let agent = |i: usize| AgentRef::new(owner_handle(i, OWNERS), slug(i));

    let spread: Vec<Vec<(Principal, AgentRef)>> = (0..TASKS)
        .map(|t| (0..AGENTS / TASKS).map(|k| (principal(users[t]), agent(t + k * TASKS))).collect())
        .collect();
    workload(&mart, backend, "spread", &spread).await;

    let hot: Vec<Vec<(Principal, AgentRef)>> = (0..TASKS)
        .map(|t| (0..HOT_USERS_PER_TASK).map(|k| (principal(users[t * HOT_USERS_PER_TASK + k]), agent(0))).collect())
        .collect();
    workload(&mart, backend, "hot", &hot).await;
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs nothing here.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime");
    for backend in backends_from_env() {
        rt.block_on(run(&backend));
    }
}
