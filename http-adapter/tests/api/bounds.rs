//! Bounded input and output (issue 10): dates range-checked, validation that
//! never amplifies.

use axum::http::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn usage_dates_outside_a_sane_window_are_422_and_extreme_dates_do_not_panic() {
    let app = TestApp::new();
    let owner = app.register("dates@example.com").await;
    app.published_agent(&owner, "dated", "Dated").await;
    let agent = format!("/v1/agents/{}/dated/usage", owner.handle);
    // Today is 2026-03-01 on the test clock.
    for (query, fields) in [
        ("to=-262143-01-01", vec!["to"]),
        ("from=-262143-01-01", vec!["from"]),
        ("from=%2B262142-12-31&to=%2B262142-12-31", vec!["from", "to"]),
        ("from=1900-01-01&to=1900-01-31", vec!["from", "to"]),
        ("to=2026-03-03", vec!["to"]),
    ] {
        let answer = app.get(&format!("{agent}?{query}"), Some(&owner.access)).await;
        let body = answer.problem(422, "validation_failed");
        let got: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(got, fields, "{query}: {body}");
        assert!(body["errors"].as_array().unwrap().iter().all(|e| e["code"] == "out_of_range"), "{body}");
    }
    // The edges of the window are fine.
    let answer = app.get(&format!("{agent}?from=2026-03-02&to=2026-03-02"), Some(&owner.access)).await;
    assert_eq!(answer.ok(200)["items"].as_array().unwrap().len(), 1);
    let answer = app.get(&format!("{agent}?from=2016-03-04&to=2016-03-04"), Some(&owner.access)).await;
    assert_eq!(answer.ok(200)["items"].as_array().unwrap().len(), 1);
    // An extreme event time is refused, not computed with.
    let user = app.register("dates-user@example.com").await;
    app.call(Method::PUT, &format!("/v1/me/installs/{}/dated", owner.handle), Some(&user.access), None).await.ok(201);
    for at in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
        let answer = app.post(&agent, Some(&user.access), json!({ "occurred_at": at })).await;
        assert_eq!(answer.problem(422, "validation_failed")["errors"][0]["field"], "occurred_at", "{at}");
    }
}
