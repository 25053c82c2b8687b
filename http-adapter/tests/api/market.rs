//! The marketplace: pagination, search, sorts, detail, installs, ratings,
//! reviews and usage.

use std::collections::HashSet;

use axum::http::Method;
use serde_json::json;

use crate::helpers::{TestApp, User, agent_body};

async fn publisher_with(app: &TestApp, count: usize) -> User {
    let owner = app.register("catalog@example.com").await;
    for i in 0..count {
        app.published_agent(&owner, &format!("agent-{i:02}"), &format!("Agent {i:02}")).await;
    }
    owner
}

#[tokio::test]
async fn listing_pages_through_every_agent_once() {
    let app = TestApp::new();
    publisher_with(&app, 25).await;
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/agents?sort=name&limit=10&cursor={c}"),
            None => "/v1/agents?sort=name&limit=10".to_string(),
        };
        let page = app.get(&path, None).await;
        let body = page.ok(200).clone();
        pages += 1;
        for item in body["items"].as_array().unwrap() {
            assert!(seen.insert(item["slug"].as_str().unwrap().to_string()), "no duplicates");
            for key in ["id", "owner", "slug", "name", "tagline", "category", "tags", "input_modes", "output_modes"] {
                assert!(item.get(key).is_some(), "list item lacks {key}");
            }
            assert!(item["rating"]["mean"].is_number() && item["install_count"].is_number());
        }
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (25, 3));

    // A cursor is bound to its sort, and a tampered one is refused.
    let first = app.get("/v1/agents?sort=name&limit=10", None).await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_string();
    app.get(&format!("/v1/agents?sort=newest&limit=10&cursor={cursor}"), None).await.problem(400, "malformed_request");
    app.get("/v1/agents?cursor=AAAA", None).await.problem(400, "malformed_request");
    app.get("/v1/agents?limit=1000", None).await.problem(422, "validation_failed");
}

#[tokio::test]
async fn search_and_filters() {
    let app = TestApp::new();
    let owner = app.register("search@example.com").await;
    let mut body = agent_body("translator", "Translator");
    body["description"] = json!("Translates Portuguese poetry");
    body["category"] = json!("language");
    app.post("/v1/agents", Some(&owner.access), body).await.ok(201);
    let path = format!("/v1/agents/{}/translator/versions", owner.handle);
    app.post(&path, Some(&owner.access), json!({ "version": "1.0.0" })).await.ok(201);
    app.published_agent(&owner, "other", "Other").await;

    let hits = app.get("/v1/agents?q=portuguese", None).await;
    let items = hits.ok(200)["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["slug"], "translator");
    let by_category = app.get("/v1/agents?category=language", None).await;
    assert_eq!(by_category.ok(200)["items"].as_array().unwrap().len(), 1);
    let by_owner = app.get(&format!("/v1/agents?owner={}&sort=newest", owner.handle), None).await;
    assert_eq!(by_owner.ok(200)["items"].as_array().unwrap().len(), 2);
    for sort in ["popular", "rating", "newest", "trending", "name"] {
        app.get(&format!("/v1/agents?sort={sort}"), None).await.ok(200);
    }
}

#[tokio::test]
async fn install_rate_review_and_detail() {
    let app = TestApp::new();
    let owner = app.register("maker@example.com").await;
    app.published_agent(&owner, "rated", "Rated").await;
    let user = app.register("fan@example.com").await;
    let install_path = format!("/v1/me/installs/{}/rated", owner.handle);
    let agent = format!("/v1/agents/{}/rated", owner.handle);

    // Rating needs an install.
    let rate = json!({ "stars": 4, "title": "Good", "body": "Works well" });
    app.call(Method::PUT, &format!("{agent}/rating"), Some(&user.access), Some(rate.clone()))
        .await
        .problem(403, "forbidden");

    app.call(Method::PUT, &install_path, Some(&user.access), None).await.ok(201);
    let again = app.call(Method::PUT, &install_path, Some(&user.access), Some(json!({ "version": "1.0.0" }))).await;
    assert_eq!(again.ok(200)["pinned_version"], "1.0.0");
    app.call(Method::PUT, &install_path, Some(&user.access), Some(json!({ "version": "7.0.0" })))
        .await
        .problem(404, "not_found");
    let mine = app.get("/v1/me/installs", Some(&user.access)).await;
    assert_eq!(mine.ok(200)["items"][0]["agent"]["slug"], "rated");

    let rated = app.call(Method::PUT, &format!("{agent}/rating"), Some(&user.access), Some(rate)).await;
    assert_eq!(rated.ok(200)["stars"], 4);
    let bad = json!({ "stars": 9 });
    app.call(Method::PUT, &format!("{agent}/rating"), Some(&user.access), Some(bad))
        .await
        .problem(422, "validation_failed");
    // Not your own agent.
    app.call(Method::PUT, &install_path, Some(&owner.access), None).await;
    app.call(Method::PUT, &format!("{agent}/rating"), Some(&owner.access), Some(json!({ "stars": 5 })))
        .await
        .problem(403, "forbidden");

    let detail = app.get(&agent, Some(&user.access)).await;
    let body = detail.ok(200);
    assert_eq!(body["installed"], true);
    assert_eq!(body["my_rating"]["stars"], 4);
    assert_eq!(body["rating"]["histogram"], json!([0, 0, 0, 1, 0]));
    assert!(body.get("system_prompt").is_none());
    let anonymous = app.get(&agent, None).await;
    assert!(anonymous.ok(200)["installed"].is_null());

    let reviews = app.get(&format!("{agent}/reviews?sort=stars"), None).await;
    let items = reviews.ok(200)["items"].as_array().unwrap();
    assert_eq!(items[0]["user"]["handle"], user.handle.as_str());
    app.get(&format!("{agent}/reviews?sort=helpful"), None).await.problem(400, "malformed_request");

    app.call(Method::DELETE, &format!("{agent}/rating"), Some(&user.access), None).await.ok(204);
    let reviews = app.get(&format!("{agent}/reviews"), None).await;
    assert!(reviews.ok(200)["items"].as_array().unwrap().is_empty());

    app.call(Method::DELETE, &install_path, Some(&user.access), None).await.ok(204);
    app.call(Method::DELETE, &install_path, Some(&user.access), None).await.ok(204);
    let after = app.get(&agent, None).await;
    assert_eq!(after.ok(200)["install_count"], 1, "only the owner's install is left");
    app.get("/v1/agents/nobody/nothing", None).await.problem(404, "not_found");
}

#[tokio::test]
async fn usage_is_recorded_by_installers_and_read_by_the_owner() {
    let app = TestApp::new();
    let owner = app.register("usage-owner@example.com").await;
    app.published_agent(&owner, "busy", "Busy").await;
    let user = app.register("usage-user@example.com").await;
    let agent = format!("/v1/agents/{}/busy", owner.handle);

    app.post(&format!("{agent}/usage"), Some(&user.access), json!({})).await.problem(403, "forbidden");
    app.call(Method::PUT, &format!("/v1/me/installs/{}/busy", owner.handle), Some(&user.access), None).await.ok(201);
    app.post(&format!("{agent}/usage"), Some(&user.access), json!({ "event": "run", "units": 120 })).await.ok(202);
    app.call(Method::POST, &format!("{agent}/usage"), Some(&user.access), None).await.ok(202);
    app.post(&format!("{agent}/usage"), Some(&user.access), json!({ "event": "Bad Event" }))
        .await
        .problem(422, "validation_failed");

    let usage = app.get(&format!("{agent}/usage?from=2026-03-01&to=2026-03-01"), Some(&owner.access)).await;
    let items = usage.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0], json!({ "date": "2026-03-01", "events": 2, "units": 120, "users": 1 }));
    app.get(&format!("{agent}/usage"), Some(&user.access)).await.problem(403, "forbidden");
    app.get(&format!("{agent}/usage?from=yesterday"), Some(&owner.access)).await.problem(400, "malformed_request");
    assert_eq!(app.get(&agent, None).await.ok(200)["usage_30d"], 2);
}
