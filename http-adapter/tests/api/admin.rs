//! Administration: audit trail, moderation of agents and reviews, users.

use axum::http::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn only_admins_read_the_audit_trail() {
    let app = TestApp::new();
    let user = app.register("plain@example.com").await;
    let admin = app.admin("boss@example.com").await;
    app.get("/v1/admin/audit", Some(&user.access)).await.problem(403, "forbidden");
    let page = app.get(&format!("/v1/admin/audit?subject={}&limit=50", user.id), Some(&admin.access)).await;
    let items = page.ok(200)["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|r| r["subject"] == user.id.as_str()), "{}", page.body);
    let filtered = app.get("/v1/admin/audit?action=user.role_changed", Some(&admin.access)).await;
    assert_eq!(filtered.ok(200)["items"].as_array().unwrap().len(), 1);
    app.get("/v1/admin/audit?actor=not-a-uuid", Some(&admin.access)).await.problem(400, "malformed_request");
}

#[tokio::test]
async fn admins_moderate_agents_and_reviews_and_disable_users() {
    let app = TestApp::new();
    let owner = app.register("mod-owner@example.com").await;
    let fan = app.register("mod-fan@example.com").await;
    let admin = app.admin("mod-admin@example.com").await;
    app.published_agent(&owner, "spammy", "Spammy").await;
    let agent = format!("/v1/agents/{}/spammy", owner.handle);
    app.call(Method::PUT, &format!("/v1/me/installs/{}/spammy", owner.handle), Some(&fan.access), None).await.ok(201);
    let review =
        app.call(Method::PUT, &format!("{agent}/rating"), Some(&fan.access), Some(json!({ "stars": 1 }))).await;
    let review_id = review.ok(200)["id"].as_str().unwrap().to_string();

    let moderate = format!("/v1/admin/agents/{}/spammy", owner.handle);
    let unlist = json!({ "status": "unlisted", "status_message": "under review" });
    app.call(Method::PATCH, &moderate, Some(&fan.access), Some(unlist.clone())).await.problem(403, "forbidden");
    let answer = app.call(Method::PATCH, &moderate, Some(&admin.access), Some(unlist)).await;
    assert_eq!(answer.ok(200)["status"], "unlisted");

    let path = format!("/v1/admin/reviews/{review_id}");
    app.call(Method::DELETE, &path, Some(&fan.access), None).await.problem(403, "forbidden");
    app.call(Method::DELETE, &path, Some(&admin.access), None).await.ok(204);
    app.call(Method::DELETE, &path, Some(&admin.access), None).await.problem(404, "not_found");

    let user_path = format!("/v1/admin/users/{}", fan.id);
    let disabled = app.call(Method::PATCH, &user_path, Some(&admin.access), Some(json!({ "disabled": true }))).await;
    assert_eq!(disabled.ok(200)["id"], fan.id.as_str());
    let refused = app.get("/v1/me", Some(&fan.access)).await;
    assert_eq!(refused.status.as_u16(), 401, "a disabled user's tokens stop working: {}", refused.body);
    let own = format!("/v1/admin/users/{}", admin.id);
    app.call(Method::PATCH, &own, Some(&admin.access), Some(json!({ "role": "user" }))).await.problem(409, "conflict");
}

#[tokio::test]
async fn an_admin_moderation_sticks_until_an_admin_lists_the_agent() {
    let app = TestApp::new();
    let owner = app.register("lock-owner@example.com").await;
    let admin = app.admin("lock-admin@example.com").await;
    app.published_agent(&owner, "spammy", "Spammy").await;
    let agent = format!("/v1/agents/{}/spammy", owner.handle);
    let moderate = format!("/v1/admin/agents/{}/spammy", owner.handle);
    let relist = json!({ "status": "listed" });

    let unlist = json!({ "status": "unlisted", "status_message": "reported as spam" });
    let answer = app.call(Method::PATCH, &moderate, Some(&admin.access), Some(unlist)).await;
    let body = answer.ok(200);
    assert_eq!(body["moderation"]["locked_by_admin"], true, "{body}");
    assert_eq!(body["moderation"]["reason"], "reported as spam");

    // The owner cannot undo it, and sees why in their own view.
    let refused = app.call(Method::PATCH, &agent, Some(&owner.access), Some(relist.clone())).await;
    refused.problem(403, "moderation_locked");
    let mine = app.get("/v1/me/agents", Some(&owner.access)).await;
    let item = &mine.ok(200)["items"][0];
    assert_eq!(item["status"], "unlisted", "{}", mine.body);
    assert_eq!(item["moderation"]["locked_by_admin"], true);
    assert_eq!(item["moderation"]["reason"], "reported as spam");
    assert!(item["moderation"]["at"].is_string());
    // Publishing a new version does not list it again.
    let versions = format!("{agent}/versions");
    app.post(&versions, Some(&owner.access), json!({ "version": "1.1.0" })).await.ok(201);
    let listed = app.get("/v1/agents", None).await;
    assert_eq!(listed.ok(200)["items"].as_array().unwrap().len(), 0, "{}", listed.body);

    // An admin listing it again lifts the lock; the owner decides again.
    let answer = app.call(Method::PATCH, &moderate, Some(&admin.access), Some(relist)).await;
    assert!(answer.ok(200)["moderation"].is_null(), "{}", answer.body);
    let unlist = json!({ "status": "unlisted" });
    let answer = app.call(Method::PATCH, &agent, Some(&owner.access), Some(unlist)).await;
    assert_eq!(answer.ok(200)["status"], "unlisted");
    assert!(answer.ok(200)["moderation"].is_null());
}

#[tokio::test]
async fn a_demoted_admin_is_refused_on_every_admin_route() {
    let app = TestApp::new();
    let owner = app.register("demote-owner@example.com").await;
    let fan = app.register("demote-fan@example.com").await;
    let admin = app.admin("demote-admin@example.com").await;
    app.published_agent(&owner, "tool", "Tool").await;
    app.call(Method::PUT, &format!("/v1/me/installs/{}/tool", owner.handle), Some(&fan.access), None).await.ok(201);
    let rating = format!("/v1/agents/{}/tool/rating", owner.handle);
    let review = app.call(Method::PUT, &rating, Some(&fan.access), Some(json!({ "stars": 2 }))).await;
    let review_id = review.ok(200)["id"].as_str().unwrap().to_string();
    app.get("/v1/admin/audit", Some(&admin.access)).await.ok(200);

    // Demoted while their access token is still valid.
    app.mart.admin().set_role_by_email("demote-admin@example.com", agentmart_core::Role::User).await.unwrap();
    let moderate = format!("/v1/admin/agents/{}/tool", owner.handle);
    let calls: [(Method, String, Option<serde_json::Value>); 5] = [
        (Method::GET, "/v1/admin/audit".into(), None),
        (Method::PATCH, moderate, Some(json!({ "status": "unlisted" }))),
        (Method::DELETE, format!("/v1/admin/reviews/{review_id}"), None),
        (Method::PATCH, format!("/v1/admin/users/{}", fan.id), Some(json!({ "disabled": true }))),
        (Method::DELETE, format!("/v1/admin/users/{}/sessions", fan.id), None),
    ];
    for (method, path, body) in calls {
        let answer = app.call(method.clone(), &path, Some(&admin.access), body).await;
        assert_eq!(answer.status.as_u16(), 403, "{method} {path}: {}", answer.body);
        assert_eq!(answer.body["code"], "forbidden", "{method} {path}");
    }
    // Nothing changed.
    app.get("/v1/me", Some(&fan.access)).await.ok(200);
    let detail = app.get(&format!("/v1/agents/{}/tool", owner.handle), None).await;
    assert_eq!(detail.ok(200)["status"], "listed");
    assert_eq!(detail.ok(200)["rating"]["count"], 1);
}
