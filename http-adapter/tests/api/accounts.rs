//! Accounts and sessions: registration, login, rotation, logout, sessions,
//! password reset and change, email verification, profile, throttling.

use agentmart_core::MessageKind;
use axum::http::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn register_answers_201_with_user_and_tokens_and_uniqueness_conflicts() {
    let app = TestApp::new();
    let answer = app.post("/v1/auth/register", None, json!({ "email": "Ada@Example.com", "password": PASSWORD })).await;
    let body = answer.ok(201);
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(body["user"]["role"], "user");
    assert_eq!(body["tokens"]["token_type"], "Bearer");
    assert!(body["tokens"]["expires_in"].as_u64().unwrap() > 0);
    assert!(body["user"].get("password_hash").is_none());

    let again = app.post("/v1/auth/register", None, json!({ "email": "ADA@example.com", "password": PASSWORD })).await;
    again.problem(409, "email_taken");
    let handle = body["user"]["handle"].as_str().unwrap();
    let clash = json!({ "email": "other@example.com", "password": PASSWORD, "handle": handle });
    app.post("/v1/auth/register", None, clash).await.problem(409, "handle_taken");
}

#[tokio::test]
async fn register_validation_names_each_failing_field() {
    let app = TestApp::new();
    let answer = app.post("/v1/auth/register", None, json!({ "email": "not-an-email", "password": "short" })).await;
    let body = answer.problem(422, "validation_failed");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"email") && fields.contains(&"password"), "{fields:?}");
    for error in body["errors"].as_array().unwrap() {
        assert!(error["code"].is_string() && error["message"].is_string());
    }
}

#[tokio::test]
async fn login_me_and_invalid_credentials() {
    let app = TestApp::new();
    let user = app.register("login@example.com").await;
    let tokens = app.post("/v1/auth/login", None, json!({ "email": "LOGIN@example.com", "password": PASSWORD })).await;
    let access = tokens.ok(200)["access_token"].as_str().unwrap().to_string();
    let me = app.get("/v1/me", Some(&access)).await;
    assert_eq!(me.ok(200)["id"], user.id.as_str());
    for key in ["id", "email", "email_verified", "handle", "display_name", "bio", "avatar_url", "role", "created_at"] {
        assert!(me.body.get(key).is_some(), "profile lacks {key}: {}", me.body);
    }
    let wrong = json!({ "email": "login@example.com", "password": "not the password" });
    let unknown = json!({ "email": "nobody@example.com", "password": PASSWORD });
    let a = app.post("/v1/auth/login", None, wrong).await;
    let b = app.post("/v1/auth/login", None, unknown).await;
    a.problem(401, "invalid_credentials");
    b.problem(401, "invalid_credentials");
    assert_eq!(a.body["detail"], b.body["detail"], "the same answer for both");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_session() {
    let app = TestApp::new();
    let user = app.register("rotate@example.com").await;
    let rotated = app.post("/v1/auth/refresh", None, json!({ "refresh_token": user.refresh })).await;
    let new_refresh = rotated.ok(200)["refresh_token"].as_str().unwrap().to_string();
    let new_access = rotated.body["access_token"].as_str().unwrap().to_string();
    assert_ne!(new_refresh, user.refresh);
    app.get("/v1/me", Some(&new_access)).await.ok(200);

    // The rotated token comes back: the session is revoked.
    app.post("/v1/auth/refresh", None, json!({ "refresh_token": user.refresh })).await.problem(401, "token_reused");
    app.get("/v1/me", Some(&new_access)).await.problem(401, "token_invalid");
    app.post("/v1/auth/refresh", None, json!({ "refresh_token": new_refresh })).await;
    let garbage = app.post("/v1/auth/refresh", None, json!({ "refresh_token": "amr_garbage" })).await;
    assert_eq!(garbage.status.as_u16(), 401, "{}", garbage.body);
}

#[tokio::test]
async fn logout_takes_effect_at_once_and_logout_all_ends_every_session() {
    let app = TestApp::new();
    let user = app.register("logout@example.com").await;
    let second = app.post("/v1/auth/login", None, json!({ "email": user.email, "password": PASSWORD })).await;
    let second = second.ok(200)["access_token"].as_str().unwrap().to_string();

    let answer = app.call(Method::POST, "/v1/auth/logout", Some(&user.access), None).await;
    assert_eq!(answer.ok(204), &serde_json::Value::Null);
    app.get("/v1/me", Some(&user.access)).await.problem(401, "token_invalid");
    app.get("/v1/me", Some(&second)).await.ok(200);

    let third = app.post("/v1/auth/login", None, json!({ "email": user.email, "password": PASSWORD })).await;
    let third = third.ok(200)["access_token"].as_str().unwrap().to_string();
    app.call(Method::POST, "/v1/auth/logout-all", Some(&second), None).await.ok(204);
    app.get("/v1/me", Some(&second)).await.problem(401, "token_invalid");
    app.get("/v1/me", Some(&third)).await.problem(401, "token_invalid");
}

#[tokio::test]
async fn sessions_are_listed_with_current_and_can_be_revoked() {
    let app = TestApp::new();
    let user = app.register("sessions@example.com").await;
    let other = app.post("/v1/auth/login", None, json!({ "email": user.email, "password": PASSWORD })).await;
    let other = other.ok(200)["access_token"].as_str().unwrap().to_string();

    let list = app.get("/v1/auth/sessions", Some(&user.access)).await;
    let items = list.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert!(list.body["next_cursor"].is_null());
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    for key in ["id", "created_at", "last_used_at", "user_agent", "ip", "current"] {
        assert!(items[0].get(key).is_some(), "session lacks {key}");
    }
    let other_id = items.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_string();
    let path = format!("/v1/auth/sessions/{other_id}");
    app.call(Method::DELETE, &path, Some(&user.access), None).await.ok(204);
    app.get("/v1/me", Some(&other)).await.problem(401, "token_invalid");
    app.get("/v1/me", Some(&user.access)).await.ok(200);
}

#[tokio::test]
async fn access_tokens_expire() {
    let app = TestApp::new();
    let user = app.register("expire@example.com").await;
    app.clock.advance(chrono::Duration::minutes(20));
    app.get("/v1/me", Some(&user.access)).await.problem(401, "token_expired");
}

#[tokio::test]
async fn password_reset_is_single_use_and_ends_sessions() {
    let app = TestApp::new();
    let user = app.register("reset@example.com").await;
    let unknown = app.post("/v1/auth/password/forgot", None, json!({ "email": "ghost@example.com" })).await;
    let known = app.post("/v1/auth/password/forgot", None, json!({ "email": user.email })).await;
    unknown.ok(202);
    known.ok(202);
    assert_eq!(unknown.body, known.body, "the same answer for unknown emails");

    let token = app.token_sent(&user.email, MessageKind::PasswordReset);
    let reset = json!({ "token": token, "new_password": "a brand new passphrase" });
    app.post("/v1/auth/password/reset", None, reset.clone()).await.ok(204);
    app.get("/v1/me", Some(&user.access)).await.problem(401, "token_invalid");
    let again = app.post("/v1/auth/password/reset", None, reset).await;
    assert_eq!(again.status.as_u16(), 401, "a used token is refused: {}", again.body);
    let login = json!({ "email": user.email, "password": "a brand new passphrase" });
    app.post("/v1/auth/login", None, login).await.ok(200);
}

#[tokio::test]
async fn password_change_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::new();
    let user = app.register("change@example.com").await;
    let other = app.post("/v1/auth/login", None, json!({ "email": user.email, "password": PASSWORD })).await;
    let other = other.ok(200)["access_token"].as_str().unwrap().to_string();

    let wrong = json!({ "current_password": "not it at all", "new_password": "another fine passphrase" });
    let answer = app.post("/v1/auth/password/change", Some(&user.access), wrong).await;
    assert_eq!(answer.status.as_u16(), 401, "{}", answer.body);
    let weak = json!({ "current_password": PASSWORD, "new_password": "short" });
    app.post("/v1/auth/password/change", Some(&user.access), weak).await.problem(422, "validation_failed");
    let good = json!({ "current_password": PASSWORD, "new_password": "another fine passphrase" });
    app.post("/v1/auth/password/change", Some(&user.access), good).await.ok(204);
    app.get("/v1/me", Some(&user.access)).await.ok(200);
    app.get("/v1/me", Some(&other)).await.problem(401, "token_invalid");
}

#[tokio::test]
async fn email_verification_resend_and_verify() {
    let app = TestApp::new();
    let user = app.register("verify@example.com").await;
    app.call(Method::POST, "/v1/auth/email/verify/resend", Some(&user.access), None).await.ok(202);
    let token = app.token_sent(&user.email, MessageKind::EmailVerification);
    app.post("/v1/auth/email/verify", None, json!({ "token": token })).await.ok(204);
    assert_eq!(app.get("/v1/me", Some(&user.access)).await.ok(200)["email_verified"], true);
    let again = app.post("/v1/auth/email/verify", None, json!({ "token": token })).await;
    assert_eq!(again.status.as_u16(), 401, "{}", again.body);
}

#[tokio::test]
async fn profile_update_and_account_deletion() {
    let app = TestApp::new();
    let user = app.register("profile@example.com").await;
    let patch = json!({ "display_name": "Ada", "bio": "Builds agents", "handle": "ada-l" });
    let updated = app.call(Method::PATCH, "/v1/me", Some(&user.access), Some(patch)).await;
    assert_eq!(updated.ok(200)["display_name"], "Ada");
    assert_eq!(updated.body["handle"], "ada-l");
    let bad = app.call(Method::PATCH, "/v1/me", Some(&user.access), Some(json!({ "handle": "NO!" }))).await;
    bad.problem(422, "validation_failed");

    let wrong = app.call(Method::DELETE, "/v1/me", Some(&user.access), Some(json!({ "password": "nope nope" }))).await;
    assert_eq!(wrong.status.as_u16(), 401, "{}", wrong.body);
    app.call(Method::DELETE, "/v1/me", Some(&user.access), Some(json!({ "password": PASSWORD }))).await.ok(204);
    let login = json!({ "email": user.email, "password": PASSWORD });
    app.post("/v1/auth/login", None, login).await.problem(401, "invalid_credentials");
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_with_retry_after() {
    let app = TestApp::new();
    let user = app.register("throttle@example.com").await;
    let wrong = json!({ "email": user.email, "password": "guess guess guess" });
    let mut limited = None;
    for _ in 0..20 {
        let answer = app.post("/v1/auth/login", None, wrong.clone()).await;
        if answer.status.as_u16() == 429 {
            limited = Some(answer);
            break;
        }
        answer.problem(401, "invalid_credentials");
    }
    let limited = limited.expect("login attempts get throttled");
    limited.problem(429, "rate_limited");
    assert!(limited.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
}

#[tokio::test]
async fn my_audit_and_jwks() {
    let app = TestApp::new();
    let user = app.register("audit-me@example.com").await;
    let page = app.get("/v1/me/audit?limit=5", Some(&user.access)).await;
    let items = page.ok(200)["items"].as_array().unwrap();
    assert!(items.iter().any(|r| r["action"] == "user.registered"), "{}", page.body);
    app.get("/v1/me/audit?cursor=tampered", Some(&user.access)).await.problem(400, "malformed_request");
    let jwks = app.get("/.well-known/jwks.json", None).await;
    assert!(jwks.ok(200)["keys"].as_array().unwrap().is_empty(), "HS256 has no public keys");
}
