//! Marketplace service tests (public API) on the in-memory reference store.
//!
//! Fixtures go straight through the store (users, agents, published
//! versions); principals are minted by hand, as a bring-your-own-identity
//! host would.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use agentmart_core::market::{
    AgentListItem, InstallRequest, ListAgents, ListReviews, Moderation, RateRequest, UsageQuery, UsageRequest,
};
use agentmart_core::storage::{AgentStore, AuditStore, CatalogSort, PublishVersion, ReviewSort, UserStore};
use agentmart_core::testing::MemoryStore;
use agentmart_core::{
    Agent, AgentDefinition, AgentId, AgentRef, AgentStatus, AgentVersion, Agentmart, AuditFilter, AuditRecord, Clock,
    Config, Draft, ErrorCode, ManualClock, MarketService, Page, PageRequest, Principal, Role, Skill, UserId,
    UserRecord, actions,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// Puts a word into one field of a definition.
type SetField = fn(&mut AgentDefinition, &str);

const SECRET_PROMPT: &str = "TOP-SECRET-SYSTEM-PROMPT-do-not-leak";

struct World {
    mart: Agentmart,
    store: Arc<MemoryStore>,
    clock: ManualClock,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
}

fn world() -> World {
    world_with(Config::for_tests())
}

fn world_with(config: Config) -> World {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(start());
    let mart = Agentmart::builder(store.clone(), config).clock(Arc::new(clock.clone())).build().unwrap();
    World { mart, store, clock }
}

fn def(name: &str) -> AgentDefinition {
    AgentDefinition {
        name: name.into(),
        tagline: format!("{name} tagline"),
        description: format!("The {name} agent."),
        system_prompt: SECRET_PROMPT.into(),
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["text/plain".into()],
        ..Default::default()
    }
}

fn code<T: std::fmt::Debug>(result: agentmart_core::Result<T>) -> ErrorCode {
    result.expect_err("expected an error").code()
}

fn fields<T: std::fmt::Debug>(result: agentmart_core::Result<T>) -> Vec<String> {
    let err = result.expect_err("expected a validation error");
    assert_eq!(err.code(), ErrorCode::ValidationFailed, "{err}");
    err.field_errors().iter().map(|f| f.field.clone()).collect()
}

impl World {
    async fn user(&self, handle: &str) -> Principal {
        self.user_with_role(handle, Role::User).await
    }

    async fn user_with_role(&self, handle: &str, role: Role) -> Principal {
        let now = self.clock.now();
        let record = UserRecord {
            id: UserId::new(),
            email: Some(format!("{handle}@example.com").parse().unwrap()),
            email_verified: true,
            handle: handle.parse().unwrap(),
            display_name: Some(format!("Display {handle}")),
            bio: None,
            avatar_url: None,
            role,
            disabled: false,
            password_hash: None,
            external_id: None,
            created_at: now,
            updated_at: now,
        };
        self.store.create_user(&record, &AuditRecord::new(now, actions::USER_REGISTERED)).await.unwrap();
        Principal { user_id: record.id, session_id: None, role }
    }

    async fn handle(&self, p: &Principal) -> String {
        self.store.get_user(p.user_id).await.unwrap().unwrap().handle.into_string()
    }

    /// A draft agent (never published).
    async fn draft(&self, owner: &Principal, slug: &str, definition: AgentDefinition) -> (AgentId, AgentRef) {
        let now = self.clock.now();
        let agent = Agent {
            id: AgentId::new(),
            owner_id: owner.user_id,
            slug: slug.into(),
            status: AgentStatus::Draft,
            status_message: None,
            latest_version: None,
            created_at: now,
            updated_at: now,
            published_at: None,
            moderation: None,
        };
        let draft = Draft { agent_id: agent.id, definition, updated_at: now };
        self.store.create_agent(&agent, &draft, &AuditRecord::new(now, actions::AGENT_CREATED)).await.unwrap();
        (agent.id, AgentRef::new(self.handle(owner).await, slug))
    }

    /// An agent with version 1.0.0 published.
    async fn agent(&self, owner: &Principal, slug: &str, definition: AgentDefinition) -> (AgentId, AgentRef) {
        let (id, path) = self.draft(owner, slug, definition.clone()).await;
        self.publish(id, "1.0.0", definition).await;
        (id, path)
    }

    async fn publish(&self, id: AgentId, version: &str, definition: AgentDefinition) {
        let now = self.clock.now();
        let current = self.store.get_agent(id).await.unwrap().unwrap();
        let request = PublishVersion {
            version: AgentVersion {
                agent_id: id,
                version: version.parse().unwrap(),
                definition,
                changelog: None,
                published_at: now,
                published_by: current.owner_id,
            },
            expected_latest: current.latest_version.clone(),
            audit: AuditRecord::new(now, actions::AGENT_PUBLISHED),
        };
        self.store.publish_version(&request).await.unwrap();
    }

    async fn set_status(&self, id: AgentId, status: AgentStatus, message: Option<&str>) {
        let now = self.clock.now();
        let audit = AuditRecord::new(now, actions::AGENT_STATUS_CHANGED);
        self.store.set_agent_status(id, status, message, now, &audit).await.unwrap();
    }

    async fn install(&self, p: &Principal, path: &AgentRef) -> bool {
        self.mart.market().install(p, path, InstallRequest::default()).await.unwrap().created
    }

    async fn rate(&self, p: &Principal, path: &AgentRef, stars: u8) {
        let request = RateRequest { stars, ..Default::default() };
        self.mart.market().rate(p, path, request).await.unwrap();
    }

    /// Every page of a list, following cursors.
    async fn all_pages(&self, request: ListAgents) -> Vec<AgentListItem> {
        let mut out = Vec::new();
        let mut request = request;
        for _ in 0..1000 {
            let page = self.mart.market().list(None, request.clone()).await.unwrap();
            assert!(page.items.len() <= request.limit.unwrap_or(20) as usize);
            out.extend(page.items);
            match page.next_cursor {
                Some(cursor) => request.cursor = Some(cursor),
                None => return out,
            }
        }
        panic!("pagination does not end");
    }

    async fn audit(&self, action: &str) -> Vec<AuditRecord> {
        let filter = AuditFilter { action: Some(action.into()), ..Default::default() };
        self.store.list_audit(&filter, None, 1000).await.unwrap()
    }
}

fn ids(items: &[AgentListItem]) -> Vec<AgentId> {
    items.iter().map(|i| i.id).collect()
}

fn list(sort: Option<CatalogSort>, limit: u32) -> ListAgents {
    ListAgents { sort, limit: Some(limit), ..Default::default() }
}

/// 30 agents of 3 owners with varied installs, ratings, usage and names; two deprecated, one unlisted.
struct Catalog {
    world: World,
    listed: HashSet<AgentId>,
    deprecated: HashSet<AgentId>,
    unlisted: AgentId,
}

async fn catalog() -> Catalog {
    let w = world();
    let owners = [w.user("alice").await, w.user("bob").await, w.user("carol").await];
    let fans: Vec<Principal> = make_users(&w, "fan", 6).await;
    let mut listed = HashSet::new();
    let mut paths = Vec::new();
    for i in 0..30u32 {
        // Names out of creation order; some equal names to exercise ties.
        let name = format!("Agent {:02}", (i * 7) % 20);
        let mut d = def(&name);
        d.category = Some(if i % 2 == 0 { "coding" } else { "writing" }.into());
        let (id, path) = w.agent(&owners[(i % 3) as usize], &format!("agent-{i:02}"), d).await;
        w.clock.advance(Duration::minutes(1));
        listed.insert(id);
        paths.push((id, path));
    }
    for (i, (_, path)) in paths.iter().enumerate() {
        for fan in fans.iter().take(i % 5) {
            w.install(fan, path).await;
        }
        if i % 4 == 1 {
            for (k, fan) in fans.iter().take(i % 5).enumerate() {
                w.rate(fan, path, (1 + (i + k) % 5) as u8).await;
            }
        }
        if i % 3 == 0 && i % 5 > 0 {
            for _ in 0..(i % 7) {
                let usage = UsageRequest::default();
                w.mart.market().record_usage(&fans[0], path, usage).await.unwrap();
            }
        }
    }
    let mut deprecated = HashSet::new();
    for (id, _) in [&paths[4], &paths[9]] {
        w.set_status(*id, AgentStatus::Deprecated, Some("use something else")).await;
        deprecated.insert(*id);
    }
    let unlisted = paths[13].0;
    w.set_status(unlisted, AgentStatus::Unlisted, None).await;
    listed.remove(&unlisted);
    // A draft never shows up.
    w.draft(&owners[0], "draft-only", def("Agent 01")).await;
    Catalog { world: w, listed, deprecated, unlisted }
}

async fn make_users(w: &World, prefix: &str, n: usize) -> Vec<Principal> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(w.user(&format!("{prefix}-{i}")).await);
    }
    out
}

mod catalog;
mod concurrency;
mod engagement;
mod limits;
mod moderation;
mod properties;
