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
