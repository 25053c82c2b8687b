//! Scale-out: two independent `Agentmart` instances, each with its own
//! `SqlxStore` pool (as two servers would have), over ONE fresh PostgreSQL
//! schema at `DATABASE_URL`, same `Config` (JWT secret) and one shared clock.
//! Both are hammered concurrently through the services, and the invariants
//! must hold across them: install counts, rating aggregates, single-use
//! refresh tokens and login throttling.
//!
//! Without a reachable PostgreSQL: a failure when `CI=true`, otherwise a loud
//! SKIP (see `common::postgres_url`).
#![cfg(feature = "postgres")]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use agentmart_core::agents::{CreateAgent, PublishRequest};
use agentmart_core::auth::{LoginRequest, RegisterRequest, Registered};
use agentmart_core::market::{InstallRequest, RateRequest};
use agentmart_core::storage::ReviewSort;
use agentmart_core::{
    AgentDefinition, AgentId, AgentRef, Agentmart, ClientInfo, Config, Error, ManualClock, Principal,
};
use agentmart_storage_sqlx::{SqlxOptions, SqlxStore};
use chrono::{TimeZone, Utc};

/// Two servers over one database.
struct Cluster {
    a: Agentmart,
    b: Agentmart,
    clock: Arc<ManualClock>,
}

impl Cluster {
    /// Instance `i % 2`.
    fn node(&self, i: usize) -> &Agentmart {
        if i.is_multiple_of(2) { &self.a } else { &self.b }
    }
}

/// A fresh schema with two instances over it, or `None` when PostgreSQL is
/// skipped. The first store drops the schema when the cluster is dropped.
async fn cluster() -> Option<Cluster> {
    let url = common::postgres_url().await?;
    let first = common::postgres_store_at(&url).await;
    let schema = first.options().postgres_schema.clone();
    assert!(schema.is_some(), "the test store lives in its own schema");
    let options = SqlxOptions { postgres_schema: schema, max_connections: 8, ..SqlxOptions::default() };
    let second = SqlxStore::connect(&url, options).await.expect("second pool over the same schema");
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap()));
    let build = |store: SqlxStore| {
        Agentmart::builder(Arc::new(store), Config::for_tests()).clock(clock.clone()).build().expect("instance")
    };
    let b = build(second);
    let a = build(first);
    Some(Cluster { a, b, clock })
}

fn client(ip: &str) -> ClientInfo {
    ClientInfo::from_ip(ip)
}

const PASSWORD: &str = "a long and unusual passphrase";

/// Registers `handle` through instance `node`.
async fn register(mart: &Agentmart, handle: &str) -> Registered {
    let request = RegisterRequest {
        email: format!("{handle}@example.com"),
        password: PASSWORD.into(),
        handle: Some(handle.into()),
        display_name: None,
    };
    mart.auth().register(request, &client("198.51.100.1")).await.expect("register")
}

/// Registers `handle` on one instance and authenticates its token on the other
/// (tokens of one instance are valid on every instance).
async fn user(cluster: &Cluster, i: usize, handle: &str) -> Principal {
    let registered = register(cluster.node(i), handle).await;
    cluster.node(i + 1).auth().authenticate(&registered.tokens.access_token).await.expect("authenticate elsewhere")
}

/// An owner publishes `owner/slug` v1.0.0 through instance A.
async fn published_agent(cluster: &Cluster, owner: &str, slug: &str) -> (AgentRef, AgentId) {
    let principal = user(cluster, 0, owner).await;
    let definition = AgentDefinition {
        name: format!("Shared {slug}"),
        tagline: "Used from every server".into(),
        description: "An agent installed and rated through two instances at once.".into(),
        system_prompt: "Be helpful.".into(),
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["text/plain".into()],
        category: Some("development".into()),
        ..Default::default()
    };
    let agents = cluster.a.agents();
    agents.create(&principal, CreateAgent { slug: slug.into(), definition }).await.expect("create agent");
    let agent = AgentRef::new(owner, slug);
    let version = PublishRequest { version: "1.0.0".into(), changelog: None };
    agents.publish(&principal, &agent, version).await.expect("publish");
    let id = cluster.b.market().detail(None, &agent).await.expect("visible on B").id;
    (agent, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn installs_from_both_instances_keep_install_count_equal_to_installed_set() {
    let Some(cluster) = cluster().await else { return };
    let cluster = Arc::new(cluster);
    let (agent, agent_id) = published_agent(&cluster, "owner", "hot").await;
    let mut users = Vec::new();
    for u in 0..12 {
        users.push(user(&cluster, u, &format!("installer{u}")).await);
    }
    // Every user is driven by two tasks at once, one per instance, running the
    // same install/uninstall sequence: whichever finishes last performs the
    // last step, so each user's final state is known.
    const ROUNDS: usize = 8;
    let wants_installed = |u: usize, round: usize| !(u + round).is_multiple_of(3);
    let mut tasks = Vec::new();
    for (u, principal) in users.iter().enumerate() {
        for node in 0..2 {
            let (cluster, principal, agent) = (cluster.clone(), principal.clone(), agent.clone());
            tasks.push(tokio::spawn(async move {
                let market = cluster.node(node).market();
                for round in 0..ROUNDS {
                    if wants_installed(u, round) {
                        market.install(&principal, &agent, InstallRequest::default()).await.expect("install");
                    } else {
                        market.uninstall(&principal, &agent).await.expect("uninstall");
                    }
                }
            }));
        }
    }
    for task in tasks {
        task.await.expect("task");
    }
    let mut expected = 0u64;
    for (u, principal) in users.iter().enumerate() {
        let want = wants_installed(u, ROUNDS - 1);
        expected += u64::from(want);
        let stored = cluster.a.store().get_install(principal.user_id, agent_id).await.expect("get install");
        assert_eq!(stored.is_some(), want, "user {u}: final install state");
        let seen_by_b = cluster.b.market().detail(Some(principal), &agent).await.expect("detail").installed;
        assert_eq!(seen_by_b, Some(want), "user {u}: `installed` as instance B reports it");
    }
    assert!(expected > 0 && expected < users.len() as u64, "the workload leaves a mixed set");
    for mart in [&cluster.a, &cluster.b] {
        assert_eq!(mart.store().get_stats(agent_id).await.expect("stats").install_count, expected);
        assert_eq!(mart.market().detail(None, &agent).await.expect("detail").install_count, expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ratings_from_both_instances_keep_the_aggregate_equal_to_the_reviews() {
    let Some(cluster) = cluster().await else { return };
    let cluster = Arc::new(cluster);
    let (agent, agent_id) = published_agent(&cluster, "rated-owner", "rated").await;
    let mut users = Vec::new();
    for u in 0..10 {
        let principal = user(&cluster, u, &format!("rater{u}")).await;
        cluster.node(u).market().install(&principal, &agent, InstallRequest::default()).await.expect("install");
        users.push(principal);
    }
    // Two tasks per user (one per instance) rate and re-rate with different
    // stars at once; some users also delete their rating along the way.
    let mut tasks = Vec::new();
    for (u, principal) in users.iter().enumerate() {
        for node in 0..2usize {
            let (cluster, principal, agent) = (cluster.clone(), principal.clone(), agent.clone());
            tasks.push(tokio::spawn(async move {
                let market = cluster.node(node).market();
                for round in 0..6usize {
                    if u % 4 == 3 && round % 3 == 2 {
                        market.delete_rating(&principal, &agent).await.expect("delete rating");
                    } else {
                        let stars = ((u + node * 2 + round) % 5 + 1) as u8;
                        let request = RateRequest { stars, title: Some(format!("round {round}")), body: None };
                        market.rate(&principal, &agent, request).await.expect("rate");
                    }
                }
            }));
        }
    }
    for task in tasks {
        task.await.expect("task");
    }
    let reviews = cluster.b.store().list_reviews(agent_id, ReviewSort::Newest, None, 1000).await.expect("reviews");
    let mut per_user = BTreeMap::new();
    let mut histogram = [0u64; 5];
    for review in &reviews {
        assert!(per_user.insert(review.user_id, review.stars).is_none(), "one review per user");
        histogram[usize::from(review.stars) - 1] += 1;
    }
    let sum: u64 = reviews.iter().map(|r| u64::from(r.stars)).sum();
    // Users who never delete end rated; the others' last step (round 5) is a
    // delete, whichever instance performs it last.
    let expected: Vec<_> = users.iter().enumerate().filter(|(u, _)| u % 4 != 3).map(|(_, p)| p.user_id).collect();
    assert_eq!(per_user.keys().copied().collect::<Vec<_>>(), {
        let mut sorted = expected.clone();
        sorted.sort();
        sorted
    });
    for mart in [&cluster.a, &cluster.b] {
        let stats = mart.store().get_stats(agent_id).await.expect("stats");
        assert_eq!(stats.rating_count, reviews.len() as u64);
        assert_eq!(stats.rating_sum, sum);
        assert_eq!(stats.histogram, histogram);
        let detail = mart.market().detail(None, &agent).await.expect("detail");
        assert_eq!(detail.rating.count, reviews.len() as u64);
        assert_eq!(detail.rating.histogram, histogram);
        assert!((detail.rating.mean - sum as f64 / reviews.len() as f64).abs() < 1e-9);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_refresh_token_redeemed_from_both_instances_at_once_succeeds_exactly_once() {
    let Some(cluster) = cluster().await else { return };
    let cluster = Arc::new(cluster);
    let registered = register(&cluster.a, "refresher").await;
    let principal = cluster.b.auth().authenticate(&registered.tokens.access_token).await.expect("authenticate");
    let session = principal.session_id.expect("a session");

    let mut tasks = Vec::new();
    for i in 0..8usize {
        let (cluster, token) = (cluster.clone(), registered.tokens.refresh_token.clone());
        tasks.push(tokio::spawn(async move {
            cluster.node(i).auth().refresh(&token, &ClientInfo::from_ip("198.51.100.2")).await
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(pair) => winners.push(pair),
            Err(Error::TokenReused) | Err(Error::TokenInvalid) => {}
            Err(other) => panic!("unexpected refresh error: {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one concurrent refresh succeeds");
    // The losers presented a superseded token: reuse detection revoked the session.
    let stored = cluster.a.store().get_session(session).await.expect("get session").expect("session exists");
    assert!(stored.revoked_at.is_some(), "the session is revoked after the concurrent reuse");
    for mart in [&cluster.a, &cluster.b] {
        let again = mart.auth().refresh(&winners[0].refresh_token, &client("198.51.100.2")).await;
        assert!(again.is_err(), "the winner's new refresh token is dead too: {again:?}");
        assert!(mart.auth().authenticate(&winners[0].access_token).await.is_err(), "access token of a revoked session");
        assert!(mart.auth().authenticate(&registered.tokens.access_token).await.is_err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn login_failures_through_both_instances_add_up_and_back_off_on_both() {
    let Some(cluster) = cluster().await else { return };
    let cluster = Arc::new(cluster);
    let limit = Config::for_tests().throttle.per_client_failures as usize;
    assert!((2..20).contains(&limit), "test assumes a small per-client limit");
    register(&cluster.a, "victim").await;
    let wrong = || LoginRequest { email: "victim@example.com".into(), password: "not the password".into() };
    let right = || LoginRequest { email: "victim@example.com".into(), password: PASSWORD.into() };

    // Sequential failures, alternating instances: the limit trips after
    // `limit` failures in total, not per instance.
    let attacker = client("203.0.113.9");
    for i in 0..limit {
        let answer = cluster.node(i).auth().login(wrong(), &attacker).await;
        assert!(matches!(answer, Err(Error::InvalidCredentials)), "failure {i}: {answer:?}");
    }
    for mart in [&cluster.a, &cluster.b] {
        let err = mart.auth().login(right(), &attacker).await.expect_err("throttled, even with the right password");
        assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
        assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));
    }
    // Another client is not affected.
    cluster.b.auth().login(right(), &client("203.0.113.77")).await.expect("other client logs in");

    // The back-off ends on both instances at once; the next failure (on B)
    // doubles it for A as well.
    cluster.clock.advance(chrono::Duration::seconds(1));
    let answer = cluster.b.auth().login(wrong(), &attacker).await;
    assert!(matches!(answer, Err(Error::InvalidCredentials)), "{answer:?}");
    for mart in [&cluster.a, &cluster.b] {
        let err = mart.auth().login(wrong(), &attacker).await.expect_err("throttled again");
        assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(2)), "{err:?}");
    }
    cluster.clock.advance(chrono::Duration::seconds(2));
    cluster.a.auth().login(right(), &attacker).await.expect("the right password after the back-off");

    // A concurrent burst from one client through both instances: every
    // failure answered is counted in the one shared counter,
    // exactly `limit` reach the password check (attempts are reserved before
    // the hash), and the rest are refused.
    let burst_client = "203.0.113.50";
    let mut tasks = Vec::new();
    for i in 0..16usize {
        let cluster = cluster.clone();
        tasks.push(tokio::spawn(async move { cluster.node(i).auth().login(wrong(), &client(burst_client)).await }));
    }
    let (mut failed, mut limited) = (0u32, 0u32);
    for task in tasks {
        match task.await.expect("task") {
            Err(Error::InvalidCredentials) => failed += 1,
            Err(Error::RateLimited { .. }) => limited += 1,
            other => panic!("unexpected answer in the burst: {other:?}"),
        }
    }
    assert_eq!(failed + limited, 16);
    assert_eq!(failed as usize, limit, "exactly the budget of {limit} checks through both instances");
    let victim = cluster
        .a
        .store()
        .find_user_by_email(&"victim@example.com".parse().unwrap())
        .await
        .expect("find")
        .expect("victim");
    let key = format!("login:acct:{}:client:{burst_client}", victim.id);
    let counter = cluster.b.store().get_counter(&key).await.expect("counter").expect("failures were counted");
    assert_eq!(counter.count, failed, "every failure from either instance is in the shared counter");
    for mart in [&cluster.a, &cluster.b] {
        let err = mart.auth().login(right(), &client(burst_client)).await.expect_err("burst client is throttled");
        assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
        assert!(err.retry_after().is_some_and(|wait| wait.as_secs() >= 1));
    }
}
