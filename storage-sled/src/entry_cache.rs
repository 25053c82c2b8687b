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

/// A cached entry with the generation it was read under, by agent id.
type Entries = Cache<[u8; 16], (u64, Arc<CachedEntry>)>;

/// A cached user with the generation it was read under, by user id.
type Users = Cache<[u8; 16], (u64, Arc<UserRecord>)>;

/// Cached session facts with the auth generation they were read under.
type Sessions = Cache<[u8; 16], (u64, SessionAuth)>;

/// See the module docs.
pub(crate) struct EntryCache {
    generation: AtomicU64,
    entries: Option<Entries>,
    users: Option<Users>,
    /// Bumped by every commit that writes sessions or users' role/disabled flags.
    auth_generation: AtomicU64,
    sessions: Option<Sessions>,
}

impl EntryCache {
    /// A cache of at most `capacity` catalogue entries and as many users;
    /// zero disables it.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            generation: AtomicU64::new(0),
            entries: (capacity > 0).then(|| Cache::new(capacity)),
            users: (capacity > 0).then(|| Cache::new(capacity)),
            auth_generation: AtomicU64::new(0),
            sessions: (capacity > 0).then(|| Cache::new(capacity)),
        }
    }

    /// The current auth generation; note it before reading session facts.
    pub(crate) fn auth_generation(&self) -> u64 {
        self.auth_generation.load(Ordering::Acquire)
    }

    /// Makes every cached session fact stale. Called after each commit that
    /// may change a session or a user's role or disabled flag.
    pub(crate) fn invalidate_auth(&self) {
        self.auth_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The facts of session `id`, when cached under the current auth generation.
    pub(crate) fn get_session(&self, id: &[u8; 16]) -> Option<SessionAuth> {
        let (generation, auth) = self.sessions.as_ref()?.get(id)?;
        (generation == self.auth_generation()).then_some(auth)
    }

    /// Caches session facts read under `generation` (ignored when it has moved on).
    pub(crate) fn insert_session(&self, id: [u8; 16], generation: u64, auth: SessionAuth) {
        if let Some(sessions) = &self.sessions
            && generation == self.auth_generation()
        {
            sessions.insert(id, (generation, auth));
        }
    }

    /// The current generation; note it before reading what will be cached.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Makes every cached entry stale. Called after each commit that may
    /// change an agent, a version or a user.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The entry of `id`, when cached under the current generation.
    pub(crate) fn get(&self, id: &[u8; 16]) -> Option<Arc<CachedEntry>> {
        let (generation, entry) = self.entries.as_ref()?.get(id)?;
        (generation == self.generation()).then_some(entry)
    }

    /// Caches an entry read under `generation` (ignored when it has moved on).
    pub(crate) fn insert(&self, id: [u8; 16], generation: u64, entry: Arc<CachedEntry>) {
        if let Some(entries) = &self.entries
            && generation == self.generation()
        {
            entries.insert(id, (generation, entry));
        }
    }

    /// The user `id`, when cached under the current generation.
    pub(crate) fn get_user(&self, id: &[u8; 16]) -> Option<Arc<UserRecord>> {
        let (generation, user) = self.users.as_ref()?.get(id)?;
        (generation == self.generation()).then_some(user)
    }

    /// Caches a user read under `generation` (ignored when it has moved on).
    pub(crate) fn insert_user(&self, id: [u8; 16], generation: u64, user: Arc<UserRecord>) {
        if let Some(users) = &self.users
            && generation == self.generation()
        {
            users.insert(id, (generation, user));
        }
    }
}
