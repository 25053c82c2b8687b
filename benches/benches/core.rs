//! Per-operation benchmarks of agentmart's services over each backend listed
//! in `BENCH_BACKENDS` (default `sled`); see `benches/RESULTS.md`.
//!
//! ```text
//! CARGO_TARGET_DIR=... cargo bench -p agentmart-benches --bench core
//! ```
//!
//! For every backend one store is built with `BENCH_AGENTS` published agents
//! (default 100,000) straight through the storage traits, then every
//! benchmark runs against it through the public services with production
//! configuration: argon2id at OWASP parameters, HS256 access tokens, login
//! throttling on (a successful login is never throttled, so it does not
//! interfere; its bookkeeping is part of the measured cost).
//!
//! On sled, bare sled inserts and transactions (`sled-raw/*`) are measured
//! first, to tell the backend's own cost from what agentmart adds.
//!
//! Reads run first (list popular page 1 and page 500, search a rare word and
//! the word in every agent), then writes, so that the writes (which add
//! users, sessions, installs, ratings and usage) cannot shift the read
//! figures. All futures run on one current-thread tokio runtime, so the
//! figures are per core (argon2 runs on tokio's blocking pool, one hash at a
//! time, as in the service).
//!
//! Every operation is measured twice: `NAME` is wall-clock time per call,
//! `NAME_cpu` is the CPU time the whole process spent per call (all threads:
//! the runtime thread, tokio's blocking pool for argon2, sled's I/O threads),
//! read with `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`. On a shared machine
//! the wall-clock figure includes waiting for a core; the CPU figure does
//! not, and is the cost per operation that a dedicated core would pay.

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use agentmart_benches::{COMMON_WORD, backends_from_env, open_store, owner_handle, populate_with_progress, slug};
use agentmart_core::auth::{LoginRequest, RegisterRequest};
use agentmart_core::market::{InstallRequest, ListAgents, RateRequest, UsageRequest};
use agentmart_core::storage::{CatalogQuery, CatalogSort};
use agentmart_core::{
    AgentId, AgentRef, Agentmart, AuditRecord, ClientInfo, Config, HashingParams, Principal, UsageEvent,
};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::Utc;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode};
use rustix::time::{ClockId, clock_gettime};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;
use tokio::runtime::Runtime;

/// Users owning the generated catalogue.
const OWNERS: usize = 1_000;
/// The page of the popular list measured deep in the catalogue.
const DEEP_PAGE: usize = 500;
/// Password of every user the benchmarks register (not a common password).
const PASSWORD: &str = "correct horse battery staple";
/// The HS256 secret of the benchmark instance.
const SECRET: &[u8] = b"agentmart-bench-secret-0123456789abcdef";

/// Number of agents in each store (`BENCH_AGENTS`, default 100,000).
fn agent_count() -> usize {
    std::env::var("BENCH_AGENTS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(100_000)
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

fn client() -> ClientInfo {
    ClientInfo::from_ip("198.51.100.7")
}

/// CPU time consumed so far by every thread of this process.
fn process_cpu_time() -> Duration {
    let t = clock_gettime(ClockId::ProcessCPUTime);
    Duration::new(u64::try_from(t.tv_sec).unwrap_or(0), u32::try_from(t.tv_nsec).unwrap_or(0))
}

/// What a measurement reads: wall-clock time or the process's CPU time.
#[derive(Clone, Copy)]
enum Clock {
    Wall,
    ProcessCpu,
}

impl Clock {
    /// The two clocks with the suffix of their benchmark names.
    const BOTH: [(Clock, &'static str); 2] = [(Clock::Wall, ""), (Clock::ProcessCpu, "_cpu")];

    /// Runs `f`, returning its result and the time it took on this clock.
    async fn time<T>(self, f: impl Future<Output = T>) -> (T, Duration) {
        match self {
            Clock::Wall => {
                let start = Instant::now();
                let out = f.await;
                (out, start.elapsed())
            }
            Clock::ProcessCpu => {
                let start = process_cpu_time();
                let out = f.await;
                (out, process_cpu_time().saturating_sub(start))
            }
        }
    }
}

/// Measures `op` per call, on both clocks (`name` and `name_cpu`).
fn measure<F, Fut>(group: &mut BenchmarkGroup<'_, WallTime>, rt: &Runtime, name: &str, op: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    for (clock, suffix) in Clock::BOTH {
        let op = &op;
        group.bench_function(format!("{name}{suffix}"), |b| {
            b.to_async(rt).iter_custom(|iters| async move {
                clock
                    .time(async {
                        for _ in 0..iters {
                            op().await;
                        }
                    })
                    .await
                    .1
            })
        });
    }
}

/// Like [`measure`], but runs `reset` (untimed) after every call of `op`,
/// e.g. to uninstall what `op` installed so that the next call does the work again.
fn measure_with_reset<F, Fut, R, RFut>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rt: &Runtime,
    name: &str,
    op: F,
    reset: R,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
    R: Fn() -> RFut,
    RFut: Future<Output = ()>,
{
    for (clock, suffix) in Clock::BOTH {
        let (op, reset) = (&op, &reset);
        group.bench_function(format!("{name}{suffix}"), |b| {
            b.to_async(rt).iter_custom(|iters| async move {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    timed += clock.time(op()).await.1;
                    reset().await;
                }
                timed
            })
        });
    }
}

/// A bare argon2id hash (no service, no store) with the parameters
/// `Config` uses by default, for comparison with login and register.
fn bench_bare_argon2(c: &mut Criterion) {
    let p = HashingParams::OWASP;
    let params = Params::new(p.m_cost, p.t_cost, p.p_cost, None).expect("argon2 params");
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = [7u8; 16];
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    let argon2 = &argon2;
    measure(&mut group, &runtime(), "hash_owasp", || async move {
        let mut out = [0u8; 32];
        argon2.hash_password_into(PASSWORD.as_bytes(), &salt, &mut out).expect("argon2 hash");
        black_box(out);
    });
    group.finish();
}

/// Registers a user through the service and returns its principal.
async fn register(mart: &Agentmart, email: &str) -> Principal {
    let registered = mart
        .auth()
        .register(
            RegisterRequest { email: email.into(), password: PASSWORD.into(), handle: None, display_name: None },
            &client(),
        )
        .await
        .expect("register");
    mart.auth().authenticate(&registered.tokens.access_token).await.expect("authenticate")
}

/// Builds the benchmark store of one backend, printing progress.
fn build(rt: &Runtime, backend: &str, count: usize) -> (Agentmart, Vec<AgentId>) {
    let store = open_store(backend).unwrap_or_else(|e| panic!("cannot open the `{backend}` store: {e}"));
    let started = Instant::now();
    eprintln!("[{backend}] publishing {count} agents of {OWNERS} owners...");
    let ids = rt.block_on(populate_with_progress(&store, OWNERS, count, |done| {
        if done % 10_000 == 0 {
            eprintln!("[{backend}]   {done}/{count} agents ({:.0?})", started.elapsed());
        }
    }));
    eprintln!("[{backend}] catalogue ready in {:.1?}", started.elapsed());
    let mut config = Config::with_hs256_secret(SECRET.to_vec());
    // One user rates and records usage thousands of times per measurement:
    // the per-user write limits would stop it (they are measured elsewhere).
    config.write_limits.enabled = false;
    let mart = Agentmart::new(Arc::clone(&store), config).expect("agentmart instance");
    (mart, ids)
}

fn popular(cursor: Option<String>) -> ListAgents {
    ListAgents { sort: Some(CatalogSort::Popular), cursor, ..Default::default() }
}

fn search(q: &str) -> ListAgents {
    ListAgents { q: Some(q.to_string()), ..Default::default() }
}

fn bench_reads(c: &mut Criterion, rt: &Runtime, backend: &str, mart: &Agentmart, count: usize) {
    let market = &mart.market();

    // The cursor of page DEEP_PAGE: walk the first DEEP_PAGE - 1 pages.
    let walk = Instant::now();
    let deep_cursor = rt.block_on(async {
        let mut cursor = None;
        for page in 1..DEEP_PAGE {
            let listed = market.list(None, popular(cursor)).await.expect("list");
            cursor = Some(listed.next_cursor.unwrap_or_else(|| panic!("page {page} is the last page")));
        }
        cursor
    });
    eprintln!("[{backend}] walked {} cursors in {:.1?}", DEEP_PAGE - 1, walk.elapsed());
    let deep = rt.block_on(market.list(None, popular(deep_cursor.clone()))).expect("deep page");
    assert_eq!(deep.items.len(), 20, "page {DEEP_PAGE} should be full");

    let deep_cursor = &deep_cursor;
    let rare = &format!("rare{}", count / 2);
    let found = rt.block_on(market.list(None, search(rare))).expect("rare search");
    assert_eq!(found.items.len(), 1, "`{rare}` names exactly one agent");
    let found = rt.block_on(market.list(None, search(COMMON_WORD))).expect("common search");
    assert_eq!(found.items.len(), 20, "`{COMMON_WORD}` is in every agent");

    let mut group = c.benchmark_group(backend);
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(30);
    measure(&mut group, rt, "list_popular_page_1", || async move {
        black_box(market.list(None, popular(None)).await.expect("list"));
    });
    measure(&mut group, rt, &format!("list_popular_page_{DEEP_PAGE}"), || async move {
        black_box(market.list(None, popular(deep_cursor.clone())).await.expect("list"));
    });
    measure(&mut group, rt, "search_rare_word", || async move {
        black_box(market.list(None, search(rare)).await.expect("search"));
    });
    measure(&mut group, rt, "search_common_word", || async move {
        black_box(market.list(None, search(COMMON_WORD)).await.expect("search"));
    });
    group.finish();
}

fn bench_writes(c: &mut Criterion, rt: &Runtime, backend: &str, mart: &Agentmart) {
    let auth = &mart.auth();
    let market = &mart.market();

    // Slow, argon2-bound operations: few samples, each of a few iterations.
    let mut group = c.benchmark_group(backend);
    group.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    let registered = &AtomicU64::new(0);
    measure(&mut group, rt, "register", || async move {
        let n = registered.fetch_add(1, Ordering::Relaxed);
        let request = RegisterRequest {
            email: format!("reg{n}@bench.example"),
            password: PASSWORD.into(),
            handle: None,
            display_name: None,
        };
        black_box(auth.register(request, &client()).await.expect("register"));
    });
    let email: &str = "login@bench.example";
    rt.block_on(register(mart, email));
    measure(&mut group, rt, "login", || async move {
        let request = LoginRequest { email: email.into(), password: PASSWORD.into() };
        black_box(auth.login(request, &client()).await.expect("login"));
    });
    group.finish();

    // Fast operations.
    let mut group = c.benchmark_group(backend);
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(30);

    let token = &rt
        .block_on(auth.login(LoginRequest { email: email.into(), password: PASSWORD.into() }, &client()))
        .expect("login")
        .access_token;
    measure(&mut group, rt, "authenticate", || async move {
        black_box(auth.authenticate(token).await.expect("authenticate"));
    });

    let user = &rt.block_on(auth.authenticate(token)).expect("authenticate");
    let agent = |i: usize| AgentRef::new(owner_handle(i, OWNERS), slug(i));

    let installed = &agent(7);
    measure(&mut group, rt, "install_uninstall", || async move {
        market.install(user, installed, InstallRequest::default()).await.expect("install");
        market.uninstall(user, installed).await.expect("uninstall");
    });
    // The install alone: each install is timed, the uninstall that makes
    // the next install a real one is not.
    measure_with_reset(
        &mut group,
        rt,
        "install",
        || async move {
            black_box(market.install(user, installed, InstallRequest::default()).await.expect("install"));
        },
        || async move { market.uninstall(user, installed).await.expect("uninstall") },
    );

    let rated = &agent(11);
    rt.block_on(market.install(user, rated, InstallRequest::default())).expect("install");
    let stars = &AtomicU64::new(0);
    measure(&mut group, rt, "rate", || async move {
        let stars = (stars.fetch_add(1, Ordering::Relaxed) % 5 + 1) as u8;
        let request = RateRequest { stars, title: Some("Benchmarked".into()), body: None };
        black_box(market.rate(user, rated, request).await.expect("rate"));
    });

    let used = &agent(13);
    rt.block_on(market.install(user, used, InstallRequest::default())).expect("install");
    measure(&mut group, rt, "record_usage", || async move {
        let request = UsageRequest { units: Some(120), ..Default::default() };
        black_box(market.record_usage(user, used, request).await.expect("record usage"));
    });
    group.finish();
}

/// The storage calls under the fast service operations, measured alone, so
/// that a figure can be split between the service layer and the backend.
fn bench_store_calls(c: &mut Criterion, rt: &Runtime, backend: &str, mart: &Agentmart, ids: &[AgentId]) {
    let store = mart.store();
    let user = &rt.block_on(register(mart, "store@bench.example"));
    let session = user.session_id.expect("a session principal");
    // Same agents as the service benchmarks, other user.
    let (installed, used) = (ids[7], ids[13]);
    let now = Utc::now();
    // Every write gets its own audit record: ids are unique, and SQL stores enforce it.
    let audit = || AuditRecord::new(now, "bench.store");
    rt.block_on(store.install(user.user_id, used, None, now, &audit())).expect("install");

    let mut group = c.benchmark_group(format!("{backend}/store"));
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(30);
    measure(&mut group, rt, "session_auth", || async move {
        black_box(store.session_auth(session).await.expect("session_auth"));
    });
    measure(&mut group, rt, "list_catalog_popular_page_1", || async move {
        let query = CatalogQuery {
            terms: Vec::new(),
            category: None,
            tag: None,
            input_mode: None,
            output_mode: None,
            owner: None,
            sort: CatalogSort::Popular,
            after: None,
            limit: 20,
        };
        black_box(store.list_catalog(&query).await.expect("list_catalog"));
    });
    measure_with_reset(
        &mut group,
        rt,
        "install",
        || async move {
            black_box(store.install(user.user_id, installed, None, now, &audit()).await.expect("install"));
        },
        || async move {
            store.uninstall(user.user_id, installed, &audit()).await.expect("uninstall");
        },
    );
    measure(&mut group, rt, "record_usage", || async move {
        let event =
            UsageEvent { agent_id: used, user_id: user.user_id, event: "run".into(), units: 120, occurred_at: now };
        store.record_usage(&event, 1.0).await.expect("record_usage");
    });
    group.finish();
}

/// Bare sled 0.34 writes on an empty temporary database, for comparison with
/// the write operations: one insert, a one-tree transaction with one insert,
/// and a seven-tree transaction with eight inserts (the shape of an install).
fn bench_raw_sled(c: &mut Criterion, rt: &Runtime) {
    let db = sled::Config::new().temporary(true).open().expect("temporary sled");
    let trees: Vec<sled::Tree> = (0..7).map(|i| db.open_tree(format!("t{i}")).expect("tree")).collect();
    let trees = &trees;
    let counter = &AtomicU64::new(0);
    let next_key = move || {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let mut k = [0u8; 16];
        k[8..].copy_from_slice(&n.to_be_bytes());
        k
    };
    let value = &[42u8; 64];
    let mut group = c.benchmark_group("sled-raw");
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(30);
    measure(&mut group, rt, "insert", || async move {
        trees[0].insert(next_key(), &value[..]).expect("insert");
    });
    measure(&mut group, rt, "tx_1_tree_1_insert", || async move {
        let k = next_key();
        trees[..1]
            .transaction(|t| {
                t[0].insert(&k[..], &value[..])?;
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .expect("transaction");
    });
    measure(&mut group, rt, "tx_7_trees_8_inserts", || async move {
        let k = next_key();
        trees[..]
            .transaction(|t| {
                for (i, tree) in t.iter().enumerate() {
                    tree.insert(&k[..], &value[..])?;
                    if i == 0 {
                        let mut k2 = k;
                        k2[0] = 1;
                        tree.insert(&k2[..], &value[..])?;
                    }
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .expect("transaction");
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let rt = runtime();
    let count = agent_count();
    bench_bare_argon2(c);
    for backend in backends_from_env() {
        if backend == "sled" {
            bench_raw_sled(c, &rt);
        }
        let (mart, ids) = build(&rt, &backend, count);
        bench_reads(c, &rt, &backend, &mart, count);
        bench_writes(c, &rt, &backend, &mart);
        bench_store_calls(c, &rt, &backend, &mart, &ids);
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}
