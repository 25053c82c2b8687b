//! # agentmart-storage-sled
//!
//! The embedded default storage backend of agentmart, on [sled] 0.34: a
//! directory on disk, no server. [`SledStore`] implements every storage trait
//! of `agentmart_core::storage` (the whole
//! [`Store`](agentmart_core::storage::Store)) and passes the shared
//! conformance suite and model test.
//!
//! ```
//! use std::sync::Arc;
//! use agentmart_core::{Agentmart, Config};
//! use agentmart_storage_sled::{SledOptions, SledStore};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! // Or `SledStore::from_url("sled:/var/lib/agentmart")`.
//! let store = SledStore::open(dir.path().join("agentmart.sled"))?;
//! let mart = Agentmart::new(Arc::new(store.clone()), Config::for_tests())?;
//! # let _ = mart;
//!
//! // A directory is open in one place at a time: a second open fails, naming
//! // the path (after waiting `lock_wait` for the holder to let go).
//! let options = SledOptions::default().lock_wait(std::time::Duration::ZERO);
//! let again = SledStore::open_with(dir.path().join("agentmart.sled"), &options);
//! assert!(matches!(again, Err(agentmart_core::storage::StorageError::Unavailable(_))));
//! # Ok(())
//! # }
//! ```
//!
//! ## Design
//!
//! - **Atomicity.** Every multi-key rule (install and count, rating and
//!   aggregate, refresh-token rotation, publish compare-and-set, unique
//!   email/handle/external-id/slug indexes, the account-deletion cascade, and
//!   the audit record of each change) runs in one sled transaction over the
//!   trees it touches. sled transactions cannot scan, so the few cascades that
//!   must enumerate a user's rows (ending sessions, deleting the account,
//!   replacing one-time tokens) collect them first under a per-user lock that
//!   every writer adding such rows also takes; the directory lock makes the
//!   process the only writer, so an in-process lock suffices.
//! - **Encoding.** Records are JSON (they embed `serde_json::Value`s); the hot
//!   small values are fixed-size binary: per-agent counters (80 bytes), the
//!   session facts `session_auth` reads (32 bytes) and each user's role and
//!   disabled flag (2 bytes), so authenticating is two point reads.
//! - **Catalogue.** Each order (popular, rating by damped mean, newest,
//!   trending, name) has an index of keys `order | deprecated | value | agent id`
//!   whose byte order equals `agentmart_core::ranking::compare_keys` (numbers
//!   and f64 mapped to order-preserving big-endian bytes), moved in the same
//!   transaction as the counters, status or definition it depends on. A page
//!   seeks to the cursor's key, so page 500 costs what page 1 costs.
//! - **Search and filters.** An inverted index holds, per word of
//!   `agentmart_core::text::index_terms`, each listed agent with its weight,
//!   plus a copy ordered by relevance for one-word searches; facet indexes
//!   hold owner, category, tags and modes. A query enumerates its most
//!   selective word or filter when it is small, and otherwise walks the
//!   order's index checking the rest by point lookups. Only listed and
//!   deprecated agents are indexed.

mod agents;
mod caches;
mod catalog;
mod codec;
mod market;
mod sessions;
mod users;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration as StdDuration, Instant};

use agentmart_core::ids::AuditId;
use agentmart_core::ids::UserId;
use agentmart_core::model::{AuditFilter, AuditRecord, Counter};
use agentmart_core::storage::{AuditStore, StorageError, StorageResult, StoreAdmin, ThrottleStore};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional, TransactionalTree};
use sled::{Db, Tree};

use crate::caches::Caches;
use crate::codec::{dec, enc, key};

/// The trees of the store. Keys are listed with each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum T {
    /// user id → UserRecord (JSON)
    Users,
    /// user id → [role, disabled] (hot path of `session_auth`)
    UserAuth,
    /// email → user id
    IdxEmail,
    /// handle → user id
    IdxHandle,
    /// external id → user id
    IdxExternal,
    /// session id → Session (JSON)
    Sessions,
    /// session id → user id | revoked_at micros (i64::MIN = none) | expires_at micros
    SessAuth,
    /// user id | session id → () (un-revoked sessions only)
    UserSessions,
    /// refresh hash → session id | state (1 current, 0 superseded)
    Refresh,
    /// token hash → OneTimeToken (JSON)
    Ott,
    /// user id | kind | token hash → ()
    UserOtt,
    /// key → Counter (JSON)
    Counters,
    /// agent id → Agent (JSON)
    Agents,
    /// owner id | slug → agent id
    IdxSlug,
    /// owner id | agent id → ()
    OwnerAgents,
    /// agent id → Draft (JSON)
    Drafts,
    /// agent id | version text → AgentVersion (JSON)
    Versions,
    /// agent id → AgentStats (80 fixed bytes)
    Stats,
    /// agent id → Listing (only publicly listed agents)
    Listing,
    /// agent id → CatalogFilter (JSON; only publicly listed agents)
    CatFilter,
    /// sort tag | deprecated | value | agent id → ()
    Sort,
    /// term | 0x00 | agent id → weight f32 | deprecated
    Search,
    /// term | 0x00 | deprecated | weight f32 desc | agent id → () (relevance order of one term)
    SearchRanked,
    /// facet kind | value | 0x00 | agent id → () (list filters; only publicly listed agents)
    Facets,
    /// user id | agent id → Install (JSON)
    Installs,
    /// user id | installed_at desc | agent id → ()
    UserInstalls,
    /// review id → Review (JSON)
    Reviews,
    /// user id | agent id → review id
    RatingByUser,
    /// agent id | updated_at desc | review id → ()
    ReviewsNewest,
    /// agent id | stars desc | updated_at desc | review id → ()
    ReviewsStars,
    /// agent id | day → events | units | users
    UsageDays,
    /// agent id | day | user id → ()
    UsageUsers,
    /// audit id → AuditRecord (JSON)
    Audit,
    /// subject id | audit id → ()
    AuditSubject,
}

const TREE_NAMES: [&str; 34] = [
    "users",
    "user_auth",
    "idx_email",
    "idx_handle",
    "idx_external",
    "sessions",
    "sess_auth",
    "user_sessions",
    "refresh",
    "ott",
    "user_ott",
    "counters",
    "agents",
    "idx_slug",
    "owner_agents",
    "drafts",
    "versions",
    "stats",
    "listing",
    "cat_filter",
    "sort",
    "search",
    "search_ranked",
    "facets",
    "installs",
    "user_installs",
    "reviews",
    "rating_by_user",
    "reviews_newest",
    "reviews_stars",
    "usage_days",
    "usage_users",
    "audit",
    "audit_subject",
];

/// Stripes of the per-user write lock (see [`SledStore::user_lock`]).
const LOCK_STRIPES: usize = 64;

pub(crate) type TxResult<T> = Result<T, ConflictableTransactionError<StorageError>>;

/// Aborts a transaction with a storage error.
pub(crate) fn abort(e: StorageError) -> ConflictableTransactionError<StorageError> {
    ConflictableTransactionError::Abort(e)
}

/// Converts a sled error.
pub(crate) fn sled_err(e: sled::Error) -> StorageError {
    match e {
        sled::Error::Io(io) => StorageError::Unavailable(format!("sled I/O error: {io}")),
        other => StorageError::backend(other),
    }
}

/// The trees one transaction runs over, addressed by name.
pub(crate) struct View<'a> {
    names: &'a [T],
    trees: &'a [TransactionalTree],
}

impl View<'_> {
    /// The transactional view of a tree (it must be in the transaction's set).
    pub(crate) fn t(&self, name: T) -> TxResult<&TransactionalTree> {
        self.names
            .iter()
            .position(|n| *n == name)
            .and_then(|i| self.trees.get(i))
            .ok_or_else(|| abort(StorageError::backend(format!("tree {name:?} is not part of the transaction"))))
    }

    /// Writes an audit record (and its subject index).
    pub(crate) fn audit(&self, record: &AuditRecord) -> TxResult<()> {
        let id = record.id.to_bytes();
        self.t(T::Audit)?.insert(&id, enc(record).map_err(abort)?)?;
        if let Some(subject) = record.subject {
            self.t(T::AuditSubject)?.insert(key(&[&subject.to_bytes(), &id]), &[])?;
        }
        Ok(())
    }
}

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
}

impl Default for SledOptions {
    fn default() -> Self {
        Self { cache_capacity: 128 * 1024 * 1024, lock_wait: StdDuration::from_secs(2), record_cache: 4096 }
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
}

struct Inner {
    db: Db,
    trees: Vec<Tree>,
    locks: Vec<Mutex<()>>,
    caches: Caches,
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

    /// A store in a temporary directory, removed when the last handle drops (for tests).
    pub fn temporary() -> StorageResult<Self> {
        let db = sled::Config::new().temporary(true).open().map_err(sled_err)?;
        Self::from_db(db, &SledOptions::default())
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
        Ok(Self { inner: Arc::new(Inner { db, trees, locks, caches }) })
    }

    /// The caches of decoded records.
    pub(crate) fn caches(&self) -> &Caches {
        &self.inner.caches
    }

    /// A tree, for non-transactional reads.
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

    /// Runs `f` in one transaction over the named trees.
    pub(crate) fn tx<R>(&self, names: &[T], f: impl Fn(&View<'_>) -> TxResult<R>) -> StorageResult<R> {
        let trees: Vec<Tree> = names.iter().map(|n| self.tree(*n).clone()).collect();
        let result = trees[..].transaction(|views: &Vec<TransactionalTree>| f(&View { names, trees: views }));
        // After the commit (and before the caller hears of it), retire the
        // cached records this transaction may have changed (see `caches`).
        if names.iter().any(|n| matches!(n, T::Agents | T::Versions | T::Users)) {
            self.inner.caches.invalidate_data();
        }
        if names.iter().any(|n| matches!(n, T::SessAuth | T::UserAuth)) {
            self.inner.caches.invalidate_auth();
        }
        match result {
            Ok(r) => Ok(r),
            Err(TransactionError::Abort(e)) => Err(e),
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

/// JSON in a transaction.
pub(crate) fn tx_get_json<V: serde::de::DeserializeOwned>(t: &TransactionalTree, k: &[u8]) -> TxResult<Option<V>> {
    match t.get(k)? {
        Some(v) => dec(&v).map(Some).map_err(abort),
        None => Ok(None),
    }
}

/// JSON into a transaction.
pub(crate) fn tx_put_json<V: serde::Serialize>(t: &TransactionalTree, k: &[u8], v: &V) -> TxResult<()> {
    t.insert(k, enc(v).map_err(abort)?)?;
    Ok(())
}

#[async_trait]
impl StoreAdmin for SledStore {
    fn backend_name(&self) -> &'static str {
        "sled"
    }

    async fn ping(&self) -> StorageResult<()> {
        self.inner.db.get(b"ping").map_err(sled_err).map(|_| ())
    }

    async fn flush(&self) -> StorageResult<()> {
        self.inner.db.flush_async().await.map_err(sled_err).map(|_| ())
    }
}

#[async_trait]
impl ThrottleStore for SledStore {
    async fn hit_counter(&self, k: &str, now: DateTime<Utc>, window: Duration) -> StorageResult<Counter> {
        self.tx(&[T::Counters], |v| {
            let t = v.t(T::Counters)?;
            let old: Option<Counter> = tx_get_json(t, k.as_bytes())?;
            let counter = match old {
                Some(c) if c.window_started_at > now - window => Counter {
                    count: c.count.saturating_add(1),
                    window_started_at: c.window_started_at,
                    last_hit_at: now,
                },
                _ => Counter { count: 1, window_started_at: now, last_hit_at: now },
            };
            tx_put_json(t, k.as_bytes(), &counter)?;
            Ok(counter)
        })
    }

    async fn get_counter(&self, k: &str) -> StorageResult<Option<Counter>> {
        self.get_json(T::Counters, k.as_bytes())
    }

    async fn clear_counter(&self, k: &str) -> StorageResult<()> {
        self.tree(T::Counters).remove(k.as_bytes()).map_err(sled_err).map(|_| ())
    }
}

fn audit_matches(r: &AuditRecord, f: &AuditFilter) -> bool {
    f.actor.is_none_or(|a| r.actor == Some(a))
        && f.subject.is_none_or(|s| r.subject == Some(s))
        && f.action.as_ref().is_none_or(|a| &r.action == a)
        && f.target.as_ref().is_none_or(|t| r.target.as_ref() == Some(t))
        && f.from.is_none_or(|from| r.at >= from)
        && f.to.is_none_or(|to| r.at < to)
}

#[async_trait]
impl AuditStore for SledStore {
    async fn append_audit(&self, record: &AuditRecord) -> StorageResult<()> {
        self.tx(&[T::Audit, T::AuditSubject], |v| v.audit(record))
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        before: Option<AuditId>,
        limit: u32,
    ) -> StorageResult<Vec<AuditRecord>> {
        let want = limit as usize + 1;
        let mut out = Vec::new();
        if let Some(subject) = filter.subject {
            let prefix = subject.to_bytes();
            let end = match before {
                Some(b) => key(&[&prefix, &b.to_bytes()]),
                None => key(&[&prefix, &[0xFF; 17]]),
            };
            for item in self.tree(T::AuditSubject).range(prefix.to_vec()..end).rev() {
                let (k, _) = item.map_err(sled_err)?;
                let id = codec::tail16(&k)?;
                if let Some(r) = self.get_json::<AuditRecord>(T::Audit, &id)?
                    && audit_matches(&r, filter)
                {
                    out.push(r);
                    if out.len() == want {
                        break;
                    }
                }
            }
        } else {
            let iter = match before {
                Some(b) => self.tree(T::Audit).range(..b.to_bytes().to_vec()),
                None => self.tree(T::Audit).range::<Vec<u8>, _>(..),
            };
            for item in iter.rev() {
                let (_, val) = item.map_err(sled_err)?;
                let r: AuditRecord = dec(&val)?;
                if audit_matches(&r, filter) {
                    out.push(r);
                    if out.len() == want {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }
}
