//! Scale-out (issue 11 item 5): three `agentmart serve` processes over one
//! PostgreSQL database behind a round-robin client take a mixed load
//! (register, login, refresh, list, install/uninstall, rate, usage, publish,
//! status change, account deletion); one server is SIGKILLed halfway. The
//! others go on, no request gets a 5xx, nothing acknowledged is lost and
//! every invariant holds afterwards.
//!
//! `AGENTMART_SCALEOUT_SECS` sets the load's length (default 45 s here;
//! `benches/scripts/scaleout.sh` runs 10 minutes).

mod harness;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use harness::workload::{Targets, World};
use harness::{Backend, Rng, Server, Store, env_number};

const WORKERS: usize = 6;

#[test]
fn three_servers_over_one_postgres_survive_a_killed_peer() {
    let Some(store) = Store::create(Backend::Postgres) else { return };
    store.migrate();
    let secs = env_number("AGENTMART_SCALEOUT_SECS", 45);
    let mut rng = Rng::from_env();
    let mut servers: Vec<Server> = (0..3).map(|_| Server::start(&store.url, &[])).collect();
    let targets = Targets::new(servers.iter().map(|s| s.addr.clone()).collect());
    let world = World::setup(&targets, WORKERS, "s");
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (world, targets, stop) = (world.clone(), targets.clone(), stop.clone());
            let seed = rng.next();
            std::thread::spawn(move || world.drive(w, &targets, &stop, seed))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs / 2));
    let before = world.totals();
    servers[1].kill9();
    std::thread::sleep(Duration::from_secs(secs - secs / 2));
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let after = world.totals();
    assert!(after.acked > before.acked + 10, "the other servers go on after the kill: {before:?} → {after:?}");
    let errors = world.errors.lock().unwrap().clone();
    if !errors.is_empty() {
        // The servers' error lines say what the 5xx was.
        let logged: Vec<String> = servers
            .iter()
            .flat_map(|s| s.logs().lines().filter(|l| l.contains("ERROR")).map(str::to_string).collect::<Vec<_>>())
            .collect();
        panic!("no 5xx, no unexpected answer: {errors:#?}\nserver errors:\n{}", logged.join("\n"));
    }
    let bad = world.verify(&servers[0].addr);
    assert!(bad.is_empty(), "{bad:#?}");
    let totals = world.totals();
    eprintln!(
        "scaleout: {secs} s, 3 servers (1 killed at {} s), {} requests, {} writes acknowledged, {} unknown (in flight at the kill), 0 errors, {} acknowledged facts checked, invariants hold",
        secs / 2,
        totals.requests,
        totals.acked,
        totals.unknown,
        totals.checked
    );
}
