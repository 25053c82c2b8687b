//! Bounded caches of decoded records: catalogue entries (agent, owner handle
//! and latest definition), so that a listing page does not re-read and
//! re-decode three JSON records per agent on every request, and user records,
//! which every authenticated request that acts for a user reads; and, under
//! a generation of their own, the session facts `authenticate` reads (so a
//! login or a token refresh does not retire the catalogue entries).
//!
//! Correctness rests on a generation counter rather than on finding every
//! affected key: every transaction that writes the agents, versions or users
//! trees bumps the generation once it has committed (see `SledStore::tx`), and
//! an entry is used only when it was read under the current generation. A
//! reader notes the generation *before* it reads the records, so an entry
//! built from data older than a commit can never be served after that
//! commit's write returned. Counters (installs, ratings) are not cached; they
//! are read fresh every time. The sled directory belongs to one process, so
//! an in-process cache sees every write.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use agentmart_core::model::{Agent, AgentDefinition, UserRecord};
use agentmart_core::storage::SessionAuth;
use quick_cache::sync::Cache;

/// The cacheable part of a catalogue entry.
pub(crate) struct CachedEntry {
    pub(crate) agent: Agent,
    pub(crate) owner_handle: String,
    pub(crate) definition: Arc<AgentDefinition>,
}

/// Values by 16-byte id, each usable only under the generation of writes it
/// was read in.
pub(crate) struct Cached<V> {
    generation: Arc<AtomicU64>,
    values: Option<Cache<[u8; 16], (u64, V)>>,
}

impl<V: Clone> Cached<V> {
    fn new(generation: Arc<AtomicU64>, capacity: usize) -> Self {
        Self { generation, values: (capacity > 0).then(|| Cache::new(capacity)) }
    }

    fn current(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The value of `id`: from memory when it was read under the current
    /// generation, else from `read` (noting the generation *before* reading,
    /// so that a value read before a commit is never served after it).
    pub(crate) fn read_through<E>(
        &self,
        id: [u8; 16],
        read: impl FnOnce() -> Result<Option<V>, E>,
    ) -> Result<Option<V>, E> {
        let Some(values) = &self.values else { return read() };
        if let Some((generation, value)) = values.get(&id)
            && generation == self.current()
        {
            return Ok(Some(value));
        }
        let generation = self.current();
        let value = read()?;
        if let Some(value) = &value
            && generation == self.current()
        {
            values.insert(id, (generation, value.clone()));
        }
        Ok(value)
    }
}

/// The caches of one store (see the module docs).
pub(crate) struct Caches {
    data_generation: Arc<AtomicU64>,
    auth_generation: Arc<AtomicU64>,
    /// Catalogue entries, by agent id (data generation).
    pub(crate) entries: Cached<Arc<CachedEntry>>,
    /// User records, by user id (data generation).
    pub(crate) users: Cached<Arc<UserRecord>>,
    /// Session facts, by session id (auth generation).
    pub(crate) sessions: Cached<SessionAuth>,
}

impl Caches {
    /// At most `capacity` values in each cache; zero disables them.
    pub(crate) fn new(capacity: usize) -> Self {
        let data_generation = Arc::new(AtomicU64::new(0));
        let auth_generation = Arc::new(AtomicU64::new(0));
        Self {
            entries: Cached::new(data_generation.clone(), capacity),
            users: Cached::new(data_generation.clone(), capacity),
            sessions: Cached::new(auth_generation.clone(), capacity),
            data_generation,
            auth_generation,
        }
    }

    /// Retires cached entries and users. Called after each commit that may
    /// change an agent, a version or a user.
    pub(crate) fn invalidate_data(&self) {
        self.data_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Retires cached session facts. Called after each commit that may
    /// change a session or a user's role or disabled flag.
    pub(crate) fn invalidate_auth(&self) {
        self.auth_generation.fetch_add(1, Ordering::AcqRel);
    }
}
