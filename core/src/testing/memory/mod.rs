//! [`MemoryStore`]: the in-memory reference implementation of every storage trait.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{AgentId, AuditId, ReviewId, SessionId, UserId};
use crate::model::{
    Agent, AgentDefinition, AgentStats, AgentStatus, AgentVersion, AuditRecord, CatalogEntry, Counter, DailyUsage,
    Draft, Handle, Install, OneTimeToken, RetiredHandle, Review, Session, Stars, TokenHash, UserRecord,
};
use crate::storage::{CatalogQuery, ConflictKind, ReviewKey, ReviewSort, StorageError, StorageResult};
use crate::text::index_terms;

mod agents;
mod audit;
mod export;
mod market;
mod sessions;
mod users;

/// A complete, correct in-memory [`Store`](crate::storage::Store).
///
/// All state sits behind one [`Mutex`], so every method is trivially atomic
/// (each call locks once, checks, then writes). It is the reference model of
/// the property tests in [`crate::testing::model`] and a convenient store for
/// hosts' own tests:
///
/// ```
/// use std::sync::Arc;
/// use agentmart_core::storage::Store;
/// use agentmart_core::testing::MemoryStore;
///
/// let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
/// assert_eq!(store.backend_name(), "memory");
/// ```
///
/// Nothing is persisted: dropping the store drops the data. Catalogue
/// queries scan every agent, which is fine for tests but not for production
/// catalogues.
///
/// Choices where the trait contracts leave room, which other backends should
/// match (the model test compares them):
/// - emails (by [`Email::key`](crate::model::Email::key), already case-folded by core), handles,
///   slugs and external ids are compared exactly;
/// - user mutations (`update_profile`, `set_password_hash`, `set_role`,
///   `set_disabled`, token redemptions) set the user's `updated_at = now`;
/// - "ending" sessions sets `revoked_at = now` on every session of the user whose
///   `revoked_at` is unset (expired ones included);
/// - catalogue entries need the owner to exist (an inner join on users).
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy)]
struct RefreshToken {
    session: SessionId,
    superseded: bool,
}

#[derive(Debug, Default, Clone)]
struct State {
    users: BTreeMap<UserId, UserRecord>,
    retired: BTreeMap<Handle, RetiredHandle>,
    sessions: BTreeMap<SessionId, Session>,
    refresh: HashMap<TokenHash, RefreshToken>,
    one_time: HashMap<TokenHash, OneTimeToken>,
    counters: HashMap<String, Counter>,
    agents: BTreeMap<AgentId, Agent>,
    drafts: HashMap<AgentId, Draft>,
    versions: HashMap<AgentId, BTreeMap<semver::Version, AgentVersion>>,
    stats: HashMap<AgentId, AgentStats>,
    installs: BTreeMap<(UserId, AgentId), Install>,
    reviews: BTreeMap<ReviewId, Review>,
    ratings: HashMap<(UserId, AgentId), ReviewId>,
    usage: BTreeMap<(AgentId, NaiveDate), DailyUsage>,
    usage_users: BTreeSet<(AgentId, NaiveDate, UserId)>,
    audit: BTreeMap<AuditId, AuditRecord>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every method checks before it writes, so a panic inside one (there
        // are none on purpose) cannot leave half a change: recover from poison.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn conflict(kind: ConflictKind) -> StorageError {
    StorageError::Conflict(kind)
}

impl State {
    fn write_audit(&mut self, record: &AuditRecord) {
        self.audit.insert(record.id, record.clone());
    }

    /// Sets `revoked_at = now` on every un-revoked session of the user except `except`; returns how many.
    fn end_sessions(&mut self, user: UserId, except: Option<SessionId>, now: DateTime<Utc>) -> u64 {
        let mut n = 0;
        for session in self.sessions.values_mut() {
            if session.user_id == user && session.revoked_at.is_none() && Some(session.id) != except {
                session.revoked_at = Some(now);
                n += 1;
            }
        }
        n
    }

    /// Whether the handle is held by a user other than `except`, or retired.
    fn handle_taken(&self, handle: &Handle, except: Option<UserId>) -> bool {
        self.retired.contains_key(handle) || self.users.values().any(|u| Some(u.id) != except && &u.handle == handle)
    }

    fn stats_mut(&mut self, agent: AgentId) -> &mut AgentStats {
        self.stats.entry(agent).or_default()
    }

    fn add_rating(&mut self, agent: AgentId, stars: Stars) {
        self.stats_mut(agent).add_rating(stars);
    }

    fn remove_rating(&mut self, agent: AgentId, stars: Stars) {
        self.stats_mut(agent).remove_rating(stars);
    }

    fn remove_review(&mut self, id: ReviewId) -> bool {
        match self.reviews.remove(&id) {
            Some(review) => {
                self.ratings.remove(&(review.user_id, review.agent_id));
                self.remove_rating(review.agent_id, review.stars);
                true
            }
            None => false,
        }
    }

    fn remove_install(&mut self, user: UserId, agent: AgentId) -> bool {
        if self.installs.remove(&(user, agent)).is_some() {
            let stats = self.stats_mut(agent);
            stats.install_count = stats.install_count.saturating_sub(1);
            true
        } else {
            false
        }
    }

    fn live_agent_mut(&mut self, id: AgentId) -> StorageResult<&mut Agent> {
        let agent = self.agents.get_mut(&id).ok_or(StorageError::NotFound)?;
        if agent.status == AgentStatus::Deleted {
            return Err(conflict(ConflictKind::AgentDeleted));
        }
        Ok(agent)
    }

    /// The catalogue entry of a published (listed, unlisted or deprecated) agent.
    fn catalog_entry(&self, id: AgentId) -> Option<CatalogEntry> {
        let agent = self.agents.get(&id)?;
        if !agent.status.is_published() {
            return None;
        }
        let latest = agent.latest_version.as_ref()?;
        let version = self.versions.get(&id)?.get(latest)?;
        let owner = self.users.get(&agent.owner_id)?;
        Some(CatalogEntry {
            agent: agent.clone(),
            owner_handle: owner.handle.to_string(),
            definition: std::sync::Arc::new(version.definition.clone()),
            stats: self.stats.get(&id).copied().unwrap_or_default(),
        })
    }
}

/// Relevance of a definition for the terms: `None` when some term does not
/// match a word, else the sum of the matched terms' index weights.
pub(crate) fn relevance(definition: &AgentDefinition, terms: &[String]) -> Option<f64> {
    if terms.is_empty() {
        return Some(0.0);
    }
    let index = index_terms(definition);
    let mut score = 0.0_f64;
    for term in terms {
        score += f64::from(*index.get(term)?);
    }
    Some(score)
}

fn matches_filters(entry: &CatalogEntry, query: &CatalogQuery) -> bool {
    let def = &entry.definition;
    query.category.as_ref().is_none_or(|c| def.category.as_ref() == Some(c))
        && query.tag.as_ref().is_none_or(|t| def.tags.contains(t))
        && query.input_mode.as_ref().is_none_or(|m| def.input_modes.contains(m))
        && query.output_mode.as_ref().is_none_or(|m| def.output_modes.contains(m))
        && query.owner.is_none_or(|o| entry.agent.owner_id == o)
}

fn review_order(sort: ReviewSort, a: &ReviewKey, b: &ReviewKey) -> std::cmp::Ordering {
    let newest = b.at.cmp(&a.at).then(a.id.cmp(&b.id));
    match sort {
        ReviewSort::Newest => newest,
        ReviewSort::Stars => b.stars.cmp(&a.stars).then(newest),
    }
}
