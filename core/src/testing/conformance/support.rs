//! Fixtures and assertions shared by the conformance cases and the model test.

use std::fmt::Debug;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sha2::{Digest, Sha256};

use crate::ids::{AgentId, SessionId, UserId};
use crate::model::{
    Agent, AgentDefinition, AgentStatus, AgentVersion, AuditFilter, AuditRecord, Draft, Email, Handle, Role, Session,
    Slug, TokenHash, UserRecord,
};
use crate::storage::{ConflictKind, PublishVersion, StorageError, StorageResult, Store};

/// The fixed instant every case starts from (2026-01-01T00:00:00Z).
pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default()
}

/// `t0 + secs` seconds.
pub(crate) fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

/// Unwraps a storage result, panicking with the context and the error.
#[track_caller]
pub(crate) fn ok<T>(result: StorageResult<T>, context: &str) -> T {
    match result {
        Ok(value) => value,
        Err(err) => panic!("{context}: expected success, got error {err:?}"),
    }
}

/// Asserts the result is `Conflict(kind)`.
#[track_caller]
pub(crate) fn expect_conflict<T: Debug>(result: StorageResult<T>, kind: ConflictKind, context: &str) {
    match result {
        Err(StorageError::Conflict(got)) if got == kind => {}
        other => panic!("{context}: expected Conflict({kind:?}), got {other:?}"),
    }
}

/// Asserts the result is `NotFound`.
#[track_caller]
pub(crate) fn expect_not_found<T: Debug>(result: StorageResult<T>, context: &str) {
    match result {
        Err(StorageError::NotFound) => {}
        other => panic!("{context}: expected NotFound, got {other:?}"),
    }
}

/// A parsed email (panicking on an invalid one).
#[track_caller]
pub(crate) fn email(raw: &str) -> Email {
    raw.parse().unwrap_or_else(|e| panic!("test email {raw:?}: {e}"))
}

/// A parsed handle (panicking on an invalid one).
#[track_caller]
pub(crate) fn handle(raw: &str) -> Handle {
    raw.parse().unwrap_or_else(|e| panic!("test handle {raw:?}: {e}"))
}

/// A parsed slug (panicking on an invalid one).
#[track_caller]
pub(crate) fn slug(raw: &str) -> Slug {
    raw.parse().unwrap_or_else(|e| panic!("test slug {raw:?}: {e}"))
}

/// A user `handle` with email `handle@example.com` and external id `ext-handle`, created at `t0`.
pub(crate) fn user_record(handle: &str) -> UserRecord {
    UserRecord {
        id: UserId::new(),
        email: Some(email(&format!("{handle}@example.com"))),
        email_verified: false,
        handle: self::handle(handle),
        display_name: Some(format!("{handle} display")),
        bio: Some(format!("{handle} bio")),
        avatar_url: None,
        role: Role::User,
        disabled: false,
        password_hash: Some(format!("$argon2id$v=19$m=19456,t=2,p=1$salt${handle}")),
        external_id: Some(format!("ext-{handle}")),
        created_at: t0(),
        updated_at: t0(),
    }
}

/// An audit record at `t0` with a target and details, so round trips are checked.
pub(crate) fn audit(action: &str) -> AuditRecord {
    AuditRecord::new(t0(), action)
        .target(format!("test:{action}"))
        .ip(Some("192.0.2.7".into()))
        .details(serde_json::json!({ "case": action }))
}

/// Finds the audit record with this id (searching every record of its action).
pub(crate) async fn find_audit(store: &dyn Store, record: &AuditRecord) -> Option<AuditRecord> {
    let filter = AuditFilter { action: Some(record.action.clone()), ..Default::default() };
    let mut before = None;
    loop {
        let page = ok(store.list_audit(&filter, before, 500).await, "list_audit");
        if let Some(found) = page.iter().find(|r| r.id == record.id) {
            return Some(found.clone());
        }
        if page.len() <= 500 {
            return None;
        }
        before = page.get(499).map(|r| r.id);
    }
}

/// Asserts the record was written unchanged.
#[track_caller]
pub(crate) fn audited_sync(found: Option<AuditRecord>, record: &AuditRecord, context: &str) {
    match found {
        Some(found) => assert_eq!(&found, record, "{context}: the audit record must be stored unchanged"),
        None => panic!("{context}: audit record `{}` was not written", record.action),
    }
}

/// Asserts the record was written unchanged.
pub(crate) async fn assert_audited(store: &dyn Store, record: &AuditRecord, context: &str) {
    audited_sync(find_audit(store, record).await, record, context);
}

/// Asserts the record was not written.
pub(crate) async fn assert_not_audited(store: &dyn Store, record: &AuditRecord, context: &str) {
    if let Some(found) = find_audit(store, record).await {
        panic!("{context}: nothing must be written, yet audit record {found:?} was");
    }
}

/// Creates a user (panicking on failure).
pub(crate) async fn add_user(store: &dyn Store, handle: &str) -> UserRecord {
    let user = user_record(handle);
    ok(store.create_user(&user, &audit("user.registered")).await, "create_user");
    user
}

/// SHA-256 of a label: a stand-in for a token hash.
pub(crate) fn token_hash(label: &str) -> TokenHash {
    TokenHash(Sha256::digest(label.as_bytes()).into())
}

/// A session of `user` created at `created`, expiring 30 days later.
pub(crate) fn session_record(user: UserId, created: DateTime<Utc>) -> Session {
    Session {
        id: SessionId::new(),
        user_id: user,
        created_at: created,
        last_used_at: created,
        expires_at: created + Duration::days(30),
        user_agent: Some("conformance/1.0".into()),
        ip: Some("192.0.2.1".into()),
        revoked_at: None,
    }
}

/// Creates a session with refresh-token hash `token_hash(refresh)`.
pub(crate) async fn add_session(store: &dyn Store, user: UserId, created: DateTime<Utc>, refresh: &str) -> Session {
    let session = session_record(user, created);
    ok(store.create_session(&session, &token_hash(refresh), &audit("session.created")).await, "create_session");
    session
}

/// A minimal valid definition named `name`.
pub(crate) fn definition(name: &str) -> AgentDefinition {
    AgentDefinition {
        name: name.to_string(),
        system_prompt: "You are a helpful assistant.".into(),
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["text/plain".into()],
        ..Default::default()
    }
}

/// A draft agent record (not stored).
pub(crate) fn agent_record(owner: UserId, slug: &str, created: DateTime<Utc>) -> Agent {
    Agent {
        id: AgentId::new(),
        owner_id: owner,
        slug: slug.to_string(),
        status: AgentStatus::Draft,
        status_message: None,
        latest_version: None,
        created_at: created,
        updated_at: created,
        published_at: None,
        moderation: None,
    }
}

/// Creates a draft agent (panicking on failure).
pub(crate) async fn add_agent(store: &dyn Store, owner: UserId, slug: &str, def: &AgentDefinition) -> Agent {
    add_agent_at(store, owner, slug, def, t0()).await
}

/// Creates a draft agent created at `created` (panicking on failure).
pub(crate) async fn add_agent_at(
    store: &dyn Store,
    owner: UserId,
    slug: &str,
    def: &AgentDefinition,
    created: DateTime<Utc>,
) -> Agent {
    let agent = agent_record(owner, slug, created);
    let draft = Draft { agent_id: agent.id, definition: def.clone(), updated_at: created };
    ok(store.create_agent(&agent, &draft, &audit("agent.created")).await, "create_agent");
    agent
}

/// Parses a version literal used by the suite.
pub(crate) fn v(text: &str) -> semver::Version {
    semver::Version::parse(text).unwrap_or_else(|_| semver::Version::new(0, 0, 0))
}

/// The publish request of `version` with the given expectation.
pub(crate) fn publish_request(
    agent: AgentId,
    by: UserId,
    version: &str,
    expected: Option<&str>,
    def: &AgentDefinition,
    when: DateTime<Utc>,
) -> PublishVersion {
    PublishVersion {
        version: AgentVersion {
            agent_id: agent,
            version: v(version),
            definition: def.clone(),
            changelog: Some(format!("release {version}")),
            published_at: when,
            published_by: by,
        },
        expected_latest: expected.map(v),
        audit: audit("agent.published"),
    }
}

/// Publishes a version.
pub(crate) async fn publish(
    store: &dyn Store,
    agent: &Agent,
    version: &str,
    expected: Option<&str>,
    def: &AgentDefinition,
    when: DateTime<Utc>,
) -> StorageResult<Agent> {
    store.publish_version(&publish_request(agent.id, agent.owner_id, version, expected, def, when)).await
}

/// Creates an agent and publishes `1.0.0` of `def` at `when` (status `listed`).
pub(crate) async fn add_published(
    store: &dyn Store,
    owner: UserId,
    slug: &str,
    def: &AgentDefinition,
    when: DateTime<Utc>,
) -> Agent {
    let agent = add_agent_at(store, owner, slug, def, when).await;
    ok(publish(store, &agent, "1.0.0", None, def, when).await, "publish_version 1.0.0")
}

/// Sets an agent's status (panicking on failure).
pub(crate) async fn set_status(store: &dyn Store, agent: AgentId, status: AgentStatus) -> Agent {
    ok(store.set_agent_status(agent, status, None, at(1), &audit("agent.status_changed")).await, "set_agent_status")
}

/// Stores a one-time token `token_hash(label)` of `kind` for `user`, created at `t0`, expiring at `expires`.
pub(crate) async fn add_one_time_token(
    store: &dyn Store,
    label: &str,
    kind: crate::model::OneTimeTokenKind,
    user: UserId,
    expires: DateTime<Utc>,
) -> crate::model::OneTimeToken {
    let token = crate::model::OneTimeToken {
        hash: token_hash(label),
        kind,
        user_id: user,
        email: None,
        created_at: t0(),
        expires_at: expires,
    };
    ok(store.put_one_time_token(&token, &audit(crate::model::actions::PASSWORD_RESET_REQUESTED)).await, "put token");
    token
}
