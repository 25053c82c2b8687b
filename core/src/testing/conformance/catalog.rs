//! Cases for [`CatalogStore`](crate::storage::CatalogStore): visibility, sorts, filters,
//! keyset pagination and search.

use std::collections::HashSet;
use std::sync::Arc;

use super::support::*;
use crate::ids::{AgentId, ReviewId, UserId};
use crate::model::{AgentDefinition, AgentStatus, Review, Skill, UsageEvent, actions};
use crate::ranking::{compare_keys, sort_key, trending_increment};
use crate::storage::{CatalogPage, CatalogQuery, CatalogSort, SortKey, SortValue, Store};
use crate::text::index_terms;

const SORTS: [CatalogSort; 6] = [
    CatalogSort::Popular,
    CatalogSort::Rating,
    CatalogSort::Newest,
    CatalogSort::Trending,
    CatalogSort::Name,
    CatalogSort::Relevance,
];

fn query(sort: CatalogSort) -> CatalogQuery {
    CatalogQuery { sort, limit: 100, ..Default::default() }
}

fn search(terms: &[&str]) -> CatalogQuery {
    CatalogQuery {
        terms: terms.iter().map(|t| t.to_string()).collect(),
        sort: CatalogSort::Relevance,
        limit: 100,
        ..Default::default()
    }
}

async fn list(s: &dyn Store, q: &CatalogQuery) -> CatalogPage {
    ok(s.list_catalog(q).await, "list_catalog")
}

async fn list_ids(s: &dyn Store, q: &CatalogQuery) -> Vec<AgentId> {
    list(s, q).await.entries.iter().map(|(e, _)| e.agent.id).collect()
}

fn sorted(mut ids: Vec<AgentId>) -> Vec<AgentId> {
    ids.sort();
    ids
}

/// The expected relevance of an entry: sum of the index weights of the terms.
fn expected_score(def: &AgentDefinition, terms: &[String]) -> f64 {
    let index = index_terms(def);
    terms.iter().map(|t| index.get(t).map(|w| f64::from(*w)).unwrap_or(0.0)).sum()
}

/// Asserts a page is ordered by `compare_keys` and that each key is the entry's `sort_key`.
/// Relevance scores are the backend's own (only their kind and order are checked).
#[track_caller]
fn assert_keys_consistent(page: &CatalogPage, q: &CatalogQuery, context: &str) {
    for (entry, key) in &page.entries {
        let expected = sort_key(entry, q.sort, expected_score(&entry.definition, &q.terms));
        if q.sort == CatalogSort::Relevance {
            assert!(matches!(key.value, SortValue::Score(_)), "{context}: relevance keys hold a score, got {key:?}");
            assert_eq!((key.deprecated, key.id), (expected.deprecated, expected.id), "{context}: key of {}", key.id);
        } else {
            assert_eq!(
                key, &expected,
                "{context}: the key of {} must be ranking::sort_key of the entry",
                entry.agent.id
            );
        }
    }
    for pair in page.entries.windows(2) {
        assert_eq!(
            compare_keys(&pair[0].1, &pair[1].1),
            std::cmp::Ordering::Less,
            "{context}: entries must be strictly ordered by ranking::compare_keys"
        );
    }
}

async fn install_by(s: &dyn Store, agent: AgentId, users: &[UserId]) {
    for user in users {
        ok(s.install(*user, agent, None, at(1), &audit(actions::AGENT_INSTALLED)).await, "install");
    }
}

async fn rate(s: &dyn Store, agent: AgentId, user: UserId, stars: u8) {
    let review = Review {
        id: ReviewId::new(),
        agent_id: agent,
        user_id: user,
        stars: crate::model::Stars::new(stars).expect("1..=5 stars"),
        title: None,
        body: None,
        version: None,
        created_at: at(2),
        updated_at: at(2),
    };
    ok(s.upsert_rating(&review, &audit(actions::RATING_UPSERTED)).await, "upsert_rating");
}

async fn use_agent(s: &dyn Store, agent: AgentId, user: UserId, when: chrono::DateTime<chrono::Utc>) {
    let event = UsageEvent { agent_id: agent, user_id: user, event: "run".into(), units: 1, occurred_at: when };
    ok(s.record_usage(&event, trending_increment(when)).await, "record_usage");
}

async fn users(s: &dyn Store, n: usize) -> Vec<UserId> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(add_user(s, &format!("user{i}")).await.id);
    }
    out
}

/// Only listed and deprecated agents are listed; `get_catalog_entry` also returns unlisted ones.
pub async fn catalog_visibility(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let draft = add_agent(s, alice.id, "draft", &definition("Draft")).await;
    let listed = add_published(s, alice.id, "listed", &definition("Listed"), at(0)).await;
    let unlisted = add_published(s, alice.id, "unlisted", &definition("Unlisted"), at(0)).await;
    let deprecated = add_published(s, alice.id, "deprecated", &definition("Deprecated"), at(0)).await;
    let deleted = add_published(s, alice.id, "deleted", &definition("Deleted"), at(0)).await;
    set_status(s, unlisted.id, AgentStatus::Unlisted).await;
    set_status(s, deprecated.id, AgentStatus::Deprecated).await;
    set_status(s, deleted.id, AgentStatus::Deleted).await;

    for sort in SORTS {
        let got = sorted(list_ids(s, &query(sort)).await);
        assert_eq!(got, sorted(vec![listed.id, deprecated.id]), "{sort:?}: only listed and deprecated agents");
    }
    let entry = ok(s.get_catalog_entry(listed.id).await, "get_catalog_entry").expect("listed entry");
    assert_eq!(entry.owner_handle, "alice", "owner_handle is the owner's handle");
    assert_eq!(*entry.definition, definition("Listed"), "the published definition");
    assert_eq!(entry.agent, ok(s.get_agent(listed.id).await, "get_agent").expect("agent"), "the agent row");
    assert!(ok(s.get_catalog_entry(unlisted.id).await, "entry").is_some(), "unlisted agents have an entry");
    assert!(ok(s.get_catalog_entry(deprecated.id).await, "entry").is_some(), "deprecated agents have an entry");
    assert_eq!(ok(s.get_catalog_entry(draft.id).await, "entry"), None, "never-published agents have none");
    assert_eq!(ok(s.get_catalog_entry(deleted.id).await, "entry"), None, "deleted agents have none");
    assert_eq!(ok(s.get_catalog_entry(AgentId::new()).await, "entry"), None, "unknown agents have none");

    // Unlisting and relisting move agents out of and back into the list.
    set_status(s, listed.id, AgentStatus::Unlisted).await;
    assert_eq!(list_ids(s, &query(CatalogSort::Popular)).await, vec![deprecated.id], "unlisted disappears");
    set_status(s, listed.id, AgentStatus::Listed).await;
    assert_eq!(list_ids(s, &query(CatalogSort::Popular)).await.len(), 2, "relisted reappears");

    // The owner's handle follows profile changes.
    let patch = crate::model::ProfileChange { handle: Some(handle("alicia")), ..Default::default() };
    ok(s.update_profile(alice.id, &patch, at(9), &audit("t")).await, "update_profile");
    let entry = ok(s.get_catalog_entry(listed.id).await, "get_catalog_entry").expect("listed entry");
    assert_eq!(entry.owner_handle, "alicia", "owner_handle is the current handle");
}

/// Entries carry the latest published version's definition, never the draft's, and the current stats.
pub async fn catalog_entry_uses_latest_version(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let agent = add_published(s, alice.id, "helper", &definition("Firstname"), at(0)).await;
    ok(s.update_draft(agent.id, &definition("Draftname"), at(1), &audit("t")).await, "update_draft");
    ok(publish(s, &agent, "1.1.0", Some("1.0.0"), &definition("Secondname"), at(2)).await, "publish 1.1.0");
    ok(s.update_draft(agent.id, &definition("Unpublishedname"), at(3), &audit("t")).await, "update_draft");
    install_by(s, agent.id, &[bob.id]).await;

    let entry = ok(s.get_catalog_entry(agent.id).await, "get_catalog_entry").expect("entry");
    assert_eq!(entry.definition.name, "Secondname", "get_catalog_entry uses the latest version");
    assert_eq!(entry.stats, ok(s.get_stats(agent.id).await, "get_stats"), "entries carry the current stats");
    let page = list(s, &query(CatalogSort::Popular)).await;
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].0, entry, "list_catalog and get_catalog_entry agree");
    assert_eq!(list_ids(s, &search(&["secondname"])).await, vec![agent.id], "the latest version is searchable");
    assert!(list_ids(s, &search(&["firstname"])).await.is_empty(), "older versions are not searchable");
    assert!(list_ids(s, &search(&["draftname"])).await.is_empty(), "drafts are not searchable");
    assert!(list_ids(s, &search(&["unpublishedname"])).await.is_empty(), "drafts are not searchable");
}

/// `Popular`: most installs first, ties by id ascending.
pub async fn catalog_sort_popular(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let u = users(s, 3).await;
    let a = add_published(s, alice.id, "a", &definition("A"), at(0)).await;
    let b = add_published(s, alice.id, "b", &definition("B"), at(0)).await;
    let c = add_published(s, alice.id, "c", &definition("C"), at(0)).await;
    let d = add_published(s, alice.id, "d", &definition("D"), at(0)).await;
    install_by(s, a.id, &u[..1]).await;
    install_by(s, b.id, &u[..3]).await;
    let q = query(CatalogSort::Popular);
    let page = list(s, &q).await;
    assert_keys_consistent(&page, &q, "popular");
    let (lo, hi) = if c.id < d.id { (c.id, d.id) } else { (d.id, c.id) };
    let ids: Vec<_> = page.entries.iter().map(|(e, _)| e.agent.id).collect();
    assert_eq!(ids, vec![b.id, a.id, lo, hi], "installs descending, ties by id");
    assert_eq!(page.entries[0].1.value, SortValue::Installs(3));
    assert!(!page.has_more);
}

/// `Rating`: damped mean descending; many good ratings beat one perfect rating.
pub async fn catalog_sort_rating(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let u = users(s, 10).await;
    let one_five = add_published(s, alice.id, "one-five", &definition("One Five"), at(0)).await;
    let many = add_published(s, alice.id, "many", &definition("Many"), at(0)).await;
    let unrated = add_published(s, alice.id, "unrated", &definition("Unrated"), at(0)).await;
    let poor = add_published(s, alice.id, "poor", &definition("Poor"), at(0)).await;
    rate(s, one_five.id, u[0], 5).await;
    for (i, user) in u.iter().enumerate() {
        rate(s, many.id, *user, if i < 8 { 5 } else { 4 }).await;
    }
    rate(s, poor.id, u[1], 1).await;
    let q = query(CatalogSort::Rating);
    let page = list(s, &q).await;
    assert_keys_consistent(&page, &q, "rating");
    let ids: Vec<_> = page.entries.iter().map(|(e, _)| e.agent.id).collect();
    assert_eq!(ids, vec![many.id, one_five.id, unrated.id, poor.id], "damped rating descending");
}

/// `Newest`: first publish time descending; a later publish does not move an agent up.
pub async fn catalog_sort_newest(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let old = add_published(s, alice.id, "old", &definition("Old"), at(100)).await;
    let newest = add_published(s, alice.id, "newest", &definition("Newest"), at(300)).await;
    let middle = add_published(s, alice.id, "middle", &definition("Middle"), at(200)).await;
    ok(publish(s, &old, "2.0.0", Some("1.0.0"), &definition("Old"), at(400)).await, "republish");
    let q = query(CatalogSort::Newest);
    let page = list(s, &q).await;
    assert_keys_consistent(&page, &q, "newest");
    let ids: Vec<_> = page.entries.iter().map(|(e, _)| e.agent.id).collect();
    assert_eq!(ids, vec![newest.id, middle.id, old.id], "first publish time descending");
    assert_eq!(page.entries[2].1.value, SortValue::Published(at(100)));
}

/// `Trending`: the trending score descending (recent usage weighs more); unused agents last.
pub async fn catalog_sort_trending(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let a = add_published(s, alice.id, "a", &definition("A"), at(0)).await;
    let b = add_published(s, alice.id, "b", &definition("B"), at(0)).await;
    let c = add_published(s, alice.id, "c", &definition("C"), at(0)).await;
    for _ in 0..3 {
        use_agent(s, a.id, alice.id, at(0)).await;
    }
    // One event 100 hours later outweighs three then (2^(100/48) > 3).
    use_agent(s, b.id, alice.id, at(100 * 3600)).await;
    let q = query(CatalogSort::Trending);
    let page = list(s, &q).await;
    assert_keys_consistent(&page, &q, "trending");
    let ids: Vec<_> = page.entries.iter().map(|(e, _)| e.agent.id).collect();
    assert_eq!(ids, vec![b.id, a.id, c.id], "trending descending");
    assert_eq!(page.entries[2].1.value, SortValue::Trending(0.0), "no usage: score 0");
}

/// `Name`: case-insensitive A to Z, ties by id.
pub async fn catalog_sort_name(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let beta = add_published(s, alice.id, "beta", &definition("beta"), at(0)).await;
    let alpha = add_published(s, alice.id, "alpha", &definition("Alpha"), at(0)).await;
    let gamma = add_published(s, alice.id, "gamma", &definition("Gamma"), at(0)).await;
    let alpha2 = add_published(s, alice.id, "alpha2", &definition("ALPHA"), at(0)).await;
    let q = query(CatalogSort::Name);
    let page = list(s, &q).await;
    assert_keys_consistent(&page, &q, "name");
    let (lo, hi) = if alpha.id < alpha2.id { (alpha.id, alpha2.id) } else { (alpha2.id, alpha.id) };
    let ids: Vec<_> = page.entries.iter().map(|(e, _)| e.agent.id).collect();
    assert_eq!(ids, vec![lo, hi, beta.id, gamma.id], "names A to Z, case-insensitive, ties by id");
    assert_eq!(page.entries[0].1.value, SortValue::Name("alpha".into()));
}

/// `Relevance`: best match first — a word in the name outranks the tagline, which outranks the
/// description; name and tag together outrank the name alone. (`MemoryStore` scores the sum of
/// [`crate::text::index_terms`] weights; backends may use their own scores with the same order.)
pub async fn catalog_sort_relevance(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let in_name = add_published(s, alice.id, "n", &definition("Report Maker"), at(0)).await;
    let mut d = definition("Desc");
    d.description = "Writes a report.".into();
    let in_desc = add_published(s, alice.id, "d", &d, at(0)).await;
    let mut t = definition("Tagline");
    t.tagline = "Your weekly report".into();
    let in_tagline = add_published(s, alice.id, "t", &t, at(0)).await;
    let mut both = definition("Report Builder");
    both.tags = vec!["report".into()];
    let in_both = add_published(s, alice.id, "b", &both, at(0)).await;
    add_published(s, alice.id, "x", &definition("Unrelated"), at(0)).await;

    let q = search(&["report"]);
    let page = list(s, &q).await;
    assert_keys_consistent(&page, &q, "relevance");
    let ids: Vec<_> = page.entries.iter().map(|(e, _)| e.agent.id).collect();
    assert_eq!(ids, vec![in_both.id, in_name.id, in_tagline.id, in_desc.id], "relevance descending");

    // Several terms: only agents matching all of them.
    let q = search(&["report", "maker"]);
    let page = list(s, &q).await;
    assert_keys_consistent(&page, &q, "relevance, two terms");
    assert_eq!(page.entries.iter().map(|(e, _)| e.agent.id).collect::<Vec<_>>(), vec![in_name.id]);
}

/// Deprecated agents come after all others in every order.
pub async fn catalog_deprecated_last(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let u = users(s, 3).await;
    let mut star = definition("Aaa Star report");
    star.tags = vec!["report".into()];
    let old_star = add_published(s, alice.id, "star", &star, at(500)).await;
    let plain = add_published(s, alice.id, "plain", &definition("Zzz plain report"), at(0)).await;
    install_by(s, old_star.id, &u).await;
    for user in &u {
        rate(s, old_star.id, *user, 5).await;
        use_agent(s, old_star.id, *user, at(1000)).await;
    }
    set_status(s, old_star.id, AgentStatus::Deprecated).await;
    for sort in SORTS {
        let mut q = query(sort);
        if sort == CatalogSort::Relevance {
            q.terms = vec!["report".into()];
        }
        let page = list(s, &q).await;
        assert_keys_consistent(&page, &q, sort.as_str());
        let ids: Vec<_> = page.entries.iter().map(|(e, _)| e.agent.id).collect();
        assert_eq!(ids, vec![plain.id, old_star.id], "{sort:?}: deprecated agents sort last");
        assert!(page.entries[1].1.deprecated, "the key marks deprecated entries");
    }
}

/// Category, tag, input mode, output mode and owner filters, alone and combined.
pub async fn catalog_filters(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let mk = |name: &str, cat: Option<&str>, tags: &[&str], input: &[&str], output: &[&str]| {
        let mut d = definition(name);
        d.category = cat.map(str::to_string);
        d.tags = tags.iter().map(|t| t.to_string()).collect();
        d.input_modes = input.iter().map(|t| t.to_string()).collect();
        d.output_modes = output.iter().map(|t| t.to_string()).collect();
        d
    };
    let a = add_published(
        s,
        alice.id,
        "a",
        &mk("A", Some("coding"), &["rust", "cli"], &["text/plain"], &["text/markdown"]),
        at(0),
    )
    .await;
    let b = add_published(
        s,
        alice.id,
        "b",
        &mk("B", Some("writing"), &["cli"], &["text/plain", "application/json"], &["text/plain"]),
        at(0),
    )
    .await;
    let c = add_published(s, bob.id, "c", &mk("C", Some("coding"), &[], &["image/png"], &["text/plain"]), at(0)).await;
    let d =
        add_published(s, bob.id, "d", &mk("D", None, &["rust"], &["text/plain"], &["application/json"]), at(0)).await;
    let hidden =
        add_published(s, bob.id, "e", &mk("E", Some("coding"), &["rust"], &["text/plain"], &["text/plain"]), at(0))
            .await;
    set_status(s, hidden.id, AgentStatus::Unlisted).await;

    let base = query(CatalogSort::Name);
    let check = |q: CatalogQuery, expected: Vec<AgentId>, what: &'static str| async move {
        assert_eq!(sorted(list_ids(s, &q).await), sorted(expected), "filter {what}");
    };
    check(CatalogQuery { category: Some("coding".into()), ..base.clone() }, vec![a.id, c.id], "category").await;
    check(CatalogQuery { category: Some("nope".into()), ..base.clone() }, vec![], "unknown category").await;
    check(CatalogQuery { tag: Some("rust".into()), ..base.clone() }, vec![a.id, d.id], "tag").await;
    check(CatalogQuery { tag: Some("cli".into()), ..base.clone() }, vec![a.id, b.id], "tag").await;
    check(CatalogQuery { input_mode: Some("text/plain".into()), ..base.clone() }, vec![a.id, b.id, d.id], "input")
        .await;
    check(CatalogQuery { input_mode: Some("application/json".into()), ..base.clone() }, vec![b.id], "input").await;
    check(CatalogQuery { output_mode: Some("text/plain".into()), ..base.clone() }, vec![b.id, c.id], "output").await;
    check(CatalogQuery { owner: Some(bob.id), ..base.clone() }, vec![c.id, d.id], "owner").await;
    check(
        CatalogQuery { category: Some("coding".into()), tag: Some("rust".into()), ..base.clone() },
        vec![a.id],
        "category and tag",
    )
    .await;
    check(
        CatalogQuery { owner: Some(alice.id), output_mode: Some("text/plain".into()), ..base.clone() },
        vec![b.id],
        "owner and output mode",
    )
    .await;
    check(
        CatalogQuery { terms: vec!["a".into()], tag: Some("cli".into()), sort: CatalogSort::Relevance, ..base.clone() },
        vec![a.id],
        "search and tag",
    )
    .await;
    // Facet values match exactly, never as a prefix or substring.
    check(CatalogQuery { tag: Some("rus".into()), ..base.clone() }, vec![], "tag prefix").await;
    check(CatalogQuery { category: Some("cod".into()), ..base.clone() }, vec![], "category prefix").await;
    check(CatalogQuery { input_mode: Some("text".into()), ..base.clone() }, vec![], "mode prefix").await;
}

/// Keyset pagination in every order: pages of 7 and of 9 (an exact multiple) visit every entry
/// exactly once, in the one-page order, with `has_more` true exactly when more follow.
pub async fn catalog_pagination(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let u = users(s, 4).await;
    let mut visible = Vec::new();
    for i in 0..45_usize {
        let mut d = definition(&format!("Agent {}", i % 20));
        d.description = "A common helper.".into();
        if i % 3 == 0 {
            d.tagline = "Common sense".into();
        }
        let published = at(((i % 10) * 60) as i64);
        let agent = add_published(s, alice.id, &format!("agent-{i}"), &d, published).await;
        install_by(s, agent.id, &u[..i % 4]).await;
        for (j, user) in u.iter().enumerate().take(i % 3) {
            rate(s, agent.id, *user, ((i + j) % 5 + 1) as u8).await;
        }
        for k in 0..(i % 5) {
            use_agent(s, agent.id, u[k % 4], at((i * 3600) as i64)).await;
        }
        if i % 9 == 0 {
            set_status(s, agent.id, AgentStatus::Deprecated).await;
        }
        visible.push(agent.id);
    }
    // Invisible ones that match the search too.
    for i in 0..3 {
        let mut d = definition("Hidden common");
        d.description = "common".into();
        let agent = add_published(s, alice.id, &format!("hidden-{i}"), &d, at(0)).await;
        set_status(s, agent.id, AgentStatus::Unlisted).await;
        let mut dd = definition("Draft common");
        dd.description = "common".into();
        add_agent(s, alice.id, &format!("draft-{i}"), &dd).await;
    }
    let visible = sorted(visible);

    for sort in SORTS {
        let mut base = query(sort);
        if sort == CatalogSort::Relevance {
            base.terms = vec!["common".into()];
        }
        let whole = list(s, &base).await;
        assert!(!whole.has_more, "{sort:?}: 45 entries fit a page of 100");
        assert_keys_consistent(&whole, &base, sort.as_str());
        let whole_ids: Vec<AgentId> = whole.entries.iter().map(|(e, _)| e.agent.id).collect();
        assert_eq!(sorted(whole_ids.clone()), visible, "{sort:?}: every visible agent exactly once");

        for page_size in [7_u32, 9] {
            let mut seen: Vec<AgentId> = Vec::new();
            let mut after: Option<SortKey> = None;
            let mut pages = 0;
            loop {
                let q = CatalogQuery { after: after.clone(), limit: page_size, ..base.clone() };
                let page = list(s, &q).await;
                pages += 1;
                assert!(pages <= 10, "{sort:?}: pagination must end");
                assert!(page.entries.len() <= page_size as usize, "{sort:?}: at most limit entries");
                let expected_more = seen.len() + page.entries.len() < whole_ids.len();
                assert_eq!(page.has_more, expected_more, "{sort:?}/{page_size}: has_more after page {pages}");
                if page.has_more {
                    assert_eq!(page.entries.len(), page_size as usize, "{sort:?}: pages before the last are full");
                }
                seen.extend(page.entries.iter().map(|(e, _)| e.agent.id));
                if !page.has_more {
                    break;
                }
                after = page.entries.last().map(|(_, k)| k.clone());
            }
            assert_eq!(seen, whole_ids, "{sort:?}/{page_size}: pages concatenate to the whole list (no gap, no dup)");
            let unique: HashSet<_> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{sort:?}: no duplicates across pages");
        }
    }

    // Filtered pagination with a search term.
    let q = CatalogQuery { terms: vec!["sense".into()], sort: CatalogSort::Name, limit: 4, ..Default::default() };
    let first = list(s, &q).await;
    assert_eq!(first.entries.len(), 4);
    assert!(first.has_more, "15 agents match `sense`");
    let rest = list(s, &CatalogQuery { after: first.entries.last().map(|(_, k)| k.clone()), limit: 100, ..q }).await;
    assert_eq!(rest.entries.len(), 11, "the rest of the 15 matches");
    assert!(!rest.has_more);
}

/// Search matches whole words of the name, tagline, description, tags and skills (name, description,
/// tags), case-insensitively; never the system prompt, starters or examples.
pub async fn catalog_search_fields(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let def = definition;
    let name = add_published(s, alice.id, "name", &def("Zebra Helper"), at(0)).await;
    let mut d = def("T");
    d.tagline = "Friendly quokka".into();
    let tagline = add_published(s, alice.id, "tagline", &d, at(0)).await;
    let mut d = def("D");
    d.description = "Converts sql-to-json, says narwhal.".into();
    let description = add_published(s, alice.id, "description", &d, at(0)).await;
    let mut d = def("Tg");
    d.tags = vec!["capybara".into()];
    let tag = add_published(s, alice.id, "tag", &d, at(0)).await;
    let mut d = def("S");
    d.skills = vec![Skill {
        id: "s1".into(),
        name: "Okapi finder".into(),
        description: "Finds the axolotl".into(),
        tags: vec!["pangolin".into()],
        examples: vec!["find a lemur".into()],
    }];
    d.system_prompt = "You are a wombat.".into();
    d.conversation_starters = vec!["Hello platypus".into()];
    let skills = add_published(s, alice.id, "skills", &d, at(0)).await;

    let one = |term: &'static str, expected: AgentId, field: &'static str| async move {
        assert_eq!(list_ids(s, &search(&[term])).await, vec![expected], "`{term}` matches a word of the {field}");
    };
    one("zebra", name.id, "name").await;
    one("quokka", tagline.id, "tagline").await;
    one("narwhal", description.id, "description").await;
    one("json", description.id, "description (punctuation splits words)").await;
    one("capybara", tag.id, "tags").await;
    one("okapi", skills.id, "skill name").await;
    one("axolotl", skills.id, "skill description").await;
    one("pangolin", skills.id, "skill tags").await;
    for term in ["wombat", "platypus", "lemur", "zeb", "zebras", "elper"] {
        assert!(
            list_ids(s, &search(&[term])).await.is_empty(),
            "`{term}` must not match (whole words of searchable fields only)"
        );
    }
    let q = CatalogQuery { terms: vec!["helper".into()], sort: CatalogSort::Name, limit: 100, ..Default::default() };
    assert_eq!(list_ids(s, &q).await, vec![name.id], "search works with any sort");
}

/// Several terms: every term must match (AND), each in any field.
pub async fn catalog_search_and_of_terms(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let red_apple = add_published(s, alice.id, "ra", &definition("Red Apple"), at(0)).await;
    let mut d = definition("Red Car");
    d.description = "Drives fast".into();
    let red_car = add_published(s, alice.id, "rc", &d, at(0)).await;
    let mut d = definition("Green");
    d.tags = vec!["apple".into()];
    let green_apple = add_published(s, alice.id, "ga", &d, at(0)).await;
    let check = |terms: &'static [&'static str], expected: Vec<AgentId>| async move {
        assert_eq!(sorted(list_ids(s, &search(terms)).await), sorted(expected), "terms {terms:?}");
    };
    check(&["red", "apple"], vec![red_apple.id]).await;
    check(&["red"], vec![red_apple.id, red_car.id]).await;
    check(&["apple"], vec![red_apple.id, green_apple.id]).await;
    check(&["apple", "green"], vec![green_apple.id]).await;
    check(&["red", "fast"], vec![red_car.id]).await;
    check(&["red", "banana"], vec![]).await;
    let all = list_ids(s, &query(CatalogSort::Relevance)).await;
    assert_eq!(all.len(), 3, "no terms: no text filter");
}

/// Drafts, unlisted and deleted agents never match a search; deprecated ones do, last.
pub async fn catalog_search_excludes_unlisted_drafts_deleted(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let def = definition("Quasar finder");
    add_agent(s, alice.id, "draft", &def).await;
    let unlisted = add_published(s, alice.id, "unlisted", &def, at(0)).await;
    set_status(s, unlisted.id, AgentStatus::Unlisted).await;
    let deleted = add_published(s, alice.id, "deleted", &def, at(0)).await;
    set_status(s, deleted.id, AgentStatus::Deleted).await;
    let deprecated = add_published(s, alice.id, "deprecated", &def, at(0)).await;
    set_status(s, deprecated.id, AgentStatus::Deprecated).await;
    let listed = add_published(s, alice.id, "listed", &def, at(0)).await;
    assert_eq!(list_ids(s, &search(&["quasar"])).await, vec![listed.id, deprecated.id], "listed, then deprecated");
    let bob = add_user(s, "bob").await;
    let owned = add_published(s, bob.id, "bobs", &def, at(0)).await;
    ok(s.delete_user(bob.id, at(5), &audit("t")).await, "delete_user");
    assert!(!list_ids(s, &search(&["quasar"])).await.contains(&owned.id), "agents of deleted users vanish");
}

/// Keyset pages of `Newest` neither repeat nor skip an agent when publish
/// times differ below a microsecond (real clocks give nanoseconds; a store
/// may keep its index at a coarser precision, but the cursor it hands out
/// must resume exactly where its page ended), with and without a filter.
pub async fn catalog_pagination_sub_microsecond_times(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let mut all = Vec::new();
    for i in 0..14_i64 {
        let mut d = definition(&format!("Precise {i}"));
        d.description = "A precise helper.".into();
        let when = at(1_000) + chrono::Duration::nanoseconds(i * 333);
        all.push(add_published(s, alice.id, &format!("precise-{i}"), &d, when).await.id);
    }
    let all = sorted(all);
    for terms in [vec![], vec!["precise".to_string()]] {
        let mut seen = Vec::new();
        let mut after: Option<SortKey> = None;
        for _ in 0..10 {
            let q = CatalogQuery { terms: terms.clone(), after: after.clone(), limit: 5, ..query(CatalogSort::Newest) };
            let page = list(s, &q).await;
            seen.extend(page.entries.iter().map(|(e, _)| e.agent.id));
            if !page.has_more {
                break;
            }
            after = page.entries.last().map(|(_, k)| k.clone());
        }
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "terms {terms:?}: no agent on two pages: {seen:?}");
        assert_eq!(sorted(seen), all, "terms {terms:?}: every agent exactly once");
    }
}
