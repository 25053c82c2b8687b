//! The storage traits on [`SqlxStore`]: each method runs the operation of
//! the connected database, rerunning it after transient conflicts.

use std::time::Duration;

use agentmart_core::ids::{AgentId, AuditId, ReviewId, SessionId, UserId};
use agentmart_core::model::*;
use agentmart_core::storage::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::util::Fail;
use crate::{Backend, SqlxStore};

/// Short, growing pause before a retry.
async fn backoff(attempt: u32) {
    let jitter = u64::from(uuid::Uuid::now_v7().as_bytes()[15] % 8);
    tokio::time::sleep(Duration::from_millis(u64::from(attempt.min(6)) * 4 + jitter)).await;
}

macro_rules! run {
    ($self:ident, $f:ident ( $($arg:expr),* )) => {{
        let mut attempt = 0u32;
        loop {
            let result: Result<_, Fail> = match &$self.backend {
                #[cfg(feature = "sqlite")]
                Backend::Sqlite(pool) => crate::sqlite::ops::$f(pool $(, $arg)*).await,
                #[cfg(feature = "postgres")]
                Backend::Postgres(pool) => crate::postgres::ops::$f(pool $(, $arg)*).await,
            };
            match result {
                Err(e) if e.retryable() && attempt < $self.options.max_retries => {
                    attempt += 1;
                    tracing::debug!(operation = stringify!($f), attempt, "retrying after a transient conflict");
                    backoff(attempt).await;
                }
                other => {
                    if let Err(e) = &other {
                        $self.note_failure(e);
                    }
                    break other.map_err(Fail::into_storage);
                }
            }
        }
    }};
}

impl SqlxStore {
    /// Remembers a failure that means the disk refuses writes (SQLite full,
    /// read-only, I/O error), so that readiness reports it.
    fn note_failure(&self, e: &Fail) {
        #[cfg(feature = "sqlite")]
        if let (Backend::Sqlite(_), Fail::Db(sqlx::Error::Database(db))) = (&self.backend, e)
            && crate::util::outage_code(db.as_ref()).is_some()
        {
            self.write_fault.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        #[cfg(not(feature = "sqlite"))]
        let _ = e;
    }

    /// After a write failed for want of disk: one small write (the
    /// `store_probe` row) must succeed before `ping` answers again, so
    /// readiness is false while the disk is full or read-only and turns
    /// true by itself once writes pass.
    async fn probe_write_after_fault(&self) -> StorageResult<()> {
        #[cfg(feature = "sqlite")]
        if let Backend::Sqlite(pool) = &self.backend
            && self.write_fault.load(std::sync::atomic::Ordering::Relaxed)
        {
            let now = Utc::now().timestamp_nanos_opt().unwrap_or_default();
            sqlx::query(
                "INSERT INTO store_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
            )
            .bind(now)
            .execute(pool)
            .await
            .map_err(|e| match crate::util::map_sqlx(e) {
                StorageError::Unavailable(why) => StorageError::Unavailable(format!("the store refuses writes: {why}")),
                other => other,
            })?;
            self.write_fault.store(false, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }
}

#[async_trait]
impl UserStore for SqlxStore {
    async fn create_user(&self, user: &UserRecord, audit: &AuditRecord) -> StorageResult<()> {
        run!(self, create_user(user, audit))
    }
    async fn get_user(&self, id: UserId) -> StorageResult<Option<UserRecord>> {
        run!(self, get_user(id))
    }
    async fn find_user_by_email(&self, email: &Email) -> StorageResult<Option<UserRecord>> {
        run!(self, find_user("email_key", email.key()))
    }
    async fn find_user_by_handle(&self, handle: &Handle) -> StorageResult<Option<UserRecord>> {
        run!(self, find_user("handle", handle.as_str()))
    }
    async fn find_user_by_external_id(&self, external_id: &str) -> StorageResult<Option<UserRecord>> {
        run!(self, find_user("external_id", external_id))
    }
    async fn update_profile(
        &self,
        id: UserId,
        patch: &ProfileChange,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        run!(self, update_profile(id, patch, now, audit))
    }
    async fn set_password_hash(
        &self,
        id: UserId,
        password_hash: &str,
        end_sessions: EndSessions,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<()> {
        run!(self, set_password_hash(id, password_hash, end_sessions, now, audit))
    }
    async fn set_role(
        &self,
        id: UserId,
        role: Role,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        run!(self, set_role(id, role, now, audit))
    }
    async fn set_disabled(
        &self,
        id: UserId,
        disabled: bool,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        run!(self, set_disabled(id, disabled, now, audit))
    }
    async fn delete_user(&self, id: UserId, now: DateTime<Utc>, audit: &AuditRecord) -> StorageResult<()> {
        run!(self, delete_user(id, now, audit))
    }
    async fn retired_handle(&self, handle: &Handle) -> StorageResult<Option<RetiredHandle>> {
        run!(self, retired_handle(handle))
    }
    async fn release_retired_handle(&self, handle: &Handle, retired_before: DateTime<Utc>) -> StorageResult<bool> {
        run!(self, release_retired_handle(handle, retired_before))
    }
    async fn put_one_time_token(&self, token: &OneTimeToken, audit: &AuditRecord) -> StorageResult<()> {
        run!(self, put_one_time_token(token, audit))
    }
    async fn reset_password_with_token(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        run!(self, reset_password_with_token(hash, password_hash, now, audit))
    }
    async fn verify_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        run!(self, verify_email_with_token(hash, now, audit))
    }
    async fn change_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        run!(self, change_email_with_token(hash, now, audit))
    }
    async fn count_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64> {
        run!(self, count_one_time_tokens(user, kind))
    }
    async fn find_one_time_token(&self, hash: &TokenHash) -> StorageResult<Option<OneTimeToken>> {
        run!(self, find_one_time_token(hash))
    }
    async fn delete_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64> {
        run!(self, delete_one_time_tokens(user, kind))
    }
}

#[async_trait]
impl SessionStore for SqlxStore {
    async fn create_session(&self, session: &Session, refresh: &TokenHash, audit: &AuditRecord) -> StorageResult<()> {
        run!(self, create_session(session, refresh, audit))
    }
    async fn get_session(&self, id: SessionId) -> StorageResult<Option<Session>> {
        run!(self, get_session(id))
    }
    async fn session_auth(&self, id: SessionId) -> StorageResult<Option<SessionAuth>> {
        run!(self, session_auth(id))
    }
    async fn find_session_by_refresh(&self, presented: &TokenHash) -> StorageResult<Option<Session>> {
        run!(self, find_session_by_refresh(presented))
    }
    async fn redeem_refresh_token(&self, request: &RedeemRefresh) -> StorageResult<RedeemOutcome> {
        run!(self, redeem_refresh_token(request))
    }
    async fn list_active_sessions(&self, user: UserId, now: DateTime<Utc>) -> StorageResult<Vec<Session>> {
        run!(self, list_active_sessions(user, now))
    }
    async fn revoke_session(
        &self,
        user: UserId,
        id: SessionId,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<bool> {
        run!(self, revoke_session(user, id, now, audit))
    }
    async fn revoke_user_sessions(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<u64> {
        run!(self, revoke_user_sessions(user, except, now, audit))
    }
    async fn create_session_capped(
        &self,
        session: &Session,
        refresh: &TokenHash,
        audit: &AuditRecord,
        cap: &SessionCap,
    ) -> StorageResult<u64> {
        run!(self, create_session_capped(session, refresh, audit, cap))
    }
    async fn list_sessions_page(
        &self,
        user: UserId,
        active: ActiveAt,
        after: Option<(DateTime<Utc>, SessionId)>,
        limit: u32,
    ) -> StorageResult<Vec<Session>> {
        run!(self, list_sessions_page(user, active, after, limit))
    }
}

#[async_trait]
impl ThrottleStore for SqlxStore {
    async fn hit_counter(&self, key: &str, now: DateTime<Utc>, window: chrono::Duration) -> StorageResult<Counter> {
        run!(self, hit_counter(key, now, window))
    }
    async fn get_counter(&self, key: &str) -> StorageResult<Option<Counter>> {
        run!(self, get_counter(key))
    }
    async fn clear_counter(&self, key: &str) -> StorageResult<()> {
        run!(self, clear_counter(key))
    }
    async fn release_counter(&self, key: &str) -> StorageResult<()> {
        run!(self, release_counter(key))
    }
}

#[async_trait]
impl AgentStore for SqlxStore {
    async fn create_agent(&self, agent: &Agent, draft: &Draft, audit: &AuditRecord) -> StorageResult<()> {
        run!(self, create_agent(agent, draft, audit))
    }
    async fn get_agent(&self, id: AgentId) -> StorageResult<Option<Agent>> {
        run!(self, get_agent(id))
    }
    async fn find_agent(&self, owner: UserId, slug: &Slug) -> StorageResult<Option<Agent>> {
        run!(self, find_agent(owner, slug.as_str()))
    }
    async fn get_draft(&self, id: AgentId) -> StorageResult<Draft> {
        run!(self, get_draft(id))
    }
    async fn update_draft(
        &self,
        id: AgentId,
        definition: &AgentDefinition,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Draft> {
        run!(self, update_draft(id, definition, now, audit))
    }
    async fn publish_version(&self, request: &PublishVersion) -> StorageResult<Agent> {
        run!(self, publish_version(request))
    }
    async fn list_versions(&self, id: AgentId) -> StorageResult<Vec<AgentVersion>> {
        run!(self, list_versions(id))
    }
    async fn get_version(&self, id: AgentId, version: &semver::Version) -> StorageResult<Option<AgentVersion>> {
        run!(self, get_version(id, version))
    }
    async fn list_versions_page(
        &self,
        id: AgentId,
        before: Option<&semver::Version>,
        limit: u32,
    ) -> StorageResult<Vec<AgentVersion>> {
        run!(self, list_versions_page(id, before, limit))
    }
    async fn set_agent_status(
        &self,
        id: AgentId,
        status: AgentStatus,
        message: Option<&str>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Agent> {
        run!(self, set_agent_status(id, status, message, now, audit))
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
        run!(self, moderate_agent_status(id, status, message, lock, now, audit))
    }
    async fn list_owner_agents(&self, owner: UserId) -> StorageResult<Vec<Agent>> {
        run!(self, list_owner_agents(owner))
    }
    async fn get_stats(&self, id: AgentId) -> StorageResult<AgentStats> {
        run!(self, get_stats(id))
    }
}

#[async_trait]
impl CatalogStore for SqlxStore {
    async fn list_catalog(&self, query: &CatalogQuery) -> StorageResult<CatalogPage> {
        run!(self, list_catalog(query))
    }
    async fn get_catalog_entry(&self, id: AgentId) -> StorageResult<Option<CatalogEntry>> {
        run!(self, get_catalog_entry(id))
    }
}

#[async_trait]
impl InstallStore for SqlxStore {
    async fn install(
        &self,
        user: UserId,
        agent: AgentId,
        pinned_version: Option<&semver::Version>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<InstallOutcome> {
        run!(self, install(user, agent, pinned_version, now, audit))
    }
    async fn uninstall(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        run!(self, uninstall(user, agent, audit))
    }
    async fn get_install(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Install>> {
        run!(self, get_install(user, agent))
    }
    async fn list_user_installs(
        &self,
        user: UserId,
        after: Option<(DateTime<Utc>, AgentId)>,
        limit: u32,
    ) -> StorageResult<Vec<Install>> {
        run!(self, list_user_installs(user, after, limit))
    }
}

#[async_trait]
impl RatingStore for SqlxStore {
    async fn upsert_rating(&self, review: &Review, audit: &AuditRecord) -> StorageResult<RatingOutcome> {
        run!(self, upsert_rating(review, audit))
    }
    async fn delete_rating(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        run!(self, delete_rating(user, agent, audit))
    }
    async fn delete_review(&self, id: ReviewId, audit: &AuditRecord) -> StorageResult<bool> {
        run!(self, delete_review(id, audit))
    }
    async fn get_rating(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Review>> {
        run!(self, get_rating(user, agent))
    }
    async fn get_review(&self, id: ReviewId) -> StorageResult<Option<Review>> {
        run!(self, get_review(id))
    }
    async fn list_reviews(
        &self,
        agent: AgentId,
        sort: ReviewSort,
        after: Option<ReviewKey>,
        limit: u32,
    ) -> StorageResult<Vec<Review>> {
        run!(self, list_reviews(agent, sort, after, limit))
    }
}

#[async_trait]
impl UsageStore for SqlxStore {
    async fn record_usage(&self, event: &UsageEvent, trending_increment: f64) -> StorageResult<()> {
        run!(self, record_usage(event, trending_increment))
    }
    async fn usage_by_day(&self, agent: AgentId, from: NaiveDate, to: NaiveDate) -> StorageResult<Vec<DailyUsage>> {
        run!(self, usage_by_day(agent, from, to))
    }
}

#[async_trait]
impl AuditStore for SqlxStore {
    async fn append_audit(&self, record: &AuditRecord) -> StorageResult<()> {
        run!(self, append_audit(record))
    }
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        before: Option<AuditId>,
        limit: u32,
    ) -> StorageResult<Vec<AuditRecord>> {
        run!(self, list_audit(filter, before, limit))
    }
}

#[async_trait]
impl StoreAdmin for SqlxStore {
    fn backend_name(&self) -> &'static str {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => "postgres",
        }
    }
    async fn ping(&self) -> StorageResult<()> {
        run!(self, ping())?;
        self.probe_write_after_fault().await
    }
    async fn flush(&self) -> StorageResult<()> {
        run!(self, flush())
    }
}

#[async_trait]
impl ExportStore for SqlxStore {
    async fn export_page(
        &self,
        kind: ExportKind,
        after: Option<&ExportRecord>,
        limit: u32,
    ) -> StorageResult<Vec<ExportRecord>> {
        run!(self, export_page(kind, after, limit))
    }
    async fn is_empty_store(&self) -> StorageResult<bool> {
        run!(self, is_empty_store())
    }
    async fn import_batch(&self, records: &[ExportRecord]) -> StorageResult<()> {
        run!(self, import_batch(records))
    }
}

#[async_trait]
impl SweepStore for SqlxStore {
    async fn sweep_sessions(&self, rule: SessionSweep, limit: u32) -> StorageResult<u64> {
        run!(self, sweep_sessions(rule, limit))
    }
    async fn sweep_counters(
        &self,
        idle_before: DateTime<Utc>,
        keep_prefix: Option<&str>,
        limit: u32,
    ) -> StorageResult<u64> {
        run!(self, sweep_counters(idle_before, keep_prefix, limit))
    }
    async fn sweep_one_time_tokens(&self, expired_before: DateTime<Utc>, limit: u32) -> StorageResult<u64> {
        run!(self, sweep_one_time_tokens(expired_before, limit))
    }
    async fn sweep_usage_users(&self, before: NaiveDate, limit: u32) -> StorageResult<u64> {
        run!(self, sweep_usage_users(before, limit))
    }
}
