//! Service-level cases: the invariants of ARCHITECTURE.md ("Invariants every
//! backend keeps"), hammered concurrently through the public services
//! ([`Agentmart`]'s auth, agents, market and admin) built over the store under
//! test, on a multi-thread runtime.
//!
//! The storage cases check each storage call's contract; these check that the
//! services, composed over a backend, keep the invariants a user sees: counts
//! equal to the rows they summarise, one refresh winner, versions that never
//! change, unique emails/handles/slugs, one audit record per state change,
//! usage totals equal to the events sent. Each builds its instance with a
//! [`ManualClock`] and a [`MemoryNotifier`], and keeps its task counts small
//! enough to finish well under a few seconds on PostgreSQL and durable sled.
//!
//! Invariant 6 (no secret stored in clear) needs the backend's files, so it is
//! a backend test (`storage-sled/tests/invariants.rs`), not a case here.

mod accounts;
mod market;
mod publishing;

pub use accounts::{
    service_refresh_has_one_winner_and_revokes_the_session, service_registrations_keep_emails_handles_and_slugs_unique,
    service_state_changes_have_exactly_one_audit_record,
};
pub use market::{
    service_install_count_equals_installing_users, service_rating_aggregate_equals_reviews,
    service_usage_totals_equal_the_events_sent,
};
pub use publishing::service_publishes_rise_and_versions_never_change;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use tokio::task::JoinSet;

use crate::agents::{CreateAgent, PublishRequest};
use crate::auth::ExternalIdentity;
use crate::market::{ListReviews, ReviewView};
use crate::storage::Store;
use crate::{
    AgentDefinition, AgentId, AgentRef, Agentmart, AuditFilter, ClientInfo, Config, ErrorCode, ManualClock,
    MemoryNotifier, PageRequest, Principal, Role, UserId,
};

/// A running instance over the store under test, with a manual clock and an in-memory outbox.
pub(super) struct World {
    pub(super) mart: Agentmart,
    pub(super) clock: ManualClock,
}

/// The instant every service case starts from.
pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 20, 15, 30, 0).single().unwrap_or_default()
}

/// An instance of the services over `store`.
pub(super) fn world(store: Arc<dyn Store>) -> World {
    let clock = ManualClock::new(t0());
    let mart = Agentmart::builder(store, Config::for_tests())
        .clock(Arc::new(clock.clone()))
        .notifier(Arc::new(MemoryNotifier::new()))
        .build()
        .expect("build Agentmart over the store under test");
    World { mart, clock }
}

pub(super) fn client() -> ClientInfo {
    ClientInfo::from_ip("198.51.100.23")
}

pub(super) fn definition(name: &str) -> AgentDefinition {
    AgentDefinition {
        name: name.into(),
        tagline: format!("{name} in one line"),
        description: format!("The {name} agent."),
        system_prompt: format!("You are {name}."),
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["text/plain".into()],
        ..Default::default()
    }
}

pub(super) fn code<T: std::fmt::Debug>(result: crate::Result<T>) -> ErrorCode {
    result.expect_err("expected an error").code()
}

pub(super) fn action(action: &str) -> AuditFilter {
    AuditFilter { action: Some(action.into()), ..AuditFilter::default() }
}

pub(super) fn action_about(action: &str, subject: UserId) -> AuditFilter {
    AuditFilter { action: Some(action.into()), subject: Some(subject), ..AuditFilter::default() }
}

/// Runs every future of `tasks` on the runtime's worker threads at once and
/// returns their answers in task order.
pub(super) async fn run_all<T, F>(tasks: Vec<F>) -> Vec<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let mut set = JoinSet::new();
    let count = tasks.len();
    for (i, task) in tasks.into_iter().enumerate() {
        set.spawn(async move { (i, task.await) });
    }
    let mut out: Vec<Option<T>> = (0..count).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        let (i, value) = joined.expect("a task panicked");
        out[i] = Some(value);
    }
    out.into_iter().map(|v| v.expect("every task answered")).collect()
}

impl World {
    /// A bring-your-own-identity user with an email `<name>@example.com`.
    pub(super) async fn user(&self, name: &str) -> Principal {
        self.mart
            .auth()
            .principal_for_external(ExternalIdentity {
                external_id: format!("ext-{name}"),
                handle: Some(name.into()),
                display_name: None,
                email: Some(format!("{name}@example.com")),
            })
            .await
            .expect("principal_for_external")
    }

    pub(super) async fn users(&self, prefix: &str, n: usize) -> Vec<Principal> {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            out.push(self.user(&format!("{prefix}{i}")).await);
        }
        out
    }

    /// An administrator, appointed the way a host does it.
    pub(super) async fn admin(&self) -> Principal {
        let p = self.user("root-admin").await;
        self.mart.admin().set_role_by_email("Root-Admin@Example.com", Role::Admin).await.expect("set_role_by_email");
        let p = self.mart.auth().principal_for_user(p.user_id).await.expect("principal_for_user");
        assert_eq!(p.role, Role::Admin);
        p
    }

    /// A draft agent of `owner` (never published).
    pub(super) async fn draft(&self, owner: &Principal, slug: &str) -> (AgentId, AgentRef) {
        let view = self
            .mart
            .agents()
            .create(owner, CreateAgent { slug: slug.into(), definition: definition(slug) })
            .await
            .expect("create agent");
        (view.id, AgentRef::new(view.owner, view.slug))
    }

    /// An agent of `owner` with version 1.0.0 published.
    pub(super) async fn published(&self, owner: &Principal, slug: &str) -> (AgentId, AgentRef) {
        let (id, path) = self.draft(owner, slug).await;
        self.mart
            .agents()
            .publish(owner, &path, PublishRequest { version: "1.0.0".into(), changelog: None })
            .await
            .expect("publish 1.0.0");
        (id, path)
    }

    /// Whether `agent` is among the installs `user` sees (all pages).
    pub(super) async fn has_installed(&self, user: &Principal, agent: AgentId) -> bool {
        let mut cursor = None;
        loop {
            let page = self
                .mart
                .market()
                .my_installs(user, PageRequest { limit: Some(7), cursor: cursor.take() })
                .await
                .expect("my_installs");
            if page.items.iter().any(|i| i.agent.id == agent) {
                return true;
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return false,
            }
        }
    }

    /// Every review of `agent` (all pages).
    pub(super) async fn all_reviews(&self, agent: &AgentRef) -> Vec<ReviewView> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .mart
                .market()
                .reviews(agent, ListReviews { sort: None, limit: Some(5), cursor: cursor.take() })
                .await
                .expect("reviews");
            out.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return out,
            }
        }
    }

    /// How many audit records match `filter` (all pages, read by an admin).
    pub(super) async fn audit_count(&self, admin: &Principal, filter: AuditFilter) -> usize {
        let mut total = 0;
        let mut cursor = None;
        loop {
            let page = self
                .mart
                .admin()
                .audit(admin, filter.clone(), PageRequest { limit: Some(100), cursor: cursor.take() })
                .await
                .expect("audit");
            total += page.items.len();
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return total,
            }
        }
    }

    /// Asserts the detail's install count equals the number of users who see
    /// the agent among their installs, and returns it.
    pub(super) async fn check_install_count(&self, users: &[Principal], agent: AgentId, path: &AgentRef) -> u64 {
        let mut installed = 0;
        for user in users {
            if self.has_installed(user, agent).await {
                installed += 1;
            }
        }
        let detail = self.mart.market().detail(None, path).await.expect("detail");
        assert_eq!(detail.install_count, installed, "install count vs users who have it installed");
        installed
    }
}
