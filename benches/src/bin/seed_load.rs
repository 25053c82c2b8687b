//! Seeds a sled data directory with a catalogue of published agents for the
//! HTTP load scenarios (`benches/load/run.sh`), through
//! [`agentmart_benches::populate_with_progress`] (storage traits, no argon2).
//!
//! `seed_load DIR [COUNT=100000] [OWNERS=1000]`; the server then opens
//! `sled:DIR`. DIR must not hold a store yet.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use agentmart_core::storage::Store;

/// Wakes the thread that polls the future.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread (the sled store needs no runtime).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        std::thread::park();
    }
}

fn number(arg: Option<String>, default: usize, what: &str) -> Result<usize, String> {
    match arg {
        None => Ok(default),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{what} must be a positive number, got `{raw}`")),
        },
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: seed_load DIR [COUNT=100000] [OWNERS=1000]")?;
    let count = number(args.next(), 100_000, "COUNT")?;
    let owners = number(args.next(), 1_000, "OWNERS")?;
    if std::path::Path::new(&dir).exists() {
        return Err(format!("`{dir}` exists already; seed a fresh directory"));
    }
    let started = Instant::now();
    let sled =
        agentmart_storage_sled::SledStore::open(&dir).map_err(|e| format!("cannot open sled at `{dir}`: {e}"))?;
    let store: Arc<dyn Store> = Arc::new(sled);
    block_on(async {
        agentmart_benches::populate_with_progress(&store, owners, count, |done| {
            if done % 10_000 == 0 {
                eprintln!("seed_load: {done} agents");
            }
        })
        .await;
        store.flush().await.map_err(|e| format!("flush: {e}"))
    })?;
    eprintln!("seed_load: {count} published agents of {owners} owners in `{dir}` in {:.1?}", started.elapsed());
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("seed_load: {err}");
            ExitCode::FAILURE
        }
    }
}
