//! The eight invariants of ARCHITECTURE.md ("Invariants every backend
//! keeps"), hammered concurrently through the public services on a
//! multi-thread runtime.
//!
//! Each test asks [`store_under_test`] at the crate root for its store: this
//! file runs them on the in-memory reference store, and
//! `storage-sled/tests/invariants.rs` includes this file as a module (with
//! `#[path]`) and supplies its own `store_under_test`, so the same scenarios
//! run on sled. Keep this file free of dependencies that crate lacks (it has
//! `agentmart-core`, `chrono`, `semver`, `serde_json` and `tokio`, not `futures`).
//!
//! Invariant 6 (no secret stored in clear) needs the backend's files, so it
//! lives in the sled test file only.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use agentmart_core::agents::{CreateAgent, DraftPatch, PublishRequest, VersionView};
use agentmart_core::auth::{ExternalIdentity, RegisterRequest};
use agentmart_core::market::{InstallRequest, ListReviews, RateRequest, ReviewView, UsageQuery, UsageRequest};
use agentmart_core::storage::Store;
use agentmart_core::testing::MemoryStore;
use agentmart_core::{
    AgentDefinition, AgentId, AgentRef, Agentmart, AuditFilter, ClientInfo, Config, ErrorCode, ManualClock,
    MemoryNotifier, PageRequest, Principal, Role, UserId, actions,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use tokio::task::JoinSet;

/// The store the scenarios run on (the in-memory reference store here).
#[allow(dead_code)] // unused where another crate includes this file with its own store
fn store_under_test() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

/// A running instance with a manual clock and an in-memory outbox.
struct World {
    mart: Agentmart,
    clock: ManualClock,
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 20, 15, 30, 0).unwrap()
}

fn world() -> World {
    let clock = ManualClock::new(t0());
    let mart = Agentmart::builder(crate::store_under_test(), Config::for_tests())
        .clock(Arc::new(clock.clone()))
        .notifier(Arc::new(MemoryNotifier::new()))
        .build()
        .unwrap();
    World { mart, clock }
}

fn client() -> ClientInfo {
    ClientInfo::from_ip("198.51.100.23")
}

fn definition(name: &str) -> AgentDefinition {
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

fn code<T: std::fmt::Debug>(result: agentmart_core::Result<T>) -> ErrorCode {
    result.expect_err("expected an error").code()
}

/// Runs every future of `tasks` on the runtime's worker threads at once and
/// returns their answers in task order.
async fn run_all<T, F>(tasks: Vec<F>) -> Vec<T>
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
    async fn user(&self, name: &str) -> Principal {
        self.mart
            .auth()
            .principal_for_external(ExternalIdentity {
                external_id: format!("ext-{name}"),
                handle: Some(name.into()),
                display_name: None,
                email: Some(format!("{name}@example.com")),
            })
            .await
            .unwrap()
    }

    async fn users(&self, prefix: &str, n: usize) -> Vec<Principal> {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            out.push(self.user(&format!("{prefix}{i}")).await);
        }
        out
    }

    /// An administrator, appointed the way a host does it.
    async fn admin(&self) -> Principal {
        let p = self.user("root-admin").await;
        self.mart.admin().set_role_by_email("Root-Admin@Example.com", Role::Admin).await.unwrap();
        let p = self.mart.auth().principal_for_user(p.user_id).await.unwrap();
        assert_eq!(p.role, Role::Admin);
        p
    }

    /// A draft agent of `owner` (never published).
    async fn draft(&self, owner: &Principal, slug: &str) -> (AgentId, AgentRef) {
        let view = self
            .mart
            .agents()
            .create(owner, CreateAgent { slug: slug.into(), definition: definition(slug) })
            .await
            .unwrap();
        (view.id, AgentRef::new(view.owner, view.slug))
    }

    /// An agent of `owner` with version 1.0.0 published.
    async fn published(&self, owner: &Principal, slug: &str) -> (AgentId, AgentRef) {
        let (id, path) = self.draft(owner, slug).await;
        self.mart
            .agents()
            .publish(owner, &path, PublishRequest { version: "1.0.0".into(), changelog: None })
            .await
            .unwrap();
        (id, path)
    }

    /// Whether `agent` is among the installs `user` sees (all pages).
    async fn has_installed(&self, user: &Principal, agent: AgentId) -> bool {
        let mut cursor = None;
        loop {
            let page = self
                .mart
                .market()
                .my_installs(user, PageRequest { limit: Some(7), cursor: cursor.take() })
                .await
                .unwrap();
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
    async fn all_reviews(&self, agent: &AgentRef) -> Vec<ReviewView> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .mart
                .market()
                .reviews(agent, ListReviews { sort: None, limit: Some(5), cursor: cursor.take() })
                .await
                .unwrap();
            out.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return out,
            }
        }
    }

    /// How many audit records match `filter` (all pages, read by an admin).
    async fn audit_count(&self, admin: &Principal, filter: AuditFilter) -> usize {
        let mut total = 0;
        let mut cursor = None;
        loop {
            let page = self
                .mart
                .admin()
                .audit(admin, filter.clone(), PageRequest { limit: Some(100), cursor: cursor.take() })
                .await
                .unwrap();
            total += page.items.len();
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return total,
            }
        }
    }

    /// Asserts the detail's install count equals the number of users who see
    /// the agent among their installs, and returns it.
    async fn check_install_count(&self, users: &[Principal], agent: AgentId, path: &AgentRef) -> u64 {
        let mut installed = 0;
        for user in users {
            if self.has_installed(user, agent).await {
                installed += 1;
            }
        }
        let detail = self.mart.market().detail(None, path).await.unwrap();
        assert_eq!(detail.install_count, installed, "install count vs users who have it installed");
        installed
    }
}

/// A usage event a task will send: when, units, event name.
type PlannedEvent = (DateTime<Utc>, u64, &'static str);

fn action(action: &str) -> AuditFilter {
    AuditFilter { action: Some(action.into()), ..AuditFilter::default() }
}

fn action_about(action: &str, subject: UserId) -> AuditFilter {
    AuditFilter { action: Some(action.into()), subject: Some(subject), ..AuditFilter::default() }
}

// ---------------------------------------------------------------------------
// 1. Install count equals the number of installing users.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn install_count_equals_installing_users_under_concurrency() {
    let w = world();
    let owner = w.user("owner").await;
    let (id, path) = w.published(&owner, "counter").await;
    let users = w.users("fan", 8).await;

    // 32 tasks, four per user, each a different mix of installs and uninstalls.
    let tasks = (0..32)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i % users.len()].clone(), path.clone());
            async move {
                for k in 0..6 {
                    if (i + k) % 3 == 0 {
                        market.uninstall(&user, &path).await.unwrap();
                    } else {
                        market.install(&user, &path, InstallRequest::default()).await.unwrap();
                    }
                    tokio::task::yield_now().await;
                }
            }
        })
        .collect();
    run_all(tasks).await;
    w.check_install_count(&users, id, &path).await;

    // Everyone installs (twice at once): exactly one new install per user.
    let tasks = (0..16)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i % users.len()].clone(), path.clone());
            async move { market.install(&user, &path, InstallRequest::default()).await.unwrap().created }
        })
        .collect();
    let created = run_all(tasks).await;
    assert_eq!(w.check_install_count(&users, id, &path).await, 8);
    let fresh = created.iter().filter(|c| **c).count();
    assert!(fresh <= 8, "at most one new install per user, got {fresh}");

    // Everyone uninstalls (twice at once): the count drops to zero, not below.
    let tasks = (0..16)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i % users.len()].clone(), path.clone());
            async move { market.uninstall(&user, &path).await.unwrap() }
        })
        .collect();
    run_all(tasks).await;
    assert_eq!(w.check_install_count(&users, id, &path).await, 0);

    // Half install again: the count is exactly that half.
    let tasks = (0..4)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i].clone(), path.clone());
            async move { market.install(&user, &path, InstallRequest::default()).await.unwrap().created }
        })
        .collect();
    assert_eq!(run_all(tasks).await, vec![true; 4]);
    assert_eq!(w.check_install_count(&users, id, &path).await, 4);
}

// ---------------------------------------------------------------------------
// 2. Rating count, mean and histogram equal the stored reviews.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rating_aggregate_equals_reviews_under_concurrency() {
    let w = world();
    let owner = w.user("owner").await;
    let (_, path) = w.published(&owner, "rated").await;
    let users = w.users("critic", 12).await;
    let tasks = users
        .iter()
        .map(|u| {
            let (market, user, path) = (w.mart.market(), u.clone(), path.clone());
            async move { market.install(&user, &path, InstallRequest::default()).await.unwrap() }
        })
        .collect();
    run_all(tasks).await;

    // 36 tasks, three per user: ratings, re-ratings and deletions interleaved.
    let tasks = (0..36)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i % users.len()].clone(), path.clone());
            async move {
                for k in 0..5 {
                    if (i * 3 + k) % 7 == 6 {
                        market.delete_rating(&user, &path).await.unwrap();
                    } else {
                        let stars = ((i + 2 * k) % 5 + 1) as u8;
                        let request = RateRequest { stars, title: Some(format!("take {k}")), body: None };
                        let view = market.rate(&user, &path, request).await.unwrap();
                        assert_eq!(view.stars, stars);
                    }
                    tokio::task::yield_now().await;
                }
            }
        })
        .collect();
    run_all(tasks).await;

    let reviews = w.all_reviews(&path).await;
    let detail = w.mart.market().detail(None, &path).await.unwrap();
    let mut histogram = [0u64; 5];
    for r in &reviews {
        histogram[usize::from(r.stars) - 1] += 1;
    }
    let sum: u64 = reviews.iter().map(|r| u64::from(r.stars)).sum();
    assert!(!reviews.is_empty(), "the last operation of most users is a rating");
    assert_eq!(detail.rating.count, reviews.len() as u64, "count vs reviews");
    assert_eq!(detail.rating.histogram, histogram, "histogram vs reviews");
    let mean = sum as f64 / reviews.len() as f64;
    assert!((detail.rating.mean - mean).abs() < 1e-9, "mean {} vs reviews {mean}", detail.rating.mean);

    // One review per user, and each user's own view agrees with the list.
    let handles: BTreeSet<&str> = reviews.iter().map(|r| r.user.handle.as_str()).collect();
    assert_eq!(handles.len(), reviews.len(), "one rating per user and agent");
    for user in &users {
        let mine = w.mart.market().detail(Some(user), &path).await.unwrap().my_rating;
        let listed = reviews.iter().find(|r| Some(r.id) == mine.as_ref().map(|m| m.id));
        assert_eq!(mine.as_ref(), listed, "my_rating is the listed review (or none)");
    }
    let with_rating = {
        let mut n = 0;
        for user in &users {
            n += usize::from(w.mart.market().detail(Some(user), &path).await.unwrap().my_rating.is_some());
        }
        n
    };
    assert_eq!(with_rating, reviews.len());

    // Everybody deletes at once (twice): the aggregate returns to empty.
    let tasks = (0..24)
        .map(|i| {
            let market = w.mart.market();
            let (user, path) = (users[i % users.len()].clone(), path.clone());
            async move { market.delete_rating(&user, &path).await.unwrap() }
        })
        .collect();
    run_all(tasks).await;
    let detail = w.mart.market().detail(None, &path).await.unwrap();
    assert_eq!((detail.rating.count, detail.rating.histogram), (0, [0; 5]));
    assert_eq!(detail.rating.mean, 0.0);
    assert!(w.all_reviews(&path).await.is_empty());
}

// ---------------------------------------------------------------------------
// 3. A refresh token is redeemed once; a replayed one revokes the session.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refresh_has_one_winner_and_revokes_the_session() {
    let w = world();
    let auth = w.mart.auth();
    let registered = auth
        .register(
            RegisterRequest {
                email: "racer@example.com".into(),
                password: "a long enough passphrase 42".into(),
                handle: None,
                display_name: None,
            },
            &client(),
        )
        .await
        .unwrap();
    // A second session of the same user, which must survive.
    let other = auth
        .login(
            agentmart_core::auth::LoginRequest {
                email: "racer@example.com".into(),
                password: "a long enough passphrase 42".into(),
            },
            &client(),
        )
        .await
        .unwrap();

    let token = registered.tokens.refresh_token.clone();
    let tasks = (0..16)
        .map(|_| {
            let (auth, token) = (auth.clone(), token.clone());
            async move { auth.refresh(&token, &client()).await }
        })
        .collect();
    let answers = run_all(tasks).await;
    let winners: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "exactly one refresh wins");
    let losers: Vec<ErrorCode> = answers.iter().filter_map(|a| a.as_ref().err().map(|e| e.code())).collect();
    assert_eq!(losers, vec![ErrorCode::TokenReused; 15]);

    let winner = winners[0];
    assert_ne!(winner.refresh_token, token);
    // The replays revoked the whole session: the winner's new tokens are dead too.
    assert_eq!(code(auth.authenticate(&winner.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.authenticate(&registered.tokens.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.refresh(&winner.refresh_token, &client()).await), ErrorCode::TokenInvalid);
    // Only that session: the other one still works and rotates.
    let principal = auth.authenticate(&other.access_token).await.unwrap();
    assert_eq!(principal.user_id, registered.user.id);
    let rotated = auth.refresh(&other.refresh_token, &client()).await.unwrap();
    auth.authenticate(&rotated.access_token).await.unwrap();
}

// ---------------------------------------------------------------------------
// 4. Published versions never change and rise by semver.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publishes_rise_and_published_versions_never_change() {
    let w = world();
    let owner = w.user("maker").await;
    let (_, path) = w.draft(&owner, "evolving").await;
    let next = Arc::new(AtomicU64::new(0));

    // 8 tasks, each three times: edit the draft, then publish 1.<n>.0 with
    // n from a shared counter, so versions are attempted in rising order
    // while racing each other and the edits.
    let tasks = (0..8)
        .map(|_| {
            let (agents, owner, path, next) = (w.mart.agents(), owner.clone(), path.clone(), next.clone());
            async move {
                let mut published: Vec<VersionView> = Vec::new();
                for _ in 0..3 {
                    let n = next.fetch_add(1, Ordering::SeqCst) + 1;
                    let patch = DraftPatch {
                        name: Some(format!("Evolving {n}")),
                        system_prompt: Some(format!("Prompt of edit {n}.")),
                        ..DraftPatch::default()
                    };
                    agents.update_draft(&owner, &path, patch).await.unwrap();
                    let request = PublishRequest { version: format!("1.{n}.0"), changelog: Some(format!("n={n}")) };
                    match agents.publish(&owner, &path, request).await {
                        Ok(view) => published.push(view),
                        Err(e) => assert!(
                            matches!(e.code(), ErrorCode::ValidationFailed | ErrorCode::Conflict),
                            "a lost race is not_increasing or conflict, got {e:?}"
                        ),
                    }
                }
                published
            }
        })
        .collect();
    let mut published: Vec<VersionView> = run_all(tasks).await.into_iter().flatten().collect();
    assert!(!published.is_empty(), "some publish wins");

    // A storm: 6 tasks publish rising versions 2.<n>.0 back to back while a
    // reader watches the latest version. A publish must never land below one
    // that committed before it: the latest version never goes down, and
    // ends as the highest one published.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (market, path, done) = (w.mart.market(), path.clone(), done.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while !done.load(Ordering::SeqCst) {
                let latest = market.detail(None, &path).await.unwrap().latest_version;
                seen.push(latest);
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    let tasks = (0..6u64)
        .map(|t| {
            let (agents, owner, path) = (w.mart.agents(), owner.clone(), path.clone());
            async move {
                let mut won = Vec::new();
                for k in 0..12u64 {
                    // Rising over time, shuffled across tasks: a task may
                    // publish above one that read the same latest version.
                    let version = format!("2.{}.0", k * 10 + (t * 7 + k * 3) % 6);
                    match agents.publish(&owner, &path, PublishRequest { version, changelog: None }).await {
                        Ok(view) => won.push(view),
                        Err(e) => {
                            assert!(matches!(e.code(), ErrorCode::ValidationFailed | ErrorCode::Conflict), "{e:?}")
                        }
                    }
                }
                won
            }
        })
        .collect();
    published.extend(run_all(tasks).await.into_iter().flatten());
    done.store(true, Ordering::SeqCst);
    let seen = watcher.await.unwrap();
    for pair in seen.windows(2) {
        assert!(pair[0] <= pair[1], "the latest version went down from {:?} to {:?}", pair[0], pair[1]);
    }
    let highest = published.iter().map(|v| v.version.clone()).max();
    let latest = w.mart.market().detail(None, &path).await.unwrap().latest_version;
    assert_eq!(latest, highest, "the latest version is the highest published");
    let at_publish: BTreeMap<semver::Version, VersionView> =
        published.into_iter().map(|v| (v.version.clone(), v)).collect();

    let check = |versions: Vec<VersionView>| {
        for pair in versions.windows(2) {
            assert!(
                pair[0].version > pair[1].version,
                "{} then {}: not strictly decreasing",
                pair[0].version,
                pair[1].version
            );
        }
        let listed: BTreeSet<_> = versions.iter().map(|v| v.version.clone()).collect();
        let accepted: BTreeSet<_> = at_publish.keys().cloned().collect();
        assert_eq!(listed, accepted, "the versions listed are exactly the publishes that succeeded");
        for v in &versions {
            let original = &at_publish[&v.version];
            assert_eq!(v.definition, original.definition, "version {} changed since its publish", v.version);
            assert_eq!(v.changelog, original.changelog);
            assert_eq!(v.published_at, original.published_at);
        }
    };
    check(w.mart.agents().versions(Some(&owner), &path).await.unwrap());

    // Later draft edits (concurrent ones too) leave every version as published.
    w.clock.advance(Duration::minutes(5));
    let tasks = (0..8)
        .map(|i| {
            let (agents, owner, path) = (w.mart.agents(), owner.clone(), path.clone());
            async move {
                let patch = DraftPatch {
                    name: Some(format!("Rewritten {i}")),
                    description: Some(format!("Rewritten description {i}.")),
                    system_prompt: Some(format!("Rewritten prompt {i}.")),
                    ..DraftPatch::default()
                };
                agents.update_draft(&owner, &path, patch).await.unwrap();
            }
        })
        .collect();
    run_all(tasks).await;
    check(w.mart.agents().versions(Some(&owner), &path).await.unwrap());
    let highest = at_publish.keys().next_back().cloned();
    let detail = w.mart.market().detail(None, &path).await.unwrap();
    assert_eq!(detail.latest_version, highest);
    assert!(detail.name.starts_with("Evolving "), "the detail shows the latest version, not the draft");
}

// ---------------------------------------------------------------------------
// 5. Emails unique case-insensitively; handles and owner/slug unique.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_registrations_keep_emails_handles_and_slugs_unique() {
    let w = world();
    let auth = w.mart.auth();
    let spellings = ["Same@Example.com", "same@example.com", "SAME@EXAMPLE.COM", "  sAmE@example.COM "];
    let tasks = (0..16)
        .map(|i| {
            let auth = auth.clone();
            let request = RegisterRequest {
                email: spellings[i % spellings.len()].into(),
                password: format!("password number {i} is long"),
                handle: Some(format!("same-{i}")),
                display_name: None,
            };
            async move { auth.register(request, &client()).await }
        })
        .collect();
    let answers = run_all(tasks).await;
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "exactly one registration per email");
    let refused: Vec<ErrorCode> = answers.iter().filter_map(|a| a.as_ref().err().map(|e| e.code())).collect();
    assert_eq!(refused, vec![ErrorCode::EmailTaken; 15]);
    let winner = answers.iter().position(|a| a.is_ok()).unwrap();
    let account = answers[winner].as_ref().unwrap();
    assert_eq!(account.user.email.as_deref(), Some("same@example.com"));
    assert_eq!(account.user.handle, format!("same-{winner}"));
    // The stored account is the winner's: its password logs in.
    let login = agentmart_core::auth::LoginRequest {
        email: "SAME@example.com".into(),
        password: format!("password number {winner} is long"),
    };
    auth.login(login, &client()).await.unwrap();

    let tasks = (0..16)
        .map(|i| {
            let auth = auth.clone();
            let request = RegisterRequest {
                email: format!("person{i}@example.com"),
                password: format!("password number {i} is long"),
                handle: Some(if i % 2 == 0 { "Popular".into() } else { "popular".into() }),
                display_name: None,
            };
            async move { auth.register(request, &client()).await }
        })
        .collect();
    let answers = run_all(tasks).await;
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "exactly one registration per handle");
    let refused: Vec<ErrorCode> = answers.iter().filter_map(|a| a.as_ref().err().map(|e| e.code())).collect();
    assert_eq!(refused, vec![ErrorCode::HandleTaken; 15]);

    // owner/slug: one owner creating the same slug 16 times at once.
    let owner = w.user("slugger").await;
    let tasks = (0..16)
        .map(|i| {
            let (agents, owner) = (w.mart.agents(), owner.clone());
            let definition = definition(&format!("Twin {i}"));
            async move { agents.create(&owner, CreateAgent { slug: "twin".into(), definition }).await }
        })
        .collect();
    let answers = run_all(tasks).await;
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "exactly one agent per owner/slug");
    let refused: Vec<ErrorCode> = answers.iter().filter_map(|a| a.as_ref().err().map(|e| e.code())).collect();
    assert_eq!(refused, vec![ErrorCode::SlugTaken; 15]);
    assert_eq!(w.mart.agents().my_agents(&owner).await.unwrap().len(), 1);
}

// ---------------------------------------------------------------------------
// 7. Every state change has exactly one audit record.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_concurrent_state_change_has_exactly_one_audit_record() {
    let w = world();
    let admin = w.admin().await;
    let owner = w.user("owner").await;
    let (_, path) = w.published(&owner, "audited").await;
    let (builder_id, builder_path) = w.draft(&owner, "in-progress").await;
    let users = w.users("member", 8).await;

    // Per-user sequences whose effect is known (each user acts from one task),
    // all users at once, beside registrations, refreshes and draft edits.
    let market_tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let (market, user, path) = (w.mart.market(), u.clone(), path.clone());
            async move {
                let fresh = InstallRequest::default();
                assert!(market.install(&user, &path, fresh.clone()).await.unwrap().created);
                assert!(!market.install(&user, &path, fresh.clone()).await.unwrap().created, "no-op: no record");
                market.rate(&user, &path, RateRequest { stars: 4, title: None, body: None }).await.unwrap();
                market.rate(&user, &path, RateRequest { stars: 2, title: None, body: None }).await.unwrap();
                market.delete_rating(&user, &path).await.unwrap();
                market.delete_rating(&user, &path).await.unwrap(); // no-op: no record
                market.uninstall(&user, &path).await.unwrap();
                market.uninstall(&user, &path).await.unwrap(); // no-op: no record
                assert!(market.install(&user, &path, fresh).await.unwrap().created);
            }
        })
        .collect();
    let auth_tasks: Vec<_> = (0..6)
        .map(|i| {
            let auth = w.mart.auth();
            async move {
                let request = RegisterRequest {
                    email: format!("joiner{i}@example.com"),
                    password: format!("joiner password {i} long"),
                    handle: None,
                    display_name: None,
                };
                let registered = auth.register(request, &client()).await.unwrap();
                let rotated = auth.refresh(&registered.tokens.refresh_token, &client()).await.unwrap();
                auth.refresh(&rotated.refresh_token, &client()).await.unwrap();
                registered.user.id
            }
        })
        .collect();
    let builder_tasks: Vec<_> = (0..5)
        .map(|i| {
            let (agents, owner, path) = (w.mart.agents(), owner.clone(), builder_path.clone());
            async move {
                let patch = DraftPatch { description: Some(format!("Edit number {i}.")), ..DraftPatch::default() };
                agents.update_draft(&owner, &path, patch).await.unwrap();
            }
        })
        .collect();
    let (_, joiners, _) = tokio::join!(run_all(market_tasks), run_all(auth_tasks), run_all(builder_tasks));

    for user in &users {
        let count = |a: &str| w.audit_count(&admin, action_about(a, user.user_id));
        assert_eq!(count(actions::AGENT_INSTALLED).await, 2, "installs of {}", user.user_id);
        assert_eq!(count(actions::AGENT_UNINSTALLED).await, 1);
        assert_eq!(count(actions::RATING_UPSERTED).await, 2);
        assert_eq!(count(actions::RATING_DELETED).await, 1);
    }
    for joiner in &joiners {
        let count = |a: &str| w.audit_count(&admin, action_about(a, *joiner));
        assert_eq!(count(actions::USER_REGISTERED).await, 1);
        assert_eq!(count(actions::SESSION_CREATED).await, 1);
        assert_eq!(count(actions::SESSION_REFRESHED).await, 2);
    }
    let draft_edits = AuditFilter {
        action: Some(actions::AGENT_DRAFT_UPDATED.into()),
        target: Some(format!("agent:{builder_id}")),
        ..AuditFilter::default()
    };
    assert_eq!(w.audit_count(&admin, draft_edits).await, 5);
    // Totals: nothing recorded twice, nothing recorded for no-ops.
    assert_eq!(w.audit_count(&admin, action(actions::AGENT_INSTALLED)).await, 16);
    assert_eq!(w.audit_count(&admin, action(actions::AGENT_UNINSTALLED)).await, 8);
    assert_eq!(w.audit_count(&admin, action(actions::RATING_UPSERTED)).await, 16);
    assert_eq!(w.audit_count(&admin, action(actions::RATING_DELETED)).await, 8);
    assert_eq!(w.audit_count(&admin, action(actions::USER_REGISTERED)).await, 6);
    assert_eq!(w.audit_count(&admin, action(actions::SESSION_REFRESHED)).await, 12);
    // 8 members, the owner and the admin came in by their host's identity.
    assert_eq!(w.audit_count(&admin, action(actions::USER_LINKED)).await, 10);
    assert_eq!(w.audit_count(&admin, action(actions::ROLE_CHANGED)).await, 1);
    assert_eq!(w.audit_count(&admin, action(actions::AGENT_CREATED)).await, 2);
    assert_eq!(w.audit_count(&admin, action(actions::AGENT_PUBLISHED)).await, 1);
    // And the state those records describe.
    let detail = w.mart.market().detail(None, &path).await.unwrap();
    assert_eq!((detail.install_count, detail.rating.count), (8, 0));
}

// ---------------------------------------------------------------------------
// 8. Usage totals equal the events recorded.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn usage_totals_equal_the_events_sent_under_concurrency() {
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.admin().await;
    let (_, path) = w.published(&owner, "busy").await;
    let users = w.users("runner", 10).await;
    for user in &users {
        w.mart.market().install(user, &path, InstallRequest::default()).await.unwrap();
    }
    let now = t0();
    // Per day: (events, units, distinct users) expected from what the tasks will send.
    let mut expected: BTreeMap<chrono::NaiveDate, (u64, u64, BTreeSet<usize>)> = BTreeMap::new();
    let plan: Vec<(usize, Vec<PlannedEvent>)> = (0..30)
        .map(|i| {
            let user = i % users.len();
            let events = (0..6)
                .map(|k| {
                    // Today and the two days before, at various times of day.
                    let days_back = ((i + k) % 3) as i64;
                    let at = now - Duration::days(days_back) - Duration::minutes(((i * 37 + k * 11) % 600) as i64);
                    let units = (i as u64 * 13 + k as u64 * 7) % 50;
                    (at, units, if k % 2 == 0 { "run" } else { "chat.turn" })
                })
                // Users 7 to 9 skip the oldest day, so its distinct users are fewer.
                .filter(|(at, _, _)| !(user >= 7 && at.date_naive() < now.date_naive() - Duration::days(1)))
                .collect();
            (user, events)
        })
        .collect();
    for (user, events) in &plan {
        for (at, units, _) in events {
            let day = expected.entry(at.date_naive()).or_default();
            day.0 += 1;
            day.1 += units;
            day.2.insert(*user);
        }
    }
    let sent: u64 = plan.iter().map(|(_, events)| events.len() as u64).sum();
    let tasks = plan
        .into_iter()
        .map(|(user, events)| {
            let (market, user, path) = (w.mart.market(), users[user].clone(), path.clone());
            async move {
                for (at, units, event) in events {
                    let request = UsageRequest { event: Some(event.into()), units: Some(units), occurred_at: Some(at) };
                    market.record_usage(&user, &path, request).await.unwrap();
                }
            }
        })
        .collect();
    run_all(tasks).await;

    let today = now.date_naive();
    let query = UsageQuery { from: Some(today - Duration::days(3)), to: Some(today) };
    for reader in [&owner, &admin] {
        let days = w.mart.market().usage(reader, &path, query).await.unwrap();
        assert_eq!(days.len(), 4);
        let got: HashMap<_, _> = days.iter().map(|d| (d.date, (d.events, d.units, d.users))).collect();
        assert_eq!(got[&(today - Duration::days(3))], (0, 0, 0));
        for (date, (events, units, who)) in &expected {
            assert_eq!(got[date], (*events, *units, who.len() as u64), "usage of {date}");
        }
    }
    let total: u64 = expected.values().map(|d| d.0).sum();
    assert_eq!(total, sent);
    assert!(expected.values().any(|d| d.2.len() < users.len()), "some day has fewer distinct users than events");
    assert_eq!(w.mart.market().detail(None, &path).await.unwrap().usage_30d, total);
}
