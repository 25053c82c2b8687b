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
            email: Some(format!("{handle}@example.com")),
            email_verified: true,
            handle: handle.into(),
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
        self.store.get_user(p.user_id).await.unwrap().unwrap().handle
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

#[tokio::test]
async fn every_sort_pages_without_duplicates_or_gaps_and_puts_deprecated_last() {
    let c = catalog().await;
    let w = &c.world;
    for sort in
        [CatalogSort::Popular, CatalogSort::Rating, CatalogSort::Newest, CatalogSort::Trending, CatalogSort::Name]
    {
        let whole = w.mart.market().list(None, list(Some(sort), 100)).await.unwrap();
        assert!(whole.next_cursor.is_none());
        assert_eq!(whole.items.len(), c.listed.len(), "{sort:?}");
        for limit in [1, 4, 7] {
            let paged = w.all_pages(list(Some(sort), limit)).await;
            assert_eq!(ids(&paged), ids(&whole.items), "{sort:?} limit {limit}");
        }
        let got: HashSet<AgentId> = whole.items.iter().map(|i| i.id).collect();
        assert_eq!(got, c.listed, "{sort:?}");
        assert!(!got.contains(&c.unlisted));
        // Deprecated agents come after all others, with their message.
        let tail: HashSet<AgentId> = whole.items[whole.items.len() - 2..].iter().map(|i| i.id).collect();
        assert_eq!(tail, c.deprecated, "{sort:?}");
        for item in &whole.items[whole.items.len() - 2..] {
            assert_eq!(item.status, AgentStatus::Deprecated);
            assert_eq!(item.status_message.as_deref(), Some("use something else"));
        }
        let live = &whole.items[..whole.items.len() - 2];
        match sort {
            CatalogSort::Popular => assert!(live.windows(2).all(|p| p[0].install_count >= p[1].install_count)),
            CatalogSort::Name => assert!(live.windows(2).all(|p| p[0].name.to_lowercase() <= p[1].name.to_lowercase())),
            CatalogSort::Newest => {
                // Created one minute apart: newest first means descending creation.
                let created: Vec<_> = created_times(w, live).await;
                assert!(created.windows(2).all(|p| p[0] >= p[1]));
            }
            _ => {}
        }
    }
    // Default sort without a query is popular.
    let default = w.mart.market().list(None, list(None, 100)).await.unwrap();
    let popular = w.mart.market().list(None, list(Some(CatalogSort::Popular), 100)).await.unwrap();
    assert_eq!(ids(&default.items), ids(&popular.items));
}

async fn created_times(w: &World, items: &[AgentListItem]) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    for item in items {
        out.push(w.store.get_agent(item.id).await.unwrap().unwrap().created_at);
    }
    out
}

#[tokio::test]
async fn rating_and_trending_sorts_follow_the_numbers() {
    let w = world();
    let owner = w.user("owner").await;
    let fans = make_users(&w, "fan", 5).await;
    let (_, one_five) = w.agent(&owner, "one-five", def("One five")).await;
    let (_, many_four) = w.agent(&owner, "many-four", def("Many four")).await;
    let (_, busy) = w.agent(&owner, "busy", def("Busy")).await;
    w.install(&fans[0], &one_five).await;
    w.rate(&fans[0], &one_five, 5).await;
    for fan in &fans {
        w.install(fan, &many_four).await;
        w.rate(fan, &many_four, 5).await;
        w.install(fan, &busy).await;
    }
    // Damped mean: five 5-star ratings beat one.
    let rating = w.mart.market().list(None, list(Some(CatalogSort::Rating), 10)).await.unwrap();
    assert_eq!(rating.items[0].slug, "many-four");
    assert_eq!(rating.items[1].slug, "one-five");

    // Old usage counts less than recent usage.
    let market = w.mart.market();
    for _ in 0..3 {
        let old = UsageRequest { occurred_at: Some(w.clock.now() - Duration::days(20)), ..Default::default() };
        market.record_usage(&fans[0], &many_four, old).await.unwrap();
    }
    market.record_usage(&fans[1], &busy, UsageRequest::default()).await.unwrap();
    let trending = market.list(None, list(Some(CatalogSort::Trending), 10)).await.unwrap();
    let slugs: Vec<_> = trending.items.iter().map(|i| i.slug.as_str()).collect();
    assert_eq!(slugs, ["busy", "many-four", "one-five"]);
}

#[tokio::test]
async fn cursors_are_bound_to_sort_and_filters_and_tamper_evident() {
    let c = catalog().await;
    let market = c.world.mart.market();
    let first = market.list(None, list(Some(CatalogSort::Popular), 5)).await.unwrap();
    let cursor = first.next_cursor.clone().unwrap();

    // The same list with another limit accepts it.
    let next = ListAgents { cursor: Some(cursor.clone()), ..list(Some(CatalogSort::Popular), 3) };
    assert_eq!(market.list(None, next).await.unwrap().items.len(), 3);

    let foreign = [
        ListAgents { cursor: Some(cursor.clone()), ..list(Some(CatalogSort::Newest), 5) },
        ListAgents { cursor: Some(cursor.clone()), ..list(Some(CatalogSort::Name), 5) },
        ListAgents {
            cursor: Some(cursor.clone()),
            category: Some("coding".into()),
            ..list(Some(CatalogSort::Popular), 5)
        },
        ListAgents { cursor: Some(cursor.clone()), tag: Some("x".into()), ..list(Some(CatalogSort::Popular), 5) },
        ListAgents { cursor: Some(cursor.clone()), owner: Some("alice".into()), ..list(Some(CatalogSort::Popular), 5) },
        ListAgents {
            cursor: Some(cursor.clone()),
            q: Some("agent".into()),
            sort: Some(CatalogSort::Popular),
            limit: Some(5),
            ..Default::default()
        },
    ];
    for request in foreign {
        assert_eq!(code(market.list(None, request.clone()).await), ErrorCode::MalformedRequest, "{request:?}");
    }

    // Any single changed character is refused.
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (i, ch) in cursor.char_indices() {
        let replacement = alphabet.chars().find(|&a| a != ch).unwrap();
        let mut tampered = cursor.clone();
        tampered.replace_range(i..i + 1, &replacement.to_string());
        let request = ListAgents { cursor: Some(tampered), ..list(Some(CatalogSort::Popular), 5) };
        assert_eq!(code(market.list(None, request).await), ErrorCode::MalformedRequest, "position {i}");
    }
    for garbage in ["", "not a cursor", "%%%", &cursor[..cursor.len() - 4]] {
        let request = ListAgents { cursor: Some(garbage.into()), ..list(Some(CatalogSort::Popular), 5) };
        assert_eq!(code(market.list(None, request).await), ErrorCode::MalformedRequest, "{garbage:?}");
    }

    // Another instance with another secret refuses it; one with the same configuration accepts it.
    let mut other_config = Config::for_tests();
    other_config.cursor_secret = Some(b"a different cursor secret".to_vec());
    let other = Agentmart::new(c.world.store.clone(), other_config).unwrap();
    let request = ListAgents { cursor: Some(cursor.clone()), ..list(Some(CatalogSort::Popular), 5) };
    assert_eq!(code(other.market().list(None, request.clone()).await), ErrorCode::MalformedRequest);
    let same = Agentmart::new(c.world.store.clone(), Config::for_tests()).unwrap();
    assert!(same.market().list(None, request).await.is_ok());
}

#[tokio::test]
async fn search_matches_a_word_in_each_searchable_field_only() {
    let w = world();
    let owner = w.user("owner").await;
    let cases: [(&str, SetField); 7] = [
        ("name", |d, word| d.name = format!("Helper {word}")),
        ("tagline", |d, word| d.tagline = format!("Tagline with {word} inside")),
        ("description", |d, word| d.description = format!("Long text, {word}.")),
        ("tag", |d, word| d.tags = vec![word.to_lowercase()]),
        ("skill-name", |d, word| d.skills = vec![Skill { id: "s".into(), name: word.into(), ..Default::default() }]),
        ("skill-description", |d, word| {
            d.skills = vec![Skill {
                id: "s".into(),
                name: "skill".into(),
                description: format!("does {word}"),
                ..Default::default()
            }]
        }),
        ("skill-tag", |d, word| {
            d.skills =
                vec![Skill { id: "s".into(), name: "skill".into(), tags: vec![word.into()], ..Default::default() }]
        }),
    ];
    let market = w.mart.market();
    let mut slugs = Vec::new();
    for (i, (field, set)) in cases.iter().enumerate() {
        let word = format!("Zebra{i}word");
        let mut d = def(&format!("Plain {i}"));
        set(&mut d, &word);
        let slug = format!("by-{field}");
        w.agent(&owner, &slug, d).await;
        slugs.push((slug, word));
    }
    // A word only in the system prompt is never searchable.
    let mut hidden = def("Hidden");
    hidden.system_prompt = "quagga secret".into();
    w.agent(&owner, "hidden", hidden).await;

    for (slug, word) in &slugs {
        for q in [word.clone(), word.to_uppercase(), format!("  {}!!", word.to_lowercase())] {
            let page = market.list(None, ListAgents { q: Some(q.clone()), ..Default::default() }).await.unwrap();
            let got: Vec<_> = page.items.iter().map(|i| i.slug.as_str()).collect();
            assert_eq!(got, [slug.as_str()], "query {q:?}");
        }
    }
    let none = market.list(None, ListAgents { q: Some("quagga".into()), ..Default::default() }).await.unwrap();
    assert!(none.items.is_empty());

    // Every word must match; relevance puts a name match above a description match.
    let both = ListAgents { q: Some("plain zebra0word".into()), ..Default::default() };
    assert_eq!(market.list(None, both).await.unwrap().items.len(), 1);
    let plain = market.list(None, ListAgents { q: Some("plain".into()), ..Default::default() }).await.unwrap();
    assert_eq!(plain.items.len(), slugs.len());
    let mut ranked = def("Ranked Plain");
    ranked.name = "Omega".into();
    ranked.description = "omega".into();
    w.agent(&owner, "omega-in-name", ranked).await;
    let mut low = def("Other");
    low.description = "omega".into();
    w.agent(&owner, "omega-in-description", low).await;
    let page = market.list(None, ListAgents { q: Some("omega".into()), ..Default::default() }).await.unwrap();
    let got: Vec<_> = page.items.iter().map(|i| i.slug.as_str()).collect();
    assert_eq!(got, ["omega-in-name", "omega-in-description"]);

    // Relevance needs a query; a blank query is no text filter.
    let err = market.list(None, ListAgents { sort: Some(CatalogSort::Relevance), ..Default::default() }).await;
    assert_eq!(fields(err), ["sort"]);
    let blank = market.list(None, ListAgents { q: Some("  ".into()), ..list(None, 100) }).await.unwrap();
    assert_eq!(blank.items.len(), slugs.len() + 3);
    // Limits are validated.
    for limit in [0, 101] {
        let err = market.list(None, list(None, limit)).await;
        assert_eq!(fields(err), ["limit"]);
    }
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let w = world();
    let alice = w.user("alice").await;
    let bob = w.user("bob").await;
    let mut a = def("Json tool");
    a.category = Some("data".into());
    a.tags = vec!["etl".into(), "json".into()];
    a.input_modes = vec!["application/json".into()];
    a.output_modes = vec!["text/plain".into()];
    w.agent(&alice, "json-tool", a).await;
    let mut b = def("Image tool");
    b.category = Some("media".into());
    b.tags = vec!["images".into()];
    b.output_modes = vec!["image/png".into()];
    w.agent(&bob, "image-tool", b).await;
    w.agent(&bob, "plain", def("Plain")).await;

    let market = w.mart.market();
    let slugs = |page: Page<AgentListItem>| {
        let mut s: Vec<String> = page.items.into_iter().map(|i| i.slug).collect();
        s.sort();
        s
    };
    let cases: Vec<(ListAgents, Vec<&str>)> = vec![
        (ListAgents { category: Some("data".into()), ..Default::default() }, vec!["json-tool"]),
        (ListAgents { category: Some("DATA".into()), ..Default::default() }, vec!["json-tool"]),
        (ListAgents { tag: Some("images".into()), ..Default::default() }, vec!["image-tool"]),
        (ListAgents { input_mode: Some("application/json".into()), ..Default::default() }, vec!["json-tool"]),
        (ListAgents { input_mode: Some("text/plain".into()), ..Default::default() }, vec!["image-tool", "plain"]),
        (ListAgents { output_mode: Some("image/png".into()), ..Default::default() }, vec!["image-tool"]),
        (ListAgents { owner: Some("bob".into()), ..Default::default() }, vec!["image-tool", "plain"]),
        (ListAgents { owner: Some("BOB".into()), ..Default::default() }, vec!["image-tool", "plain"]),
        (ListAgents { owner: Some("nobody".into()), ..Default::default() }, vec![]),
        (ListAgents { owner: Some("bob".into()), tag: Some("etl".into()), ..Default::default() }, vec![]),
        (ListAgents { category: Some("unknown".into()), ..Default::default() }, vec![]),
    ];
    for (request, expected) in cases {
        let page = market.list(None, request.clone()).await.unwrap();
        assert!(page.next_cursor.is_none());
        assert_eq!(slugs(page), expected, "{request:?}");
    }
}

#[tokio::test]
async fn visibility_of_unlisted_drafts_and_deleted_agents() {
    let w = world();
    let owner = w.user("owner").await;
    let fan = w.user("fan").await;
    let other = w.user("other").await;
    let (hidden_id, hidden) = w.agent(&owner, "hidden", def("Hidden gem")).await;
    w.set_status(hidden_id, AgentStatus::Unlisted, None).await;
    let (_, draft) = w.draft(&owner, "draft", def("Draft gem")).await;
    let (gone_id, gone) = w.agent(&owner, "gone", def("Gone gem")).await;
    w.install(&fan, &gone).await;
    w.set_status(gone_id, AgentStatus::Deleted, None).await;

    let market = w.mart.market();
    let all = market.list(None, ListAgents { q: Some("gem".into()), ..Default::default() }).await.unwrap();
    assert!(all.items.is_empty(), "unlisted, drafts and deleted agents stay out of lists and search");

    // Unlisted: reachable by path, installable.
    let detail = market.detail(None, &hidden).await.unwrap();
    assert_eq!(detail.status, AgentStatus::Unlisted);
    assert!(w.install(&fan, &hidden).await);

    // Drafts: not found, to the owner too.
    assert_eq!(code(market.detail(None, &draft).await), ErrorCode::NotFound);
    assert_eq!(code(market.detail(Some(&owner), &draft).await), ErrorCode::NotFound);
    assert_eq!(code(market.install(&fan, &draft, InstallRequest::default()).await), ErrorCode::NotFound);
    assert_eq!(code(market.reviews(&draft, ListReviews::default()).await), ErrorCode::NotFound);

    // Deleted: readable to a user who has it installed, not found to others.
    let kept = market.detail(Some(&fan), &gone).await.unwrap();
    assert_eq!(kept.status, AgentStatus::Deleted);
    assert_eq!(kept.installed, Some(true));
    assert_eq!(code(market.detail(None, &gone).await), ErrorCode::NotFound);
    assert_eq!(code(market.detail(Some(&other), &gone).await), ErrorCode::NotFound);
    assert_eq!(code(market.install(&other, &gone, InstallRequest::default()).await), ErrorCode::NotFound);
    assert_eq!(code(market.install(&fan, &gone, InstallRequest::default()).await), ErrorCode::Conflict);

    // Unknown paths.
    let nowhere = AgentRef::new("owner", "nowhere");
    assert_eq!(code(market.detail(None, &nowhere).await), ErrorCode::NotFound);
    assert_eq!(code(market.detail(None, &AgentRef::new("nobody", "hidden")).await), ErrorCode::NotFound);
}

#[tokio::test]
async fn detail_reports_counts_histogram_usage_and_the_viewer() {
    let w = world();
    let owner = w.user("owner").await;
    let fans = make_users(&w, "fan", 4).await;
    let mut d = def("Counter");
    d.conversation_starters = vec!["Count to three".into()];
    d.skills = vec![Skill { id: "count".into(), name: "Count".into(), ..Default::default() }];
    let (id, path) = w.agent(&owner, "counter", d).await;
    let market = w.mart.market();
    for fan in &fans {
        w.install(fan, &path).await;
    }
    w.rate(&fans[0], &path, 5).await;
    w.rate(&fans[1], &path, 4).await;
    w.rate(&fans[2], &path, 4).await;

    // Usage: 2 events today, 1 event 29 days ago (inside), 2 events 31 days ago (outside).
    let now = w.clock.now();
    for (fan, at) in [(&fans[0], now), (&fans[1], now), (&fans[0], now - Duration::days(29))] {
        market.record_usage(fan, &path, UsageRequest { occurred_at: Some(at), ..Default::default() }).await.unwrap();
    }
    for _ in 0..2 {
        let old = UsageRequest { occurred_at: Some(now - Duration::days(31)), ..Default::default() };
        market.record_usage(&fans[3], &path, old).await.unwrap();
    }

    let anonymous = market.detail(None, &path).await.unwrap();
    assert_eq!(anonymous.id, id);
    assert_eq!(anonymous.owner, "owner");
    assert_eq!(anonymous.install_count, 4);
    assert_eq!(anonymous.rating.count, 3);
    assert!((anonymous.rating.mean - 13.0 / 3.0).abs() < 1e-9);
    assert_eq!(anonymous.rating.histogram, [0, 0, 0, 2, 1]);
    assert_eq!(anonymous.usage_30d, 3);
    assert_eq!(anonymous.latest_version, Some("1.0.0".parse().unwrap()));
    assert_eq!(anonymous.conversation_starters, ["Count to three"]);
    assert_eq!(anonymous.skills.len(), 1);
    assert_eq!(anonymous.installed, None);
    assert_eq!(anonymous.my_rating, None);
    let json = serde_json::to_string(&anonymous).unwrap();
    assert!(!json.contains(SECRET_PROMPT), "the system prompt never leaks");

    let mine = market.detail(Some(&fans[1]), &path).await.unwrap();
    assert_eq!(mine.installed, Some(true));
    let my_rating = mine.my_rating.unwrap();
    assert_eq!(my_rating.stars, 4);
    assert_eq!(my_rating.user.handle, "fan-1");
    let stranger = w.user("stranger").await;
    let theirs = market.detail(Some(&stranger), &path).await.unwrap();
    assert_eq!(theirs.installed, Some(false));
    assert_eq!(theirs.my_rating, None);

    // The list item shows the same numbers; the detail follows a new version.
    let page = market.list(None, ListAgents::default()).await.unwrap();
    assert_eq!(page.items[0].install_count, 4);
    assert_eq!(page.items[0].rating.count, 3);
    w.clock.advance(Duration::days(2));
    w.publish(id, "1.1.0", def("Counter Two")).await;
    let newer = market.detail(None, &path).await.unwrap();
    assert_eq!(newer.name, "Counter Two");
    assert_eq!(newer.latest_version, Some("1.1.0".parse().unwrap()));
    assert_eq!(newer.usage_30d, 2, "the day 29 days back left the window");
}

#[tokio::test]
async fn install_and_uninstall_are_idempotent_and_counted() {
    let w = world();
    let owner = w.user("owner").await;
    let fan = w.user("fan").await;
    let (id, path) = w.agent(&owner, "tool", def("Tool")).await;
    w.clock.advance(Duration::hours(1));
    w.publish(id, "1.1.0", def("Tool")).await;
    let market = w.mart.market();

    let first = market.install(&fan, &path, InstallRequest::default()).await.unwrap();
    assert!(first.created);
    assert_eq!(first.install.agent.slug, "tool");
    assert_eq!(first.install.pinned_version, None);
    let again = market.install(&fan, &path, InstallRequest::default()).await.unwrap();
    assert!(!again.created);
    assert_eq!(installs(&market, &path).await, 1);

    // Pinning: an existing version, a missing one, a malformed one.
    let pinned = market.install(&fan, &path, InstallRequest { version: Some("1.0.0".into()) }).await.unwrap();
    assert!(!pinned.created);
    assert_eq!(pinned.install.pinned_version, Some("1.0.0".parse().unwrap()));
    assert_eq!(pinned.install.installed_at, first.install.installed_at);
    assert_eq!(
        code(market.install(&fan, &path, InstallRequest { version: Some("9.9.9".into()) }).await),
        ErrorCode::NotFound
    );
    assert_eq!(fields(market.install(&fan, &path, InstallRequest { version: Some("one".into()) }).await), ["version"]);
    assert_eq!(installs(&market, &path).await, 1);

    market.uninstall(&fan, &path).await.unwrap();
    assert_eq!(installs(&market, &path).await, 0);
    market.uninstall(&fan, &path).await.unwrap();
    assert_eq!(installs(&market, &path).await, 0);
    assert_eq!(market.detail(Some(&fan), &path).await.unwrap().installed, Some(false));
    assert!(market.install(&fan, &path, InstallRequest::default()).await.unwrap().created);

    // Each change is audited about the user; idempotent repeats write nothing.
    let installed = w.audit(actions::AGENT_INSTALLED).await;
    assert_eq!(installed.len(), 3, "install, pin, reinstall");
    assert!(installed.iter().all(|r| r.subject == Some(fan.user_id) && r.actor == Some(fan.user_id)));
    assert!(installed.iter().all(|r| r.target.as_deref() == Some(format!("agent:{id}").as_str())));
    assert_eq!(w.audit(actions::AGENT_UNINSTALLED).await.len(), 1);

    // Unknown agents.
    let missing = AgentRef::new("owner", "missing");
    assert_eq!(code(market.install(&fan, &missing, InstallRequest::default()).await), ErrorCode::NotFound);
    assert_eq!(code(market.uninstall(&fan, &missing).await), ErrorCode::NotFound);
}

async fn installs(market: &MarketService, path: &AgentRef) -> u64 {
    market.detail(None, path).await.unwrap().install_count
}

#[tokio::test]
async fn my_installs_pages_and_keeps_deleted_agents_flagged() {
    let w = world();
    let owner = w.user("owner").await;
    let fan = w.user("fan").await;
    let other = w.user("other").await;
    let market = w.mart.market();
    let mut paths = Vec::new();
    for i in 0..13 {
        let (id, path) = w.agent(&owner, &format!("a-{i:02}"), def(&format!("A {i}"))).await;
        w.install(&fan, &path).await;
        w.clock.advance(Duration::seconds(1));
        paths.push((id, path));
    }
    w.install(&other, &paths[0].1).await;
    w.set_status(paths[3].0, AgentStatus::Deleted, None).await;

    let mut seen = Vec::new();
    let mut request = PageRequest { limit: Some(5), cursor: None };
    let mut pages = 0;
    loop {
        let page = market.my_installs(&fan, request.clone()).await.unwrap();
        pages += 1;
        seen.extend(page.items);
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let slugs: Vec<_> = seen.iter().map(|i| i.agent.slug.clone()).collect();
    let expected: Vec<_> = (0..13).rev().map(|i| format!("a-{i:02}")).collect();
    assert_eq!(slugs, expected, "most recent first, each once");
    let deleted: Vec<_> = seen.iter().filter(|i| i.deleted).map(|i| i.agent.slug.as_str()).collect();
    assert_eq!(deleted, ["a-03"]);

    // A cursor of another user's list is refused.
    let theirs = market.my_installs(&other, PageRequest { limit: Some(1), cursor: None }).await.unwrap();
    assert!(theirs.next_cursor.is_none());
    let mine = market.my_installs(&fan, PageRequest { limit: Some(5), cursor: None }).await.unwrap();
    let foreign = PageRequest { limit: Some(5), cursor: mine.next_cursor };
    assert_eq!(code(market.my_installs(&other, foreign).await), ErrorCode::MalformedRequest);

    // Deleted agents can still be uninstalled.
    market.uninstall(&fan, &paths[3].1).await.unwrap();
    let after = market.my_installs(&fan, PageRequest { limit: Some(100), cursor: None }).await.unwrap();
    assert_eq!(after.items.len(), 12);
}

#[tokio::test]
async fn rating_rules() {
    let w = world();
    let owner = w.user("owner").await;
    let fan = w.user("fan").await;
    let stranger = w.user("stranger").await;
    let (id, path) = w.agent(&owner, "rated", def("Rated")).await;
    let market = w.mart.market();
    w.install(&owner, &path).await;
    w.install(&fan, &path).await;

    let five = RateRequest { stars: 5, title: Some("  Great  ".into()), body: Some("Works well".into()) };
    assert_eq!(code(market.rate(&owner, &path, five.clone()).await), ErrorCode::Forbidden, "own agent");
    assert_eq!(code(market.rate(&stranger, &path, five.clone()).await), ErrorCode::Forbidden, "not installed");
    for stars in [0, 6, 255] {
        assert_eq!(fields(market.rate(&fan, &path, RateRequest { stars, ..Default::default() }).await), ["stars"]);
    }
    let long_title = RateRequest { stars: 3, title: Some("t".repeat(121)), body: Some("b".repeat(5001)) };
    assert_eq!(fields(market.rate(&fan, &path, long_title).await), ["title", "body"]);
    let at_limits = RateRequest { stars: 3, title: Some("é".repeat(120)), body: Some("b".repeat(5000)) };
    market.rate(&fan, &path, at_limits).await.unwrap();

    let first = market.rate(&fan, &path, five).await.unwrap();
    assert_eq!(first.stars, 5);
    assert_eq!(first.title.as_deref(), Some("Great"));
    assert_eq!(first.user.handle, "fan");
    assert_eq!(first.user.display_name.as_deref(), Some("Display fan"));
    assert_eq!(first.version, Some("1.0.0".parse().unwrap()));
    let detail = market.detail(None, &path).await.unwrap();
    assert_eq!((detail.rating.count, detail.rating.histogram), (1, [0, 0, 0, 0, 1]));

    // Upsert: same review id, histogram moves.
    w.clock.advance(Duration::minutes(5));
    let second = market.rate(&fan, &path, RateRequest { stars: 2, ..Default::default() }).await.unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.created_at, first.created_at);
    assert!(second.updated_at > first.updated_at);
    assert_eq!(second.title, None);
    let detail = market.detail(None, &path).await.unwrap();
    assert_eq!((detail.rating.count, detail.rating.histogram), (1, [0, 1, 0, 0, 0]));
    assert!((detail.rating.mean - 2.0).abs() < 1e-9);

    // The review records the pinned version.
    w.publish(id, "2.0.0", def("Rated")).await;
    market.install(&fan, &path, InstallRequest { version: Some("1.0.0".into()) }).await.unwrap();
    let pinned = market.rate(&fan, &path, RateRequest { stars: 3, ..Default::default() }).await.unwrap();
    assert_eq!(pinned.version, Some("1.0.0".parse().unwrap()));
    market.install(&fan, &path, InstallRequest::default()).await.unwrap();
    let latest = market.rate(&fan, &path, RateRequest { stars: 3, ..Default::default() }).await.unwrap();
    assert_eq!(latest.version, Some("2.0.0".parse().unwrap()));

    // Deleting: idempotent, updates the aggregate.
    market.delete_rating(&fan, &path).await.unwrap();
    market.delete_rating(&fan, &path).await.unwrap();
    market.delete_rating(&stranger, &path).await.unwrap();
    let detail = market.detail(Some(&fan), &path).await.unwrap();
    assert_eq!((detail.rating.count, detail.rating.histogram), (0, [0; 5]));
    assert_eq!(detail.my_rating, None);
    assert_eq!(w.audit(actions::RATING_DELETED).await.len(), 1);
    assert_eq!(w.audit(actions::RATING_UPSERTED).await.len(), 5);
}

#[tokio::test]
async fn reviews_sort_and_page() {
    let w = world();
    let owner = w.user("owner").await;
    let fans = make_users(&w, "fan", 12).await;
    let (_, path) = w.agent(&owner, "reviewed", def("Reviewed")).await;
    let market = w.mart.market();
    for (i, fan) in fans.iter().enumerate() {
        w.install(fan, &path).await;
        w.rate(fan, &path, (1 + i % 5) as u8).await;
        w.clock.advance(Duration::minutes(1));
    }
    let collect = |sort: Option<ReviewSort>| {
        let market = market.clone();
        let path = path.clone();
        async move {
            let mut out = Vec::new();
            let mut request = ListReviews { sort, limit: Some(5), cursor: None };
            loop {
                let page = market.reviews(&path, request.clone()).await.unwrap();
                assert!(page.items.len() <= 5);
                out.extend(page.items);
                match page.next_cursor {
                    Some(c) => request.cursor = Some(c),
                    None => return out,
                }
            }
        }
    };
    let newest = collect(None).await;
    let handles: Vec<_> = newest.iter().map(|r| r.user.handle.clone()).collect();
    let expected: Vec<_> = (0..12).rev().map(|i| format!("fan-{i}")).collect();
    assert_eq!(handles, expected);
    let by_stars = collect(Some(ReviewSort::Stars)).await;
    assert_eq!(by_stars.len(), 12);
    assert!(
        by_stars
            .windows(2)
            .all(|p| p[0].stars > p[1].stars || (p[0].stars == p[1].stars && p[0].updated_at >= p[1].updated_at))
    );
    assert_eq!(by_stars.iter().map(|r| r.id).collect::<HashSet<_>>().len(), 12);

    // A cursor of one sort is refused by the other, and by another agent's reviews.
    let page = market.reviews(&path, ListReviews { sort: None, limit: Some(5), cursor: None }).await.unwrap();
    let cursor = page.next_cursor.unwrap();
    let stars = ListReviews { sort: Some(ReviewSort::Stars), limit: Some(5), cursor: Some(cursor.clone()) };
    assert_eq!(code(market.reviews(&path, stars).await), ErrorCode::MalformedRequest);
    let (_, other) = w.agent(&owner, "other", def("Other")).await;
    let foreign = ListReviews { sort: None, limit: Some(5), cursor: Some(cursor.clone()) };
    assert_eq!(code(market.reviews(&other, foreign).await), ErrorCode::MalformedRequest);
    let as_agents = ListAgents { cursor: Some(cursor), ..Default::default() };
    assert_eq!(code(market.list(None, as_agents).await), ErrorCode::MalformedRequest);
}

#[tokio::test]
async fn usage_rules_and_per_day_totals() {
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.user_with_role("admin", Role::Admin).await;
    let a = w.user("user-a").await;
    let b = w.user("user-b").await;
    let stranger = w.user("stranger").await;
    let (_, path) = w.agent(&owner, "used", def("Used")).await;
    let market = w.mart.market();
    w.install(&a, &path).await;
    w.install(&b, &path).await;

    assert_eq!(code(market.record_usage(&stranger, &path, UsageRequest::default()).await), ErrorCode::Forbidden);
    let now = w.clock.now();
    let bad = [
        (UsageRequest { event: Some("Bad Event".into()), ..Default::default() }, "event"),
        (UsageRequest { event: Some(String::new()), ..Default::default() }, "event"),
        (UsageRequest { event: Some("a".repeat(65)), ..Default::default() }, "event"),
        (UsageRequest { units: Some(1_000_000_000_001), ..Default::default() }, "units"),
        (UsageRequest { occurred_at: Some(now + Duration::minutes(6)), ..Default::default() }, "occurred_at"),
        (UsageRequest { occurred_at: Some(now - Duration::days(91)), ..Default::default() }, "occurred_at"),
    ];
    for (request, field) in bad {
        assert_eq!(fields(market.record_usage(&a, &path, request.clone()).await), [field], "{request:?}");
    }
    // Edges that are allowed.
    let edge = UsageRequest {
        occurred_at: Some(now + Duration::minutes(4)),
        units: Some(1_000_000_000_000),
        ..Default::default()
    };
    let recorded = market.record_usage(&a, &path, edge).await.unwrap();
    assert_eq!(recorded.event, "run");

    let yesterday = now - Duration::days(1);
    let three_days = now - Duration::days(3);
    for (who, at, units, event) in [
        (&a, yesterday, 10, "run"),
        (&a, yesterday, 5, "chat.turn"),
        (&b, yesterday, 1, "run"),
        (&b, three_days, 7, "run"),
    ] {
        let request = UsageRequest { event: Some(event.into()), units: Some(units), occurred_at: Some(at) };
        market.record_usage(who, &path, request).await.unwrap();
    }

    let days = market.usage(&owner, &path, UsageQuery::default()).await.unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days.last().unwrap().date, now.date_naive());
    assert_eq!(days[0].date, now.date_naive() - Duration::days(29));
    let by_date: HashMap<_, _> = days.iter().map(|d| (d.date, (d.events, d.units, d.users))).collect();
    assert_eq!(by_date[&yesterday.date_naive()], (3, 16, 2));
    assert_eq!(by_date[&three_days.date_naive()], (1, 7, 1));
    assert_eq!(by_date[&now.date_naive()], (1, 1_000_000_000_000, 1));
    assert_eq!(days.iter().map(|d| d.events).sum::<u64>(), 5);
    assert!(days.windows(2).all(|p| p[1].date == p[0].date.succ_opt().unwrap()));

    // Admin reads too; others may not.
    let from = three_days.date_naive();
    let to = yesterday.date_naive();
    let range = market.usage(&admin, &path, UsageQuery { from: Some(from), to: Some(to) }).await.unwrap();
    assert_eq!(range.iter().map(|d| d.events).collect::<Vec<_>>(), [1, 0, 3]);
    assert_eq!(code(market.usage(&a, &path, UsageQuery::default()).await), ErrorCode::Forbidden);
    assert_eq!(fields(market.usage(&owner, &path, UsageQuery { from: Some(to), to: Some(from) }).await), ["to"]);
    let year = UsageQuery { from: Some(from - Duration::days(366)), to: Some(from) };
    assert_eq!(fields(market.usage(&owner, &path, year).await), ["to"]);
    let full_year = UsageQuery { from: Some(from - Duration::days(365)), to: Some(from) };
    assert_eq!(market.usage(&owner, &path, full_year).await.unwrap().len(), 366);
    let single = UsageQuery { from: Some(to), to: Some(to) };
    assert_eq!(market.usage(&owner, &path, single).await.unwrap().len(), 1);
}

#[tokio::test]
async fn moderation_needs_an_admin_and_is_audited() {
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.user_with_role("admin", Role::Admin).await;
    let fan = w.user("fan").await;
    let (id, path) = w.agent(&owner, "risky", def("Risky")).await;
    let (_, fine) = w.agent(&owner, "fine", def("Fine")).await;
    w.install(&fan, &path).await;
    w.install(&fan, &fine).await;
    w.rate(&fan, &path, 1).await;
    let market = w.mart.market();
    let admin_service = w.mart.admin();
    let unlist = Moderation { status: AgentStatus::Unlisted, status_message: None };

    // Not an admin: forbidden, even for the owner.
    assert_eq!(code(admin_service.moderate_agent(&owner, &path, unlist.clone()).await), ErrorCode::Forbidden);
    let review = market.reviews(&path, ListReviews::default()).await.unwrap().items[0].id;
    assert_eq!(code(admin_service.delete_review(&fan, review).await), ErrorCode::Forbidden);

    let agent = admin_service.moderate_agent(&admin, &path, unlist).await.unwrap();
    assert_eq!(agent.status, AgentStatus::Unlisted);
    assert_eq!(market.list(None, ListAgents::default()).await.unwrap().items.len(), 1);

    let deprecate = Moderation { status: AgentStatus::Deprecated, status_message: Some("Replaced by fine".into()) };
    admin_service.moderate_agent(&admin, &path, deprecate).await.unwrap();
    let page = market.list(None, ListAgents::default()).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[1].slug, "risky", "deprecated last");
    assert_eq!(page.items[1].status_message.as_deref(), Some("Replaced by fine"));

    let draft = Moderation { status: AgentStatus::Draft, status_message: None };
    assert_eq!(fields(admin_service.moderate_agent(&admin, &path, draft).await), ["status"]);
    let long = Moderation { status: AgentStatus::Listed, status_message: Some("x".repeat(501)) };
    assert_eq!(fields(admin_service.moderate_agent(&admin, &path, long).await), ["status_message"]);

    admin_service.delete_review(&admin, review).await.unwrap();
    assert_eq!(market.detail(None, &path).await.unwrap().rating.count, 0);
    assert_eq!(code(admin_service.delete_review(&admin, review).await), ErrorCode::NotFound);

    let delete = Moderation { status: AgentStatus::Deleted, status_message: None };
    admin_service.moderate_agent(&admin, &path, delete.clone()).await.unwrap();
    assert_eq!(code(market.detail(None, &path).await), ErrorCode::NotFound);
    assert_eq!(market.detail(Some(&fan), &path).await.unwrap().status, AgentStatus::Deleted);
    assert_eq!(code(admin_service.moderate_agent(&admin, &path, delete).await), ErrorCode::Conflict);

    // Audit records: acted by the admin, about the owner (agent) or the author (review).
    let status = w.audit(actions::AGENT_STATUS_CHANGED).await;
    assert_eq!(status.len(), 2);
    assert!(status.iter().all(|r| r.actor == Some(admin.user_id) && r.subject == Some(owner.user_id)));
    let deleted = w.audit(actions::AGENT_DELETED).await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].target.as_deref(), Some(format!("agent:{id}").as_str()));
    let removed = w.audit(actions::REVIEW_REMOVED).await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].subject, Some(fan.user_id));
    assert_eq!(removed[0].target.as_deref(), Some(format!("review:{review}").as_str()));
}

#[tokio::test]
async fn a_disabled_account_cannot_act() {
    let w = world();
    let owner = w.user("owner").await;
    let fan = w.user("fan").await;
    let (_, path) = w.agent(&owner, "tool", def("Tool")).await;
    let now = w.clock.now();
    w.store.set_disabled(fan.user_id, true, now, &AuditRecord::new(now, actions::USER_DISABLED)).await.unwrap();
    let market = w.mart.market();
    assert_eq!(code(market.install(&fan, &path, InstallRequest::default()).await), ErrorCode::Forbidden);
    assert_eq!(market.detail(None, &path).await.unwrap().install_count, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_installs_uninstalls_and_ratings_keep_counts_exact() {
    let w = world();
    let owner = w.user("owner").await;
    let users = make_users(&w, "u", 32).await;
    let (_, path) = w.agent(&owner, "hot", def("Hot")).await;
    let market = w.mart.market();

    let mut tasks = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let market = market.clone();
        let path = path.clone();
        let user = user.clone();
        tasks.push(tokio::spawn(async move {
            // Each task flips its install a different number of times, then rates when installed.
            for round in 0..(5 + i % 4) {
                if round % 2 == 0 {
                    market.install(&user, &path, InstallRequest::default()).await.unwrap();
                } else {
                    market.uninstall(&user, &path).await.unwrap();
                }
                tokio::task::yield_now().await;
            }
            if market.detail(Some(&user), &path).await.unwrap().installed == Some(true) {
                let stars = (1 + i % 5) as u8;
                market.rate(&user, &path, RateRequest { stars, ..Default::default() }).await.unwrap();
                market.rate(&user, &path, RateRequest { stars, ..Default::default() }).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut installed = 0;
    let mut histogram = [0u64; 5];
    for (i, user) in users.iter().enumerate() {
        let detail = market.detail(Some(user), &path).await.unwrap();
        if detail.installed == Some(true) {
            installed += 1;
            histogram[i % 5] += 1;
            assert_eq!(detail.my_rating.unwrap().stars as usize, 1 + i % 5);
        }
    }
    // 5 or 7 rounds end installed (odd count of flips), 6 or 8 end uninstalled.
    assert_eq!(installed, 16);
    let detail = market.detail(None, &path).await.unwrap();
    assert_eq!(detail.install_count, installed);
    assert_eq!(detail.rating.count, installed);
    assert_eq!(detail.rating.histogram, histogram);
}

#[tokio::test]
async fn installs_of_deleted_agents_and_gone_owners_stay_manageable() {
    let w = world();
    let owner = w.user("owner").await;
    let fan = w.user("fan").await;
    let (id, path) = w.agent(&owner, "tool", def("Tool")).await;
    let market = w.mart.market();
    w.install(&fan, &path).await;
    w.set_status(id, AgentStatus::Deleted, None).await;

    // A deleted agent: no new rating, usage still recorded by its users.
    let rate = RateRequest { stars: 4, ..Default::default() };
    assert_eq!(code(market.rate(&fan, &path, rate).await), ErrorCode::Conflict);
    market.record_usage(&fan, &path, UsageRequest::default()).await.unwrap();
    let days = market.usage(&owner, &path, UsageQuery::default()).await.unwrap();
    assert_eq!(days.last().unwrap().events, 1);

    // The owner deletes their account: the path no longer resolves, the install stays listed.
    let now = w.clock.now();
    w.store.delete_user(owner.user_id, now, &AuditRecord::new(now, actions::USER_DELETED)).await.unwrap();
    let mine = market.my_installs(&fan, PageRequest::default()).await.unwrap();
    assert_eq!(mine.items.len(), 1);
    assert!(mine.items[0].deleted);
    assert_eq!(mine.items[0].agent.owner, agentmart_core::market::DELETED_OWNER);
    assert_eq!(code(market.uninstall(&fan, &path).await), ErrorCode::NotFound);
    market.uninstall_by_id(&fan, id).await.unwrap();
    market.uninstall_by_id(&fan, id).await.unwrap();
    assert!(market.my_installs(&fan, PageRequest::default()).await.unwrap().items.is_empty());
}

#[tokio::test]
async fn a_demoted_admin_cannot_moderate() {
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.user_with_role("admin", Role::Admin).await;
    let (_, path) = w.agent(&owner, "tool", def("Tool")).await;
    let now = w.clock.now();
    w.store.set_role(admin.user_id, Role::User, now, &AuditRecord::new(now, actions::ROLE_CHANGED)).await.unwrap();
    let unlist = Moderation { status: AgentStatus::Unlisted, status_message: None };
    // The principal still says admin, the account no longer is one.
    assert_eq!(code(w.mart.admin().moderate_agent(&admin, &path, unlist).await), ErrorCode::Forbidden);
    assert_eq!(w.mart.market().detail(None, &path).await.unwrap().status, AgentStatus::Listed);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn sorts() -> impl Strategy<Value = CatalogSort> {
        prop::sample::select(vec![
            CatalogSort::Popular,
            CatalogSort::Rating,
            CatalogSort::Newest,
            CatalogSort::Trending,
            CatalogSort::Name,
            CatalogSort::Relevance,
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Paging through any catalogue with any page size and sort yields the
        /// one-page list exactly: no duplicates, no gaps, same order. A page's
        /// cursor is refused by every other sort.
        #[test]
        fn paging_equals_the_whole_list(
            installs in prop::collection::vec(0usize..4, 0..18),
            deprecated in prop::collection::vec(any::<bool>(), 18),
            limit in 1u32..6,
            sort in sorts(),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let w = world();
                let owner = w.user("owner").await;
                let fans = make_users(&w, "fan", 3).await;
                for (i, n) in installs.iter().enumerate() {
                    let (id, path) = w.agent(&owner, &format!("a-{i:02}"), def(&format!("Agent {}", i % 4))).await;
                    for fan in fans.iter().take(*n) {
                        w.install(fan, &path).await;
                    }
                    if *n > 0 && i % 2 == 0 {
                        w.rate(&fans[0], &path, (1 + i % 5) as u8).await;
                        w.mart.market().record_usage(&fans[0], &path, UsageRequest::default()).await.unwrap();
                    }
                    if deprecated[i] {
                        w.set_status(id, AgentStatus::Deprecated, Some("old")).await;
                    }
                    w.clock.advance(Duration::seconds(30));
                }
                let q = (sort == CatalogSort::Relevance).then(|| "agent".to_string());
                let request = |limit: u32| ListAgents { q: q.clone(), sort: Some(sort), limit: Some(limit), ..Default::default() };
                let whole = w.mart.market().list(None, request(100)).await.unwrap();
                prop_assert_eq!(whole.items.len(), installs.len());
                let paged = w.all_pages(request(limit)).await;
                prop_assert_eq!(ids(&paged), ids(&whole.items));
                let deprecated_flags: Vec<bool> = whole.items.iter().map(|i| i.status == AgentStatus::Deprecated).collect();
                prop_assert!(deprecated_flags.windows(2).all(|p| p[0] <= p[1]), "deprecated last");

                let first = w.mart.market().list(None, request(limit)).await.unwrap();
                if let Some(cursor) = first.next_cursor {
                    for other in [CatalogSort::Popular, CatalogSort::Rating, CatalogSort::Newest, CatalogSort::Trending, CatalogSort::Name] {
                        if other == sort {
                            continue;
                        }
                        let foreign = ListAgents { q: q.clone(), sort: Some(other), limit: Some(limit), cursor: Some(cursor.clone()), ..Default::default() };
                        prop_assert_eq!(code(w.mart.market().list(None, foreign).await), ErrorCode::MalformedRequest);
                    }
                }
                Ok(())
            })?;
        }
    }
}
