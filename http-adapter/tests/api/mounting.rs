//! A host mounting the router under a prefix beside its own routes, with its
//! own login minting principals (bring-your-own-identity).

use agentmart_core::auth::ExternalIdentity;
use agentmart_core::{Agentmart, Principal};
use agentmart_http::{HttpOptions, router};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use crate::helpers::TestApp;

async fn host_login(State(mart): State<Agentmart>, mut req: Request, next: Next) -> Response {
    if let Some(user) = req.headers().get("x-host-user").and_then(|v| v.to_str().ok()).map(str::to_owned) {
        let identity =
            ExternalIdentity { external_id: format!("host:{user}"), handle: Some(user), ..Default::default() };
        let principal: Principal = mart.auth().principal_for_external(identity).await.unwrap();
        req.extensions_mut().insert(principal);
    }
    next.run(req).await
}

#[tokio::test]
async fn the_router_mounts_under_a_prefix_with_host_identities() {
    let base = TestApp::new();
    let mart = base.mart.clone();
    let host = axum::Router::new()
        .route("/", get(|| async { "host home" }))
        .nest("/market", router(mart.clone(), HttpOptions { auth_rate_limit: None, ..HttpOptions::default() }))
        .layer(axum::middleware::from_fn_with_state(mart, host_login));
    let app = TestApp { router: host, ..base };

    assert_eq!(app.get("/", None).await.ok(200), "host home");
    app.get("/market/healthz", None).await.ok(200);
    app.get("/market/v1/nope", None).await.problem(404, "not_found");
    app.get("/market/v1/me", None).await.problem(401, "unauthenticated");

    let as_alice = |method: Method, path: &str, body: Option<serde_json::Value>| {
        let mut request = axum::http::Request::builder().method(method).uri(path).header("x-host-user", "alice");
        let body = match body {
            Some(b) => {
                request = request.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        request.body(body).unwrap()
    };
    let me = app.send(as_alice(Method::GET, "/market/v1/me", None)).await;
    assert_eq!(me.ok(200)["handle"], "alice");
    let created =
        app.send(as_alice(Method::POST, "/market/v1/agents", Some(json!({ "slug": "hi", "name": "Hi" })))).await;
    assert_eq!(created.ok(201)["owner"], "alice");
    let mine = app.send(as_alice(Method::GET, "/market/v1/me/agents", None)).await;
    assert_eq!(mine.ok(200)["items"][0]["slug"], "hi");
    // The same external id maps to the same user every time.
    let again = app.send(as_alice(Method::GET, "/market/v1/me", None)).await;
    assert_eq!(again.body["id"], me.body["id"]);
}

#[tokio::test]
async fn a_request_over_the_timeout_is_503_unavailable() {
    let mut config = agentmart_core::Config::for_tests();
    config.hashing = agentmart_core::HashingParams::OWASP;
    let app = TestApp::with(config, |o| o.request_timeout = Some(std::time::Duration::from_millis(1)));
    let body = json!({ "email": "slow@example.com", "password": crate::helpers::PASSWORD });
    let answer = app.post("/v1/auth/register", None, body).await;
    answer.problem(503, "unavailable");
}
