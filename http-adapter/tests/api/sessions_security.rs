//! Sessions and one-time tokens over HTTP (issue 10 items 8, 10 and 11):
//! idle timeout, the per-user session cap, `logout-others`, the admin's
//! session kill, paginated sessions and versions, and reset links that die
//! with the password.

use agentmart_core::{Config, MessageKind};
use axum::http::Method;
use chrono::Duration;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, User};

async fn login(app: &TestApp, user: &User) -> (String, String) {
    let answer = app.post("/v1/auth/login", None, json!({ "email": user.email, "password": PASSWORD })).await;
    let body = answer.ok(200);
    (body["access_token"].as_str().unwrap().to_string(), body["refresh_token"].as_str().unwrap().to_string())
}

async fn refresh(app: &TestApp, token: &str) -> crate::helpers::Answer {
    app.post("/v1/auth/refresh", None, json!({ "refresh_token": token })).await
}

#[tokio::test]
async fn a_refresh_after_the_idle_window_is_401_token_expired_and_each_refresh_extends_it() {
    let mut config = Config::for_tests();
    config.session_idle_timeout = std::time::Duration::from_secs(3600);
    let app = TestApp::with(config, |_| {});
    let ada = app.register("idle@example.com").await;
    app.clock.advance(Duration::seconds(3599));
    let next = refresh(&app, &ada.refresh).await;
    let token = next.ok(200)["refresh_token"].as_str().unwrap().to_string();
    app.clock.advance(Duration::seconds(3599));
    let next = refresh(&app, &token).await;
    let token = next.ok(200)["refresh_token"].as_str().unwrap().to_string();
    app.clock.advance(Duration::seconds(3600));
    refresh(&app, &token).await.problem(401, "token_expired");
}

#[tokio::test]
async fn past_the_session_cap_a_login_ends_the_oldest_session() {
    let mut config = Config::for_tests();
    config.max_sessions_per_user = 2;
    let app = TestApp::with(config, |_| {});
    let ada = app.register("cap@example.com").await;
    app.clock.advance(Duration::seconds(1));
    let (second, _) = login(&app, &ada).await;
    app.clock.advance(Duration::seconds(1));
    let (third, _) = login(&app, &ada).await;
    app.get("/v1/me", Some(&ada.access)).await.problem(401, "token_invalid");
    refresh(&app, &ada.refresh).await.problem(401, "token_invalid");
    app.get("/v1/me", Some(&second)).await.ok(200);
    let listed = app.get("/v1/auth/sessions", Some(&third)).await;
    assert_eq!(listed.ok(200)["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn logout_others_keeps_the_current_session_only() {
    let app = TestApp::new();
    let ada = app.register("others@example.com").await;
    let (keep, keep_refresh) = login(&app, &ada).await;
    let (gone, gone_refresh) = login(&app, &ada).await;
    app.call(Method::POST, "/v1/auth/logout-others", None, None).await.problem(401, "unauthenticated");
    let answer = app.call(Method::POST, "/v1/auth/logout-others", Some(&keep), None).await;
    assert_eq!(answer.status.as_u16(), 204, "{}", answer.body);
    app.get("/v1/me", Some(&ada.access)).await.problem(401, "token_invalid");
    app.get("/v1/me", Some(&gone)).await.problem(401, "token_invalid");
    refresh(&app, &gone_refresh).await.problem(401, "token_invalid");
    app.get("/v1/me", Some(&keep)).await.ok(200);
    let listed = app.get("/v1/auth/sessions", Some(&keep)).await;
    let items = listed.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["current"], true);
    refresh(&app, &keep_refresh).await.ok(200);
}

#[tokio::test]
async fn an_admin_ends_every_session_of_a_user_and_it_is_audited() {
    let app = TestApp::new();
    let ada = app.register("victim@example.com").await;
    let (other, _) = login(&app, &ada).await;
    let admin = app.admin("kill-admin@example.com").await;
    let path = format!("/v1/admin/users/{}/sessions", ada.id);
    app.call(Method::DELETE, &path, Some(&other), None).await.problem(403, "forbidden");
    app.call(Method::DELETE, &path, None, None).await.problem(401, "unauthenticated");
    let unknown = "/v1/admin/users/0190b5a0-0000-7000-8000-000000000000/sessions";
    app.call(Method::DELETE, unknown, Some(&admin.access), None).await.problem(404, "not_found");
    app.call(Method::DELETE, "/v1/admin/users/nope/sessions", Some(&admin.access), None)
        .await
        .problem(400, "malformed_request");
    let answer = app.call(Method::DELETE, &path, Some(&admin.access), None).await;
    assert_eq!(answer.status.as_u16(), 204, "{}", answer.body);
    app.get("/v1/me", Some(&ada.access)).await.problem(401, "token_invalid");
    app.get("/v1/me", Some(&other)).await.problem(401, "token_invalid");
    refresh(&app, &ada.refresh).await.problem(401, "token_invalid");
    app.get("/v1/me", Some(&admin.access)).await.ok(200);
    let audit = app.get("/v1/admin/audit?action=session.revoked_by_admin", Some(&admin.access)).await;
    let items = audit.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0]["actor"].as_str(), items[0]["subject"].as_str()),
        (Some(admin.id.as_str()), Some(ada.id.as_str()))
    );
}

#[tokio::test]
async fn sessions_and_versions_are_paginated_with_limit_cursor_and_next_cursor() {
    let app = TestApp::new();
    let ada = app.register("pages@example.com").await;
    for _ in 0..4 {
        app.clock.advance(Duration::seconds(1));
        login(&app, &ada).await;
    }
    let mut ids = Vec::new();
    let mut path = "/v1/auth/sessions?limit=2".to_string();
    loop {
        let page = app.get(&path, Some(&ada.access)).await;
        let body = page.ok(200).clone();
        ids.extend(body["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()));
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/auth/sessions?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(ids.len(), 5, "every session exactly once: {ids:?}");
    let all = app.get("/v1/auth/sessions", Some(&ada.access)).await;
    assert_eq!(all.ok(200)["items"].as_array().unwrap().len(), 5, "default limit");
    assert_eq!(all.body["next_cursor"], serde_json::Value::Null);
    app.get("/v1/auth/sessions?limit=0", Some(&ada.access)).await.problem(422, "validation_failed");
    app.get("/v1/auth/sessions?cursor=garbage", Some(&ada.access)).await.problem(400, "malformed_request");

    app.published_agent(&ada, "paged", "Paged").await;
    let versions = format!("/v1/agents/{}/paged/versions", ada.handle);
    for v in ["1.1.0", "1.10.0", "2.0.0-rc.1"] {
        app.post(&versions, Some(&ada.access), json!({ "version": v })).await.ok(201);
    }
    let first = app.get(&format!("{versions}?limit=3"), None).await;
    let body = first.ok(200).clone();
    let got: Vec<&str> = body["items"].as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap()).collect();
    assert_eq!(got, ["2.0.0-rc.1", "1.10.0", "1.1.0"]);
    let cursor = body["next_cursor"].as_str().expect("a second page");
    let second = app.get(&format!("{versions}?limit=3&cursor={cursor}"), None).await;
    let rest: Vec<&str> =
        second.ok(200)["items"].as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap()).collect();
    assert_eq!(rest, ["1.0.0"]);
    assert_eq!(second.body["next_cursor"], serde_json::Value::Null);
    app.get(&format!("{versions}?limit=101"), None).await.problem(422, "validation_failed");
    // A sessions cursor is not a versions cursor.
    let sessions_cursor = app.get("/v1/auth/sessions?limit=1", Some(&ada.access)).await.ok(200)["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("{versions}?cursor={sessions_cursor}"), None).await.problem(400, "malformed_request");
}

#[tokio::test]
async fn reset_links_die_with_a_login_a_change_and_a_disable() {
    let app = TestApp::new();
    let ada = app.register("links@example.com").await;
    let forgot = || app.post("/v1/auth/password/forgot", None, json!({ "email": "links@example.com" }));
    let reset = |token: String| {
        app.post("/v1/auth/password/reset", None, json!({ "token": token, "new_password": "an attacker's passphrase" }))
    };

    forgot().await.ok(202);
    let link = app.token_sent("links@example.com", MessageKind::PasswordReset);
    login(&app, &ada).await;
    reset(link).await.problem(401, "token_invalid");

    forgot().await.ok(202);
    let link = app.token_sent("links@example.com", MessageKind::PasswordReset);
    let change = json!({ "current_password": PASSWORD, "new_password": "a changed passphrase" });
    let answer = app.post("/v1/auth/password/change", Some(&ada.access), change).await;
    assert_eq!(answer.status.as_u16(), 204, "{}", answer.body);
    reset(link).await.problem(401, "token_invalid");

    forgot().await.ok(202);
    let link = app.token_sent("links@example.com", MessageKind::PasswordReset);
    let admin = app.admin("links-admin@example.com").await;
    let user_path = format!("/v1/admin/users/{}", ada.id);
    app.call(Method::PATCH, &user_path, Some(&admin.access), Some(json!({ "disabled": true }))).await.ok(200);
    reset(link).await.problem(401, "token_invalid");
}
