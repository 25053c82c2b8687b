//! The builder: drafts, validation by field, preview, publish, immutability,
//! versions, the A2A card, status and deletion.

use axum::http::Method;
use serde_json::json;

use crate::helpers::{TestApp, agent_body};

#[tokio::test]
async fn create_read_and_edit_a_draft() {
    let app = TestApp::new();
    let owner = app.register("builder@example.com").await;
    let created = app.post("/v1/agents", Some(&owner.access), json!({ "slug": "helper", "name": "Helper" })).await;
    let body = created.ok(201);
    assert_eq!(body["status"], "draft");
    assert_eq!(body["owner"], owner.handle.as_str());
    assert!(!body["warnings"].as_array().unwrap().is_empty(), "an incomplete draft lists what publishing needs");

    let again = app.post("/v1/agents", Some(&owner.access), json!({ "slug": "helper", "name": "Other" })).await;
    again.problem(409, "slug_taken");

    let path = format!("/v1/agents/{}/helper/draft", owner.handle);
    let patch = json!({ "system_prompt": "Be brief.", "input_modes": ["text/plain"], "output_modes": ["text/plain"] });
    let edited = app.call(Method::PATCH, &path, Some(&owner.access), Some(patch)).await;
    assert_eq!(edited.ok(200)["system_prompt"], "Be brief.");
    assert_eq!(app.get(&path, Some(&owner.access)).await.ok(200)["system_prompt"], "Be brief.");

    let mine = app.get("/v1/me/agents", Some(&owner.access)).await;
    assert_eq!(mine.ok(200)["items"][0]["slug"], "helper");

    // Someone else cannot see the draft at all.
    let stranger = app.register("stranger@example.com").await;
    app.get(&path, Some(&stranger.access)).await.problem(404, "not_found");
    app.get(&path, None).await.problem(401, "unauthenticated");
}

#[tokio::test]
async fn validation_errors_name_each_field() {
    let app = TestApp::new();
    let owner = app.register("fields@example.com").await;
    let bad = json!({
        "slug": "Bad Slug!",
        "name": "",
        "tagline": "x".repeat(101),
        "input_modes": ["application/x-nope"],
        "tags": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()
    });
    let answer = app.post("/v1/agents", Some(&owner.access), bad).await;
    let body = answer.problem(422, "validation_failed");
    let fields: Vec<String> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
    for field in ["slug", "name", "tagline", "tags"] {
        assert!(fields.iter().any(|f| f == field), "{field} missing in {fields:?}");
    }
    assert!(fields.iter().any(|f| f.starts_with("input_modes")), "{fields:?}");
}

#[tokio::test]
async fn preview_publish_versions_and_card() {
    let app = TestApp::new();
    let owner = app.register("publisher@example.com").await;
    app.post("/v1/agents", Some(&owner.access), agent_body("summarizer", "Summarizer")).await.ok(201);
    let base = format!("/v1/agents/{}/summarizer", owner.handle);

    // Preview with and without a body.
    let preview = app.post(&format!("{base}/preview"), Some(&owner.access), json!({ "input": "Hi there" })).await;
    let body = preview.ok(200);
    assert!(body["card"].is_object() && body["chat_request"].is_object(), "{body}");
    assert!(body["chat_request"].to_string().contains("Hi there"));
    app.call(Method::POST, &format!("{base}/preview"), Some(&owner.access), None).await.ok(200);

    // Publish, immutability, rising versions.
    let published = app.post(&format!("{base}/versions"), Some(&owner.access), json!({ "version": "1.0.0" })).await;
    assert_eq!(published.ok(201)["version"], "1.0.0");
    let same = app.post(&format!("{base}/versions"), Some(&owner.access), json!({ "version": "1.0.0" })).await;
    same.problem(409, "version_exists");
    let bad = app.post(&format!("{base}/versions"), Some(&owner.access), json!({ "version": "one" })).await;
    bad.problem(422, "validation_failed");
    let patch = json!({ "name": "Summarizer Pro" });
    app.call(Method::PATCH, &format!("{base}/draft"), Some(&owner.access), Some(patch)).await.ok(200);
    let v2 = json!({ "version": "1.1.0", "changelog": "Better" });
    app.post(&format!("{base}/versions"), Some(&owner.access), v2).await.ok(201);

    let versions = app.get(&format!("{base}/versions"), None).await;
    let items = versions.ok(200)["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|v| v["version"].as_str().unwrap()).collect::<Vec<_>>(), ["1.1.0", "1.0.0"]);
    assert!(items[0].get("system_prompt").is_none(), "no system prompt in public answers");
    let first = app.get(&format!("{base}/versions/1.0.0"), None).await;
    assert_eq!(first.ok(200)["name"], "Summarizer", "a published version never changes");
    let own = app.get(&format!("{base}/versions/1.0.0"), Some(&owner.access)).await;
    assert!(own.ok(200)["system_prompt"].is_string(), "the owner sees the prompt");
    app.get(&format!("{base}/versions/9.9.9"), None).await.problem(404, "not_found");

    let card = app.get(&format!("{base}/card"), None).await;
    assert_eq!(card.ok(200)["name"], "Summarizer Pro");
    assert!(card.body["skills"].is_array() && card.body.get("system_prompt").is_none());
    let old = app.get(&format!("{base}/card?version=1.0.0"), None).await;
    assert_eq!(old.ok(200)["name"], "Summarizer");
}

#[tokio::test]
async fn status_changes_deletion_and_conflicts() {
    let app = TestApp::new();
    let owner = app.register("status@example.com").await;
    app.published_agent(&owner, "lister", "Lister").await;
    let base = format!("/v1/agents/{}/lister", owner.handle);

    let unlisted = app
        .call(
            Method::PATCH,
            &base,
            Some(&owner.access),
            Some(json!({ "status": "unlisted", "status_message": "soon" })),
        )
        .await;
    assert_eq!(unlisted.ok(200)["status"], "unlisted");
    let list = app.get("/v1/agents", None).await;
    assert!(list.ok(200)["items"].as_array().unwrap().is_empty(), "unlisted agents are absent from lists");
    app.get(&base, None).await.ok(200);
    let invalid = app.call(Method::PATCH, &base, Some(&owner.access), Some(json!({ "status": "draft" }))).await;
    invalid.problem(422, "validation_failed");
    let unknown = app.call(Method::PATCH, &base, Some(&owner.access), Some(json!({ "status": "sideways" }))).await;
    unknown.problem(400, "malformed_request");

    app.call(Method::DELETE, &base, Some(&owner.access), None).await.ok(204);
    let edit = json!({ "name": "Zombie" });
    let answer = app.call(Method::PATCH, &format!("{base}/draft"), Some(&owner.access), Some(edit)).await;
    answer.problem(409, "conflict");
    app.get(&base, None).await.problem(404, "not_found");
}

#[tokio::test]
async fn admins_may_read_drafts_but_not_edit_them() {
    let app = TestApp::new();
    let owner = app.register("owner-f@example.com").await;
    let admin = app.admin("admin-f@example.com").await;
    app.post("/v1/agents", Some(&owner.access), json!({ "slug": "private", "name": "Private" })).await.ok(201);
    let path = format!("/v1/agents/{}/private/draft", owner.handle);
    app.get(&path, Some(&admin.access)).await.ok(200);
    let edit = app.call(Method::PATCH, &path, Some(&admin.access), Some(json!({ "name": "Mine" }))).await;
    edit.problem(403, "forbidden");
}
