//! `POST /v1/auth/email/change` and `/confirm` (issue item 12): re-authentication,
//! a 10-minute single-use link to the new address, the change only on
//! confirmation, a notice to the old address.

use agentmart_core::MessageKind;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn email_change_needs_the_password_and_applies_only_when_the_link_is_used() {
    let app = TestApp::new();
    let user = app.register("change@example.com").await;
    let body = json!({ "new_email": "changed@example.com", "password": PASSWORD });

    app.post("/v1/auth/email/change", None, body.clone()).await.problem(401, "unauthenticated");
    let wrong = json!({ "new_email": "changed@example.com", "password": "not my password" });
    app.post("/v1/auth/email/change", Some(&user.access), wrong).await.problem(401, "invalid_credentials");
    assert!(app.notifier.last("changed@example.com", MessageKind::EmailChange).is_none());

    let answer = app.post("/v1/auth/email/change", Some(&user.access), body).await;
    answer.ok(202);
    assert!(answer.body.is_null(), "202 without a body: {}", answer.body);
    let token = app.token_sent("changed@example.com", MessageKind::EmailChange);
    assert_eq!(app.get("/v1/me", Some(&user.access)).await.ok(200)["email"], "change@example.com", "not yet");

    app.post("/v1/auth/email/change/confirm", None, json!({ "token": token })).await.ok(204);
    let me = app.get("/v1/me", Some(&user.access)).await;
    assert_eq!(me.ok(200)["email"], "changed@example.com");
    assert_eq!(me.body["email_verified"], true);
    assert!(app.notifier.last("change@example.com", MessageKind::EmailChanged).is_some(), "the old address is told");
    app.post("/v1/auth/email/change/confirm", None, json!({ "token": token })).await.problem(401, "token_invalid");
    app.post("/v1/auth/login", None, json!({ "email": "changed@example.com", "password": PASSWORD })).await.ok(200);
    app.post("/v1/auth/login", None, json!({ "email": "change@example.com", "password": PASSWORD }))
        .await
        .problem(401, "invalid_credentials");
}

#[tokio::test]
async fn email_change_answers_taken_malformed_and_expired_with_stable_codes() {
    let app = TestApp::new();
    let user = app.register("mover@example.com").await;
    app.register("taken@example.com").await;
    let change = |email: &str| json!({ "new_email": email, "password": PASSWORD });

    app.post("/v1/auth/email/change", Some(&user.access), change("TAKEN@example.com"))
        .await
        .problem(409, "email_taken");
    let bad = app.post("/v1/auth/email/change", Some(&user.access), change("nope")).await;
    assert_eq!(bad.problem(422, "validation_failed")["errors"][0]["field"], "new_email");
    app.post("/v1/auth/email/change", Some(&user.access), json!({ "new_email": "x@example.com" }))
        .await
        .problem(400, "malformed_request");

    app.post("/v1/auth/email/change", Some(&user.access), change("late@example.com")).await.ok(202);
    let token = app.token_sent("late@example.com", MessageKind::EmailChange);
    app.clock.advance(chrono::Duration::minutes(10));
    app.post("/v1/auth/email/change/confirm", None, json!({ "token": token })).await.problem(401, "token_expired");
    app.post("/v1/auth/email/change/confirm", None, json!({ "token": "amc_bogus" }))
        .await
        .problem(401, "token_invalid");
}

#[tokio::test]
async fn a_registration_that_takes_the_new_address_first_wins() {
    let app = TestApp::new();
    let user = app.register("first@example.com").await;
    let body = json!({ "new_email": "contested@example.com", "password": PASSWORD });
    app.post("/v1/auth/email/change", Some(&user.access), body).await.ok(202);
    let token = app.token_sent("contested@example.com", MessageKind::EmailChange);
    app.register("contested@example.com").await;
    app.post("/v1/auth/email/change/confirm", None, json!({ "token": token })).await.problem(409, "email_taken");
    assert_eq!(app.get("/v1/me", Some(&user.access)).await.ok(200)["email"], "first@example.com");
}
