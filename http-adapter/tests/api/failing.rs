//! Storage failures through the router: `unavailable` and `internal` answers
//! carry no internals, are counted, and `/readyz` reports the store down.
//! `FlakyStore` wraps the in-memory store and fails every call when told to.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use agentmart_core::storage::*;
use agentmart_core::testing::MemoryStore;
use agentmart_core::*;
use agentmart_http::{HttpOptions, router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

use crate::helpers::TestApp;

const OK: u8 = 0;
const DOWN: u8 = 1;
const BROKEN: u8 = 2;

struct FlakyStore {
    inner: MemoryStore,
    mode: Arc<AtomicU8>,
}

impl FlakyStore {
    fn check(&self) -> StorageResult<()> {
        match self.mode.load(Ordering::SeqCst) {
            DOWN => Err(StorageError::Unavailable("connection refused by 10.1.2.3:5432".into())),
            BROKEN => Err(StorageError::backend(std::io::Error::other("checksum mismatch in /var/lib/secret.db"))),
            _ => Ok(()),
        }
    }
}

#[async_trait::async_trait]
impl AgentStore for FlakyStore {
    async fn create_agent(&self, agent: &Agent, draft: &Draft, audit: &AuditRecord) -> StorageResult<()> {
        self.check()?;
        self.inner.create_agent(agent, draft, audit).await
    }
    async fn get_agent(&self, id: AgentId) -> StorageResult<Option<Agent>> {
        self.check()?;
        self.inner.get_agent(id).await
    }
    async fn find_agent(&self, owner: UserId, slug: &str) -> StorageResult<Option<Agent>> {
        self.check()?;
        self.inner.find_agent(owner, slug).await
    }
    async fn get_draft(&self, id: AgentId) -> StorageResult<Draft> {
        self.check()?;
        self.inner.get_draft(id).await
    }
    async fn update_draft(
        &self,
        id: AgentId,
        definition: &AgentDefinition,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Draft> {
        self.check()?;
        self.inner.update_draft(id, definition, now, audit).await
    }
    async fn publish_version(&self, request: &PublishVersion) -> StorageResult<Agent> {
        self.check()?;
        self.inner.publish_version(request).await
    }
    async fn list_versions(&self, id: AgentId) -> StorageResult<Vec<AgentVersion>> {
        self.check()?;
        self.inner.list_versions(id).await
    }
    async fn get_version(&self, id: AgentId, version: &semver::Version) -> StorageResult<Option<AgentVersion>> {
        self.check()?;
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
        self.check()?;
        self.inner.set_agent_status(id, status, message, now, audit).await
    }
    async fn list_owner_agents(&self, owner: UserId) -> StorageResult<Vec<Agent>> {
        self.check()?;
        self.inner.list_owner_agents(owner).await
    }
    async fn get_stats(&self, id: AgentId) -> StorageResult<AgentStats> {
        self.check()?;
        self.inner.get_stats(id).await
    }
}

#[async_trait::async_trait]
impl AuditStore for FlakyStore {
    async fn append_audit(&self, record: &AuditRecord) -> StorageResult<()> {
        self.check()?;
        self.inner.append_audit(record).await
    }
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        before: Option<AuditId>,
        limit: u32,
    ) -> StorageResult<Vec<AuditRecord>> {
        self.check()?;
        self.inner.list_audit(filter, before, limit).await
    }
}

#[async_trait::async_trait]
impl CatalogStore for FlakyStore {
    async fn list_catalog(&self, query: &CatalogQuery) -> StorageResult<CatalogPage> {
        self.check()?;
        self.inner.list_catalog(query).await
    }
    async fn get_catalog_entry(&self, id: AgentId) -> StorageResult<Option<CatalogEntry>> {
        self.check()?;
        self.inner.get_catalog_entry(id).await
    }
}

#[async_trait::async_trait]
impl InstallStore for FlakyStore {
    async fn install(
        &self,
        user: UserId,
        agent: AgentId,
        pinned_version: Option<&semver::Version>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<InstallOutcome> {
        self.check()?;
        self.inner.install(user, agent, pinned_version, now, audit).await
    }
    async fn uninstall(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        self.check()?;
        self.inner.uninstall(user, agent, audit).await
    }
    async fn get_install(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Install>> {
        self.check()?;
        self.inner.get_install(user, agent).await
    }
    async fn list_user_installs(
        &self,
        user: UserId,
        after: Option<(DateTime<Utc>, AgentId)>,
        limit: u32,
    ) -> StorageResult<Vec<Install>> {
        self.check()?;
        self.inner.list_user_installs(user, after, limit).await
    }
}

#[async_trait::async_trait]
impl StoreAdmin for FlakyStore {
    fn backend_name(&self) -> &'static str {
        self.inner.backend_name()
    }
    async fn ping(&self) -> StorageResult<()> {
        self.check()?;
        self.inner.ping().await
    }
    async fn flush(&self) -> StorageResult<()> {
        self.check()?;
        self.inner.flush().await
    }
}

#[async_trait::async_trait]
impl RatingStore for FlakyStore {
    async fn upsert_rating(&self, review: &Review, audit: &AuditRecord) -> StorageResult<RatingOutcome> {
        self.check()?;
        self.inner.upsert_rating(review, audit).await
    }
    async fn delete_rating(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        self.check()?;
        self.inner.delete_rating(user, agent, audit).await
    }
    async fn delete_review(&self, id: ReviewId, audit: &AuditRecord) -> StorageResult<bool> {
        self.check()?;
        self.inner.delete_review(id, audit).await
    }
    async fn get_rating(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Review>> {
        self.check()?;
        self.inner.get_rating(user, agent).await
    }
    async fn get_review(&self, id: ReviewId) -> StorageResult<Option<Review>> {
        self.check()?;
        self.inner.get_review(id).await
    }
    async fn list_reviews(
        &self,
        agent: AgentId,
        sort: ReviewSort,
        after: Option<ReviewKey>,
        limit: u32,
    ) -> StorageResult<Vec<Review>> {
        self.check()?;
        self.inner.list_reviews(agent, sort, after, limit).await
    }
}

#[async_trait::async_trait]
impl SessionStore for FlakyStore {
    async fn create_session(&self, session: &Session, refresh: &TokenHash, audit: &AuditRecord) -> StorageResult<()> {
        self.check()?;
        self.inner.create_session(session, refresh, audit).await
    }
    async fn get_session(&self, id: SessionId) -> StorageResult<Option<Session>> {
        self.check()?;
        self.inner.get_session(id).await
    }
    async fn session_auth(&self, id: SessionId) -> StorageResult<Option<SessionAuth>> {
        self.check()?;
        self.inner.session_auth(id).await
    }
    async fn find_session_by_refresh(&self, presented: &TokenHash) -> StorageResult<Option<Session>> {
        self.check()?;
        self.inner.find_session_by_refresh(presented).await
    }
    async fn redeem_refresh_token(&self, request: &RedeemRefresh) -> StorageResult<RedeemOutcome> {
        self.check()?;
        self.inner.redeem_refresh_token(request).await
    }
    async fn list_active_sessions(&self, user: UserId, now: DateTime<Utc>) -> StorageResult<Vec<Session>> {
        self.check()?;
        self.inner.list_active_sessions(user, now).await
    }
    async fn revoke_session(
        &self,
        user: UserId,
        id: SessionId,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<bool> {
        self.check()?;
        self.inner.revoke_session(user, id, now, audit).await
    }
    async fn revoke_user_sessions(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<u64> {
        self.check()?;
        self.inner.revoke_user_sessions(user, except, now, audit).await
    }
}

#[async_trait::async_trait]
impl ThrottleStore for FlakyStore {
    async fn hit_counter(&self, key: &str, now: DateTime<Utc>, window: Duration) -> StorageResult<Counter> {
        self.check()?;
        self.inner.hit_counter(key, now, window).await
    }
    async fn get_counter(&self, key: &str) -> StorageResult<Option<Counter>> {
        self.check()?;
        self.inner.get_counter(key).await
    }
    async fn clear_counter(&self, key: &str) -> StorageResult<()> {
        self.check()?;
        self.inner.clear_counter(key).await
    }
}

#[async_trait::async_trait]
impl UsageStore for FlakyStore {
    async fn record_usage(&self, event: &UsageEvent, trending_increment: f64) -> StorageResult<()> {
        self.check()?;
        self.inner.record_usage(event, trending_increment).await
    }
    async fn usage_by_day(&self, agent: AgentId, from: NaiveDate, to: NaiveDate) -> StorageResult<Vec<DailyUsage>> {
        self.check()?;
        self.inner.usage_by_day(agent, from, to).await
    }
}

#[async_trait::async_trait]
impl UserStore for FlakyStore {
    async fn create_user(&self, user: &UserRecord, audit: &AuditRecord) -> StorageResult<()> {
        self.check()?;
        self.inner.create_user(user, audit).await
    }
    async fn get_user(&self, id: UserId) -> StorageResult<Option<UserRecord>> {
        self.check()?;
        self.inner.get_user(id).await
    }
    async fn find_user_by_email(&self, email: &str) -> StorageResult<Option<UserRecord>> {
        self.check()?;
        self.inner.find_user_by_email(email).await
    }
    async fn find_user_by_handle(&self, handle: &str) -> StorageResult<Option<UserRecord>> {
        self.check()?;
        self.inner.find_user_by_handle(handle).await
    }
    async fn find_user_by_external_id(&self, external_id: &str) -> StorageResult<Option<UserRecord>> {
        self.check()?;
        self.inner.find_user_by_external_id(external_id).await
    }
    async fn update_profile(
        &self,
        id: UserId,
        patch: &ProfilePatch,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        self.check()?;
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
        self.check()?;
        self.inner.set_password_hash(id, password_hash, end_sessions, now, audit).await
    }
    async fn set_role(
        &self,
        id: UserId,
        role: Role,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        self.check()?;
        self.inner.set_role(id, role, now, audit).await
    }
    async fn set_disabled(
        &self,
        id: UserId,
        disabled: bool,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        self.check()?;
        self.inner.set_disabled(id, disabled, now, audit).await
    }
    async fn delete_user(&self, id: UserId, now: DateTime<Utc>, audit: &AuditRecord) -> StorageResult<()> {
        self.check()?;
        self.inner.delete_user(id, now, audit).await
    }
    async fn put_one_time_token(&self, token: &OneTimeToken, audit: &AuditRecord) -> StorageResult<()> {
        self.check()?;
        self.inner.put_one_time_token(token, audit).await
    }
    async fn reset_password_with_token(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        self.check()?;
        self.inner.reset_password_with_token(hash, password_hash, now, audit).await
    }
    async fn verify_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        self.check()?;
        self.inner.verify_email_with_token(hash, now, audit).await
    }
    async fn count_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64> {
        self.check()?;
        self.inner.count_one_time_tokens(user, kind).await
    }
}

fn flaky_app() -> (TestApp, Arc<AtomicU8>) {
    let mode = Arc::new(AtomicU8::new(OK));
    let store: Arc<dyn Store> = Arc::new(FlakyStore { inner: MemoryStore::new(), mode: mode.clone() });
    let mart = Agentmart::builder(store, Config::for_tests()).build().unwrap();
    let base = TestApp::new();
    let options = HttpOptions { auth_rate_limit: None, ..HttpOptions::default() };
    (TestApp { router: router(mart.clone(), options), mart, ..base }, mode)
}

#[tokio::test]
async fn a_store_that_is_down_answers_503_without_internals_and_readyz_says_so() {
    let (app, mode) = flaky_app();
    app.get("/readyz", None).await.ok(200);
    mode.store(DOWN, Ordering::SeqCst);
    let ready = app.get("/readyz", None).await;
    ready.problem(503, "unavailable");
    let list = app.get("/v1/agents", None).await;
    let body = list.problem(503, "unavailable").to_string();
    assert!(!body.contains("10.1.2.3"), "no internals: {body}");
    app.get("/healthz", None).await.ok(200);
    mode.store(OK, Ordering::SeqCst);
    app.get("/readyz", None).await.ok(200);
}

#[tokio::test]
async fn a_broken_store_answers_500_internal_with_the_request_id_only() {
    let (app, mode) = flaky_app();
    mode.store(BROKEN, Ordering::SeqCst);
    let body = json!({ "email": "x@example.com", "password": crate::helpers::PASSWORD });
    let answer = app.post("/v1/auth/register", None, body).await;
    let problem = answer.problem(500, "internal").clone();
    let text = problem.to_string();
    assert!(!text.contains("checksum") && !text.contains("/var/lib"), "no internals: {text}");
    assert!(problem["detail"].as_str().unwrap().contains("request id"));
    mode.store(OK, Ordering::SeqCst);
    let metrics = app.get("/metrics", None).await;
    let metrics = metrics.ok(200).as_str().unwrap();
    assert!(metrics.contains(r#"agentmart_store_errors_total{code="internal"} 1"#), "{metrics}");
}
