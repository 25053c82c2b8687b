//! Per-agent actions: detail, installs, ratings, reviews, usage.

use super::*;

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
