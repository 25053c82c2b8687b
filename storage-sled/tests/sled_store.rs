//! Focused tests of the sled backend's own guarantees.

use std::sync::Arc;

use agentmart_core::ids::{AgentId, ReviewId, SessionId, UserId};
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

#[tokio::test]
async fn unique_indexes_conflict_and_write_nothing() {
    let (s, u) = store_with_user("alice").await;
    let mut dup_email = user("alice2");
    dup_email.email = u.email.clone();
    assert!(matches!(s.create_user(&dup_email, &audit("x")).await, Err(StorageError::Conflict(ConflictKind::Email))));
    let mut dup_handle = user("bob");
    dup_handle.handle = "alice".parse().unwrap();
    assert!(matches!(s.create_user(&dup_handle, &audit("x")).await, Err(StorageError::Conflict(ConflictKind::Handle))));
    // Nothing of the failed users was written.
    assert!(s.find_user_by_email(&"bob@example.com".parse().unwrap()).await.unwrap().is_none());
    assert!(s.get_user(dup_handle.id).await.unwrap().is_none());

    // Handle change frees the old handle.
    let b = user("bob");
    s.create_user(&b, &audit("x")).await.unwrap();
    let patch = ProfileChange { handle: Some("alice".parse().unwrap()), ..Default::default() };
    assert!(matches!(
        s.update_profile(b.id, &patch, t0(), &audit("x")).await,
        Err(StorageError::Conflict(ConflictKind::Handle))
    ));
    let patch =
        ProfileChange { handle: Some("robert".parse().unwrap()), bio: Some(Some("hi".into())), ..Default::default() };
    let updated = s.update_profile(b.id, &patch, t0(), &audit("x")).await.unwrap();
    assert_eq!(updated.bio.as_deref(), Some("hi"));
    assert!(s.find_user_by_handle(&"bob".parse().unwrap()).await.unwrap().is_none());
    assert_eq!(s.find_user_by_handle(&"robert".parse().unwrap()).await.unwrap().unwrap().id, b.id);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_token_is_redeemed_exactly_once_under_concurrency() {
    let (s, u) = store_with_user("carol").await;
    let sess = session(u.id);
    let first = TokenHash([1; 32]);
    s.create_session(&sess, &first, &audit("session.created")).await.unwrap();
    let auth = s.session_auth(sess.id).await.unwrap().unwrap();
    assert_eq!((auth.user_id, auth.role, auth.user_disabled, auth.revoked_at), (u.id, Role::User, false, None));

    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for i in 0..16u8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let req = RedeemRefresh {
                presented: TokenHash([1; 32]),
                replacement: TokenHash([100 + i; 32]),
                now: t0() + Duration::minutes(1),
                rotated_audit: audit("session.refreshed"),
                reuse_audit: audit("session.reuse_detected"),
            };
            s.redeem_refresh_token(&req).await.unwrap()
        }));
    }
    let mut rotated = 0;
    let mut reused = 0;
    for t in tasks {
        match t.await.unwrap() {
            RedeemOutcome::Rotated(_) => rotated += 1,
            RedeemOutcome::Reused(_) => reused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((rotated, reused), (1, 15));
    // Reuse revoked the session.
    assert!(s.session_auth(sess.id).await.unwrap().unwrap().revoked_at.is_some());
    let reuse = AuditFilter { action: Some("session.reuse_detected".into()), ..Default::default() };
    let records = s.list_audit(&reuse, None, 100).await.unwrap();
    assert_eq!(records.len(), 15);
    assert!(records.iter().all(|r| r.subject == Some(u.id)));
}

#[tokio::test]
async fn password_change_ends_other_sessions_and_disable_hides_user() {
    let (s, u) = store_with_user("dave").await;
    let keep = session(u.id);
    let other = session(u.id);
    s.create_session(&keep, &TokenHash([2; 32]), &audit("x")).await.unwrap();
    s.create_session(&other, &TokenHash([3; 32]), &audit("x")).await.unwrap();
    assert_eq!(s.list_active_sessions(u.id, t0()).await.unwrap().len(), 2);
    s.set_password_hash(u.id, "new", EndSessions::AllExcept(keep.id), t0(), &audit("x")).await.unwrap();
    assert!(s.get_session(keep.id).await.unwrap().unwrap().revoked_at.is_none());
    assert!(s.get_session(other.id).await.unwrap().unwrap().revoked_at.is_some());
    assert_eq!(s.get_user(u.id).await.unwrap().unwrap().password_hash.as_deref(), Some("new"));

    let disabled = s.set_disabled(u.id, true, t0(), &audit("x")).await.unwrap();
    assert!(disabled.disabled);
    let auth = s.session_auth(keep.id).await.unwrap().unwrap();
    assert!(auth.user_disabled && auth.revoked_at.is_some());
    let admin = s.set_role(u.id, Role::Admin, t0(), &audit("x")).await.unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(s.session_auth(keep.id).await.unwrap().unwrap().role, Role::Admin);
}

#[tokio::test]
async fn one_time_tokens_replace_earlier_ones_and_are_single_use() {
    let (s, u) = store_with_user("erin").await;
    let token = |b: u8, kind| OneTimeToken {
        hash: TokenHash([b; 32]),
        kind,
        user_id: u.id,
        email: u.email.clone(),
        created_at: t0(),
        expires_at: t0() + Duration::hours(1),
    };
    s.put_one_time_token(&token(5, OneTimeTokenKind::PasswordReset), &audit("x")).await.unwrap();
    s.put_one_time_token(&token(6, OneTimeTokenKind::PasswordReset), &audit("x")).await.unwrap();
    s.put_one_time_token(&token(7, OneTimeTokenKind::EmailVerification), &audit("x")).await.unwrap();
    assert_eq!(s.count_one_time_tokens(u.id, OneTimeTokenKind::PasswordReset).await.unwrap(), 1);
    let a = audit("user.password_reset");
    assert_eq!(s.reset_password_with_token(&TokenHash([5; 32]), "h", t0(), &a).await.unwrap(), ConsumeOutcome::Unknown);
    assert!(matches!(
        s.reset_password_with_token(&TokenHash([6; 32]), "h", t0(), &a).await.unwrap(),
        ConsumeOutcome::Applied(_)
    ));
    assert_eq!(s.reset_password_with_token(&TokenHash([6; 32]), "h", t0(), &a).await.unwrap(), ConsumeOutcome::Unknown);
    let late = t0() + Duration::hours(2);
    assert_eq!(s.verify_email_with_token(&TokenHash([7; 32]), late, &a).await.unwrap(), ConsumeOutcome::Expired);
    assert_eq!(s.count_one_time_tokens(u.id, OneTimeTokenKind::EmailVerification).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn install_count_equals_installed_set_under_concurrency() {
    let (s, owner) = store_with_user("owner").await;
    let agent = publish(&s, owner.id, "bot", def("Bot", "does things"), t0()).await;
    let s = Arc::new(s);
    let users: Vec<UserId> = (0..8).map(|_| UserId::new()).collect();
    let mut tasks = Vec::new();
    for task in 0..32usize {
        let s = s.clone();
        let users = users.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..20usize {
                let u = users[(task + round) % users.len()];
                if (task + round) % 3 == 0 {
                    s.uninstall(u, agent.id, &audit("agent.uninstalled")).await.unwrap();
                } else {
                    s.install(u, agent.id, None, t0(), &audit("agent.installed")).await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut installed = 0;
    for u in &users {
        if s.get_install(*u, agent.id).await.unwrap().is_some() {
            installed += 1;
        }
    }
    assert_eq!(s.get_stats(agent.id).await.unwrap().install_count, installed);
    // The popular index moved with the count.
    let page = s.list_catalog(&query(CatalogSort::Popular, 10)).await.unwrap();
    assert_eq!(page.entries[0].1.value, SortValue::Installs(installed));
}

#[tokio::test]
async fn ratings_keep_the_aggregate_and_review_orders() {
    let (s, owner) = store_with_user("owner").await;
    let agent = publish(&s, owner.id, "bot", def("Bot", "x"), t0()).await;
    let mut reviews = Vec::new();
    for (i, stars) in [5u8, 3, 4, 3].into_iter().enumerate() {
        let r = Review {
            id: ReviewId::new(),
            agent_id: agent.id,
            user_id: UserId::new(),
            stars: Stars::new(stars).unwrap(),
            title: None,
            body: None,
            version: None,
            created_at: t0(),
            updated_at: t0() + Duration::minutes(i as i64),
        };
        assert!(s.upsert_rating(&r, &audit("rating.upserted")).await.unwrap().created);
        reviews.push(r);
    }
    // Upsert keeps id and created_at.
    let mut again = reviews[1].clone();
    again.id = ReviewId::new();
    again.stars = Stars::new(1).unwrap();
    again.updated_at = t0() + Duration::hours(1);
    let out = s.upsert_rating(&again, &audit("rating.upserted")).await.unwrap();
    assert!(!out.created);
    assert_eq!(out.review.id, reviews[1].id);
    let st = s.get_stats(agent.id).await.unwrap();
    assert_eq!((st.rating_count, st.rating_sum, st.histogram), (4, 13, [1, 0, 1, 1, 1]));

    let newest = s.list_reviews(agent.id, ReviewSort::Newest, None, 10).await.unwrap();
    assert_eq!(newest[0].id, reviews[1].id);
    let stars = s.list_reviews(agent.id, ReviewSort::Stars, None, 1).await.unwrap();
    assert_eq!(stars.len(), 2, "limit + 1 items");
    assert_eq!(stars[0].stars, 5);
    let rest = s.list_reviews(agent.id, ReviewSort::Stars, Some(ReviewKey::of(&stars[0])), 10).await.unwrap();
    assert_eq!(rest.iter().map(|r| r.stars).collect::<Vec<_>>(), [4, 3, 1]);

    assert!(s.delete_rating(reviews[0].user_id, agent.id, &audit("rating.deleted")).await.unwrap());
    assert!(!s.delete_rating(reviews[0].user_id, agent.id, &audit("rating.deleted")).await.unwrap());
    assert!(s.delete_review(reviews[2].id, &audit("rating.removed_by_admin")).await.unwrap());
    let st = s.get_stats(agent.id).await.unwrap();
    assert_eq!((st.rating_count, st.rating_sum, st.histogram), (2, 4, [1, 0, 1, 0, 0]));
}

#[tokio::test]
async fn publish_is_compare_and_set_on_the_latest_version() {
    let (s, owner) = store_with_user("owner").await;
    let agent = publish(&s, owner.id, "bot", def("Bot", "x"), t0()).await;
    assert_eq!(agent.status, AgentStatus::Listed);
    let v = |major| AgentVersion {
        agent_id: agent.id,
        version: semver::Version::new(major, 0, 0),
        definition: def("Bot two", "y"),
        changelog: None,
        published_at: t0() + Duration::hours(1),
        published_by: owner.id,
    };
    let stale = PublishVersion { version: v(2), expected_latest: None, audit: audit("x") };
    assert!(matches!(s.publish_version(&stale).await, Err(StorageError::Conflict(ConflictKind::StaleVersion))));
    let dup = PublishVersion { version: v(1), expected_latest: Some(semver::Version::new(1, 0, 0)), audit: audit("x") };
    assert!(matches!(s.publish_version(&dup).await, Err(StorageError::Conflict(ConflictKind::Version))));
    let ok = PublishVersion { version: v(2), expected_latest: Some(semver::Version::new(1, 0, 0)), audit: audit("x") };
    let a = s.publish_version(&ok).await.unwrap();
    assert_eq!(a.latest_version, Some(semver::Version::new(2, 0, 0)));
    assert_eq!(a.published_at, Some(t0()), "first publish time kept");
    let versions = s.list_versions(agent.id).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.version.major).collect::<Vec<_>>(), [2, 1]);
    // Search follows the new definition.
    let q =
        |w: &str| CatalogQuery { terms: vec![w.into()], sort: CatalogSort::Relevance, limit: 10, ..Default::default() };
    assert_eq!(s.list_catalog(&q("two")).await.unwrap().entries.len(), 1);
    assert_eq!(s.list_catalog(&q("x")).await.unwrap().entries.len(), 0);

    let deleted = s.set_agent_status(agent.id, AgentStatus::Deleted, None, t0(), &audit("x")).await.unwrap();
    assert_eq!(deleted.status, AgentStatus::Deleted);
    assert!(matches!(
        s.set_agent_status(agent.id, AgentStatus::Listed, None, t0(), &audit("x")).await,
        Err(StorageError::Conflict(ConflictKind::AgentDeleted))
    ));
    assert!(s.list_catalog(&q("two")).await.unwrap().entries.is_empty());
    assert!(s.get_catalog_entry(agent.id).await.unwrap().is_none());
}

#[tokio::test]
async fn catalogue_pages_follow_compare_keys_in_every_sort() {
    let (s, owner) = store_with_user("owner").await;
    let mut ids = Vec::new();
    for i in 0..23i64 {
        let name = format!("Agent {}", (b'a' + (i % 7) as u8) as char);
        let a =
            publish(&s, owner.id, &format!("a{i:02}"), def(&name, "common words"), t0() + Duration::hours(i % 5)).await;
        for _ in 0..(i % 4) {
            s.install(UserId::new(), a.id, None, t0(), &audit("x")).await.unwrap();
        }
        if i % 3 == 0 {
            let ev = UsageEvent {
                agent_id: a.id,
                user_id: UserId::new(),
                event: "run".into(),
                units: 1,
                occurred_at: t0() + Duration::hours(i),
            };
            s.record_usage(&ev, agentmart_core::ranking::trending_increment(ev.occurred_at)).await.unwrap();
        }
        if i % 6 == 1 {
            s.set_agent_status(a.id, AgentStatus::Deprecated, Some("old"), t0(), &audit("x")).await.unwrap();
        }
        if i == 22 {
            s.set_agent_status(a.id, AgentStatus::Unlisted, None, t0(), &audit("x")).await.unwrap();
        }
        ids.push(a.id);
    }
    for sort in
        [CatalogSort::Popular, CatalogSort::Rating, CatalogSort::Newest, CatalogSort::Trending, CatalogSort::Name]
    {
        for terms in [vec![], vec!["common".to_string()]] {
            let mut all: Vec<SortKey> = Vec::new();
            let mut q = CatalogQuery { terms, ..query(sort, 5) };
            loop {
                let page = s.list_catalog(&q).await.unwrap();
                for (entry, key) in &page.entries {
                    assert_eq!(*key, agentmart_core::ranking::sort_key(entry, sort, 0.0));
                }
                all.extend(page.entries.iter().map(|e| e.1.clone()));
                if !page.has_more {
                    break;
                }
                q.after = Some(page.entries.last().unwrap().1.clone());
            }
            assert_eq!(all.len(), 22, "{sort:?}: unlisted agent excluded");
            for w in all.windows(2) {
                assert_eq!(compare_keys(&w[0], &w[1]), std::cmp::Ordering::Less, "{sort:?}");
            }
            assert!(all.last().unwrap().deprecated, "deprecated last");
        }
    }
    // Filters.
    let mine = CatalogQuery { owner: Some(owner.id), ..query(CatalogSort::Name, 100) };
    assert_eq!(s.list_catalog(&mine).await.unwrap().entries.len(), 22);
    let none = CatalogQuery { owner: Some(UserId::new()), ..query(CatalogSort::Name, 100) };
    assert!(s.list_catalog(&none).await.unwrap().entries.is_empty());
    // The unlisted one is still reachable by id.
    assert!(s.get_catalog_entry(ids[22]).await.unwrap().is_some());
}

#[tokio::test]
async fn search_requires_every_term_and_ranks_by_weight() {
    let (s, owner) = store_with_user("owner").await;
    let a = publish(&s, owner.id, "sql", def("SQL helper", "turns questions into sql"), t0()).await;
    let b = publish(&s, owner.id, "json", def("JSON tool", "helper for sql and json"), t0()).await;
    let _c = publish(&s, owner.id, "misc", def("Misc", "nothing relevant"), t0()).await;
    let q = |words: &[&str]| CatalogQuery {
        terms: words.iter().map(|w| w.to_string()).collect(),
        sort: CatalogSort::Relevance,
        limit: 10,
        ..Default::default()
    };
    let page = s.list_catalog(&q(&["sql"])).await.unwrap();
    assert_eq!(page.entries.iter().map(|e| e.0.agent.id).collect::<Vec<_>>(), [a.id, b.id]);
    let page = s.list_catalog(&q(&["sql", "json"])).await.unwrap();
    assert_eq!(page.entries.iter().map(|e| e.0.agent.id).collect::<Vec<_>>(), [b.id]);
    assert!(s.list_catalog(&q(&["sql", "absent"])).await.unwrap().entries.is_empty());
}

#[tokio::test]
async fn delete_user_cascades_in_one_go() {
    let (s, owner) = store_with_user("owner").await;
    let other = user("fan");
    s.create_user(&other, &audit("x")).await.unwrap();
    let mine = publish(&s, owner.id, "mine", def("Mine", "x"), t0()).await;
    let theirs = publish(&s, other.id, "theirs", def("Theirs", "x"), t0()).await;
    s.install(owner.id, theirs.id, None, t0(), &audit("x")).await.unwrap();
    s.install(other.id, mine.id, None, t0(), &audit("x")).await.unwrap();
    let review = Review {
        id: ReviewId::new(),
        agent_id: theirs.id,
        user_id: owner.id,
        stars: Stars::new(4).unwrap(),
        title: None,
        body: None,
        version: None,
        created_at: t0(),
        updated_at: t0(),
    };
    s.upsert_rating(&review, &audit("x")).await.unwrap();
    let sess = session(owner.id);
    s.create_session(&sess, &TokenHash([9; 32]), &audit("x")).await.unwrap();

    s.delete_user(owner.id, t0(), &audit("user.deleted").subject(owner.id)).await.unwrap();
    assert!(s.get_user(owner.id).await.unwrap().is_none());
    assert!(s.find_user_by_email(&"owner@example.com".parse().unwrap()).await.unwrap().is_none());
    assert!(s.session_auth(sess.id).await.unwrap().is_none());
    assert!(s.get_session(sess.id).await.unwrap().unwrap().revoked_at.is_some());
    let st = s.get_stats(theirs.id).await.unwrap();
    assert_eq!((st.install_count, st.rating_count), (0, 0));
    assert_eq!(s.get_agent(mine.id).await.unwrap().unwrap().status, AgentStatus::Deleted);
    let page = s.list_catalog(&query(CatalogSort::Name, 10)).await.unwrap();
    assert_eq!(page.entries.iter().map(|e| e.0.agent.id).collect::<Vec<_>>(), [theirs.id]);
    // The email is free again.
    s.create_user(&user("owner"), &audit("x")).await.unwrap();
    let mine_audit = AuditFilter { subject: Some(owner.id), ..Default::default() };
    assert_eq!(s.list_audit(&mine_audit, None, 10).await.unwrap()[0].action, "user.deleted");
}

#[tokio::test]
async fn usage_buckets_and_user_installs_paginate() {
    let (s, u) = store_with_user("user").await;
    let agent = AgentId::new();
    for (h, who) in [(0, u.id), (1, u.id), (30, UserId::new())] {
        let ev = UsageEvent {
            agent_id: agent,
            user_id: who,
            event: "run".into(),
            units: 10,
            occurred_at: t0() + Duration::hours(h),
        };
        s.record_usage(&ev, 1.0).await.unwrap();
    }
    let days = s.usage_by_day(agent, t0().date_naive(), t0().date_naive() + Duration::days(5)).await.unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!((days[0].events, days[0].units, days[0].users), (2, 20, 1));
    assert_eq!(days[1].date, (t0() + Duration::hours(30)).date_naive());
    assert_eq!(s.get_stats(agent).await.unwrap().usage_events, 3);

    let agents: Vec<AgentId> = (0..5).map(|_| AgentId::new()).collect();
    for (i, a) in agents.iter().enumerate() {
        s.install(u.id, *a, None, t0() + Duration::minutes(i as i64 % 2), &audit("x")).await.unwrap();
    }
    let first = s.list_user_installs(u.id, None, 2).await.unwrap();
    assert_eq!(first.len(), 3);
    let mut seen: Vec<Install> = first[..2].to_vec();
    let last = &seen[1];
    let rest = s.list_user_installs(u.id, Some((last.installed_at, last.agent_id)), 10).await.unwrap();
    seen.extend(rest);
    assert_eq!(seen.len(), 5);
    for w in seen.windows(2) {
        assert!(
            (w[0].installed_at, std::cmp::Reverse(w[0].agent_id))
                > (w[1].installed_at, std::cmp::Reverse(w[1].agent_id))
        );
    }
}

#[tokio::test]
async fn throttle_counters_restart_after_the_window() {
    let s = SledStore::temporary().unwrap();
    let w = Duration::minutes(15);
    assert_eq!(s.hit_counter("k", t0(), w).await.unwrap().count, 1);
    assert_eq!(s.hit_counter("k", t0() + Duration::minutes(1), w).await.unwrap().count, 2);
    let c = s.hit_counter("k", t0() + Duration::minutes(15), w).await.unwrap();
    assert_eq!((c.count, c.window_started_at), (1, t0() + Duration::minutes(15)));
    s.clear_counter("k").await.unwrap();
    assert!(s.get_counter("k").await.unwrap().is_none());
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

#[tokio::test]
async fn filters_select_exact_facet_values() {
    let (s, owner) = store_with_user("owner").await;
    let other = user("other");
    s.create_user(&other, &audit("x")).await.unwrap();
    let mut d1 = def("Writer", "writes text");
    d1.category = Some("writing".into());
    d1.tags = vec!["prose".into(), "poetry".into()];
    let mut d2 = def("Coder", "writes code");
    d2.category = Some("coding".into());
    d2.tags = vec!["pro".into()];
    d2.output_modes = vec!["application/json".into()];
    let a1 = publish(&s, owner.id, "writer", d1, t0()).await;
    let a2 = publish(&s, other.id, "coder", d2, t0()).await;
    let ids = |page: CatalogPage| page.entries.into_iter().map(|e| e.0.agent.id).collect::<Vec<_>>();
    let q = |f: &dyn Fn(&mut CatalogQuery)| {
        let mut q = query(CatalogSort::Name, 10);
        f(&mut q);
        q
    };
    assert_eq!(ids(s.list_catalog(&q(&|q| q.category = Some("writing".into()))).await.unwrap()), [a1.id]);
    assert_eq!(ids(s.list_catalog(&q(&|q| q.tag = Some("pro".into()))).await.unwrap()), [a2.id]);
    assert_eq!(ids(s.list_catalog(&q(&|q| q.owner = Some(owner.id))).await.unwrap()), [a1.id]);
    let json = q(&|q| q.output_mode = Some("application/json".into()));
    assert_eq!(ids(s.list_catalog(&json).await.unwrap()), [a2.id]);
    let text_in = q(&|q| q.input_mode = Some("text/plain".into()));
    assert_eq!(ids(s.list_catalog(&text_in).await.unwrap()), [a2.id, a1.id]);
    let both = q(&|q| {
        q.terms = vec!["writes".into()];
        q.category = Some("coding".into());
        q.sort = CatalogSort::Relevance;
    });
    assert_eq!(ids(s.list_catalog(&both).await.unwrap()), [a2.id]);
    let none = q(&|q| {
        q.category = Some("coding".into());
        q.tag = Some("prose".into());
    });
    assert!(s.list_catalog(&none).await.unwrap().entries.is_empty());
    // Unlisting removes the facets; listing again restores them.
    s.set_agent_status(a1.id, AgentStatus::Unlisted, None, t0(), &audit("x")).await.unwrap();
    assert!(s.list_catalog(&q(&|q| q.tag = Some("prose".into()))).await.unwrap().entries.is_empty());
    s.set_agent_status(a1.id, AgentStatus::Listed, None, t0(), &audit("x")).await.unwrap();
    assert_eq!(ids(s.list_catalog(&q(&|q| q.tag = Some("prose".into()))).await.unwrap()), [a1.id]);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delete_user_racing_installs_keeps_counts_exact() {
    let (s, owner) = store_with_user("owner").await;
    let victim = user("victim");
    s.create_user(&victim, &audit("x")).await.unwrap();
    let mut agents = Vec::new();
    for i in 0..4 {
        agents.push(publish(&s, owner.id, &format!("a{i}"), def("Bot", "x"), t0()).await.id);
    }
    let others: Vec<UserId> = (0..3).map(|_| UserId::new()).collect();
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for t in 0..8usize {
        let (s, agents, others) = (s.clone(), agents.clone(), others.clone());
        let victim = victim.id;
        tasks.push(tokio::spawn(async move {
            for r in 0..25usize {
                let who = if (t + r) % 2 == 0 { victim } else { others[(t + r) % others.len()] };
                let agent = agents[(t * 7 + r) % agents.len()];
                if r % 4 == 3 {
                    s.uninstall(who, agent, &audit("x")).await.unwrap();
                } else {
                    s.install(who, agent, None, t0(), &audit("x")).await.unwrap();
                }
            }
        }));
    }
    tokio::task::yield_now().await;
    s.delete_user(victim.id, t0(), &audit("user.deleted")).await.unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    for agent in &agents {
        let mut n = 0;
        for u in others.iter().chain([&victim.id]) {
            n += u64::from(s.get_install(*u, *agent).await.unwrap().is_some());
        }
        assert_eq!(s.get_stats(*agent).await.unwrap().install_count, n);
    }
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
