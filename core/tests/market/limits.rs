//! Per-user write limits (issue 10 item 15): each write outside
//! authentication is counted per user in the store, refused with
//! `rate_limited` and the time left in the window once over its limit, and
//! allowed again when the window has passed; two instances over one store
//! share the counts.

use std::time::Duration as StdDuration;

use agentmart_core::agents::{CreateAgent, DraftPatch, PreviewRequest, PublishRequest};
use agentmart_core::{Error, WriteLimits};

use super::*;

/// Small limits: 2 of everything, 3 usage events per agent, 4 per user.
fn small_limits() -> Config {
    let mut config = Config::for_tests();
    config.write_limits = WriteLimits {
        enabled: true,
        window: StdDuration::from_secs(3600),
        agent_creates: 2,
        draft_updates: 2,
        previews: 2,
        publishes: 2,
        rating_writes: 2,
        usage_events_per_agent: 3,
        usage_events_per_user: 4,
    };
    config
}

/// The `retry_after` of a `rate_limited` error.
fn limited<T: std::fmt::Debug>(result: agentmart_core::Result<T>) -> StdDuration {
    let err: Error = result.expect_err("expected rate_limited");
    assert_eq!(err.code(), ErrorCode::RateLimited, "{err}");
    err.retry_after().expect("rate_limited carries retry_after")
}

fn create(slug: &str) -> CreateAgent {
    CreateAgent { slug: slug.into(), definition: def(slug) }
}

fn rename(name: &str) -> DraftPatch {
    DraftPatch { name: Some(name.into()), ..Default::default() }
}

fn version(v: &str) -> PublishRequest {
    PublishRequest { version: v.into(), changelog: None }
}

#[tokio::test]
async fn agent_creation_stops_at_the_limit_and_resumes_when_the_window_passes() {
    let w = world_with(small_limits());
    let alice = w.user("alice").await;
    let agents = w.mart.agents();
    agents.create(&alice, create("one")).await.unwrap();
    w.clock.advance(Duration::minutes(10));
    agents.create(&alice, create("two")).await.unwrap();
    // The window started with the first creation: 50 minutes are left.
    assert_eq!(limited(agents.create(&alice, create("three")).await), StdDuration::from_secs(50 * 60));
    assert_eq!(agents.my_agents(&alice).await.unwrap().len(), 2, "a refused creation writes nothing");
    // Another user has a budget of their own.
    let bob = w.user("bob").await;
    agents.create(&bob, create("bobs")).await.unwrap();
    // An invalid request is refused before it is counted.
    assert_eq!(code(agents.create(&bob, create("Not A Slug")).await), ErrorCode::ValidationFailed);
    agents.create(&bob, create("bobs-second")).await.unwrap();
    // Once the window has passed, the count starts again.
    w.clock.advance(Duration::minutes(50));
    agents.create(&alice, create("three")).await.unwrap();
    agents.create(&alice, create("four")).await.unwrap();
    limited(agents.create(&alice, create("five")).await);
}

#[tokio::test]
async fn draft_edits_previews_and_publishes_have_their_own_limits() {
    let w = world_with(small_limits());
    let alice = w.user("alice").await;
    let agents = w.mart.agents();
    let path = AgentRef::new(w.handle(&alice).await, "writer");
    agents.create(&alice, create("writer")).await.unwrap();
    agents.update_draft(&alice, &path, rename("Writer 1")).await.unwrap();
    // A patch that changes nothing writes nothing and is not counted.
    agents.update_draft(&alice, &path, rename("Writer 1")).await.unwrap();
    agents.update_draft(&alice, &path, rename("Writer 2")).await.unwrap();
    limited(agents.update_draft(&alice, &path, rename("Writer 3")).await);
    assert_eq!(agents.draft(&alice, &path).await.unwrap().definition.name, "Writer 2");

    agents.preview(&alice, &path, PreviewRequest::default()).await.unwrap();
    agents.preview(&alice, &path, PreviewRequest::default()).await.unwrap();
    limited(agents.preview(&alice, &path, PreviewRequest::default()).await);

    agents.publish(&alice, &path, version("1.0.0")).await.unwrap();
    // A version that is not above the latest is refused before it is counted.
    assert_eq!(code(agents.publish(&alice, &path, version("0.9.0")).await), ErrorCode::ValidationFailed);
    agents.publish(&alice, &path, version("1.1.0")).await.unwrap();
    limited(agents.publish(&alice, &path, version("1.2.0")).await);
    assert_eq!(agents.versions(Some(&alice), &path).await.unwrap().len(), 2);

    w.clock.advance(Duration::hours(1));
    agents.update_draft(&alice, &path, rename("Writer 3")).await.unwrap();
    agents.preview(&alice, &path, PreviewRequest::default()).await.unwrap();
    agents.publish(&alice, &path, version("1.2.0")).await.unwrap();
}

#[tokio::test]
async fn rating_writes_are_limited_deletes_included() {
    let w = world_with(small_limits());
    let owner = w.user("owner").await;
    let fan = w.user("fan").await;
    let (_, path) = w.agent(&owner, "rated", def("Rated")).await;
    w.install(&fan, &path).await;
    w.rate(&fan, &path, 4).await;
    w.mart.market().delete_rating(&fan, &path).await.unwrap();
    let again = RateRequest { stars: 5, ..Default::default() };
    limited(w.mart.market().rate(&fan, &path, again.clone()).await);
    let detail = w.mart.market().detail(None, &path).await.unwrap();
    assert_eq!(detail.rating.count, 0, "the refused rating was not stored");
    w.clock.advance(Duration::hours(1));
    w.mart.market().rate(&fan, &path, again).await.unwrap();
}

#[tokio::test]
async fn usage_events_are_limited_per_agent_and_per_user_owners_included() {
    let w = world_with(small_limits());
    let owner = w.user("owner").await;
    let (_, first) = w.agent(&owner, "first", def("First")).await;
    let (_, second) = w.agent(&owner, "second", def("Second")).await;
    // The owner installs their own agent and tries to pump its usage.
    w.install(&owner, &first).await;
    w.install(&owner, &second).await;
    let market = w.mart.market();
    for _ in 0..3 {
        market.record_usage(&owner, &first, UsageRequest::default()).await.unwrap();
    }
    limited(market.record_usage(&owner, &first, UsageRequest::default()).await);
    // Another agent has a budget of its own, but the user-wide one is 4.
    market.record_usage(&owner, &second, UsageRequest::default()).await.unwrap();
    limited(market.record_usage(&owner, &second, UsageRequest::default()).await);
    let today = w.clock.now().date_naive();
    let query = UsageQuery { from: Some(today), to: Some(today) };
    let usage = market.usage(&owner, &first, query).await.unwrap();
    assert_eq!(usage[0].events, 3, "refused events are not recorded");
    assert_eq!(market.usage(&owner, &second, query).await.unwrap()[0].events, 1);
    w.clock.advance(Duration::hours(1));
    market.record_usage(&owner, &first, UsageRequest::default()).await.unwrap();
}

#[tokio::test]
async fn two_instances_over_one_store_share_the_counts() {
    let w = world_with(small_limits());
    let other = Agentmart::builder(w.store.clone(), small_limits()).clock(Arc::new(w.clock.clone())).build().unwrap();
    let alice = w.user("alice").await;
    w.mart.agents().create(&alice, create("one")).await.unwrap();
    other.agents().create(&alice, create("two")).await.unwrap();
    limited(w.mart.agents().create(&alice, create("three")).await);
    limited(other.agents().create(&alice, create("three")).await);
}

#[tokio::test]
async fn parallel_writes_get_at_most_the_budget() {
    let w = world_with(small_limits());
    let owner = w.user("owner").await;
    let (_, path) = w.agent(&owner, "busy", def("Busy")).await;
    let fan = w.user("fan").await;
    w.install(&fan, &path).await;
    let market = w.mart.market();
    let calls = (0..20).map(|_| market.record_usage(&fan, &path, UsageRequest::default()));
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 3, "exactly the per-agent budget is admitted");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code() == ErrorCode::RateLimited));
}

#[tokio::test]
async fn the_limits_can_be_switched_off() {
    let mut config = small_limits();
    config.write_limits.enabled = false;
    let w = world_with(config);
    let alice = w.user("alice").await;
    for i in 0..10 {
        w.mart.agents().create(&alice, create(&format!("agent-{i}"))).await.unwrap();
    }
}

#[tokio::test]
async fn bad_limits_are_refused_at_startup() {
    let mut config = small_limits();
    config.write_limits.publishes = 0;
    config.write_limits.window = StdDuration::from_secs(2 * 24 * 3600);
    let err = Agentmart::builder(Arc::new(MemoryStore::new()), config).build().expect_err("refused");
    let fields: Vec<String> = err.field_errors().iter().map(|f| f.field.clone()).collect();
    assert_eq!(fields, ["write_limits.window", "write_limits.publishes"]);
    // The defaults are valid and bounded.
    let defaults = WriteLimits::default();
    assert!(defaults.enabled && defaults.window == StdDuration::from_secs(3600));
    assert_eq!((defaults.agent_creates, defaults.publishes, defaults.usage_events_per_agent), (60, 60, 10_000));
}

#[tokio::test]
async fn the_sweeper_purges_idle_write_counters() {
    let w = world_with(small_limits());
    let alice = w.user("alice").await;
    w.mart.agents().create(&alice, create("one")).await.unwrap();
    w.mart.agents().create(&alice, create("two")).await.unwrap();
    // Within the window the counter is kept (the sweeper never shortens a window).
    assert_eq!(w.mart.sweep(100).await.unwrap().counters, 0);
    limited(w.mart.agents().create(&alice, create("three")).await);
    // Idle past `counter_idle` (1 day by default), it is purged.
    w.clock.advance(Duration::days(2));
    assert_eq!(w.mart.sweep(100).await.unwrap().counters, 1);
    w.mart.agents().create(&alice, create("three")).await.unwrap();
}
