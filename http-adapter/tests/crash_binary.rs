//! Crash tests (issue 11 item 2): the real `agentmart` binary on sled
//! (default settings), SQLite (file, WAL) and PostgreSQL (a fresh database)
//! takes bursts of every kind of write from concurrent clients, is killed
//! with SIGKILL at a random moment, restarted, and every acknowledged write
//! must be there, with every invariant of ARCHITECTURE.md holding.
//!
//! `AGENTMART_CRASH_ITERATIONS` (default 3) sets the kills per backend;
//! `benches/scripts/crash.sh` runs many. `AGENTMART_SEED` replays a run.

mod harness;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use harness::workload::{Targets, World};
use harness::{Backend, Rng, Server, Store, env_number};

const WORKERS: usize = 4;

fn crash_loop(backend: Backend) {
    let Some(store) = Store::create(backend) else { return };
    if backend == Backend::Postgres {
        store.migrate();
    }
    let iterations = env_number("AGENTMART_CRASH_ITERATIONS", 3);
    let mut rng = Rng::from_env();
    let mut server = Server::start(&store.url, &[]);
    let targets = Targets::new(vec![server.addr.clone()]);
    let world = World::setup(&targets, WORKERS, "c");
    for iteration in 0..iterations {
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (world, targets, stop) = (world.clone(), targets.clone(), stop.clone());
                let seed = rng.next();
                std::thread::spawn(move || world.drive(w, &targets, &stop, seed))
            })
            .collect();
        // A random moment in the burst.
        std::thread::sleep(Duration::from_millis(300 + rng.below(1500)));
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        for client in clients {
            client.join().unwrap();
        }
        server = Server::start(&store.url, &[]);
        targets.set(vec![server.addr.clone()]);
        let bad = world.verify(&server.addr);
        assert!(bad.is_empty(), "{backend:?}, after kill {}: {bad:#?}", iteration + 1);
        let errors = world.errors.lock().unwrap().clone();
        assert!(errors.is_empty(), "{backend:?}: unexpected answers during the load: {errors:#?}");
    }
    let totals = world.totals();
    eprintln!(
        "crash {backend:?}: {iterations} kills, {} requests, {} writes acknowledged, {} unknown, {} acknowledged facts checked",
        totals.requests, totals.acked, totals.unknown, totals.checked
    );
    assert!(totals.acked > 0 && totals.checked > 0, "{totals:?}");
}

#[test]
fn sigkill_loses_no_acknowledged_write_on_sled() {
    crash_loop(Backend::Sled);
}

#[test]
fn sigkill_loses_no_acknowledged_write_on_sqlite() {
    crash_loop(Backend::Sqlite);
}

#[test]
fn sigkill_loses_no_acknowledged_write_on_postgres() {
    crash_loop(Backend::Postgres);
}
