//! [`FaultyStore`]: a fault-injecting wrapper over any [`Store`], for adapters' and hosts' tests.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::ids::{AgentId, AuditId, ReviewId, SessionId, UserId};
use crate::model::{
    Agent, AgentDefinition, AgentStats, AgentStatus, AgentVersion, AuditFilter, AuditRecord, CatalogEntry, Counter,
    DailyUsage, Draft, Email, Handle, Install, ModerationLock, OneTimeToken, OneTimeTokenKind, ProfileChange,
    RetiredHandle, Review, Role, Session, Slug, TokenHash, UsageEvent, UserRecord,
};
use crate::storage::{
    ActiveAt, AgentStore, AuditStore, CatalogPage, CatalogQuery, CatalogStore, ConsumeOutcome, EndSessions, ExportKind,
    ExportRecord, ExportStore, InstallOutcome, InstallStore, PublishVersion, RatingOutcome, RatingStore, RedeemOutcome,
    RedeemRefresh, ReviewKey, ReviewSort, SessionAuth, SessionCap, SessionStore, StorageError, StorageResult, Store,
    StoreAdmin, ThrottleStore, UsageStore, UserStore,
};

/// The error a [`FaultyStore`] answers with instead of calling the wrapped store.
///
/// The message is what the error carries inside (`StorageError::Unavailable`'s
/// text, or the `Backend` source's `Display`), so a test can check that an
/// adapter never shows it to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// [`StorageError::Unavailable`]: the backend cannot be reached (maps to `unavailable`, 503).
    Unavailable(String),
    /// [`StorageError::Backend`]: the backend failed (maps to `internal`, 500).
    Backend(String),
}

impl Fault {
    /// A [`Fault::Unavailable`] with this message.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Fault::Unavailable(message.into())
    }

    /// A [`Fault::Backend`] with this message.
    pub fn backend(message: impl Into<String>) -> Self {
        Fault::Backend(message.into())
    }

    fn to_error(&self) -> StorageError {
        match self {
            Fault::Unavailable(message) => StorageError::Unavailable(message.clone()),
            Fault::Backend(message) => StorageError::backend(std::io::Error::other(message.clone())),
        }
    }
}

/// The faults and latency in force; every call reads it under one lock.
#[derive(Debug, Default)]
struct Plan {
    /// Calls seen so far, of every method (the `n` of [`FaultyStore::fail_nth`] counts from here).
    calls: u64,
    /// One-shot faults: the call with this ordinal fails.
    nth: Vec<(u64, Fault)>,
    /// Every call of the method fails.
    methods: Vec<(&'static str, Fault)>,
    /// Every call fails (after the one-shot and per-method faults are checked).
    all: Option<Fault>,
    latency: StdDuration,
}

/// A [`Store`] that delegates to another one, except where a test told it to fail.
///
/// Faults are set and cleared at run time through `&self` (the store is shared
/// as an `Arc`), so a test can break the store under a running service, watch
/// it answer `unavailable`/`internal`, [`heal`](Self::heal) it and watch it
/// resume:
/// - [`fail_nth`](Self::fail_nth): the `n`-th call from now (of any method) fails, once;
/// - [`fail_method`](Self::fail_method): every call of one method fails, until healed;
/// - [`fail_all`](Self::fail_all): every call fails, until healed;
/// - [`set_latency`](Self::set_latency): every call first sleeps (on tokio's timer);
/// - [`heal`](Self::heal): removes all faults and the latency.
///
/// A failed call never reaches the wrapped store, so nothing is written.
/// [`StoreAdmin::backend_name`] is never faulted (it is not a call to the
/// backend); `ping` and `flush` are, so `/readyz`-style probes see the fault.
///
/// ```
/// use std::sync::Arc;
/// use agentmart_core::storage::{StorageError, Store, UserStore};
/// use agentmart_core::testing::{Fault, FaultyStore, MemoryStore};
/// use agentmart_core::ids::UserId;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let faulty = Arc::new(FaultyStore::new(Arc::new(MemoryStore::new())));
/// let store: Arc<dyn Store> = faulty.clone(); // hand this to `Agentmart::builder`
///
/// faulty.fail_method("get_user", Fault::unavailable("connection refused"));
/// let err = store.get_user(UserId::new()).await.unwrap_err();
/// assert!(matches!(err, StorageError::Unavailable(_)));
/// store.ping().await.unwrap(); // other methods still work
///
/// faulty.heal();
/// assert!(store.get_user(UserId::new()).await.unwrap().is_none());
///
/// faulty.fail_nth(2, Fault::backend("disk full"));
/// store.ping().await.unwrap(); // 1st call from now
/// assert!(matches!(store.ping().await, Err(StorageError::Backend(_)))); // 2nd
/// store.ping().await.unwrap(); // one-shot: healed again
/// # });
/// ```
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    plan: Mutex<Plan>,
}

impl std::fmt::Debug for FaultyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyStore").field("inner", &self.inner.backend_name()).field("plan", &*self.plan()).finish()
    }
}

impl FaultyStore {
    /// Every faultable method's name, as [`fail_method`](Self::fail_method) accepts it.
    pub const METHODS: &'static [&'static str] = &[
        "append_audit",
        "clear_counter",
        "count_one_time_tokens",
        "create_agent",
        "create_session",
        "create_session_capped",
        "create_user",
        "delete_one_time_tokens",
        "delete_rating",
        "delete_review",
        "delete_user",
        "export_page",
        "find_agent",
        "find_one_time_token",
        "find_session_by_refresh",
        "find_user_by_email",
        "find_user_by_external_id",
        "find_user_by_handle",
        "flush",
        "get_agent",
        "get_catalog_entry",
        "get_counter",
        "get_draft",
        "get_install",
        "get_rating",
        "get_review",
        "get_session",
        "get_stats",
        "get_user",
        "get_version",
        "hit_counter",
        "import_batch",
        "install",
        "is_empty_store",
        "list_active_sessions",
        "list_audit",
        "list_catalog",
        "list_owner_agents",
        "list_reviews",
        "list_sessions_page",
        "list_user_installs",
        "list_versions",
        "list_versions_page",
        "ping",
        "publish_version",
        "put_one_time_token",
        "record_usage",
        "redeem_refresh_token",
        "release_counter",
        "release_retired_handle",
        "reset_password_with_token",
        "retired_handle",
        "revoke_session",
        "revoke_user_sessions",
        "session_auth",
        "set_agent_status",
        "set_disabled",
        "set_password_hash",
        "set_role",
        "uninstall",
        "update_draft",
        "update_profile",
        "upsert_rating",
        "usage_by_day",
        "verify_email_with_token",
    ];

    /// Wraps `inner`, with no fault and no latency.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self { inner, plan: Mutex::new(Plan::default()) }
    }

    /// The wrapped store.
    pub fn inner(&self) -> &Arc<dyn Store> {
        &self.inner
    }

    /// The `n`-th store call from now (1 = the next one), whatever its method, fails once with `fault`.
    ///
    /// # Panics
    /// If `n` is 0.
    pub fn fail_nth(&self, n: u64, fault: Fault) {
        assert!(n > 0, "FaultyStore::fail_nth counts from 1 (the next call)");
        let mut plan = self.plan();
        let at = plan.calls + n;
        plan.nth.push((at, fault));
    }

    /// Every call of `method` (a [`Store`] method name, e.g. `"publish_version"`) fails with `fault` until [`heal`](Self::heal).
    ///
    /// # Panics
    /// If `method` is not one of [`METHODS`](Self::METHODS): a typo must not
    /// turn a fault test into one that silently passes.
    pub fn fail_method(&self, method: &str, fault: Fault) {
        let Some(&name) = Self::METHODS.iter().find(|m| **m == method) else {
            panic!("FaultyStore::fail_method: `{method}` is not a faultable Store method (see FaultyStore::METHODS)");
        };
        let mut plan = self.plan();
        plan.methods.retain(|(m, _)| *m != name);
        plan.methods.push((name, fault));
    }

    /// Every call fails with `fault` until [`heal`](Self::heal).
    pub fn fail_all(&self, fault: Fault) {
        self.plan().all = Some(fault);
    }

    /// Every call first waits `latency` (zero removes it).
    pub fn set_latency(&self, latency: StdDuration) {
        self.plan().latency = latency;
    }

    /// Removes every fault and the latency; the call count goes on.
    pub fn heal(&self) {
        let mut plan = self.plan();
        plan.nth.clear();
        plan.methods.clear();
        plan.all = None;
        plan.latency = StdDuration::ZERO;
    }

    /// How many faultable calls this store has seen (failed ones included).
    pub fn calls(&self) -> u64 {
        self.plan().calls
    }

    fn plan(&self) -> MutexGuard<'_, Plan> {
        // The plan is only ever replaced field by field: recover from poison.
        self.plan.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts the call, decides its fault under the lock, then sleeps outside it.
    async fn enter(&self, method: &'static str) -> StorageResult<()> {
        let (latency, fault) = {
            let mut plan = self.plan();
            plan.calls += 1;
            let ordinal = plan.calls;
            let nth = plan.nth.iter().position(|(at, _)| *at == ordinal).map(|i| plan.nth.swap_remove(i).1);
            let fault = nth
                .or_else(|| plan.methods.iter().find(|(m, _)| *m == method).map(|(_, f)| f.clone()))
                .or_else(|| plan.all.clone());
            (plan.latency, fault)
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match fault {
            Some(fault) => Err(fault.to_error()),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl AgentStore for FaultyStore {
    async fn create_agent(&self, agent: &Agent, draft: &Draft, audit: &AuditRecord) -> StorageResult<()> {
        self.enter("create_agent").await?;
        self.inner.create_agent(agent, draft, audit).await
    }
    async fn get_agent(&self, id: AgentId) -> StorageResult<Option<Agent>> {
        self.enter("get_agent").await?;
        self.inner.get_agent(id).await
    }
    async fn find_agent(&self, owner: UserId, slug: &Slug) -> StorageResult<Option<Agent>> {
        self.enter("find_agent").await?;
        self.inner.find_agent(owner, slug).await
    }
    async fn get_draft(&self, id: AgentId) -> StorageResult<Draft> {
        self.enter("get_draft").await?;
        self.inner.get_draft(id).await
    }
    async fn update_draft(
        &self,
        id: AgentId,
        definition: &AgentDefinition,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Draft> {
        self.enter("update_draft").await?;
        self.inner.update_draft(id, definition, now, audit).await
    }
    async fn publish_version(&self, request: &PublishVersion) -> StorageResult<Agent> {
        self.enter("publish_version").await?;
        self.inner.publish_version(request).await
    }
    async fn list_versions(&self, id: AgentId) -> StorageResult<Vec<AgentVersion>> {
        self.enter("list_versions").await?;
        self.inner.list_versions(id).await
    }
    async fn list_versions_page(
        &self,
        id: AgentId,
        before: Option<&semver::Version>,
        limit: u32,
    ) -> StorageResult<Vec<AgentVersion>> {
        self.enter("list_versions_page").await?;
        self.inner.list_versions_page(id, before, limit).await
    }
    async fn get_version(&self, id: AgentId, version: &semver::Version) -> StorageResult<Option<AgentVersion>> {
        self.enter("get_version").await?;
        self.inner.get_version(id, version).await
    }
    async fn set_agent_status(
        &self,
        id: AgentId,
        status: AgentStatus,
        message: Option<&str>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Agent> {
        self.enter("set_agent_status").await?;
        self.inner.set_agent_status(id, status, message, now, audit).await
    }
    async fn moderate_agent_status(
        &self,
        id: AgentId,
        status: AgentStatus,
        message: Option<&str>,
        lock: Option<&ModerationLock>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Agent> {
        self.enter("moderate_agent_status").await?;
        self.inner.moderate_agent_status(id, status, message, lock, now, audit).await
    }
    async fn list_owner_agents(&self, owner: UserId) -> StorageResult<Vec<Agent>> {
        self.enter("list_owner_agents").await?;
        self.inner.list_owner_agents(owner).await
    }
    async fn get_stats(&self, id: AgentId) -> StorageResult<AgentStats> {
        self.enter("get_stats").await?;
        self.inner.get_stats(id).await
    }
}

#[async_trait]
impl AuditStore for FaultyStore {
    async fn append_audit(&self, record: &AuditRecord) -> StorageResult<()> {
        self.enter("append_audit").await?;
        self.inner.append_audit(record).await
    }
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        before: Option<AuditId>,
        limit: u32,
    ) -> StorageResult<Vec<AuditRecord>> {
        self.enter("list_audit").await?;
        self.inner.list_audit(filter, before, limit).await
    }
}

#[async_trait]
impl ExportStore for FaultyStore {
    async fn export_page(
        &self,
        kind: ExportKind,
        after: Option<&ExportRecord>,
        limit: u32,
    ) -> StorageResult<Vec<ExportRecord>> {
        self.enter("export_page").await?;
        self.inner.export_page(kind, after, limit).await
    }
    async fn is_empty_store(&self) -> StorageResult<bool> {
        self.enter("is_empty_store").await?;
        self.inner.is_empty_store().await
    }
    async fn import_batch(&self, records: &[ExportRecord]) -> StorageResult<()> {
        self.enter("import_batch").await?;
        self.inner.import_batch(records).await
    }
}

#[async_trait]
impl CatalogStore for FaultyStore {
    async fn list_catalog(&self, query: &CatalogQuery) -> StorageResult<CatalogPage> {
        self.enter("list_catalog").await?;
        self.inner.list_catalog(query).await
    }
    async fn get_catalog_entry(&self, id: AgentId) -> StorageResult<Option<CatalogEntry>> {
        self.enter("get_catalog_entry").await?;
        self.inner.get_catalog_entry(id).await
    }
}

#[async_trait]
impl InstallStore for FaultyStore {
    async fn install(
        &self,
        user: UserId,
        agent: AgentId,
        pinned_version: Option<&semver::Version>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<InstallOutcome> {
        self.enter("install").await?;
        self.inner.install(user, agent, pinned_version, now, audit).await
    }
    async fn uninstall(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        self.enter("uninstall").await?;
        self.inner.uninstall(user, agent, audit).await
    }
    async fn get_install(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Install>> {
        self.enter("get_install").await?;
        self.inner.get_install(user, agent).await
    }
    async fn list_user_installs(
        &self,
        user: UserId,
        after: Option<(DateTime<Utc>, AgentId)>,
        limit: u32,
    ) -> StorageResult<Vec<Install>> {
        self.enter("list_user_installs").await?;
        self.inner.list_user_installs(user, after, limit).await
    }
}

#[async_trait]
impl StoreAdmin for FaultyStore {
    fn backend_name(&self) -> &'static str {
        self.inner.backend_name()
    }
    async fn ping(&self) -> StorageResult<()> {
        self.enter("ping").await?;
        self.inner.ping().await
    }
    async fn flush(&self) -> StorageResult<()> {
        self.enter("flush").await?;
        self.inner.flush().await
    }
}

#[async_trait]
impl RatingStore for FaultyStore {
    async fn upsert_rating(&self, review: &Review, audit: &AuditRecord) -> StorageResult<RatingOutcome> {
        self.enter("upsert_rating").await?;
        self.inner.upsert_rating(review, audit).await
    }
    async fn delete_rating(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        self.enter("delete_rating").await?;
        self.inner.delete_rating(user, agent, audit).await
    }
    async fn delete_review(&self, id: ReviewId, audit: &AuditRecord) -> StorageResult<bool> {
        self.enter("delete_review").await?;
        self.inner.delete_review(id, audit).await
    }
    async fn get_rating(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Review>> {
        self.enter("get_rating").await?;
        self.inner.get_rating(user, agent).await
    }
    async fn get_review(&self, id: ReviewId) -> StorageResult<Option<Review>> {
        self.enter("get_review").await?;
        self.inner.get_review(id).await
    }
    async fn list_reviews(
        &self,
        agent: AgentId,
        sort: ReviewSort,
        after: Option<ReviewKey>,
        limit: u32,
    ) -> StorageResult<Vec<Review>> {
        self.enter("list_reviews").await?;
        self.inner.list_reviews(agent, sort, after, limit).await
    }
}

#[async_trait]
impl SessionStore for FaultyStore {
    async fn create_session(&self, session: &Session, refresh: &TokenHash, audit: &AuditRecord) -> StorageResult<()> {
        self.enter("create_session").await?;
        self.inner.create_session(session, refresh, audit).await
    }
    async fn get_session(&self, id: SessionId) -> StorageResult<Option<Session>> {
        self.enter("get_session").await?;
        self.inner.get_session(id).await
    }
    async fn session_auth(&self, id: SessionId) -> StorageResult<Option<SessionAuth>> {
        self.enter("session_auth").await?;
        self.inner.session_auth(id).await
    }
    async fn find_session_by_refresh(&self, presented: &TokenHash) -> StorageResult<Option<Session>> {
        self.enter("find_session_by_refresh").await?;
        self.inner.find_session_by_refresh(presented).await
    }
    async fn redeem_refresh_token(&self, request: &RedeemRefresh) -> StorageResult<RedeemOutcome> {
        self.enter("redeem_refresh_token").await?;
        self.inner.redeem_refresh_token(request).await
    }
    async fn list_active_sessions(&self, user: UserId, now: DateTime<Utc>) -> StorageResult<Vec<Session>> {
        self.enter("list_active_sessions").await?;
        self.inner.list_active_sessions(user, now).await
    }
    async fn create_session_capped(
        &self,
        session: &Session,
        refresh: &TokenHash,
        audit: &AuditRecord,
        cap: &SessionCap,
    ) -> StorageResult<u64> {
        self.enter("create_session_capped").await?;
        self.inner.create_session_capped(session, refresh, audit, cap).await
    }
    async fn list_sessions_page(
        &self,
        user: UserId,
        active: ActiveAt,
        after: Option<(DateTime<Utc>, SessionId)>,
        limit: u32,
    ) -> StorageResult<Vec<Session>> {
        self.enter("list_sessions_page").await?;
        self.inner.list_sessions_page(user, active, after, limit).await
    }
    async fn revoke_session(
        &self,
        user: UserId,
        id: SessionId,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<bool> {
        self.enter("revoke_session").await?;
        self.inner.revoke_session(user, id, now, audit).await
    }
    async fn revoke_user_sessions(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<u64> {
        self.enter("revoke_user_sessions").await?;
        self.inner.revoke_user_sessions(user, except, now, audit).await
    }
}

#[async_trait]
impl ThrottleStore for FaultyStore {
    async fn hit_counter(&self, key: &str, now: DateTime<Utc>, window: Duration) -> StorageResult<Counter> {
        self.enter("hit_counter").await?;
        self.inner.hit_counter(key, now, window).await
    }
    async fn get_counter(&self, key: &str) -> StorageResult<Option<Counter>> {
        self.enter("get_counter").await?;
        self.inner.get_counter(key).await
    }
    async fn clear_counter(&self, key: &str) -> StorageResult<()> {
        self.enter("clear_counter").await?;
        self.inner.clear_counter(key).await
    }
    async fn release_counter(&self, key: &str) -> StorageResult<()> {
        self.enter("release_counter").await?;
        self.inner.release_counter(key).await
    }
}

#[async_trait]
impl crate::storage::SweepStore for FaultyStore {
    async fn sweep_sessions(&self, rule: crate::storage::SessionSweep, limit: u32) -> StorageResult<u64> {
        self.enter("sweep_sessions").await?;
        self.inner.sweep_sessions(rule, limit).await
    }
    async fn sweep_counters(
        &self,
        idle_before: DateTime<Utc>,
        keep_prefix: Option<&str>,
        limit: u32,
    ) -> StorageResult<u64> {
        self.enter("sweep_counters").await?;
        self.inner.sweep_counters(idle_before, keep_prefix, limit).await
    }
    async fn sweep_one_time_tokens(&self, expired_before: DateTime<Utc>, limit: u32) -> StorageResult<u64> {
        self.enter("sweep_one_time_tokens").await?;
        self.inner.sweep_one_time_tokens(expired_before, limit).await
    }
    async fn sweep_usage_users(&self, before: NaiveDate, limit: u32) -> StorageResult<u64> {
        self.enter("sweep_usage_users").await?;
        self.inner.sweep_usage_users(before, limit).await
    }
}

#[async_trait]
impl UsageStore for FaultyStore {
    async fn record_usage(&self, event: &UsageEvent, trending_increment: f64) -> StorageResult<()> {
        self.enter("record_usage").await?;
        self.inner.record_usage(event, trending_increment).await
    }
    async fn usage_by_day(&self, agent: AgentId, from: NaiveDate, to: NaiveDate) -> StorageResult<Vec<DailyUsage>> {
        self.enter("usage_by_day").await?;
        self.inner.usage_by_day(agent, from, to).await
    }
}

#[async_trait]
impl UserStore for FaultyStore {
    async fn create_user(&self, user: &UserRecord, audit: &AuditRecord) -> StorageResult<()> {
        self.enter("create_user").await?;
        self.inner.create_user(user, audit).await
    }
    async fn get_user(&self, id: UserId) -> StorageResult<Option<UserRecord>> {
        self.enter("get_user").await?;
        self.inner.get_user(id).await
    }
    async fn find_user_by_email(&self, email: &Email) -> StorageResult<Option<UserRecord>> {
        self.enter("find_user_by_email").await?;
        self.inner.find_user_by_email(email).await
    }
    async fn find_user_by_handle(&self, handle: &Handle) -> StorageResult<Option<UserRecord>> {
        self.enter("find_user_by_handle").await?;
        self.inner.find_user_by_handle(handle).await
    }
    async fn find_user_by_external_id(&self, external_id: &str) -> StorageResult<Option<UserRecord>> {
        self.enter("find_user_by_external_id").await?;
        self.inner.find_user_by_external_id(external_id).await
    }
    async fn update_profile(
        &self,
        id: UserId,
        patch: &ProfileChange,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        self.enter("update_profile").await?;
        self.inner.update_profile(id, patch, now, audit).await
    }
    async fn set_password_hash(
        &self,
        id: UserId,
        password_hash: &str,
        end_sessions: EndSessions,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<()> {
        self.enter("set_password_hash").await?;
        self.inner.set_password_hash(id, password_hash, end_sessions, now, audit).await
    }
    async fn set_role(
        &self,
        id: UserId,
        role: Role,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        self.enter("set_role").await?;
        self.inner.set_role(id, role, now, audit).await
    }
    async fn set_disabled(
        &self,
        id: UserId,
        disabled: bool,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        self.enter("set_disabled").await?;
        self.inner.set_disabled(id, disabled, now, audit).await
    }
    async fn delete_user(&self, id: UserId, now: DateTime<Utc>, audit: &AuditRecord) -> StorageResult<()> {
        self.enter("delete_user").await?;
        self.inner.delete_user(id, now, audit).await
    }
    async fn retired_handle(&self, handle: &Handle) -> StorageResult<Option<RetiredHandle>> {
        self.enter("retired_handle").await?;
        self.inner.retired_handle(handle).await
    }
    async fn release_retired_handle(&self, handle: &Handle, retired_before: DateTime<Utc>) -> StorageResult<bool> {
        self.enter("release_retired_handle").await?;
        self.inner.release_retired_handle(handle, retired_before).await
    }
    async fn put_one_time_token(&self, token: &OneTimeToken, audit: &AuditRecord) -> StorageResult<()> {
        self.enter("put_one_time_token").await?;
        self.inner.put_one_time_token(token, audit).await
    }
    async fn reset_password_with_token(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        self.enter("reset_password_with_token").await?;
        self.inner.reset_password_with_token(hash, password_hash, now, audit).await
    }
    async fn verify_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        self.enter("verify_email_with_token").await?;
        self.inner.verify_email_with_token(hash, now, audit).await
    }
    async fn change_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        self.enter("change_email_with_token").await?;
        self.inner.change_email_with_token(hash, now, audit).await
    }
    async fn count_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64> {
        self.enter("count_one_time_tokens").await?;
        self.inner.count_one_time_tokens(user, kind).await
    }
    async fn find_one_time_token(&self, hash: &TokenHash) -> StorageResult<Option<OneTimeToken>> {
        self.enter("find_one_time_token").await?;
        self.inner.find_one_time_token(hash).await
    }
    async fn delete_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64> {
        self.enter("delete_one_time_tokens").await?;
        self.inner.delete_one_time_tokens(user, kind).await
    }
}
