//! [`MemoryStore`]: the in-memory reference implementation of every storage trait.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::ids::{AgentId, AuditId, ReviewId, SessionId, UserId};
use crate::model::{
    Agent, AgentDefinition, AgentStats, AgentStatus, AgentVersion, AuditFilter, AuditRecord, CatalogEntry, Counter,
    DailyUsage, Draft, Install, OneTimeToken, OneTimeTokenKind, ProfilePatch, Review, Role, Session, TokenHash,
    UsageEvent, UserRecord,
};
use crate::ranking::{compare_keys, log2_add, sort_key};
use crate::storage::{
    AgentStore, AuditStore, CatalogPage, CatalogQuery, CatalogStore, ConflictKind, ConsumeOutcome, EndSessions,
    InstallOutcome, InstallStore, PublishVersion, RatingOutcome, RatingStore, RedeemOutcome, RedeemRefresh, ReviewKey,
    ReviewSort, SessionAuth, SessionStore, StorageError, StorageResult, StoreAdmin, ThrottleStore, UsageStore,
    UserStore,
};
use crate::text::index_terms;

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
/// - emails are compared case-insensitively, handles, slugs and external ids exactly;
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

#[derive(Debug, Default)]
struct State {
    users: BTreeMap<UserId, UserRecord>,
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

fn same_email(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
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

    fn stats_mut(&mut self, agent: AgentId) -> &mut AgentStats {
        self.stats.entry(agent).or_default()
    }

    fn add_rating(&mut self, agent: AgentId, stars: u8) {
        self.stats_mut(agent).add_rating(stars);
    }

    fn remove_rating(&mut self, agent: AgentId, stars: u8) {
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
            owner_handle: owner.handle.clone(),
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

#[async_trait]
impl UserStore for MemoryStore {
    async fn create_user(&self, user: &UserRecord, audit: &AuditRecord) -> StorageResult<()> {
        let mut st = self.lock();
        if let Some(email) = &user.email
            && st.users.values().any(|u| u.email.as_deref().is_some_and(|e| same_email(e, email)))
        {
            return Err(conflict(ConflictKind::Email));
        }
        if st.users.values().any(|u| u.handle == user.handle) {
            return Err(conflict(ConflictKind::Handle));
        }
        if let Some(ext) = &user.external_id
            && st.users.values().any(|u| u.external_id.as_ref() == Some(ext))
        {
            return Err(conflict(ConflictKind::ExternalId));
        }
        if st.users.contains_key(&user.id) {
            return Err(conflict(ConflictKind::Other("user id already exists".into())));
        }
        st.users.insert(user.id, user.clone());
        st.write_audit(audit);
        Ok(())
    }

    async fn get_user(&self, id: UserId) -> StorageResult<Option<UserRecord>> {
        Ok(self.lock().users.get(&id).cloned())
    }

    async fn find_user_by_email(&self, email: &str) -> StorageResult<Option<UserRecord>> {
        Ok(self.lock().users.values().find(|u| u.email.as_deref().is_some_and(|e| same_email(e, email))).cloned())
    }

    async fn find_user_by_handle(&self, handle: &str) -> StorageResult<Option<UserRecord>> {
        Ok(self.lock().users.values().find(|u| u.handle == handle).cloned())
    }

    async fn find_user_by_external_id(&self, external_id: &str) -> StorageResult<Option<UserRecord>> {
        Ok(self.lock().users.values().find(|u| u.external_id.as_deref() == Some(external_id)).cloned())
    }

    async fn update_profile(
        &self,
        id: UserId,
        patch: &ProfilePatch,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        let mut st = self.lock();
        if !st.users.contains_key(&id) {
            return Err(StorageError::NotFound);
        }
        if let Some(handle) = &patch.handle
            && st.users.values().any(|u| u.id != id && &u.handle == handle)
        {
            return Err(conflict(ConflictKind::Handle));
        }
        let user = st.users.get_mut(&id).ok_or(StorageError::NotFound)?;
        if let Some(handle) = &patch.handle {
            user.handle = handle.clone();
        }
        patch.apply_except_handle(user, now);
        let out = user.clone();
        st.write_audit(audit);
        Ok(out)
    }

    async fn set_password_hash(
        &self,
        id: UserId,
        password_hash: &str,
        end_sessions: EndSessions,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<()> {
        let mut st = self.lock();
        let user = st.users.get_mut(&id).ok_or(StorageError::NotFound)?;
        user.password_hash = Some(password_hash.to_string());
        user.updated_at = now;
        match end_sessions {
            EndSessions::None => {}
            EndSessions::AllExcept(keep) => {
                st.end_sessions(id, Some(keep), now);
            }
            EndSessions::All => {
                st.end_sessions(id, None, now);
            }
        }
        st.write_audit(audit);
        Ok(())
    }

    async fn set_role(
        &self,
        id: UserId,
        role: Role,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        let mut st = self.lock();
        let user = st.users.get_mut(&id).ok_or(StorageError::NotFound)?;
        user.role = role;
        user.updated_at = now;
        let out = user.clone();
        st.write_audit(audit);
        Ok(out)
    }

    async fn set_disabled(
        &self,
        id: UserId,
        disabled: bool,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        let mut st = self.lock();
        let user = st.users.get_mut(&id).ok_or(StorageError::NotFound)?;
        user.disabled = disabled;
        user.updated_at = now;
        let out = user.clone();
        if disabled {
            st.end_sessions(id, None, now);
        }
        st.write_audit(audit);
        Ok(out)
    }

    async fn delete_user(&self, id: UserId, now: DateTime<Utc>, audit: &AuditRecord) -> StorageResult<()> {
        let mut st = self.lock();
        if !st.users.contains_key(&id) {
            return Err(StorageError::NotFound);
        }
        st.end_sessions(id, None, now);
        st.one_time.retain(|_, t| t.user_id != id);
        let installed: Vec<AgentId> = st.installs.keys().filter(|(u, _)| *u == id).map(|(_, a)| *a).collect();
        for agent in installed {
            st.remove_install(id, agent);
        }
        let reviews: Vec<ReviewId> = st.reviews.values().filter(|r| r.user_id == id).map(|r| r.id).collect();
        for review in reviews {
            st.remove_review(review);
        }
        for agent in st.agents.values_mut() {
            if agent.owner_id == id && agent.status != AgentStatus::Deleted {
                agent.status = AgentStatus::Deleted;
                agent.updated_at = now;
            }
        }
        st.users.remove(&id);
        st.write_audit(audit);
        Ok(())
    }

    async fn put_one_time_token(&self, token: &OneTimeToken, audit: &AuditRecord) -> StorageResult<()> {
        let mut st = self.lock();
        st.one_time.retain(|_, t| !(t.user_id == token.user_id && t.kind == token.kind));
        st.one_time.insert(token.hash, token.clone());
        st.write_audit(audit);
        Ok(())
    }

    async fn reset_password_with_token(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        let mut st = self.lock();
        let token = match st.one_time.get(hash) {
            Some(t) if t.kind == OneTimeTokenKind::PasswordReset => t.clone(),
            _ => return Ok(ConsumeOutcome::Unknown),
        };
        if now >= token.expires_at {
            st.one_time.remove(hash);
            return Ok(ConsumeOutcome::Expired);
        }
        let Some(user) = st.users.get_mut(&token.user_id) else {
            return Ok(ConsumeOutcome::Unknown);
        };
        user.password_hash = Some(password_hash.to_string());
        user.updated_at = now;
        let out = user.clone();
        st.one_time.remove(hash);
        st.end_sessions(token.user_id, None, now);
        st.write_audit(&audit.clone().actor(token.user_id).subject(token.user_id));
        Ok(ConsumeOutcome::Applied(out))
    }

    async fn verify_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        let mut st = self.lock();
        let token = match st.one_time.get(hash) {
            Some(t) if t.kind == OneTimeTokenKind::EmailVerification => t.clone(),
            _ => return Ok(ConsumeOutcome::Unknown),
        };
        if now >= token.expires_at {
            st.one_time.remove(hash);
            return Ok(ConsumeOutcome::Expired);
        }
        let Some(user) = st.users.get_mut(&token.user_id) else {
            return Ok(ConsumeOutcome::Unknown);
        };
        if token.email.is_none() || user.email != token.email {
            return Ok(ConsumeOutcome::Unknown);
        }
        user.email_verified = true;
        user.updated_at = now;
        let out = user.clone();
        st.one_time.remove(hash);
        st.write_audit(&audit.clone().actor(token.user_id).subject(token.user_id));
        Ok(ConsumeOutcome::Applied(out))
    }

    async fn count_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64> {
        Ok(self.lock().one_time.values().filter(|t| t.user_id == user && t.kind == kind).count() as u64)
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(&self, session: &Session, refresh: &TokenHash, audit: &AuditRecord) -> StorageResult<()> {
        let mut st = self.lock();
        if st.sessions.contains_key(&session.id) {
            return Err(conflict(ConflictKind::Other("session id already exists".into())));
        }
        if st.refresh.contains_key(refresh) {
            return Err(conflict(ConflictKind::Other("refresh token hash already exists".into())));
        }
        st.sessions.insert(session.id, session.clone());
        st.refresh.insert(*refresh, RefreshToken { session: session.id, superseded: false });
        st.write_audit(audit);
        Ok(())
    }

    async fn get_session(&self, id: SessionId) -> StorageResult<Option<Session>> {
        Ok(self.lock().sessions.get(&id).cloned())
    }

    async fn session_auth(&self, id: SessionId) -> StorageResult<Option<SessionAuth>> {
        let st = self.lock();
        let Some(session) = st.sessions.get(&id) else { return Ok(None) };
        let Some(user) = st.users.get(&session.user_id) else { return Ok(None) };
        Ok(Some(SessionAuth {
            user_id: user.id,
            role: user.role,
            user_disabled: user.disabled,
            revoked_at: session.revoked_at,
            expires_at: session.expires_at,
        }))
    }

    async fn find_session_by_refresh(&self, presented: &TokenHash) -> StorageResult<Option<Session>> {
        let st = self.lock();
        Ok(st.refresh.get(presented).and_then(|t| st.sessions.get(&t.session)).cloned())
    }

    async fn redeem_refresh_token(&self, request: &RedeemRefresh) -> StorageResult<RedeemOutcome> {
        let mut st = self.lock();
        let Some(token) = st.refresh.get(&request.presented).copied() else {
            return Ok(RedeemOutcome::Unknown);
        };
        let Some(session) = st.sessions.get(&token.session).cloned() else {
            return Ok(RedeemOutcome::Unknown);
        };
        if token.superseded {
            let session = {
                let s = st.sessions.get_mut(&token.session).ok_or(StorageError::NotFound)?;
                if s.revoked_at.is_none() {
                    s.revoked_at = Some(request.now);
                }
                s.clone()
            };
            let record = request.reuse_audit.clone().actor(session.user_id).subject(session.user_id);
            st.write_audit(&record);
            return Ok(RedeemOutcome::Reused(session));
        }
        if !session.is_active(request.now) {
            return Ok(RedeemOutcome::SessionEnded(session));
        }
        if st.refresh.contains_key(&request.replacement) {
            return Err(conflict(ConflictKind::Other("replacement token hash already exists".into())));
        }
        st.refresh.insert(request.presented, RefreshToken { session: token.session, superseded: true });
        st.refresh.insert(request.replacement, RefreshToken { session: token.session, superseded: false });
        let session = {
            let s = st.sessions.get_mut(&token.session).ok_or(StorageError::NotFound)?;
            s.last_used_at = request.now;
            s.clone()
        };
        st.write_audit(&request.rotated_audit);
        Ok(RedeemOutcome::Rotated(session))
    }

    async fn list_active_sessions(&self, user: UserId, now: DateTime<Utc>) -> StorageResult<Vec<Session>> {
        let st = self.lock();
        let mut out: Vec<Session> =
            st.sessions.values().filter(|s| s.user_id == user && s.is_active(now)).cloned().collect();
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    async fn revoke_session(
        &self,
        user: UserId,
        id: SessionId,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<bool> {
        let mut st = self.lock();
        match st.sessions.get_mut(&id) {
            Some(s) if s.user_id == user && s.revoked_at.is_none() => {
                s.revoked_at = Some(now);
                st.write_audit(audit);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn revoke_user_sessions(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<u64> {
        let mut st = self.lock();
        let mut n = 0;
        for s in st.sessions.values_mut() {
            if s.user_id == user && s.is_active(now) && Some(s.id) != except {
                s.revoked_at = Some(now);
                n += 1;
            }
        }
        st.write_audit(audit);
        Ok(n)
    }
}

#[async_trait]
impl ThrottleStore for MemoryStore {
    async fn hit_counter(&self, key: &str, now: DateTime<Utc>, window: Duration) -> StorageResult<Counter> {
        let mut st = self.lock();
        // A window too long to subtract from `now` never expires.
        let expired = |c: &Counter| now.checked_sub_signed(window).is_some_and(|limit| c.window_started_at <= limit);
        let counter = match st.counters.get(key) {
            Some(c) if !expired(c) => {
                Counter { count: c.count.saturating_add(1), window_started_at: c.window_started_at, last_hit_at: now }
            }
            _ => Counter { count: 1, window_started_at: now, last_hit_at: now },
        };
        st.counters.insert(key.to_string(), counter);
        Ok(counter)
    }

    async fn get_counter(&self, key: &str) -> StorageResult<Option<Counter>> {
        Ok(self.lock().counters.get(key).copied())
    }

    async fn clear_counter(&self, key: &str) -> StorageResult<()> {
        self.lock().counters.remove(key);
        Ok(())
    }
}

#[async_trait]
impl AgentStore for MemoryStore {
    async fn create_agent(&self, agent: &Agent, draft: &Draft, audit: &AuditRecord) -> StorageResult<()> {
        let mut st = self.lock();
        if st.agents.values().any(|a| a.owner_id == agent.owner_id && a.slug == agent.slug) {
            return Err(conflict(ConflictKind::Slug));
        }
        if st.agents.contains_key(&agent.id) {
            return Err(conflict(ConflictKind::Other("agent id already exists".into())));
        }
        st.agents.insert(agent.id, agent.clone());
        st.drafts.insert(agent.id, Draft { agent_id: agent.id, ..draft.clone() });
        st.write_audit(audit);
        Ok(())
    }

    async fn get_agent(&self, id: AgentId) -> StorageResult<Option<Agent>> {
        Ok(self.lock().agents.get(&id).cloned())
    }

    async fn find_agent(&self, owner: UserId, slug: &str) -> StorageResult<Option<Agent>> {
        Ok(self.lock().agents.values().find(|a| a.owner_id == owner && a.slug == slug).cloned())
    }

    async fn get_draft(&self, id: AgentId) -> StorageResult<Draft> {
        self.lock().drafts.get(&id).cloned().ok_or(StorageError::NotFound)
    }

    async fn update_draft(
        &self,
        id: AgentId,
        definition: &AgentDefinition,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Draft> {
        let mut st = self.lock();
        st.live_agent_mut(id)?.updated_at = now;
        let draft = Draft { agent_id: id, definition: definition.clone(), updated_at: now };
        st.drafts.insert(id, draft.clone());
        st.write_audit(audit);
        Ok(draft)
    }

    async fn publish_version(&self, request: &PublishVersion) -> StorageResult<Agent> {
        let mut st = self.lock();
        let version = &request.version;
        let id = version.agent_id;
        let exists = st.versions.get(&id).is_some_and(|v| v.contains_key(&version.version));
        request.check(st.live_agent_mut(id)?, exists)?;
        st.versions.entry(id).or_default().insert(version.version.clone(), version.clone());
        st.stats.entry(id).or_default();
        let agent = st.live_agent_mut(id)?;
        agent.apply_publish(version);
        let out = agent.clone();
        st.write_audit(&request.audit);
        Ok(out)
    }

    async fn list_versions(&self, id: AgentId) -> StorageResult<Vec<AgentVersion>> {
        Ok(self.lock().versions.get(&id).map(|v| v.values().rev().cloned().collect()).unwrap_or_default())
    }

    async fn get_version(&self, id: AgentId, version: &semver::Version) -> StorageResult<Option<AgentVersion>> {
        Ok(self.lock().versions.get(&id).and_then(|v| v.get(version)).cloned())
    }

    async fn set_agent_status(
        &self,
        id: AgentId,
        status: AgentStatus,
        message: Option<&str>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Agent> {
        let mut st = self.lock();
        let agent = st.live_agent_mut(id)?;
        agent.status = status;
        agent.status_message = message.map(str::to_string);
        agent.updated_at = now;
        let out = agent.clone();
        st.write_audit(audit);
        Ok(out)
    }

    async fn list_owner_agents(&self, owner: UserId) -> StorageResult<Vec<Agent>> {
        let st = self.lock();
        let mut out: Vec<Agent> = st.agents.values().filter(|a| a.owner_id == owner).cloned().collect();
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    async fn get_stats(&self, id: AgentId) -> StorageResult<AgentStats> {
        Ok(self.lock().stats.get(&id).copied().unwrap_or_default())
    }
}

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn list_catalog(&self, query: &CatalogQuery) -> StorageResult<CatalogPage> {
        let st = self.lock();
        let mut rows = Vec::new();
        for id in st.agents.keys() {
            let Some(entry) = st.catalog_entry(*id) else { continue };
            if !entry.agent.status.is_public_listing() || !matches_filters(&entry, query) {
                continue;
            }
            let Some(score) = relevance(&entry.definition, &query.terms) else { continue };
            let key = sort_key(&entry, query.sort, score);
            if query.after.as_ref().is_some_and(|after| compare_keys(&key, after) != std::cmp::Ordering::Greater) {
                continue;
            }
            rows.push((entry, key));
        }
        rows.sort_by(|a, b| compare_keys(&a.1, &b.1));
        let limit = query.limit as usize;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        Ok(CatalogPage { entries: rows, has_more })
    }

    async fn get_catalog_entry(&self, id: AgentId) -> StorageResult<Option<CatalogEntry>> {
        Ok(self.lock().catalog_entry(id))
    }
}

#[async_trait]
impl InstallStore for MemoryStore {
    async fn install(
        &self,
        user: UserId,
        agent: AgentId,
        pinned_version: Option<&semver::Version>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<InstallOutcome> {
        let mut st = self.lock();
        if let Some(existing) = st.installs.get_mut(&(user, agent)) {
            if existing.pinned_version.as_ref() == pinned_version {
                return Ok(InstallOutcome { created: false, install: existing.clone() });
            }
            existing.pinned_version = pinned_version.cloned();
            existing.updated_at = now;
            let install = existing.clone();
            st.write_audit(audit);
            return Ok(InstallOutcome { created: false, install });
        }
        let install = Install {
            user_id: user,
            agent_id: agent,
            pinned_version: pinned_version.cloned(),
            installed_at: now,
            updated_at: now,
        };
        st.installs.insert((user, agent), install.clone());
        st.stats_mut(agent).install_count += 1;
        st.write_audit(audit);
        Ok(InstallOutcome { created: true, install })
    }

    async fn uninstall(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        let mut st = self.lock();
        let removed = st.remove_install(user, agent);
        if removed {
            st.write_audit(audit);
        }
        Ok(removed)
    }

    async fn get_install(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Install>> {
        Ok(self.lock().installs.get(&(user, agent)).cloned())
    }

    async fn list_user_installs(
        &self,
        user: UserId,
        after: Option<(DateTime<Utc>, AgentId)>,
        limit: u32,
    ) -> StorageResult<Vec<Install>> {
        let st = self.lock();
        let order = |a: &(DateTime<Utc>, AgentId), b: &(DateTime<Utc>, AgentId)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        let mut out: Vec<Install> = st
            .installs
            .range((user, AgentId(uuid::Uuid::nil()))..=(user, AgentId(uuid::Uuid::max())))
            .map(|(_, i)| i)
            .filter(|i| {
                after.as_ref().is_none_or(|a| order(&(i.installed_at, i.agent_id), a) == std::cmp::Ordering::Greater)
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| order(&(a.installed_at, a.agent_id), &(b.installed_at, b.agent_id)));
        out.truncate(limit as usize + 1);
        Ok(out)
    }
}

#[async_trait]
impl RatingStore for MemoryStore {
    async fn upsert_rating(&self, review: &Review, audit: &AuditRecord) -> StorageResult<RatingOutcome> {
        if !(1..=5).contains(&review.stars) {
            return Err(StorageError::backend(format!("stars must be 1..=5, got {}", review.stars)));
        }
        let mut st = self.lock();
        let key = (review.user_id, review.agent_id);
        let (created, stored) = match st.ratings.get(&key).copied() {
            Some(existing_id) => {
                let existing = st.reviews.get(&existing_id).cloned().ok_or(StorageError::NotFound)?;
                st.remove_rating(review.agent_id, existing.stars);
                let stored = Review { id: existing.id, created_at: existing.created_at, ..review.clone() };
                (false, stored)
            }
            None => {
                if st.reviews.contains_key(&review.id) {
                    return Err(conflict(ConflictKind::Other("review id already exists".into())));
                }
                (true, review.clone())
            }
        };
        st.add_rating(stored.agent_id, stored.stars);
        st.ratings.insert(key, stored.id);
        st.reviews.insert(stored.id, stored.clone());
        st.write_audit(audit);
        Ok(RatingOutcome { created, review: stored })
    }

    async fn delete_rating(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        let mut st = self.lock();
        let Some(id) = st.ratings.get(&(user, agent)).copied() else { return Ok(false) };
        let removed = st.remove_review(id);
        if removed {
            st.write_audit(audit);
        }
        Ok(removed)
    }

    async fn delete_review(&self, id: ReviewId, audit: &AuditRecord) -> StorageResult<bool> {
        let mut st = self.lock();
        let removed = st.remove_review(id);
        if removed {
            st.write_audit(audit);
        }
        Ok(removed)
    }

    async fn get_rating(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Review>> {
        let st = self.lock();
        Ok(st.ratings.get(&(user, agent)).and_then(|id| st.reviews.get(id)).cloned())
    }

    async fn get_review(&self, id: ReviewId) -> StorageResult<Option<Review>> {
        Ok(self.lock().reviews.get(&id).cloned())
    }

    async fn list_reviews(
        &self,
        agent: AgentId,
        sort: ReviewSort,
        after: Option<ReviewKey>,
        limit: u32,
    ) -> StorageResult<Vec<Review>> {
        let st = self.lock();
        let mut out: Vec<Review> = st
            .reviews
            .values()
            .filter(|r| r.agent_id == agent)
            .filter(|r| {
                after.as_ref().is_none_or(|a| review_order(sort, &ReviewKey::of(r), a) == std::cmp::Ordering::Greater)
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| review_order(sort, &ReviewKey::of(a), &ReviewKey::of(b)));
        out.truncate(limit as usize + 1);
        Ok(out)
    }
}

#[async_trait]
impl UsageStore for MemoryStore {
    async fn record_usage(&self, event: &UsageEvent, trending_increment: f64) -> StorageResult<()> {
        let mut st = self.lock();
        let date = event.occurred_at.date_naive();
        let new_user = st.usage_users.insert((event.agent_id, date, event.user_id));
        let day = st.usage.entry((event.agent_id, date)).or_insert(DailyUsage { date, events: 0, units: 0, users: 0 });
        day.events += 1;
        day.units = day.units.saturating_add(event.units);
        if new_user {
            day.users += 1;
        }
        let stats = st.stats_mut(event.agent_id);
        stats.usage_events += 1;
        stats.trending = log2_add(stats.trending, trending_increment);
        Ok(())
    }

    async fn usage_by_day(&self, agent: AgentId, from: NaiveDate, to: NaiveDate) -> StorageResult<Vec<DailyUsage>> {
        if from > to {
            return Ok(Vec::new());
        }
        Ok(self.lock().usage.range((agent, from)..=(agent, to)).map(|(_, d)| *d).collect())
    }
}

#[async_trait]
impl AuditStore for MemoryStore {
    async fn append_audit(&self, record: &AuditRecord) -> StorageResult<()> {
        self.lock().write_audit(record);
        Ok(())
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        before: Option<AuditId>,
        limit: u32,
    ) -> StorageResult<Vec<AuditRecord>> {
        let st = self.lock();
        let upper = match before {
            Some(b) => std::ops::Bound::Excluded(b),
            None => std::ops::Bound::Unbounded,
        };
        Ok(st
            .audit
            .range((std::ops::Bound::Unbounded, upper))
            .rev()
            .map(|(_, r)| r)
            .filter(|r| {
                filter.actor.is_none_or(|a| r.actor == Some(a))
                    && filter.subject.is_none_or(|s| r.subject == Some(s))
                    && filter.action.as_ref().is_none_or(|a| &r.action == a)
                    && filter.target.as_ref().is_none_or(|t| r.target.as_ref() == Some(t))
                    && filter.from.is_none_or(|f| r.at >= f)
                    && filter.to.is_none_or(|t| r.at < t)
            })
            .take(limit as usize + 1)
            .cloned()
            .collect())
    }
}

#[async_trait]
impl StoreAdmin for MemoryStore {
    fn backend_name(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> StorageResult<()> {
        Ok(())
    }

    async fn flush(&self) -> StorageResult<()> {
        Ok(())
    }
}
