//! Storage failures through the router: `unavailable` and `internal` answers
//! carry no internals, are counted, and `/readyz` reports the store down.
//! The store is core's `testing::FaultyStore` over the in-memory store.

use std::sync::Arc;

use agentmart_core::storage::Store;
use agentmart_core::testing::{Fault, FaultyStore, MemoryStore};
use agentmart_core::{Agentmart, Config};
use agentmart_http::{HttpOptions, router};
use serde_json::json;

use crate::helpers::TestApp;

fn flaky_app() -> (TestApp, Arc<FaultyStore>) {
    let faulty = Arc::new(FaultyStore::new(Arc::new(MemoryStore::new())));
    let store: Arc<dyn Store> = faulty.clone();
    let mart = Agentmart::builder(store, Config::for_tests()).build().unwrap();
    let base = TestApp::new();
    let options = HttpOptions { auth_rate_limit: None, ..HttpOptions::default() };
    (TestApp { router: router(mart.clone(), options), mart, ..base }, faulty)
}

#[tokio::test]
async fn a_store_that_is_down_answers_503_without_internals_and_readyz_says_so() {
    let (app, store) = flaky_app();
    app.get("/readyz", None).await.ok(200);
    store.fail_all(Fault::unavailable("connection refused by 10.1.2.3:5432"));
    let ready = app.get("/readyz", None).await;
    ready.problem(503, "unavailable");
    let list = app.get("/v1/agents", None).await;
    let body = list.problem(503, "unavailable").to_string();
    assert!(!body.contains("10.1.2.3"), "no internals: {body}");
    app.get("/healthz", None).await.ok(200);
    store.heal();
    app.get("/readyz", None).await.ok(200);
}

#[tokio::test]
async fn a_broken_store_answers_500_internal_with_the_request_id_only() {
    let (app, store) = flaky_app();
    store.fail_all(Fault::backend("checksum mismatch in /var/lib/secret.db"));
    let body = json!({ "email": "x@example.com", "password": crate::helpers::PASSWORD });
    let answer = app.post("/v1/auth/register", None, body).await;
    let problem = answer.problem(500, "internal").clone();
    let text = problem.to_string();
    assert!(!text.contains("checksum") && !text.contains("/var/lib"), "no internals: {text}");
    assert!(problem["detail"].as_str().unwrap().contains("request id"));
    store.heal();
    let metrics = app.get("/metrics", None).await;
    let metrics = metrics.ok(200).as_str().unwrap();
    assert!(metrics.contains(r#"agentmart_store_errors_total{code="internal"} 1"#), "{metrics}");
}

#[tokio::test]
async fn one_failing_method_fails_only_its_routes_and_the_service_resumes_when_healed() {
    let (app, store) = flaky_app();
    store.fail_method("list_catalog", Fault::unavailable("replica lagging"));
    app.get("/v1/agents", None).await.problem(503, "unavailable");
    app.get("/readyz", None).await.ok(200);
    store.heal();
    app.get("/v1/agents", None).await.ok(200);
}
