//! Durable acknowledgements by group commit.
//!
//! sled commits a transaction into memory; its log reaches the disk at the
//! next flush (sled's own timer, `flush_every_ms`, 500 ms by default) or when
//! someone calls `flush`. A process killed in between loses the transaction,
//! so in [`Durability::Durable`] mode (the default) every write waits, after
//! its commit and before it is acknowledged, for a flush that *started after*
//! its commit and completed.
//!
//! One flush costs one `fsync` whatever it carries, so concurrent writers
//! share it:
//!
//! - `started` counts the flushes begun. A writer, after its commit, takes
//!   `target = started + 1` under the state lock: the first flush that begins
//!   after that moment, which therefore covers its commit.
//! - At most one flush runs at a time. A writer that finds none running (and
//!   its target not yet reached) becomes the leader: it begins flush
//!   `started + 1` and awaits `flush_async` with the lock released.
//! - While it runs, new writers take the *next* number and wait. When it ends,
//!   the leader records it as completed (on success only) and wakes everyone;
//!   writers whose target is reached return, and one of the others leads the
//!   next flush, which carries every write that queued meanwhile.
//! - A failed flush completes nothing: its leader returns the error (its
//!   write is committed in memory but not known durable, the ambiguous outcome
//!   of any failed commit), and each other writer waiting for it retries by
//!   leading a new flush, returning the error if that fails too.
//!
//! So the flush rate adapts to the load: one writer alone pays one flush per
//! write; N writers arriving during a flush share the next one.
//!
//! The mechanism knows nothing of transactions: it runs after any commit, so
//! the write path of issue 12 (single-tree batches) can reuse it unchanged.
//! Every write reaches it through `SledStore::tx` (see `store`), which
//! returns a future that resolves only after this wait; no write method can
//! acknowledge without awaiting it.
//!
//! Reads are not delayed: a reader may see another writer's commit before
//! that writer's flush completes (the writer has not been acknowledged yet
//! and will not be if the process dies first).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use agentmart_core::storage::StorageResult;
use sled::Db;
use tokio::sync::watch;

use crate::tx::sled_err;

/// When a sled write is acknowledged.
///
/// Set with [`SledOptions::durability`](crate::SledOptions::durability) or
/// the store URL parameter `durability=durable|relaxed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Durability {
    /// A write is acknowledged once a flush (with `fsync`) that began after
    /// its commit has completed, so nothing acknowledged is lost by a process
    /// crash (nor, as far as the disk honours `fsync`, by a power loss).
    /// Concurrent writers share flushes (group commit). The default.
    #[default]
    Durable,
    /// A write is acknowledged as soon as it is committed in memory; it
    /// reaches the disk at sled's next periodic flush (every 500 ms) or at
    /// `flush()`/shutdown. A process crash or power loss may lose the writes of
    /// the last 500 ms, acknowledged or not. Faster for bulk loads and
    /// throwaway stores.
    Relaxed,
}

impl Durability {
    /// The URL parameter value of this mode (`durable` or `relaxed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Durability::Durable => "durable",
            Durability::Relaxed => "relaxed",
        }
    }
}

impl std::str::FromStr for Durability {
    type Err = UnknownDurability;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "durable" => Ok(Durability::Durable),
            "relaxed" => Ok(Durability::Relaxed),
            _ => Err(UnknownDurability(s.to_string())),
        }
    }
}

/// A durability name other than `durable` or `relaxed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownDurability(pub String);

impl std::fmt::Display for UnknownDurability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown sled durability `{}`; expected `durable` or `relaxed`", self.0)
    }
}

impl std::error::Error for UnknownDurability {}

/// Counters of the group commit, for metrics and tests
/// ([`SledStore::flush_stats`](crate::SledStore::flush_stats)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlushStats {
    /// Flushes that completed successfully (started by writers or `flush()`,
    /// not sled's own periodic ones).
    pub flushes: u64,
    /// Flushes that failed.
    pub failed_flushes: u64,
    /// Writes (and `flush()` calls) that waited for a flush before returning.
    pub durable_waits: u64,
}

#[derive(Default)]
struct State {
    /// Flushes begun.
    started: u64,
    /// The highest flush number that completed successfully.
    completed: u64,
    /// Whether a flush is running.
    in_flight: bool,
}

/// The group-commit flusher of one store.
pub(crate) struct Flusher {
    db: Db,
    mode: Durability,
    state: Mutex<State>,
    /// Bumped (under `state`) whenever a flush ends, successfully or not, to
    /// wake the writers waiting for it.
    ended: watch::Sender<u64>,
    flushes: AtomicU64,
    failed: AtomicU64,
    waits: AtomicU64,
}

impl Flusher {
    pub(crate) fn new(db: Db, mode: Durability) -> Self {
        Self {
            db,
            mode,
            state: Mutex::new(State::default()),
            ended: watch::Sender::new(0),
            flushes: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            waits: AtomicU64::new(0),
        }
    }

    pub(crate) fn mode(&self) -> Durability {
        self.mode
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few integers updated in single statements: a panic
        // elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// After a commit: returns once the commit is durable (at once in relaxed
    /// mode).
    pub(crate) async fn after_commit(&self) -> StorageResult<()> {
        match self.mode {
            Durability::Relaxed => Ok(()),
            Durability::Durable => self.wait_for_fresh_flush().await,
        }
    }

    /// Waits for a flush that begins after this call to complete, whatever the
    /// mode (`StoreAdmin::flush`).
    pub(crate) async fn wait_for_fresh_flush(&self) -> StorageResult<()> {
        self.waits.fetch_add(1, Ordering::Relaxed);
        let mut ended = self.ended.subscribe();
        let target = self.lock().started + 1;
        loop {
            let lead = {
                let mut s = self.lock();
                // Seen under the lock that every flush end is published
                // under: an end after this point wakes `changed()` below.
                ended.borrow_and_update();
                if s.completed >= target {
                    return Ok(());
                }
                if s.in_flight {
                    None
                } else {
                    s.in_flight = true;
                    s.started += 1;
                    Some(s.started)
                }
            };
            let Some(number) = lead else {
                // The sender lives in `self`, which outlives this call.
                let _ = ended.changed().await;
                continue;
            };
            // `number >= target`: `started` only grows, and was below
            // `target` when the target was taken.
            let mut running = Running { flusher: self, number, ok: false };
            let result = self.db.flush_async().await;
            running.ok = result.is_ok();
            drop(running);
            return match result {
                Ok(_) => {
                    self.flushes.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                Err(e) => {
                    self.failed.fetch_add(1, Ordering::Relaxed);
                    Err(sled_err(e))
                }
            };
        }
    }

    pub(crate) fn stats(&self) -> FlushStats {
        FlushStats {
            flushes: self.flushes.load(Ordering::Relaxed),
            failed_flushes: self.failed.load(Ordering::Relaxed),
            durable_waits: self.waits.load(Ordering::Relaxed),
        }
    }
}

/// The leader's hold on the running flush. Dropping it ends the flush for
/// the waiters, also when the leader's future is dropped mid-flush (a
/// cancelled request): then the flush counts as failed and a waiter leads a
/// new one, instead of every writer waiting for a flush nobody finishes.
struct Running<'a> {
    flusher: &'a Flusher,
    number: u64,
    ok: bool,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut s = self.flusher.lock();
        s.in_flight = false;
        if self.ok {
            s.completed = s.completed.max(self.number);
        }
        self.flusher.ended.send_modify(|n| *n = n.wrapping_add(1));
    }
}
