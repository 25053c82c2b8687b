//! The store handle: opening the directory, the per-user locks, and running
//! transactions (with cache invalidation after each commit).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration as StdDuration, Instant};

use agentmart_core::ids::UserId;
use agentmart_core::storage::{StorageError, StorageResult, StoreAdmin};
use async_trait::async_trait;
use sled::transaction::{TransactionError, Transactional, TransactionalTree};
use sled::{Db, Tree};

use crate::caches::Caches;
use crate::codec::dec;
use crate::durability::{Durability, FlushStats, Flusher};
use crate::tx::{T, TREE_NAMES, TxResult, View, sled_err};

/// Stripes of the per-user write lock (see [`SledStore::user_lock`]).
const LOCK_STRIPES: usize = 64;

/// How a sled store is opened. `SledOptions::default()` suits a server on a
/// small machine; raise [`cache_capacity`](Self::cache_capacity) for large
/// catalogues that should stay in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SledOptions {
    /// Upper bound, in bytes, of sled's page cache. Default 128 MiB (sled's
    /// own default is 1 GiB, which dominates a small server's memory).
    pub cache_capacity: u64,
    /// How long an open waits for a directory whose lock is held before it
    /// fails with `unavailable`. Default 2 s; zero fails at once.
    pub lock_wait: StdDuration,
    /// How many decoded catalogue entries (agent, owner handle, latest
    /// definition) are kept in memory for listings, and as many decoded user
    /// records and session facts. Default 4,096; zero disables these caches.
    /// Counters are never cached.
    pub record_cache: usize,
    /// When a write is acknowledged. Default [`Durability::Durable`]: after a
    /// flush that covers it (shared by concurrent writers); see
    /// [`Durability::Relaxed`] for the faster mode and its loss window.
    pub durability: Durability,
}

impl Default for SledOptions {
    fn default() -> Self {
        Self {
            cache_capacity: 128 * 1024 * 1024,
            lock_wait: StdDuration::from_secs(2),
            record_cache: 4096,
            durability: Durability::Durable,
        }
    }
}

impl SledOptions {
    /// These options with another page-cache bound, in bytes.
    pub fn cache_capacity(mut self, bytes: u64) -> Self {
        self.cache_capacity = bytes;
        self
    }

    /// These options with another bound on each cache of decoded records
    /// (0: none).
    pub fn record_cache(mut self, entries: usize) -> Self {
        self.record_cache = entries;
        self
    }

    /// These options with another wait for a held directory lock.
    pub fn lock_wait(mut self, wait: StdDuration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// These options with another acknowledgement mode.
    ///
    /// ```
    /// use agentmart_storage_sled::{Durability, SledOptions};
    ///
    /// // A bulk import that can be rerun from scratch if the process dies.
    /// let options = SledOptions::default().durability(Durability::Relaxed);
    /// assert_eq!(options.durability, Durability::Relaxed);
    /// assert_eq!(SledOptions::default().durability, Durability::Durable);
    /// ```
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }
}

struct Inner {
    db: Db,
    trees: Vec<Tree>,
    locks: Vec<Mutex<()>>,
    caches: Caches,
    flusher: Flusher,
    /// Set when a write failed with an I/O error (full or read-only disk);
    /// cleared by `ping` once a probe write is durable. While set, `ping`
    /// (readiness) fails even though reads work.
    write_fault: AtomicBool,
}

/// The sled store. Cheap to clone (shared handle); `Send + Sync`.
#[derive(Clone)]
pub struct SledStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore").finish_non_exhaustive()
    }
}

impl SledStore {
    /// Opens (creating if needed) the store in the directory `path` with
    /// [`SledOptions::default`].
    ///
    /// Fails with `StorageError::Unavailable` when another process (or another
    /// open handle) holds the directory for longer than
    /// [`SledOptions::lock_wait`].
    pub fn open(path: impl AsRef<Path>) -> StorageResult<Self> {
        Self::open_with(path, &SledOptions::default())
    }

    /// Opens (creating if needed) the store in the directory `path`.
    ///
    /// sled locks the directory for as long as any handle to it lives, and
    /// releases that lock from its background threads shortly *after* the last
    /// handle is dropped. So that closing and reopening a store in one process
    /// (or a quick restart under a supervisor) does not fail spuriously, a held
    /// lock is retried until `options.lock_wait` has passed; then the open fails
    /// with `StorageError::Unavailable` naming the path. This call blocks the
    /// thread while it waits; async callers should run it off the reactor
    /// (`agentmart-stores` does).
    pub fn open_with(path: impl AsRef<Path>, options: &SledOptions) -> StorageResult<Self> {
        let path = path.as_ref();
        let deadline = Instant::now() + options.lock_wait;
        let mut pause = StdDuration::from_millis(2);
        loop {
            let opened = sled::Config::new().path(path).cache_capacity(options.cache_capacity).open();
            match opened {
                Ok(db) => return Self::from_db(db, options),
                Err(e) if lock_held(&e) && Instant::now() < deadline => {
                    std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
                    pause = (pause * 2).min(StdDuration::from_millis(50));
                }
                Err(e) => return Err(open_error(path, e)),
            }
        }
    }

    /// A store in a temporary directory, removed when the last handle drops
    /// (for tests), with [`SledOptions::default`] (so durable).
    pub fn temporary() -> StorageResult<Self> {
        Self::temporary_with(&SledOptions::default())
    }

    /// A store in a temporary directory, removed when the last handle drops,
    /// with `options` (`lock_wait` does not apply).
    pub fn temporary_with(options: &SledOptions) -> StorageResult<Self> {
        let db = sled::Config::new().temporary(true).cache_capacity(options.cache_capacity).open().map_err(sled_err)?;
        Self::from_db(db, options)
    }

    /// How this store acknowledges writes.
    pub fn durability(&self) -> Durability {
        self.inner.flusher.mode()
    }

    /// Counters of the group commit since the store was opened: flushes run
    /// for writers and `flush()` calls, and how many writes waited for one.
    /// Under concurrent writes `flushes` grows slower than `durable_waits`;
    /// both stay zero in [`Durability::Relaxed`] mode (until `flush()`).
    pub fn flush_stats(&self) -> FlushStats {
        self.inner.flusher.stats()
    }

    /// Opens a store from a URL of the form `sled:PATH` (also `sled://PATH`)
    /// with [`SledOptions::default`].
    pub fn from_url(url: &str) -> StorageResult<Self> {
        let path = url
            .strip_prefix("sled://")
            .or_else(|| url.strip_prefix("sled:"))
            .filter(|p| !p.is_empty())
            .ok_or_else(|| StorageError::backend(format!("`{url}` is not a sled URL (expected sled:PATH)")))?;
        Self::open(path)
    }

    fn from_db(db: Db, options: &SledOptions) -> StorageResult<Self> {
        let trees = TREE_NAMES.iter().map(|n| db.open_tree(n)).collect::<Result<Vec<_>, _>>().map_err(sled_err)?;
        let locks = (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect();
        let caches = Caches::new(options.record_cache);
        let flusher = Flusher::new(db.clone(), options.durability);
        let write_fault = AtomicBool::new(false);
        Ok(Self { inner: Arc::new(Inner { db, trees, locks, caches, flusher, write_fault }) })
    }

    /// The caches of decoded records.
    pub(crate) fn caches(&self) -> &Caches {
        &self.inner.caches
    }

    /// A tree, for non-transactional reads. Writes go through
    /// [`tx`](Self::tx), which makes them durable before they are
    /// acknowledged.
    pub(crate) fn tree(&self, name: T) -> &Tree {
        &self.inner.trees[name as usize]
    }

    /// Serialises the writers that add to one user's sets (sessions, tokens,
    /// installs, ratings, agents) with the cascades that scan those sets
    /// outside a transaction (sled transactions cannot scan). The sled
    /// directory is locked to one process, so an in-process lock suffices.
    pub(crate) fn user_lock(&self, user: UserId) -> MutexGuard<'_, ()> {
        let b = user.to_bytes();
        // UUIDv7: the low bytes are random.
        let i = (b[15] as usize) % LOCK_STRIPES;
        self.inner.locks[i].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in one transaction over the named trees, the only way the
    /// store writes (`tree` is for reads).
    ///
    /// The transaction commits when this is called; the returned future
    /// resolves once the outcome may be acknowledged: in durable mode after a
    /// flush covering the commit (see `durability`). Drop any user lock
    /// before awaiting it, so a user's next write need not wait for this
    /// flush (a `MutexGuard` held across the await would also make the
    /// method's future `!Send`, which the storage traits reject). An answer
    /// decided inside the transaction (`Ok`, or an abort such as a conflict)
    /// waits too, since it may rest on another writer's not-yet-durable
    /// commit; a failure of sled itself returns at once.
    pub(crate) fn tx<'s, R, F>(
        &'s self,
        names: &[T],
        f: F,
    ) -> impl Future<Output = StorageResult<R>> + Send + use<'s, R, F>
    where
        R: Send,
        F: Fn(&View<'_>) -> TxResult<R>,
    {
        let committed = self.commit(names, f);
        async move {
            let flushed = match committed {
                Ok(outcome) => self.inner.flusher.after_commit().await.and(Ok(outcome)),
                Err(e) => Err(e),
            };
            match flushed {
                Ok(outcome) => outcome,
                Err(e) => {
                    if matches!(e, StorageError::Unavailable(_)) {
                        self.inner.write_fault.store(true, Ordering::Relaxed);
                    }
                    Err(e)
                }
            }
        }
    }

    /// The synchronous part of [`tx`](Self::tx): the transaction itself.
    /// The outer error is sled's own failure, the inner result the outcome.
    fn commit<R>(&self, names: &[T], f: impl Fn(&View<'_>) -> TxResult<R>) -> StorageResult<StorageResult<R>> {
        let trees: Vec<Tree> = names.iter().map(|n| self.tree(*n).clone()).collect();
        let result = trees[..].transaction(|views: &Vec<TransactionalTree>| f(&View::new(names, views)));
        // After the commit (and before the caller hears of it), retire the
        // cached records this transaction may have changed (see `caches`).
        if names.iter().any(|n| matches!(n, T::Agents | T::Versions | T::Users)) {
            self.inner.caches.invalidate_data();
        }
        if names.iter().any(|n| matches!(n, T::SessAuth | T::UserAuth)) {
            self.inner.caches.invalidate_auth();
        }
        match result {
            Ok(r) => Ok(Ok(r)),
            Err(TransactionError::Abort(e)) => Ok(Err(e)),
            Err(TransactionError::Storage(e)) => Err(sled_err(e)),
        }
    }

    /// Keys with a prefix.
    pub(crate) fn scan_keys(&self, name: T, prefix: &[u8]) -> StorageResult<Vec<sled::IVec>> {
        self.tree(name).scan_prefix(prefix).keys().collect::<Result<Vec<_>, _>>().map_err(sled_err)
    }

    /// A JSON record by key.
    pub(crate) fn get_json<V: serde::de::DeserializeOwned>(&self, name: T, k: &[u8]) -> StorageResult<Option<V>> {
        match self.tree(name).get(k).map_err(sled_err)? {
            Some(v) => dec(&v).map(Some),
            None => Ok(None),
        }
    }
}

/// Whether an open failed because another handle holds the directory's lock.
fn lock_held(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io)
        if io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("could not acquire lock"))
}

fn open_error(path: &Path, e: sled::Error) -> StorageError {
    if lock_held(&e) {
        return StorageError::Unavailable(format!(
            "the sled database at {} is in use by another process (its lock is held); \
             close the other agentmart instance or use another path",
            path.display()
        ));
    }
    if let sled::Error::Io(io) = &e {
        return StorageError::Unavailable(format!("cannot open the sled database at {}: {io}", path.display()));
    }
    sled_err(e)
}

#[async_trait]
impl StoreAdmin for SledStore {
    fn backend_name(&self) -> &'static str {
        "sled"
    }

    async fn ping(&self) -> StorageResult<()> {
        self.inner.db.get(b"ping").map_err(sled_err)?;
        if self.inner.write_fault.load(Ordering::Relaxed) {
            // A write failed for want of disk: readiness waits for a durable probe write.
            let probe = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default().to_be_bytes();
            let refused = |e: StorageError| match e {
                StorageError::Unavailable(why) => StorageError::Unavailable(format!("the store refuses writes: {why}")),
                other => other,
            };
            self.inner.db.insert(b"ping", &probe).map_err(sled_err).map_err(refused)?;
            self.inner.flusher.wait_for_fresh_flush().await.map_err(refused)?;
            self.inner.write_fault.store(false, Ordering::Relaxed);
        }
        Ok(())
    }

    async fn flush(&self) -> StorageResult<()> {
        // A flush of its own, started after this call, shared with writers
        // waiting at the same moment.
        self.inner.flusher.wait_for_fresh_flush().await
    }
}
