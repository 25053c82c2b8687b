//! Tests of what only the sled backend has: its directory lock and reopening,
//! persistence across handles, shared clones, its in-memory record caches
//! (each write must show at once in what they serve, even after a read filled
//! them), and its search paging through the sort index in batches (530 hits,
//! past a batch). Crash durability is in `durability.rs`, secrets on disk in
//! `invariants.rs`; the backend-neutral contract (uniqueness, sessions, tokens,
//! installs, ratings, publishing, catalogue, cascades, usage, throttles) is the
//! shared conformance suite, run by `conformance.rs`.

use agentmart_core::ids::{AgentId, SessionId, UserId};
use agentmart_core::model::*;
use agentmart_core::ranking::compare_keys;
use agentmart_core::storage::*;
use agentmart_storage_sled::{SledOptions, SledStore};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn audit(action: &str) -> AuditRecord {
    AuditRecord::new(t0(), action)
}

fn user(n: &str) -> UserRecord {
    UserRecord {
        id: UserId::new(),
        email: Some(format!("{n}@example.com").parse().unwrap()),
        email_verified: false,
        handle: n.parse().unwrap(),
        display_name: None,
        bio: None,
        avatar_url: None,
        role: Role::User,
        disabled: false,
        password_hash: Some("$argon2id$x".into()),
        external_id: None,
        created_at: t0(),
        updated_at: t0(),
    }
}

fn def(name: &str, description: &str) -> AgentDefinition {
    AgentDefinition {
        name: name.into(),
        description: description.into(),
        system_prompt: "be nice".into(),
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["text/plain".into()],
        ..Default::default()
    }
}

async fn store_with_user(n: &str) -> (SledStore, UserRecord) {
    let s = SledStore::temporary().unwrap();
    let u = user(n);
    s.create_user(&u, &audit("user.registered")).await.unwrap();
    (s, u)
}

async fn publish(s: &SledStore, owner: UserId, slug: &str, d: AgentDefinition, at: DateTime<Utc>) -> Agent {
    let agent = Agent {
        id: AgentId::new(),
        owner_id: owner,
        slug: slug.into(),
        status: AgentStatus::Draft,
        status_message: None,
        latest_version: None,
        created_at: at,
        updated_at: at,
        published_at: None,
        moderation: None,
    };
    let draft = Draft { agent_id: agent.id, definition: d.clone(), updated_at: at };
    s.create_agent(&agent, &draft, &audit("agent.created")).await.unwrap();
    let version = AgentVersion {
        agent_id: agent.id,
        version: semver::Version::new(1, 0, 0),
        definition: d,
        changelog: None,
        published_at: at,
        published_by: owner,
    };
    s.publish_version(&PublishVersion { version, expected_latest: None, audit: audit("agent.published") })
        .await
        .unwrap()
}

fn query(sort: CatalogSort, limit: u32) -> CatalogQuery {
    CatalogQuery { sort, limit, ..Default::default() }
}

#[test]
fn opening_a_held_directory_is_unavailable_and_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let first = SledStore::open(&path).unwrap();
    let wait = std::time::Duration::from_millis(150);
    let started = std::time::Instant::now();
    let err = SledStore::open_with(&path, &SledOptions::default().lock_wait(wait)).unwrap_err();
    assert!(started.elapsed() >= wait, "gave up before lock_wait");
    match err {
        StorageError::Unavailable(msg) => assert!(msg.contains(&path.display().to_string()), "{msg}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    drop(first);
    // Released once the first handle is gone.
    SledStore::from_url(&format!("sled:{}", path.display())).unwrap();
    assert!(SledStore::from_url("postgres://x").is_err());
}

#[tokio::test]
async fn a_store_reopens_at_once_after_its_last_handle_drops() {
    // sled lets go of its lock from background threads after the last handle
    // drops; open waits for that instead of failing spuriously.
    let dir = tempfile::tempdir().unwrap();
    let u = user("reopen");
    for round in 0..25 {
        let s = SledStore::open(dir.path()).unwrap_or_else(|e| panic!("round {round}: {e}"));
        if round == 0 {
            s.create_user(&u, &audit("user.registered")).await.unwrap();
        }
        assert!(s.find_user_by_email(&"reopen@example.com".parse().unwrap()).await.unwrap().is_some());
        s.flush().await.unwrap();
    }
}

#[tokio::test]
async fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let u = user("persist");
    {
        let s = SledStore::open(dir.path()).unwrap();
        s.create_user(&u, &audit("user.registered")).await.unwrap();
        s.flush().await.unwrap();
    }
    let s = SledStore::open(dir.path()).unwrap();
    assert_eq!(s.find_user_by_email(&"persist@example.com".parse().unwrap()).await.unwrap(), Some(u));
    s.ping().await.unwrap();
    assert_eq!(s.backend_name(), "sled");
}

fn session(user: UserId) -> Session {
    Session {
        id: SessionId::new(),
        user_id: user,
        created_at: t0(),
        last_used_at: t0(),
        expires_at: t0() + Duration::days(30),
        user_agent: None,
        ip: None,
        revoked_at: None,
    }
}

#[tokio::test]
async fn search_with_many_hits_pages_through_the_sort_index() {
    let (s, owner) = store_with_user("owner").await;
    let n = 530;
    for i in 0..n {
        let a = publish(
            &s,
            owner.id,
            &format!("a{i:03}"),
            def(&format!("Agent {}", n - i), if i % 3 == 0 { "shared shared words" } else { "shared words" }),
            t0(),
        )
        .await;
        if i % 50 == 0 {
            s.install(UserId::new(), a.id, None, t0(), &audit("x")).await.unwrap();
        }
        if i % 70 == 3 {
            s.set_agent_status(a.id, AgentStatus::Deprecated, None, t0(), &audit("x")).await.unwrap();
        }
    }
    let cases: Vec<(CatalogSort, Vec<String>, Option<String>)> = vec![
        (CatalogSort::Name, vec!["shared".into()], None),
        (CatalogSort::Popular, vec!["shared".into()], None),
        (CatalogSort::Relevance, vec!["shared".into()], None),
        (CatalogSort::Relevance, vec!["shared".into()], Some("text/plain".into())),
        (CatalogSort::Relevance, vec!["agent".into(), "shared".into()], None),
        (CatalogSort::Relevance, vec![], Some("text/plain".into())),
        (CatalogSort::Newest, vec![], Some("text/plain".into())),
    ];
    for (sort, terms, mode) in cases {
        let mut q = CatalogQuery { terms: terms.clone(), input_mode: mode.clone(), ..query(sort, 100) };
        let mut all: Vec<SortKey> = Vec::new();
        loop {
            let page = s.list_catalog(&q).await.unwrap();
            all.extend(page.entries.iter().map(|e| e.1.clone()));
            if !page.has_more {
                break;
            }
            q.after = Some(page.entries.last().unwrap().1.clone());
        }
        assert_eq!(all.len(), n, "{sort:?} {terms:?} {mode:?}");
        for w in all.windows(2) {
            assert_eq!(compare_keys(&w[0], &w[1]), std::cmp::Ordering::Less, "{sort:?} {terms:?} {mode:?}");
        }
        assert!(all.last().unwrap().deprecated && !all[0].deprecated);
        if sort == CatalogSort::Relevance && !terms.is_empty() {
            let base = if terms.len() == 2 { 9.0 } else { 1.0 };
            let ones = all.iter().filter(|k| k.value == SortValue::Score(base)).count();
            let twos = all.iter().filter(|k| k.value == SortValue::Score(base + 1.0)).count();
            assert_eq!((ones, twos), (n - n.div_ceil(3), n.div_ceil(3)), "{terms:?}");
        }
    }
    let both = CatalogQuery { terms: vec!["shared".into(), "530".into()], ..query(CatalogSort::Name, 10) };
    let page = s.list_catalog(&both).await.unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].0.definition.name, "Agent 530");
}

#[test]
fn store_handles_are_clone_send_sync_and_share_state() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<SledStore>();
    let s = SledStore::temporary().unwrap();
    let copy = s.clone();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        copy.hit_counter("shared", t0(), Duration::minutes(1)).await.unwrap();
        assert_eq!(s.get_counter("shared").await.unwrap().unwrap().count, 1);
    });
}

#[tokio::test]
async fn cached_catalogue_entries_follow_every_write() {
    // Listings read decoded entries from an in-memory cache; each kind of
    // write that changes what a listing shows must be visible at once.
    let (s, owner) = store_with_user("cacher").await;
    let t = t0();
    let agent = publish(&s, owner.id, "cached", def("Cached One", "first words"), t).await;
    let names = |page: CatalogPage| {
        page.entries.iter().map(|(e, _)| (e.owner_handle.clone(), e.definition.name.clone())).collect::<Vec<_>>()
    };
    let popular = query(CatalogSort::Popular, 10);
    assert_eq!(names(s.list_catalog(&popular).await.unwrap()), [("cacher".to_string(), "Cached One".to_string())]);

    // A new version.
    let version = AgentVersion {
        agent_id: agent.id,
        version: semver::Version::new(1, 1, 0),
        definition: def("Cached Two", "second words"),
        changelog: None,
        published_at: t,
        published_by: owner.id,
    };
    let expected_latest = Some(semver::Version::new(1, 0, 0));
    s.publish_version(&PublishVersion { version, expected_latest, audit: audit("agent.published") }).await.unwrap();
    assert_eq!(names(s.list_catalog(&popular).await.unwrap())[0].1, "Cached Two");
    assert_eq!(s.get_catalog_entry(agent.id).await.unwrap().unwrap().definition.name, "Cached Two");

    // The owner's new handle.
    let patch = ProfileChange { handle: Some("renamed".parse().unwrap()), ..Default::default() };
    s.update_profile(owner.id, &patch, t, &audit("user.profile_updated")).await.unwrap();
    assert_eq!(names(s.list_catalog(&popular).await.unwrap())[0].0, "renamed");

    // Counters are never cached.
    s.install(owner.id, agent.id, None, t, &audit("agent.installed")).await.unwrap();
    assert_eq!(s.list_catalog(&popular).await.unwrap().entries[0].0.stats.install_count, 1);

    // Unlisting and deleting the owner take it out of listings and detail.
    s.set_agent_status(agent.id, AgentStatus::Unlisted, None, t, &audit("agent.status_changed")).await.unwrap();
    assert!(s.list_catalog(&popular).await.unwrap().entries.is_empty());
    s.set_agent_status(agent.id, AgentStatus::Listed, None, t, &audit("agent.status_changed")).await.unwrap();
    assert_eq!(s.list_catalog(&popular).await.unwrap().entries.len(), 1);
    s.delete_user(owner.id, t, &audit("user.deleted")).await.unwrap();
    assert!(s.list_catalog(&popular).await.unwrap().entries.is_empty());
    assert!(s.get_catalog_entry(agent.id).await.unwrap().is_none());
}

#[tokio::test]
async fn the_record_caches_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let s = SledStore::open_with(dir.path(), &SledOptions::default().record_cache(0)).unwrap();
    let u = user("nocache");
    s.create_user(&u, &audit("user.registered")).await.unwrap();
    publish(&s, u.id, "plain", def("Plain", "words"), t0()).await;
    assert_eq!(s.list_catalog(&query(CatalogSort::Popular, 10)).await.unwrap().entries.len(), 1);
}

#[tokio::test]
async fn cached_users_follow_every_write() {
    let (s, u) = store_with_user("cachedu").await;
    let t = t0();
    assert_eq!(s.get_user(u.id).await.unwrap().unwrap().handle, "cachedu");
    let patch = ProfileChange { handle: Some("recached".parse().unwrap()), ..Default::default() };
    s.update_profile(u.id, &patch, t, &audit("user.profile_updated")).await.unwrap();
    assert_eq!(s.get_user(u.id).await.unwrap().unwrap().handle, "recached");
    s.set_role(u.id, Role::Admin, t, &audit("user.role_changed")).await.unwrap();
    assert_eq!(s.get_user(u.id).await.unwrap().unwrap().role, Role::Admin);
    s.set_password_hash(u.id, "$argon2id$new", EndSessions::All, t, &audit("user.password_changed")).await.unwrap();
    assert_eq!(s.get_user(u.id).await.unwrap().unwrap().password_hash.as_deref(), Some("$argon2id$new"));
    s.set_disabled(u.id, true, t, &audit("user.disabled")).await.unwrap();
    assert!(s.get_user(u.id).await.unwrap().unwrap().disabled);
    s.delete_user(u.id, t, &audit("user.deleted")).await.unwrap();
    assert_eq!(s.get_user(u.id).await.unwrap(), None);
}

#[tokio::test]
async fn cached_session_facts_follow_every_write() {
    // `session_auth` is served from memory between writes; each write that
    // changes what `authenticate` decides must show at once.
    let (s, u) = store_with_user("sessioncache").await;
    let (a, b) = (session(u.id), session(u.id));
    s.create_session(&a, &TokenHash([7; 32]), &audit("x")).await.unwrap();
    s.create_session(&b, &TokenHash([8; 32]), &audit("x")).await.unwrap();
    for _ in 0..2 {
        let auth = s.session_auth(a.id).await.unwrap().unwrap();
        assert!(auth.revoked_at.is_none() && !auth.user_disabled && auth.role == Role::User);
    }
    s.set_role(u.id, Role::Admin, t0(), &audit("x")).await.unwrap();
    assert_eq!(s.session_auth(a.id).await.unwrap().unwrap().role, Role::Admin);
    s.revoke_session(u.id, a.id, t0(), &audit("x")).await.unwrap();
    assert!(s.session_auth(a.id).await.unwrap().unwrap().revoked_at.is_some());
    assert!(s.session_auth(b.id).await.unwrap().unwrap().revoked_at.is_none());
    s.set_disabled(u.id, true, t0(), &audit("x")).await.unwrap();
    assert!(s.session_auth(b.id).await.unwrap().unwrap().user_disabled);
    s.delete_user(u.id, t0(), &audit("x")).await.unwrap();
    assert_eq!(s.session_auth(b.id).await.unwrap(), None);
}
