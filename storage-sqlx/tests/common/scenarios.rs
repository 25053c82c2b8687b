//! Backend scenarios run on SQLite and PostgreSQL alike (see `store_scenarios!`).

use std::collections::BTreeSet;
use std::sync::Arc;

use agentmart_core::ids::{AgentId, ReviewId, SessionId, UserId};
use agentmart_core::model::*;
use agentmart_core::ranking;
use agentmart_core::storage::*;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

/// A start time with nanoseconds, to check exact round trips.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + Duration::nanoseconds(123_456_789)
}

pub fn audit(action: &str) -> AuditRecord {
    AuditRecord::new(t0(), action)
}

pub fn user(email: &str, handle: &str) -> UserRecord {
    UserRecord {
        id: UserId::new(),
        email: Some(email.parse().unwrap()),
        email_verified: false,
        handle: handle.parse().unwrap(),
        display_name: Some("Display".into()),
        bio: None,
        avatar_url: None,
        role: Role::User,
        disabled: false,
        password_hash: Some("$argon2id$fake".into()),
        external_id: None,
        created_at: t0(),
        updated_at: t0(),
    }
}

pub async fn add_user(store: &dyn Store, handle: &str) -> UserRecord {
    let u = user(&format!("{handle}@example.com"), handle);
    store.create_user(&u, &audit(actions::USER_REGISTERED)).await.unwrap();
    u
}

pub fn definition(name: &str, description: &str, tags: &[&str]) -> AgentDefinition {
    AgentDefinition {
        name: name.to_string(),
        tagline: String::new(),
        description: description.to_string(),
        system_prompt: "be helpful".into(),
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["text/plain".into()],
        tags: tags.iter().map(|t| t.to_string()).collect(),
        category: Some("coding".into()),
        ..Default::default()
    }
}

pub async fn add_agent(store: &dyn Store, owner: UserId, slug: &str) -> Agent {
    let agent = Agent {
        id: AgentId::new(),
        owner_id: owner,
        slug: slug.to_string(),
        status: AgentStatus::Draft,
        status_message: None,
        latest_version: None,
        created_at: t0(),
        updated_at: t0(),
        published_at: None,
    };
    let draft = Draft { agent_id: agent.id, definition: definition(slug, "", &[]), updated_at: t0() };
    store.create_agent(&agent, &draft, &audit(actions::AGENT_CREATED)).await.unwrap();
    agent
}

pub async fn publish(
    store: &dyn Store,
    agent: &Agent,
    version: &str,
    expected: Option<&str>,
    def: AgentDefinition,
    at: DateTime<Utc>,
) -> StorageResult<Agent> {
    let request = PublishVersion {
        version: AgentVersion {
            agent_id: agent.id,
            version: version.parse().unwrap(),
            definition: def,
            changelog: None,
            published_at: at,
            published_by: agent.owner_id,
        },
        expected_latest: expected.map(|v| v.parse().unwrap()),
        audit: audit(actions::AGENT_PUBLISHED),
    };
    store.publish_version(&request).await
}

/// A published agent with this name/description/tags.
pub async fn published(store: &dyn Store, owner: UserId, slug: &str, def: AgentDefinition) -> Agent {
    let agent = add_agent(store, owner, slug).await;
    publish(store, &agent, "1.0.0", None, def, t0()).await.unwrap()
}

fn query(sort: CatalogSort, terms: &[&str], limit: u32) -> CatalogQuery {
    CatalogQuery { terms: terms.iter().map(|t| t.to_string()).collect(), sort, limit, ..Default::default() }
}

async fn all_pages(store: &dyn Store, mut q: CatalogQuery) -> Vec<(CatalogEntry, SortKey)> {
    let mut out = Vec::new();
    loop {
        let page = store.list_catalog(&q).await.unwrap();
        let last = page.entries.last().map(|e| e.1.clone());
        out.extend(page.entries);
        if !page.has_more {
            return out;
        }
        q.after = last;
    }
}

// ------------------------------------------------------------------ scenarios

pub async fn users_unique_and_case_insensitive(store: Arc<dyn Store>) {
    let a = user("alice@example.com", "alice");
    store.create_user(&a, &audit(actions::USER_REGISTERED)).await.unwrap();
    assert_eq!(store.get_user(a.id).await.unwrap().as_ref(), Some(&a), "exact round trip, nanoseconds included");

    let same_email = user("ALICE@example.com", "alice2");
    let err = store.create_user(&same_email, &audit(actions::USER_REGISTERED)).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict(ConflictKind::Email)), "{err:?}");
    let same_handle = user("other@example.com", "alice");
    let err = store.create_user(&same_handle, &audit(actions::USER_REGISTERED)).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict(ConflictKind::Handle)), "{err:?}");
    let mut ext = user("ext@example.com", "ext");
    ext.external_id = Some("host-1".into());
    store.create_user(&ext, &audit(actions::USER_LINKED)).await.unwrap();
    let mut ext2 = user("ext2@example.com", "ext2");
    ext2.external_id = Some("host-1".into());
    let err = store.create_user(&ext2, &audit(actions::USER_LINKED)).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict(ConflictKind::ExternalId)), "{err:?}");

    assert_eq!(
        store.find_user_by_email(&"Alice@Example.com".parse().unwrap()).await.unwrap().map(|u| u.id),
        Some(a.id)
    );
    assert_eq!(store.find_user_by_handle(&"alice".parse().unwrap()).await.unwrap().map(|u| u.id), Some(a.id));
    assert_eq!(store.find_user_by_external_id("host-1").await.unwrap().map(|u| u.id), Some(ext.id));
    assert!(store.find_user_by_handle(&"nobody".parse().unwrap()).await.unwrap().is_none());

    // Handle change: conflict with another user, fine for one's own.
    let patch = ProfileChange { handle: Some("ext".parse().unwrap()), ..Default::default() };
    let err = store.update_profile(a.id, &patch, t0(), &audit(actions::PROFILE_UPDATED)).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict(ConflictKind::Handle)), "{err:?}");
    let patch =
        ProfileChange { handle: Some("alice-b".parse().unwrap()), bio: Some(Some("hi".into())), ..Default::default() };
    let later = t0() + Duration::seconds(5);
    let updated = store.update_profile(a.id, &patch, later, &audit(actions::PROFILE_UPDATED)).await.unwrap();
    assert_eq!((updated.handle.as_str(), updated.bio.as_deref(), updated.updated_at), ("alice-b", Some("hi"), later));
    let err = store.update_profile(UserId::new(), &patch, later, &audit("x")).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound), "{err:?}");

    // Nothing was written by the failed creations: exactly the two successful registrations.
    let registered = AuditFilter { action: Some(actions::USER_REGISTERED.into()), ..Default::default() };
    assert_eq!(store.list_audit(&registered, None, 50).await.unwrap().len(), 1);
}

pub async fn delete_user_cascades(store: Arc<dyn Store>) {
    let owner = add_user(&*store, "owner").await;
    let fan = add_user(&*store, "fan").await;
    let agent = published(&*store, owner.id, "helper", definition("Helper", "", &[])).await;
    store.install(fan.id, agent.id, None, t0(), &audit(actions::AGENT_INSTALLED)).await.unwrap();
    let review = Review {
        id: ReviewId::new(),
        agent_id: agent.id,
        user_id: fan.id,
        stars: Stars::new(4).unwrap(),
        title: None,
        body: None,
        version: None,
        created_at: t0(),
        updated_at: t0(),
    };
    store.upsert_rating(&review, &audit(actions::RATING_UPSERTED)).await.unwrap();
    let session = new_session(fan.id);
    store.create_session(&session, &TokenHash([7; 32]), &audit(actions::SESSION_CREATED)).await.unwrap();

    store.delete_user(fan.id, t0(), &audit(actions::USER_DELETED)).await.unwrap();
    let stats = store.get_stats(agent.id).await.unwrap();
    assert_eq!((stats.install_count, stats.rating_count, stats.rating_sum, stats.histogram), (0, 0, 0, [0; 5]));
    assert!(store.get_user(fan.id).await.unwrap().is_none());
    assert!(store.session_auth(session.id).await.unwrap().is_none());
    // Email and handle are free again.
    store.create_user(&user("fan@example.com", "fan"), &audit(actions::USER_REGISTERED)).await.unwrap();

    store.delete_user(owner.id, t0(), &audit(actions::USER_DELETED)).await.unwrap();
    assert_eq!(store.get_agent(agent.id).await.unwrap().unwrap().status, AgentStatus::Deleted);
    assert!(store.get_catalog_entry(agent.id).await.unwrap().is_none());
    let err = store.delete_user(owner.id, t0(), &audit(actions::USER_DELETED)).await.unwrap_err();
    assert!(matches!(err, StorageError::NotFound), "{err:?}");
}

pub fn new_session(user: UserId) -> Session {
    Session {
        id: SessionId::new(),
        user_id: user,
        created_at: t0(),
        last_used_at: t0(),
        expires_at: t0() + Duration::days(30),
        user_agent: Some("test".into()),
        ip: None,
        revoked_at: None,
    }
}

pub async fn publish_rules(store: Arc<dyn Store>) {
    let owner = add_user(&*store, "pub").await;
    let agent = add_agent(&*store, owner.id, "writer").await;
    let err = store.create_agent(&agent, &store.get_draft(agent.id).await.unwrap(), &audit("x")).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict(ConflictKind::Slug)), "{err:?}");

    let at = t0() + Duration::minutes(1);
    let a1 = publish(&*store, &agent, "1.0.0", None, definition("Writer", "", &[]), at).await.unwrap();
    assert_eq!(
        (a1.status, a1.published_at, a1.latest_version.clone()),
        (AgentStatus::Listed, Some(at), Some("1.0.0".parse().unwrap()))
    );
    let err = publish(&*store, &agent, "1.0.0", Some("1.0.0"), definition("W", "", &[]), at).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict(ConflictKind::Version)), "{err:?}");
    let err = publish(&*store, &agent, "2.0.0", None, definition("W", "", &[]), at).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict(ConflictKind::StaleVersion)), "{err:?}");
    let later = at + Duration::minutes(1);
    let a2 = publish(&*store, &agent, "1.10.0", Some("1.0.0"), definition("Writer 2", "", &[]), later).await.unwrap();
    assert_eq!((a2.published_at, a2.updated_at), (Some(at), later), "published_at is the first publish");
    let versions: Vec<String> =
        store.list_versions(agent.id).await.unwrap().iter().map(|v| v.version.to_string()).collect();
    assert_eq!(versions, ["1.10.0", "1.0.0"], "semver order, not text order");
    let entry = store.get_catalog_entry(agent.id).await.unwrap().unwrap();
    assert_eq!((entry.definition.name.as_str(), entry.owner_handle.as_str()), ("Writer 2", "pub"));

    // Concurrent publishers expecting the same latest: exactly one wins.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let agent = agent.clone();
        tasks.push(tokio::spawn(async move {
            publish(&*store, &agent, &format!("2.{i}.0"), Some("1.10.0"), definition("W", "", &[]), later).await
        }));
    }
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(StorageError::Conflict(ConflictKind::StaleVersion)) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(wins, 1);

    let deleted = store.set_agent_status(agent.id, AgentStatus::Deleted, None, later, &audit("x")).await.unwrap();
    assert_eq!(deleted.status, AgentStatus::Deleted);
    let err = store.update_draft(agent.id, &definition("x", "", &[]), later, &audit("x")).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict(ConflictKind::AgentDeleted)), "{err:?}");
    let err = store.create_agent(&agent, &store.get_draft(agent.id).await.unwrap(), &audit("x")).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict(ConflictKind::Slug)), "deleted agents keep their slug: {err:?}");
}

pub async fn search_matches_words_of_public_agents(store: Arc<dyn Store>) {
    let owner = add_user(&*store, "searcher").await;
    let mut sql_def = definition("SQL Wizard", "Turns questions into queries", &["databases"]);
    sql_def.skills = vec![Skill {
        id: "explain".into(),
        name: "Explain plans".into(),
        description: "reads postgres output".into(),
        tags: vec!["tuning".into()],
        examples: vec![],
    }];
    let sql = published(&*store, owner.id, "sql", sql_def).await;
    let poet = published(&*store, owner.id, "poet", definition("Poet", "Writes verse about databases", &[])).await;
    // A draft mentioning the word never matches.
    let draft = add_agent(&*store, owner.id, "draft").await;
    store.update_draft(draft.id, &definition("Databases draft", "", &[]), t0(), &audit("x")).await.unwrap();
    // An unlisted agent does not match either.
    let hidden = published(&*store, owner.id, "hidden", definition("Hidden databases", "", &[])).await;
    store.set_agent_status(hidden.id, AgentStatus::Unlisted, None, t0(), &audit("x")).await.unwrap();

    let ids = |page: CatalogPage| page.entries.iter().map(|e| e.0.agent.id).collect::<BTreeSet<_>>();
    let found = ids(store.list_catalog(&query(CatalogSort::Relevance, &["databases"], 10)).await.unwrap());
    assert_eq!(found, BTreeSet::from([sql.id, poet.id]));
    // AND of terms; words from skills (name, description, tags) count.
    for terms in [&["databases", "wizard"][..], &["tuning"], &["postgres"], &["plans", "sql"]] {
        let found = ids(store.list_catalog(&query(CatalogSort::Relevance, terms, 10)).await.unwrap());
        assert_eq!(found, BTreeSet::from([sql.id]), "terms {terms:?}");
    }
    // Whole words only.
    assert!(ids(store.list_catalog(&query(CatalogSort::Relevance, &["data"], 10)).await.unwrap()).is_empty());
    assert!(ids(store.list_catalog(&query(CatalogSort::Popular, &["verse", "wizard"], 10)).await.unwrap()).is_empty());
    // Name matches outrank description matches.
    let page = store.list_catalog(&query(CatalogSort::Relevance, &["poet", "verse"], 10)).await.unwrap();
    assert_eq!(page.entries.len(), 1);
    let page = store.list_catalog(&query(CatalogSort::Relevance, &["databases"], 10)).await.unwrap();
    assert_eq!(page.entries[0].0.agent.id, sql.id, "tag (weight B) beats description (weight D)");
    // Republishing replaces the indexed text.
    publish(&*store, &poet, "1.1.0", Some("1.0.0"), definition("Poet", "haiku only", &[]), t0()).await.unwrap();
    let found = ids(store.list_catalog(&query(CatalogSort::Relevance, &["databases"], 10)).await.unwrap());
    assert_eq!(found, BTreeSet::from([sql.id]));
    let found = ids(store.list_catalog(&query(CatalogSort::Name, &["haiku"], 10)).await.unwrap());
    assert_eq!(found, BTreeSet::from([poet.id]));
}

/// Every sort, paged two at a time, equals the full list ordered by core's `compare_keys`.
pub async fn catalog_sorts_and_keyset_pages(store: Arc<dyn Store>) {
    let owner = add_user(&*store, "lister").await;
    let users: Vec<UserRecord> = {
        let mut v = Vec::new();
        for i in 0..4 {
            v.push(add_user(&*store, &format!("rater{i}")).await);
        }
        v
    };
    let names = ["beta", "Alpha", "gamma", "alpha", "Delta", "epsilon", "Zeta"];
    let mut agents = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let agent = add_agent(&*store, owner.id, &format!("a{i}")).await;
        let at = t0() + Duration::seconds((i % 3) as i64);
        let mut def = definition(name, "common words", &[if i % 2 == 0 { "even" } else { "odd" }]);
        if i == 5 {
            def.input_modes.push("application/pdf".into());
        }
        let agent = publish(&*store, &agent, "1.0.0", None, def, at).await.unwrap();
        for (j, u) in users.iter().enumerate().take(i % 4) {
            store.install(u.id, agent.id, None, t0(), &audit("x")).await.unwrap();
            let review = Review {
                id: ReviewId::new(),
                agent_id: agent.id,
                user_id: u.id,
                stars: Stars::new(((i + j) % 5 + 1) as u8).unwrap(),
                title: None,
                body: None,
                version: None,
                created_at: t0(),
                updated_at: t0(),
            };
            store.upsert_rating(&review, &audit("x")).await.unwrap();
        }
        for k in 0..(i % 3) {
            let event = UsageEvent {
                agent_id: agent.id,
                user_id: owner.id,
                event: "run".into(),
                units: 1,
                occurred_at: t0() + Duration::hours(k as i64),
            };
            store.record_usage(&event, ranking::trending_increment(event.occurred_at)).await.unwrap();
        }
        agents.push(agent);
    }
    store.set_agent_status(agents[1].id, AgentStatus::Deprecated, Some("old"), t0(), &audit("x")).await.unwrap();
    store.set_agent_status(agents[6].id, AgentStatus::Unlisted, None, t0(), &audit("x")).await.unwrap();

    for sort in
        [CatalogSort::Popular, CatalogSort::Rating, CatalogSort::Newest, CatalogSort::Trending, CatalogSort::Name]
    {
        let paged = all_pages(&*store, query(sort, &[], 2)).await;
        let mut expected = store.list_catalog(&query(sort, &[], 100)).await.unwrap().entries;
        assert_eq!(expected.len(), 6, "unlisted excluded, deprecated included");
        for (entry, key) in &expected {
            assert_eq!(key, &ranking::sort_key(entry, sort, 0.0), "stored sort key equals core's");
        }
        expected.sort_by(|a, b| ranking::compare_keys(&a.1, &b.1));
        let got: Vec<AgentId> = paged.iter().map(|e| e.0.agent.id).collect();
        let want: Vec<AgentId> = expected.iter().map(|e| e.0.agent.id).collect();
        assert_eq!(got, want, "sort {sort:?}");
        assert_eq!(got.last(), Some(&agents[1].id), "deprecated last in {sort:?}");
    }
    // Search terms with paging under relevance.
    let paged = all_pages(&*store, query(CatalogSort::Relevance, &["common"], 2)).await;
    assert_eq!(paged.len(), 6);
    // Filters.
    let mut q = query(CatalogSort::Name, &[], 100);
    q.tag = Some("even".into());
    assert_eq!(store.list_catalog(&q).await.unwrap().entries.len(), 3, "a0, a2, a4 (a6 unlisted)");
    let mut q = query(CatalogSort::Name, &[], 100);
    q.input_mode = Some("application/pdf".into());
    let page = store.list_catalog(&q).await.unwrap();
    assert_eq!(page.entries.iter().map(|e| e.0.agent.id).collect::<Vec<_>>(), [agents[5].id]);
    let mut q = query(CatalogSort::Name, &[], 100);
    q.category = Some("other".into());
    assert!(store.list_catalog(&q).await.unwrap().entries.is_empty());
    let mut q = query(CatalogSort::Name, &[], 100);
    q.owner = Some(UserId::new());
    assert!(store.list_catalog(&q).await.unwrap().entries.is_empty());
    // Name order is by lower-cased name, ties by id.
    let names: Vec<String> = all_pages(&*store, query(CatalogSort::Name, &[], 3))
        .await
        .iter()
        .map(|e| e.0.definition.name.to_lowercase())
        .collect();
    assert_eq!(
        &names[..3],
        ["alpha", "beta", "delta"][..].iter().map(|s| s.to_string()).collect::<Vec<_>>().as_slice()
    );
}

pub async fn concurrent_installs_keep_count(store: Arc<dyn Store>) {
    let owner = add_user(&*store, "maker").await;
    let agent = published(&*store, owner.id, "popular", definition("Popular", "", &[])).await;
    let mut users = Vec::new();
    for i in 0..8 {
        users.push(add_user(&*store, &format!("inst{i}")).await);
    }
    let mut tasks = Vec::new();
    for task in 0..32usize {
        let store = store.clone();
        let user = users[task % users.len()].id;
        let agent = agent.id;
        tasks.push(tokio::spawn(async move {
            for round in 0..6usize {
                if (task + round) % 2 == 0 {
                    store.install(user, agent, None, t0(), &audit(actions::AGENT_INSTALLED)).await.unwrap();
                } else {
                    store.uninstall(user, agent, &audit(actions::AGENT_UNINSTALLED)).await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut installed = 0;
    for u in &users {
        if store.get_install(u.id, agent.id).await.unwrap().is_some() {
            installed += 1;
        }
    }
    assert_eq!(store.get_stats(agent.id).await.unwrap().install_count, installed);
    let installs = AuditFilter { action: Some(actions::AGENT_INSTALLED.into()), ..Default::default() };
    let uninstalls = AuditFilter { action: Some(actions::AGENT_UNINSTALLED.into()), ..Default::default() };
    let ins = store.list_audit(&installs, None, 1000).await.unwrap().len() as i64;
    let outs = store.list_audit(&uninstalls, None, 1000).await.unwrap().len() as i64;
    assert_eq!(ins - outs, installed as i64, "one audit record per real change");

    // Pin changes keep the install and the count.
    let u = users[0].id;
    store.install(u, agent.id, None, t0(), &audit("x")).await.unwrap();
    let before = store.get_stats(agent.id).await.unwrap().install_count;
    let v = "1.0.0".parse().unwrap();
    let later = t0() + Duration::seconds(1);
    let out = store.install(u, agent.id, Some(&v), later, &audit("x")).await.unwrap();
    assert!(!out.created);
    assert_eq!((out.install.pinned_version, out.install.updated_at), (Some(v), later));
    assert_eq!(store.get_stats(agent.id).await.unwrap().install_count, before);
}

pub async fn list_user_installs_pages(store: Arc<dyn Store>) {
    let owner = add_user(&*store, "pager").await;
    let fan = add_user(&*store, "reader").await;
    let mut expected = Vec::new();
    for i in 0..5 {
        let agent = published(&*store, owner.id, &format!("p{i}"), definition("P", "", &[])).await;
        let at = t0() + Duration::seconds(i % 2);
        store.install(fan.id, agent.id, None, at, &audit("x")).await.unwrap();
        expected.push((at, agent.id));
    }
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let mut page = store.list_user_installs(fan.id, after, 2).await.unwrap();
        let more = page.len() > 2;
        page.truncate(2);
        after = page.last().map(|i| (i.installed_at, i.agent_id));
        got.extend(page.into_iter().map(|i| (i.installed_at, i.agent_id)));
        if !more {
            break;
        }
    }
    assert_eq!(got, expected);
}

pub async fn refresh_token_redeemed_once(store: Arc<dyn Store>) {
    let u = add_user(&*store, "sess").await;
    let session = new_session(u.id);
    let first = TokenHash([1; 32]);
    store.create_session(&session, &first, &audit(actions::SESSION_CREATED)).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..16u8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let request = RedeemRefresh {
                presented: first,
                replacement: TokenHash([100 + i; 32]),
                now: t0() + Duration::seconds(1),
                rotated_audit: audit(actions::SESSION_REFRESHED),
                reuse_audit: audit(actions::SESSION_REUSE_DETECTED),
            };
            store.redeem_refresh_token(&request).await.unwrap()
        }));
    }
    let mut rotated = 0;
    let mut reused = 0;
    for t in tasks {
        match t.await.unwrap() {
            RedeemOutcome::Rotated(_) => rotated += 1,
            RedeemOutcome::Reused(s) => {
                reused += 1;
                assert!(s.revoked_at.is_some());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((rotated, reused), (1, 15));
    let s = store.get_session(session.id).await.unwrap().unwrap();
    assert!(s.revoked_at.is_some(), "reuse revoked the session");
    let reuse = AuditFilter { action: Some(actions::SESSION_REUSE_DETECTED.into()), ..Default::default() };
    let records = store.list_audit(&reuse, None, 100).await.unwrap();
    assert_eq!(records.len(), 15);
    assert!(records.iter().all(|r| r.subject == Some(u.id) && r.actor == Some(u.id)));

    // Sequential rules: rotate, then the new token works; ended session; unknown.
    let s2 = new_session(u.id);
    store.create_session(&s2, &TokenHash([2; 32]), &audit("x")).await.unwrap();
    let req = |presented: u8, replacement: u8, now: DateTime<Utc>| RedeemRefresh {
        presented: TokenHash([presented; 32]),
        replacement: TokenHash([replacement; 32]),
        now,
        rotated_audit: audit("r"),
        reuse_audit: audit("u"),
    };
    let later = t0() + Duration::minutes(1);
    match store.redeem_refresh_token(&req(2, 3, later)).await.unwrap() {
        RedeemOutcome::Rotated(s) => assert_eq!(s.last_used_at, later),
        other => panic!("{other:?}"),
    }
    assert!(matches!(store.redeem_refresh_token(&req(3, 4, later)).await.unwrap(), RedeemOutcome::Rotated(_)));
    assert!(matches!(store.redeem_refresh_token(&req(9, 10, later)).await.unwrap(), RedeemOutcome::Unknown));
    assert_eq!(store.find_session_by_refresh(&TokenHash([2; 32])).await.unwrap().map(|s| s.id), Some(s2.id));
    let expired = t0() + Duration::days(31);
    assert!(matches!(store.redeem_refresh_token(&req(4, 5, expired)).await.unwrap(), RedeemOutcome::SessionEnded(_)));
    assert!(store.get_session(s2.id).await.unwrap().unwrap().revoked_at.is_none(), "SessionEnded writes nothing");

    // Revocations.
    let s3 = new_session(u.id);
    store.create_session(&s3, &TokenHash([30; 32]), &audit("x")).await.unwrap();
    assert_eq!(store.list_active_sessions(u.id, later).await.unwrap().len(), 2);
    assert!(!store.revoke_session(UserId::new(), s3.id, later, &audit("x")).await.unwrap());
    assert!(store.revoke_session(u.id, s3.id, later, &audit("x")).await.unwrap());
    assert!(!store.revoke_session(u.id, s3.id, later, &audit("x")).await.unwrap());
    assert_eq!(store.revoke_user_sessions(u.id, None, later, &audit("x")).await.unwrap(), 1);
    assert!(store.list_active_sessions(u.id, later).await.unwrap().is_empty());
    let auth = store.session_auth(s2.id).await.unwrap().unwrap();
    assert_eq!((auth.user_id, auth.role, auth.revoked_at), (u.id, Role::User, Some(later)));
}

pub async fn one_time_tokens(store: Arc<dyn Store>) {
    let u = add_user(&*store, "tok").await;
    let token = |b: u8, kind, expires: DateTime<Utc>| OneTimeToken {
        hash: TokenHash([b; 32]),
        kind,
        user_id: u.id,
        email: Some("tok@example.com".parse().unwrap()),
        created_at: t0(),
        expires_at: expires,
    };
    let soon = t0() + Duration::hours(1);
    store.put_one_time_token(&token(1, OneTimeTokenKind::PasswordReset, soon), &audit("x")).await.unwrap();
    store.put_one_time_token(&token(2, OneTimeTokenKind::PasswordReset, soon), &audit("x")).await.unwrap();
    store.put_one_time_token(&token(3, OneTimeTokenKind::EmailVerification, t0()), &audit("x")).await.unwrap();
    assert_eq!(store.count_one_time_tokens(u.id, OneTimeTokenKind::PasswordReset).await.unwrap(), 1);
    let s = new_session(u.id);
    store.create_session(&s, &TokenHash([50; 32]), &audit("x")).await.unwrap();

    let r = store.reset_password_with_token(&TokenHash([1; 32]), "new", t0(), &audit("x")).await.unwrap();
    assert_eq!(r, ConsumeOutcome::Unknown, "only the newest link works");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .reset_password_with_token(&TokenHash([2; 32]), "new", t0(), &audit(actions::PASSWORD_RESET))
                .await
                .unwrap()
        }));
    }
    let mut applied = 0;
    for t in tasks {
        if let ConsumeOutcome::Applied(user) = t.await.unwrap() {
            assert_eq!(user.password_hash.as_deref(), Some("new"));
            applied += 1;
        }
    }
    assert_eq!(applied, 1, "a reset token works once");
    assert!(store.get_session(s.id).await.unwrap().unwrap().revoked_at.is_some());
    let r = store.verify_email_with_token(&TokenHash([3; 32]), t0(), &audit("x")).await.unwrap();
    assert_eq!(r, ConsumeOutcome::Expired);
    assert_eq!(store.count_one_time_tokens(u.id, OneTimeTokenKind::EmailVerification).await.unwrap(), 0);
    store.put_one_time_token(&token(4, OneTimeTokenKind::EmailVerification, soon), &audit("x")).await.unwrap();
    match store.verify_email_with_token(&TokenHash([4; 32]), t0(), &audit("x")).await.unwrap() {
        ConsumeOutcome::Applied(user) => assert!(user.email_verified),
        other => panic!("{other:?}"),
    }
}

pub async fn ratings_keep_aggregates(store: Arc<dyn Store>) {
    let owner = add_user(&*store, "rated").await;
    let agent = published(&*store, owner.id, "rated", definition("Rated", "", &[])).await;
    let mut users = Vec::new();
    for i in 0..10 {
        users.push(add_user(&*store, &format!("r{i}")).await);
    }
    let mut tasks = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let store = store.clone();
        let uid = u.id;
        let agent = agent.id;
        tasks.push(tokio::spawn(async move {
            for round in 0..3usize {
                let review = Review {
                    id: ReviewId::new(),
                    agent_id: agent,
                    user_id: uid,
                    stars: Stars::new(((i + round) % 5 + 1) as u8).unwrap(),
                    title: Some("t".into()),
                    body: None,
                    version: None,
                    created_at: t0(),
                    updated_at: t0() + Duration::seconds(round as i64),
                };
                store.upsert_rating(&review, &audit("x")).await.unwrap();
            }
            if i % 4 == 0 {
                store.delete_rating(uid, agent, &audit("x")).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let reviews = store.list_reviews(agent.id, ReviewSort::Stars, None, 100).await.unwrap();
    let stats = store.get_stats(agent.id).await.unwrap();
    let mut histogram = [0u64; 5];
    for r in &reviews {
        histogram[r.stars.slot()] += 1;
    }
    assert_eq!(stats.rating_count, reviews.len() as u64);
    assert_eq!(stats.rating_sum, reviews.iter().map(|r| u64::from(r.stars)).sum::<u64>());
    assert_eq!(stats.histogram, histogram);
    assert_eq!(reviews.len(), 7);
    // Stars order then keyset pages.
    for w in reviews.windows(2) {
        assert!(w[0].stars >= w[1].stars);
    }
    let first = store.list_reviews(agent.id, ReviewSort::Stars, None, 3).await.unwrap();
    assert_eq!(first.len(), 4);
    let rest = store.list_reviews(agent.id, ReviewSort::Stars, Some(ReviewKey::of(&first[2])), 100).await.unwrap();
    assert_eq!(
        first[..3].iter().chain(rest.iter()).map(|r| r.id).collect::<Vec<_>>(),
        reviews.iter().map(|r| r.id).collect::<Vec<_>>()
    );
    // Upsert keeps the id and created_at.
    let mine = store.get_rating(users[1].id, agent.id).await.unwrap().unwrap();
    let again = Review {
        id: ReviewId::new(),
        stars: Stars::new(1).unwrap(),
        created_at: t0() + Duration::days(1),
        ..mine.clone()
    };
    let out = store.upsert_rating(&again, &audit("x")).await.unwrap();
    assert!(!out.created);
    assert_eq!(
        (out.review.id, out.review.created_at, out.review.stars),
        (mine.id, mine.created_at, Stars::new(1).unwrap())
    );
    assert!(store.delete_review(mine.id, &audit("x")).await.unwrap());
    assert!(!store.delete_review(mine.id, &audit("x")).await.unwrap());
    assert_eq!(store.get_stats(agent.id).await.unwrap().rating_count, 6);
}

pub async fn usage_totals_and_trending(store: Arc<dyn Store>) {
    let owner = add_user(&*store, "used").await;
    let agent = published(&*store, owner.id, "used", definition("Used", "", &[])).await;
    let users = [owner.id, add_user(&*store, "u2").await.id];
    let mut tasks = Vec::new();
    for i in 0..20i64 {
        let store = store.clone();
        let agent = agent.id;
        let user = users[(i % 2) as usize];
        tasks.push(tokio::spawn(async move {
            let event = UsageEvent {
                agent_id: agent,
                user_id: user,
                event: "run".into(),
                units: 10,
                occurred_at: t0() + Duration::hours(i * 3),
            };
            store.record_usage(&event, 1.0).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let days = store
        .usage_by_day(
            agent.id,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(days.iter().map(|d| d.events).sum::<u64>(), 20);
    assert_eq!(days.iter().map(|d| d.units).sum::<u64>(), 200);
    assert!(days.windows(2).all(|w| w[0].date < w[1].date));
    assert!(days.iter().all(|d| d.users == 2 || d.users == 1));
    let stats = store.get_stats(agent.id).await.unwrap();
    assert_eq!(stats.usage_events, 20);
    // 20 events of weight 2^1 each: log2(20 * 2) — no lost read-modify-write.
    assert!((stats.trending - (40f64).log2()).abs() < 1e-9, "trending {}", stats.trending);
}

pub async fn throttle_counters(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(
            async move { store.hit_counter("login:x", t0(), Duration::minutes(15)).await.unwrap() },
        ));
    }
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.unwrap().count);
    }
    counts.sort();
    assert_eq!(counts, (1..=20).collect::<Vec<u32>>(), "no hit lost");
    let c = store.hit_counter("login:x", t0() + Duration::minutes(15), Duration::minutes(15)).await.unwrap();
    assert_eq!((c.count, c.window_started_at), (1, t0() + Duration::minutes(15)), "window restarts");
    assert_eq!(store.get_counter("login:x").await.unwrap(), Some(c));
    store.clear_counter("login:x").await.unwrap();
    assert!(store.get_counter("login:x").await.unwrap().is_none());
}

pub async fn audit_filters_and_pages(store: Arc<dyn Store>) {
    let u = UserId::new();
    let mut ids = Vec::new();
    for i in 0..5 {
        let record = AuditRecord::new(t0() + Duration::seconds(i), "thing.done")
            .actor(u)
            .subject(u)
            .target(format!("agent:{i}"))
            .details(serde_json::json!({ "n": i }));
        store.append_audit(&record).await.unwrap();
        ids.push(record);
    }
    store.append_audit(&AuditRecord::new(t0(), "other")).await.unwrap();
    let mine = AuditFilter { subject: Some(u), ..Default::default() };
    let page = store.list_audit(&mine, None, 2).await.unwrap();
    assert_eq!(page.len(), 3);
    assert_eq!(page[0], ids[4], "newest first, exact round trip");
    let rest = store.list_audit(&mine, Some(page[1].id), 10).await.unwrap();
    assert_eq!(rest.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[2].id, ids[1].id, ids[0].id]);
    let window = AuditFilter { from: Some(t0() + Duration::seconds(1)), to: Some(t0() + Duration::seconds(3)), ..mine };
    assert_eq!(store.list_audit(&window, None, 10).await.unwrap().len(), 2);
}

pub async fn admin_calls(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    store.flush().await.unwrap();
    assert!(["sqlite", "postgres"].contains(&store.backend_name()));
}

/// Generates one `#[tokio::test]` per scenario for a store constructor
/// returning `Option<Arc<dyn Store>>` (`None`: skipped).
#[macro_export]
macro_rules! store_scenarios {
    ($new_store:path) => {
        $crate::store_scenarios!(@each $new_store;
            users_unique_and_case_insensitive, delete_user_cascades, publish_rules,
            search_matches_words_of_public_agents, catalog_sorts_and_keyset_pages,
            concurrent_installs_keep_count, list_user_installs_pages, refresh_token_redeemed_once,
            one_time_tokens, ratings_keep_aggregates, usage_totals_and_trending, throttle_counters,
            audit_filters_and_pages, admin_calls);
    };
    (@each $new_store:path; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                if let Some(store) = $new_store().await {
                    $crate::common::scenarios::$name(store).await;
                }
            }
        )*
    };
}
