//! What every answer shares: problem documents, request ids, security
//! headers, limits, CORS, client addresses, health and metrics.

use std::time::Duration;

use agentmart_http::RateLimit;
use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn healthz_and_readyz_answer_ok_with_request_id_and_security_headers() {
    let app = TestApp::new();
    let health = app.get("/healthz", None).await;
    assert_eq!(health.ok(200)["status"], "ok");
    let id = health.header("x-request-id").unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7, "a generated id is a UUIDv7");
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(health.header("x-frame-options"), Some("DENY"));
    assert_eq!(health.header("referrer-policy"), Some("no-referrer"));
    assert!(health.header("content-security-policy").unwrap().contains("default-src 'none'"));
    assert!(health.header("strict-transport-security").is_none(), "no HSTS unless configured");

    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.ok(200)["status"], "ok");
}

#[tokio::test]
async fn hsts_is_sent_when_configured() {
    let app = TestApp::with_options(|o| o.hsts_max_age = Some(Duration::from_secs(31_536_000)));
    let answer = app.get("/healthz", None).await;
    assert_eq!(answer.header("strict-transport-security"), Some("max-age=31536000; includeSubDomains"));
}

#[tokio::test]
async fn a_sane_caller_request_id_is_kept_and_an_insane_one_replaced() {
    let app = TestApp::new();
    let request = Request::get("/v1/nope").header("x-request-id", "abc-123.def:9").body(Body::empty()).unwrap();
    let answer = app.send(request).await;
    assert_eq!(answer.header("x-request-id"), Some("abc-123.def:9"));
    assert_eq!(answer.problem(404, "not_found")["request_id"], "abc-123.def:9");

    let request = Request::get("/healthz").header("x-request-id", "bad id with spaces").body(Body::empty()).unwrap();
    let answer = app.send(request).await;
    assert_ne!(answer.header("x-request-id"), Some("bad id with spaces"));
    assert!(uuid::Uuid::parse_str(answer.header("x-request-id").unwrap()).is_ok());
}

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let app = TestApp::new();
    app.get("/v1/does-not-exist", None).await.problem(404, "not_found");
    app.get("/nope", None).await.problem(404, "not_found");
    // `/` is the web console (see `console.rs`; switched off it is a 404 too).
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = TestApp::new();
    let answer = app.call(Method::DELETE, "/v1/auth/login", None, None).await;
    answer.problem(405, "malformed_request");
    assert!(answer.header("allow").unwrap().contains("POST"));
}

#[tokio::test]
async fn bad_bodies_are_malformed_request_problems() {
    let app = TestApp::new();
    // Unparsable JSON.
    let request = Request::post("/v1/auth/login")
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    app.send(request).await.problem(400, "malformed_request");
    // Wrong content type.
    let request = Request::post("/v1/auth/login").header("content-type", "text/plain").body(Body::from("{}")).unwrap();
    app.send(request).await.problem(400, "malformed_request");
    // Missing field and wrong type.
    app.post("/v1/auth/login", None, json!({ "email": "a@example.com" })).await.problem(400, "malformed_request");
    app.post("/v1/auth/login", None, json!({ "email": 3, "password": "x" })).await.problem(400, "malformed_request");
    // No body at all.
    app.call(Method::POST, "/v1/auth/register", None, None).await.problem(400, "malformed_request");
}

#[tokio::test]
async fn bad_path_and_query_parameters_are_malformed_request_problems() {
    let app = TestApp::new();
    let user = app.register("paths@example.com").await;
    let answer = app.call(Method::DELETE, "/v1/auth/sessions/not-a-uuid", Some(&user.access), None).await;
    answer.problem(400, "malformed_request");
    app.get("/v1/agents?limit=many", None).await.problem(400, "malformed_request");
    app.get("/v1/agents?sort=sideways", None).await.problem(400, "malformed_request");
}

#[tokio::test]
async fn an_oversized_body_is_413_payload_too_large() {
    let app = TestApp::with_options(|o| o.body_limit = Some(1024));
    let big = "x".repeat(4096);
    let answer = app.post("/v1/auth/register", None, json!({ "email": "big@example.com", "password": big })).await;
    answer.problem(413, "payload_too_large");
    // Without a limit the same body reaches core (which refuses the password by its own rule).
    let app = TestApp::with_options(|o| o.body_limit = None);
    let big = "x".repeat(4096);
    let answer = app.post("/v1/auth/register", None, json!({ "email": "big@example.com", "password": big })).await;
    assert_eq!(answer.body["errors"][0]["field"], "password", "{}", answer.body);
    answer.problem(422, "validation_failed");
}

#[tokio::test]
async fn the_auth_routes_are_rate_limited_per_ip_with_retry_after() {
    let app = TestApp::with_options(|o| o.auth_rate_limit = Some(RateLimit::new(3, Duration::from_secs(60))));
    let body = json!({ "email": "nobody@example.com", "password": "wrong password" });
    for _ in 0..3 {
        app.post("/v1/auth/login", None, body.clone()).await.problem(401, "invalid_credentials");
    }
    let limited = app.post("/v1/auth/login", None, body.clone()).await;
    limited.problem(429, "rate_limited");
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "retry-after {wait}");
    // Other routes are not limited.
    app.get("/healthz", None).await.ok(200);
    // Another client IP has its own budget.
    let mut other = TestApp { peer: "198.51.100.9:1234".parse().unwrap(), ..app };
    other.post("/v1/auth/login", None, body.clone()).await.problem(401, "invalid_credentials");
    // The window passes.
    other.peer = "203.0.113.7:40000".parse().unwrap();
    other.clock.advance(chrono::Duration::seconds(61));
    other.post("/v1/auth/login", None, body).await.problem(401, "invalid_credentials");
}

#[tokio::test]
async fn cors_is_off_by_default_and_follows_the_allow_list() {
    let preflight = || {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/v1/me")
            .header("origin", "https://app.example.com")
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .unwrap()
    };
    let app = TestApp::new();
    let answer = app.send(preflight()).await;
    assert!(answer.header("access-control-allow-origin").is_none());

    let app = TestApp::with_options(|o| o.cors_allowed_origins = vec!["https://app.example.com".into()]);
    let answer = app.send(preflight()).await;
    assert_eq!(answer.header("access-control-allow-origin"), Some("https://app.example.com"));
    let request = Request::get("/healthz").header("origin", "https://evil.example").body(Body::empty()).unwrap();
    assert!(app.send(request).await.header("access-control-allow-origin").is_none());
}

async fn session_ip(app: &TestApp, forwarded: Option<&str>) -> String {
    let email = format!("ip{}@example.com", uuid::Uuid::now_v7().simple());
    let mut request = Request::post("/v1/auth/register").header("content-type", "application/json");
    if let Some(xff) = forwarded {
        request = request.header("x-forwarded-for", xff);
    }
    let body = json!({ "email": email, "password": PASSWORD }).to_string();
    let registered = app.send(request.body(Body::from(body)).unwrap()).await;
    let token = registered.ok(201)["tokens"]["access_token"].as_str().unwrap().to_string();
    let sessions = app.get("/v1/auth/sessions", Some(&token)).await;
    sessions.ok(200)["items"][0]["ip"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_from_trusted_proxies() {
    let app = TestApp::new();
    assert_eq!(session_ip(&app, Some("192.0.2.50")).await, "203.0.113.7", "ignored by default");

    let app = TestApp::with_options(|o| o.trusted_proxies = vec!["203.0.113.0/24".parse().unwrap()]);
    assert_eq!(session_ip(&app, None).await, "203.0.113.7");
    assert_eq!(session_ip(&app, Some("192.0.2.50")).await, "192.0.2.50");
    // A client cannot spoof by prepending: the right-most untrusted hop wins.
    assert_eq!(session_ip(&app, Some("10.9.9.9, 192.0.2.50")).await, "192.0.2.50");
    assert_eq!(session_ip(&app, Some("192.0.2.50, 203.0.113.99")).await, "192.0.2.50");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_login_outcomes() {
    let app = TestApp::new();
    app.get("/healthz", None).await.ok(200);
    app.get("/v1/nope", None).await.problem(404, "not_found");
    let user = app.register("metrics@example.com").await;
    app.post("/v1/auth/login", None, json!({ "email": user.email, "password": PASSWORD })).await.ok(200);
    app.post("/v1/auth/login", None, json!({ "email": user.email, "password": "nope nope nope" }))
        .await
        .problem(401, "invalid_credentials");
    let answer = app.get("/metrics", None).await;
    let text = answer.ok(200).as_str().unwrap();
    assert!(answer.header("content-type").unwrap().starts_with("text/plain"));
    assert!(text.contains(r#"agentmart_http_requests_total{method="GET",route="/healthz",status="200"} 1"#), "{text}");
    assert!(text.contains(r#"route="unmatched",status="404"} 1"#), "{text}");
    assert!(text.contains("agentmart_http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains(r#"agentmart_logins_total{outcome="success"} 1"#), "{text}");
    assert!(text.contains(r#"agentmart_logins_total{outcome="invalid_credentials"} 1"#), "{text}");

    let app = TestApp::with_options(|o| o.metrics = false);
    app.get("/metrics", None).await.problem(404, "not_found");
}

#[tokio::test]
async fn unauthenticated_answers_carry_www_authenticate() {
    let app = TestApp::new();
    let answer = app.get("/v1/me", None).await;
    answer.problem(401, "unauthenticated");
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
    let request = Request::get("/v1/me").header("authorization", "Basic dXNlcjpwYXNz").body(Body::empty()).unwrap();
    app.send(request).await.problem(401, "unauthenticated");
    app.get("/v1/me", Some("not-a-jwt")).await.problem(401, "token_invalid");
}
