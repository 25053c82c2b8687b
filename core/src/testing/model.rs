//! Model-based property test: random operation sequences applied to a backend
//! and to a fresh [`MemoryStore`], comparing every observable result.
//!
//! [`check_against_model`] is what [`conformance_tests!`](crate::conformance_tests)
//! runs. [`ops`] and [`run_ops`] are exported for backends that want their own
//! proptest set-up (more cases, a fixed seed...).
//!
//! Both stores see exactly the same calls with the same ids and times (ids
//! are drawn once per operation, time comes from a simulated clock that the
//! `Advance` operation moves). After each operation the outcomes are compared
//! (error kinds, returned values), then the state: every known user, agent and
//! its stats (trending within 1e-9), and the catalogue in five orders. At the
//! end, installs, reviews, usage, sessions, owner lists and the audit trail
//! are compared too.

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use super::MemoryStore;
use super::conformance::support::{
    agent_record, definition, email as parse_email, handle as parse_handle, session_record, t0, token_hash, user_record,
};
use crate::ids::{AgentId, ReviewId, SessionId, UserId};
use crate::model::{AgentStatus, AuditFilter, AuditRecord, Draft, ProfileChange, Review, UsageEvent, actions};
use crate::ranking::trending_increment;
use crate::storage::{
    CatalogQuery, CatalogSort, ConflictKind, PublishVersion, RedeemRefresh, ReviewSort, StorageError, StorageResult,
    Store,
};

/// Number of random sequences [`check_against_model`] runs.
pub const MODEL_CASES: u32 = 24;
/// Longest operation sequence.
pub const MAX_OPS: usize = 40;

/// One operation of a random sequence. Indexes pick among the users, agents
/// and sessions created so far (modulo their number), so sequences stay
/// meaningful while shrinking. Operations whose contract has a `NotFound` or
/// `false` answer may address unknown or deleted users and agents; those that
/// write rows referring to a user or an agent (create agent, install, rate,
/// usage, session) only use existing agents and users not deleted — as core
/// does — and are skipped when there are none, so a backend may enforce
/// foreign keys.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum Op {
    /// Create a user with handle and email drawn from small pools (so they collide).
    CreateUser { handle: u8, email: u8 },
    /// Change a user's handle.
    UpdateHandle { user: u8, handle: u8 },
    /// Disable or enable a user.
    SetDisabled { user: u8, disabled: bool },
    /// Delete a user (cascade).
    DeleteUser { user: u8 },
    /// Create an agent with a slug from a small pool.
    CreateAgent { owner: u8, slug: u8 },
    /// Replace an agent's draft.
    UpdateDraft { agent: u8, name: u8 },
    /// Publish: `bump` 0 re-publishes the latest version (a `Version` conflict), 1–3 bump
    /// patch/minor/major; `stale` passes a wrong `expected_latest`.
    Publish { agent: u8, bump: u8, stale: bool, name: u8 },
    /// Set listed / unlisted / deprecated / deleted.
    SetStatus { agent: u8, status: u8 },
    /// Install, optionally pinned to the latest version.
    Install { user: u8, agent: u8, pin: bool },
    /// Uninstall.
    Uninstall { user: u8, agent: u8 },
    /// Rate 1–5 stars.
    Rate { user: u8, agent: u8, stars: u8 },
    /// Delete one's rating.
    DeleteRating { user: u8, agent: u8 },
    /// Delete a review by id (moderation).
    DeleteReview { user: u8, agent: u8 },
    /// Record a usage event.
    RecordUsage { user: u8, agent: u8, units: u8 },
    /// Hit a throttle counter.
    HitCounter { key: u8, window_secs: u8 },
    /// Clear a throttle counter.
    ClearCounter { key: u8 },
    /// Start a session.
    CreateSession { user: u8 },
    /// Redeem one of the refresh tokens a session was given (old ones are reuse).
    Redeem { session: u8, token: u8 },
    /// Revoke every session of a user.
    RevokeSessions { user: u8 },
    /// Move the simulated clock.
    Advance { minutes: u16 },
}

/// The strategy of one operation.
pub fn op() -> impl Strategy<Value = Op> {
    let i = || 0u8..8;
    prop_oneof![
        3 => (0u8..5, 0u8..5).prop_map(|(handle, email)| Op::CreateUser { handle, email }),
        1 => (i(), 0u8..5).prop_map(|(user, handle)| Op::UpdateHandle { user, handle }),
        1 => (i(), any::<bool>()).prop_map(|(user, disabled)| Op::SetDisabled { user, disabled }),
        1 => i().prop_map(|user| Op::DeleteUser { user }),
        3 => (i(), 0u8..4).prop_map(|(owner, slug)| Op::CreateAgent { owner, slug }),
        1 => (i(), 0u8..4).prop_map(|(agent, name)| Op::UpdateDraft { agent, name }),
        4 => (i(), 0u8..4, prop::bool::weighted(0.15), 0u8..4)
            .prop_map(|(agent, bump, stale, name)| Op::Publish { agent, bump, stale, name }),
        2 => (i(), 0u8..4).prop_map(|(agent, status)| Op::SetStatus { agent, status }),
        5 => (i(), i(), prop::bool::weighted(0.3)).prop_map(|(user, agent, pin)| Op::Install { user, agent, pin }),
        2 => (i(), i()).prop_map(|(user, agent)| Op::Uninstall { user, agent }),
        5 => (i(), i(), 1u8..=5).prop_map(|(user, agent, stars)| Op::Rate { user, agent, stars }),
        1 => (i(), i()).prop_map(|(user, agent)| Op::DeleteRating { user, agent }),
        1 => (i(), i()).prop_map(|(user, agent)| Op::DeleteReview { user, agent }),
        3 => (i(), i(), any::<u8>()).prop_map(|(user, agent, units)| Op::RecordUsage { user, agent, units }),
        2 => (0u8..3, 1u8..120).prop_map(|(key, window_secs)| Op::HitCounter { key, window_secs }),
        1 => (0u8..3).prop_map(|key| Op::ClearCounter { key }),
        2 => i().prop_map(|user| Op::CreateSession { user }),
        3 => (i(), 0u8..4).prop_map(|(session, token)| Op::Redeem { session, token }),
        1 => i().prop_map(|user| Op::RevokeSessions { user }),
        2 => (0u16..3000).prop_map(|minutes| Op::Advance { minutes }),
    ]
}

/// The fixed start of every sequence: three users, three agents, two of them
/// published, so that random operations find something to act on.
pub fn prelude() -> Vec<Op> {
    vec![
        Op::CreateUser { handle: 0, email: 0 },
        Op::CreateUser { handle: 1, email: 1 },
        Op::CreateUser { handle: 2, email: 2 },
        Op::CreateAgent { owner: 0, slug: 0 },
        Op::CreateAgent { owner: 1, slug: 1 },
        Op::CreateAgent { owner: 0, slug: 2 },
        Op::Publish { agent: 0, bump: 3, stale: false, name: 0 },
        Op::Publish { agent: 1, bump: 2, stale: false, name: 3 },
    ]
}

/// The strategy of a sequence: the [`prelude`], then 1..=[`MAX_OPS`] random operations.
pub fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 1..=MAX_OPS).prop_map(|random| {
        let mut all = prelude();
        all.extend(random);
        all
    })
}

/// Runs [`MODEL_CASES`] random sequences against stores from `new_store` (a
/// fresh, empty one per sequence) and panics with the shrunk failing sequence
/// when a backend disagrees with [`MemoryStore`]. Builds its own
/// multi-threaded tokio runtime, so call it from a plain `#[test]`.
pub fn check_against_model<F, Fut>(new_store: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(err) => panic!("model test: cannot build a tokio runtime: {err}"),
    };
    let config = Config { cases: MODEL_CASES, failure_persistence: None, max_shrink_iters: 512, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&ops(), |ops| {
        runtime.block_on(async {
            let store = new_store().await;
            run_ops(store, &ops).await.map_err(TestCaseError::fail)
        })
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => {
            panic!("model test: the backend disagrees with MemoryStore: {reason}\nminimal sequence: {ops:#?}")
        }
        Err(TestError::Abort(reason)) => panic!("model test aborted: {reason}"),
    }
}

/// Applies `ops` to `store` and to a fresh [`MemoryStore`], comparing after each
/// step. `Err` describes the first disagreement.
pub async fn run_ops(store: Arc<dyn Store>, ops: &[Op]) -> Result<(), String> {
    let mut run = Run { backend: store, model: Arc::new(MemoryStore::new()), ..Run::default() };
    for (step, op) in ops.iter().enumerate() {
        run.apply(op).await.map_err(|e| format!("step {step} ({op:?}): {e}"))?;
        run.compare_state().await.map_err(|e| format!("after step {step} ({op:?}): {e}"))?;
    }
    run.compare_final().await.map_err(|e| format!("at the end: {e}"))
}

const HANDLES: [&str; 5] = ["ann", "ben", "cat", "dan", "eve"];
const SLUGS: [&str; 4] = ["alpha", "beta", "gamma", "delta"];
const NAMES: [&str; 4] = ["Report Writer", "Code Helper", "Travel Planner", "Report Checker"];

struct Run {
    backend: Arc<dyn Store>,
    model: Arc<dyn Store>,
    now: DateTime<Utc>,
    /// Every user ever created (deleted ones included, for `NotFound` paths and comparisons).
    users: Vec<UserId>,
    /// Users not deleted: the only ones rows with user references are written for
    /// (a backend may enforce foreign keys; core never acts for a deleted user).
    live: Vec<UserId>,
    agents: Vec<AgentId>,
    sessions: Vec<(SessionId, Vec<String>)>,
    tokens: u32,
}

impl Default for Run {
    fn default() -> Self {
        Self {
            backend: Arc::new(MemoryStore::new()),
            model: Arc::new(MemoryStore::new()),
            now: t0(),
            users: Vec::new(),
            live: Vec::new(),
            agents: Vec::new(),
            sessions: Vec::new(),
            tokens: 0,
        }
    }
}

/// A comparable rendering of an outcome; backend failures are errors of the run.
fn render<T: Debug>(result: &StorageResult<T>) -> Result<String, String> {
    match result {
        Ok(value) => Ok(format!("Ok({value:?})")),
        Err(StorageError::NotFound) => Ok("NotFound".into()),
        Err(StorageError::Conflict(kind)) => Ok(format!("Conflict({kind:?})")),
        Err(other) => Err(format!("backend error: {other:?}")),
    }
}

fn same<T: Debug>(what: &str, backend: &StorageResult<T>, model: &StorageResult<T>) -> Result<(), String> {
    let (b, m) = (render(backend)?, render(model)?);
    if b == m { Ok(()) } else { Err(format!("{what}: backend returned {b}, model {m}")) }
}

/// Both conflicts, the backend's kind among the acceptable ones.
fn same_conflict<T: Debug>(
    what: &str,
    backend: &StorageResult<T>,
    model: &StorageResult<T>,
    acceptable: &[ConflictKind],
) -> Result<(), String> {
    match (backend, model) {
        (Err(StorageError::Conflict(b)), Err(StorageError::Conflict(_))) if acceptable.contains(b) => Ok(()),
        _ => same(what, backend, model),
    }
}

fn pick<T: Copy>(items: &[T], index: u8, fresh: impl FnOnce() -> T) -> T {
    if items.is_empty() { fresh() } else { items[usize::from(index) % items.len()] }
}

impl Run {
    fn user(&self, index: u8) -> UserId {
        pick(&self.users, index, UserId::new)
    }

    fn live_user(&self, index: u8) -> Option<UserId> {
        (!self.live.is_empty()).then(|| self.live[usize::from(index) % self.live.len()])
    }

    fn existing_agent(&self, index: u8) -> Option<AgentId> {
        (!self.agents.is_empty()).then(|| self.agents[usize::from(index) % self.agents.len()])
    }

    fn agent(&self, index: u8) -> AgentId {
        pick(&self.agents, index, AgentId::new)
    }

    fn audit(&self, action: &str) -> AuditRecord {
        AuditRecord::new(self.now, action).target("model")
    }

    async fn apply(&mut self, op: &Op) -> Result<(), String> {
        let (b, m) = (self.backend.clone(), self.model.clone());
        let now = self.now;
        match *op {
            Op::CreateUser { handle, email } => {
                let mut user = user_record(HANDLES[usize::from(handle)]);
                user.email = Some(parse_email(&format!("{}@example.com", HANDLES[usize::from(email)])));
                user.external_id = None;
                let mut acceptable = Vec::new();
                if let Some(e) = &user.email
                    && m.find_user_by_email(e).await.ok().flatten().is_some()
                {
                    acceptable.push(ConflictKind::Email);
                }
                if m.find_user_by_handle(&user.handle).await.ok().flatten().is_some()
                    || m.retired_handle(&user.handle).await.ok().flatten().is_some()
                {
                    acceptable.push(ConflictKind::Handle);
                }
                let r = self.audit(actions::USER_REGISTERED);
                let (rb, rm) = (b.create_user(&user, &r).await, m.create_user(&user, &r).await);
                same_conflict("create_user", &rb, &rm, &acceptable)?;
                if rm.is_ok() {
                    self.users.push(user.id);
                    self.live.push(user.id);
                }
            }
            Op::UpdateHandle { user, handle } => {
                let id = self.user(user);
                let patch = ProfileChange::handle(parse_handle(HANDLES[usize::from(handle)]));
                let r = self.audit(actions::PROFILE_UPDATED);
                same(
                    "update_profile",
                    &b.update_profile(id, &patch, now, &r).await,
                    &m.update_profile(id, &patch, now, &r).await,
                )?;
            }
            Op::SetDisabled { user, disabled } => {
                let id = self.user(user);
                let r = self.audit(actions::USER_DISABLED);
                same(
                    "set_disabled",
                    &b.set_disabled(id, disabled, now, &r).await,
                    &m.set_disabled(id, disabled, now, &r).await,
                )?;
            }
            Op::DeleteUser { user } => {
                let id = self.user(user);
                let r = self.audit(actions::USER_DELETED);
                let (rb, rm) = (b.delete_user(id, now, &r).await, m.delete_user(id, now, &r).await);
                same("delete_user", &rb, &rm)?;
                if rm.is_ok() {
                    self.live.retain(|u| *u != id);
                }
            }
            Op::CreateAgent { owner, slug } => {
                let Some(owner) = self.live_user(owner) else { return Ok(()) };
                let agent = agent_record(owner, SLUGS[usize::from(slug)], now);
                let draft =
                    Draft { agent_id: agent.id, definition: definition(NAMES[usize::from(slug)]), updated_at: now };
                let r = self.audit(actions::AGENT_CREATED);
                let (rb, rm) = (b.create_agent(&agent, &draft, &r).await, m.create_agent(&agent, &draft, &r).await);
                same("create_agent", &rb, &rm)?;
                if rm.is_ok() {
                    self.agents.push(agent.id);
                }
            }
            Op::UpdateDraft { agent, name } => {
                let id = self.agent(agent);
                let def = definition(NAMES[usize::from(name)]);
                let r = self.audit(actions::AGENT_DRAFT_UPDATED);
                same(
                    "update_draft",
                    &b.update_draft(id, &def, now, &r).await,
                    &m.update_draft(id, &def, now, &r).await,
                )?;
            }
            Op::Publish { agent, bump, stale, name } => {
                let id = self.agent(agent);
                let current = m.get_agent(id).await.ok().flatten();
                let latest = current.as_ref().and_then(|a| a.latest_version.clone());
                let owner = current.as_ref().map(|a| a.owner_id).unwrap_or_default();
                let base = latest.clone().unwrap_or_else(|| semver::Version::new(0, 1, 0));
                let version = match bump {
                    0 => base.clone(),
                    1 => semver::Version::new(base.major, base.minor, base.patch + 1),
                    2 => semver::Version::new(base.major, base.minor + 1, 0),
                    _ => semver::Version::new(base.major + 1, 0, 0),
                };
                // Never ask for a re-publish and a stale expectation at once (which conflict wins is unspecified).
                let expected = if stale && bump != 0 { Some(semver::Version::new(99, 0, 0)) } else { latest };
                let mut def = definition(NAMES[usize::from(name)]);
                def.description = format!("version {version}");
                let request = PublishVersion {
                    version: crate::model::AgentVersion {
                        agent_id: id,
                        version,
                        definition: def,
                        changelog: None,
                        published_at: now,
                        published_by: owner,
                    },
                    expected_latest: expected,
                    audit: self.audit(actions::AGENT_PUBLISHED),
                };
                same("publish_version", &b.publish_version(&request).await, &m.publish_version(&request).await)?;
            }
            Op::SetStatus { agent, status } => {
                let id = self.agent(agent);
                let status =
                    [AgentStatus::Listed, AgentStatus::Unlisted, AgentStatus::Deprecated, AgentStatus::Deleted]
                        [usize::from(status) % 4];
                let message = (status == AgentStatus::Deprecated).then_some("superseded");
                let r = self.audit(actions::AGENT_STATUS_CHANGED);
                same(
                    "set_agent_status",
                    &b.set_agent_status(id, status, message, now, &r).await,
                    &m.set_agent_status(id, status, message, now, &r).await,
                )?;
            }
            Op::Install { user, agent, pin } => {
                let (Some(user), Some(agent)) = (self.live_user(user), self.existing_agent(agent)) else {
                    return Ok(());
                };
                let latest = m.get_agent(agent).await.ok().flatten().and_then(|a| a.latest_version);
                let pinned = if pin { Some(latest.unwrap_or_else(|| semver::Version::new(1, 0, 0))) } else { None };
                let r = self.audit(actions::AGENT_INSTALLED);
                same(
                    "install",
                    &b.install(user, agent, pinned.as_ref(), now, &r).await,
                    &m.install(user, agent, pinned.as_ref(), now, &r).await,
                )?;
            }
            Op::Uninstall { user, agent } => {
                let (user, agent) = (self.user(user), self.agent(agent));
                let r = self.audit(actions::AGENT_UNINSTALLED);
                same("uninstall", &b.uninstall(user, agent, &r).await, &m.uninstall(user, agent, &r).await)?;
            }
            Op::Rate { user, agent, stars } => {
                let (Some(user), Some(agent)) = (self.live_user(user), self.existing_agent(agent)) else {
                    return Ok(());
                };
                let review = Review {
                    id: ReviewId::new(),
                    agent_id: agent,
                    user_id: user,
                    stars: crate::model::Stars::new(stars).map_err(|e| e.to_string())?,
                    title: Some(format!("{stars} stars")),
                    body: None,
                    version: None,
                    created_at: now,
                    updated_at: now,
                };
                let r = self.audit(actions::RATING_UPSERTED);
                same("upsert_rating", &b.upsert_rating(&review, &r).await, &m.upsert_rating(&review, &r).await)?;
            }
            Op::DeleteRating { user, agent } => {
                let (user, agent) = (self.user(user), self.agent(agent));
                let r = self.audit(actions::RATING_DELETED);
                same(
                    "delete_rating",
                    &b.delete_rating(user, agent, &r).await,
                    &m.delete_rating(user, agent, &r).await,
                )?;
            }
            Op::DeleteReview { user, agent } => {
                let (user, agent) = (self.user(user), self.agent(agent));
                let id = m.get_rating(user, agent).await.ok().flatten().map(|r| r.id).unwrap_or_default();
                let r = self.audit(actions::REVIEW_REMOVED);
                same("delete_review", &b.delete_review(id, &r).await, &m.delete_review(id, &r).await)?;
            }
            Op::RecordUsage { user, agent, units } => {
                let (Some(user), Some(agent)) = (self.live_user(user), self.existing_agent(agent)) else {
                    return Ok(());
                };
                let event = UsageEvent {
                    agent_id: agent,
                    user_id: user,
                    event: "run".into(),
                    units: u64::from(units),
                    occurred_at: now,
                };
                let inc = trending_increment(now);
                same("record_usage", &b.record_usage(&event, inc).await, &m.record_usage(&event, inc).await)?;
            }
            Op::HitCounter { key, window_secs } => {
                let key = format!("key-{key}");
                let window = Duration::seconds(i64::from(window_secs));
                same("hit_counter", &b.hit_counter(&key, now, window).await, &m.hit_counter(&key, now, window).await)?;
            }
            Op::ClearCounter { key } => {
                let key = format!("key-{key}");
                same("clear_counter", &b.clear_counter(&key).await, &m.clear_counter(&key).await)?;
                same("get_counter", &b.get_counter(&key).await, &m.get_counter(&key).await)?;
            }
            Op::CreateSession { user } => {
                let Some(user) = self.live_user(user) else { return Ok(()) };
                let session = session_record(user, now);
                self.tokens += 1;
                let label = format!("token-{}", self.tokens);
                let r = self.audit(actions::SESSION_CREATED);
                let hash = token_hash(&label);
                let (rb, rm) =
                    (b.create_session(&session, &hash, &r).await, m.create_session(&session, &hash, &r).await);
                same("create_session", &rb, &rm)?;
                if rm.is_ok() {
                    self.sessions.push((session.id, vec![label]));
                }
            }
            Op::Redeem { session, token } => {
                if self.sessions.is_empty() {
                    let request = self.redeem_request("never-issued", "unused");
                    same(
                        "redeem_refresh_token",
                        &b.redeem_refresh_token(&request).await,
                        &m.redeem_refresh_token(&request).await,
                    )?;
                    return Ok(());
                }
                let index = usize::from(session) % self.sessions.len();
                let labels = &self.sessions[index].1;
                let presented = labels[usize::from(token) % labels.len()].clone();
                self.tokens += 1;
                let replacement = format!("token-{}", self.tokens);
                let request = self.redeem_request(&presented, &replacement);
                let (rb, rm) = (b.redeem_refresh_token(&request).await, m.redeem_refresh_token(&request).await);
                same("redeem_refresh_token", &rb, &rm)?;
                if matches!(rm, Ok(crate::storage::RedeemOutcome::Rotated(_))) {
                    self.sessions[index].1.push(replacement);
                }
            }
            Op::RevokeSessions { user } => {
                let id = self.user(user);
                let r = self.audit(actions::SESSIONS_REVOKED);
                same(
                    "revoke_user_sessions",
                    &b.revoke_user_sessions(id, None, now, &r).await,
                    &m.revoke_user_sessions(id, None, now, &r).await,
                )?;
            }
            Op::Advance { minutes } => {
                self.now += Duration::minutes(i64::from(minutes));
            }
        }
        Ok(())
    }

    fn redeem_request(&self, presented: &str, replacement: &str) -> RedeemRefresh {
        RedeemRefresh {
            presented: token_hash(presented),
            replacement: token_hash(replacement),
            now: self.now,
            rotated_audit: self.audit(actions::SESSION_REFRESHED),
            reuse_audit: self.audit(actions::SESSION_REUSE_DETECTED),
        }
    }

    /// Users, agents, stats and the catalogue, after every step.
    async fn compare_state(&self) -> Result<(), String> {
        let (b, m) = (&self.backend, &self.model);
        for id in &self.users {
            same("get_user", &b.get_user(*id).await, &m.get_user(*id).await)?;
        }
        for id in &self.agents {
            same("get_agent", &b.get_agent(*id).await, &m.get_agent(*id).await)?;
            let (sb, sm) = (b.get_stats(*id).await, m.get_stats(*id).await);
            match (&sb, &sm) {
                (Ok(x), Ok(y)) => {
                    let trending_ok = (x.trending - y.trending).abs() < 1e-9;
                    let (mut x2, mut y2) = (*x, *y);
                    x2.trending = 0.0;
                    y2.trending = 0.0;
                    if !trending_ok || x2 != y2 {
                        return Err(format!("get_stats({id}): backend {x:?}, model {y:?}"));
                    }
                }
                _ => same("get_stats", &sb, &sm)?,
            }
            same(
                "get_catalog_entry ids",
                &entry_id(b.get_catalog_entry(*id).await),
                &entry_id(m.get_catalog_entry(*id).await),
            )?;
        }
        for sort in
            [CatalogSort::Popular, CatalogSort::Rating, CatalogSort::Newest, CatalogSort::Name, CatalogSort::Trending]
        {
            let q = CatalogQuery { sort, limit: 100, ..Default::default() };
            let ids = |page: StorageResult<crate::storage::CatalogPage>| {
                page.map(|p| {
                    let keys: Vec<_> = p
                        .entries
                        .iter()
                        .map(|(e, k)| {
                            // Trending values are compared through the stats (with a tolerance).
                            let value = if sort == CatalogSort::Trending { None } else { Some(k.value.clone()) };
                            (e.agent.id, e.owner_handle.clone(), e.definition.name.clone(), k.deprecated, value)
                        })
                        .collect();
                    (keys, p.has_more)
                })
            };
            same(&format!("list_catalog({sort:?})"), &ids(b.list_catalog(&q).await), &ids(m.list_catalog(&q).await))?;
        }
        let q = CatalogQuery {
            terms: vec!["report".into()],
            sort: CatalogSort::Relevance,
            limit: 100,
            ..Default::default()
        };
        let keyed = |page: StorageResult<crate::storage::CatalogPage>| {
            // Relevance scores are the backend's own; the order must agree.
            page.map(|p| p.entries.into_iter().map(|(e, k)| (e.agent.id, k.deprecated)).collect::<Vec<_>>())
        };
        same("search `report`", &keyed(b.list_catalog(&q).await), &keyed(m.list_catalog(&q).await))
    }

    /// Everything else, once at the end.
    async fn compare_final(&self) -> Result<(), String> {
        let (b, m) = (&self.backend, &self.model);
        let all_time = (t0().date_naive() - chrono::Days::new(1), self.now.date_naive() + chrono::Days::new(1));
        for id in &self.users {
            same(
                "list_user_installs",
                &b.list_user_installs(*id, None, 1000).await,
                &m.list_user_installs(*id, None, 1000).await,
            )?;
            same("list_owner_agents", &b.list_owner_agents(*id).await, &m.list_owner_agents(*id).await)?;
            same(
                "list_active_sessions",
                &b.list_active_sessions(*id, self.now).await,
                &m.list_active_sessions(*id, self.now).await,
            )?;
        }
        for id in &self.agents {
            for sort in [ReviewSort::Newest, ReviewSort::Stars] {
                same(
                    "list_reviews",
                    &b.list_reviews(*id, sort, None, 1000).await,
                    &m.list_reviews(*id, sort, None, 1000).await,
                )?;
            }
            same("list_versions", &b.list_versions(*id).await, &m.list_versions(*id).await)?;
            same("get_draft", &b.get_draft(*id).await, &m.get_draft(*id).await)?;
            same(
                "usage_by_day",
                &b.usage_by_day(*id, all_time.0, all_time.1).await,
                &m.usage_by_day(*id, all_time.0, all_time.1).await,
            )?;
        }
        for (id, _) in &self.sessions {
            same("get_session", &b.get_session(*id).await, &m.get_session(*id).await)?;
        }
        for key in 0..3 {
            let key = format!("key-{key}");
            same("get_counter", &b.get_counter(&key).await, &m.get_counter(&key).await)?;
        }
        let filter = AuditFilter::default();
        same("list_audit", &b.list_audit(&filter, None, 10_000).await, &m.list_audit(&filter, None, 10_000).await)
    }
}

fn entry_id(entry: StorageResult<Option<crate::model::CatalogEntry>>) -> StorageResult<Option<(AgentId, String)>> {
    entry.map(|e| e.map(|e| (e.agent.id, e.definition.name.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model agrees with itself, and a deliberately wrong backend is caught.
    #[test]
    fn a_diverging_backend_is_caught() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let ops = vec![
            Op::CreateUser { handle: 0, email: 0 },
            Op::CreateUser { handle: 1, email: 0 },
            Op::CreateAgent { owner: 0, slug: 0 },
            Op::Publish { agent: 0, bump: 1, stale: false, name: 0 },
            Op::Install { user: 0, agent: 0, pin: false },
        ];
        runtime.block_on(async {
            run_ops(Arc::new(MemoryStore::new()), &ops).await.unwrap();
            // A backend that already holds a user (so handle `ann` is taken) must disagree.
            let dirty: Arc<dyn Store> = Arc::new(MemoryStore::new());
            let mut squatter = user_record("ann");
            squatter.email = Some(parse_email("squatter@example.com"));
            dirty.create_user(&squatter, &AuditRecord::new(t0(), "x")).await.unwrap();
            let err = run_ops(dirty, &ops).await.unwrap_err();
            assert!(err.contains("create_user"), "unexpected failure: {err}");
        });
    }
}
