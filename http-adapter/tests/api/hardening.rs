//! Security hardening of the edge (issue 10): client addresses behind proxies,
//! per-/64 keying of IPv6 clients, fail-closed throttling without a known
//! client address, reserved login attempts under concurrency.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentmart_core::Config;
use agentmart_http::RateLimit;
use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

/// Log lines written while a test runs (the test's thread only).
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Captures this thread's logs until the guard drops.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::fmt().with_writer(self.clone()).with_ansi(false).finish();
        tracing::subscriber::set_default(subscriber)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Registers a fresh user through the edge with this `X-Forwarded-For` and
/// returns the IP its session recorded (`Null` when the client is unknown).
async fn session_ip(app: &TestApp, forwarded: &str) -> Value {
    let email = format!("xff{}@example.com", uuid::Uuid::now_v7().simple());
    let request = Request::post("/v1/auth/register")
        .header("content-type", "application/json")
        .header("x-forwarded-for", forwarded)
        .body(Body::from(json!({ "email": email, "password": PASSWORD }).to_string()))
        .unwrap();
    let registered = app.send(request).await;
    let token = registered.ok(201)["tokens"]["access_token"].as_str().unwrap().to_string();
    app.get("/v1/auth/sessions", Some(&token)).await.ok(200)["items"][0]["ip"].clone()
}

#[tokio::test]
async fn an_unparsable_forwarded_hop_is_untrusted_and_never_falls_back_to_the_proxy() {
    // The peer (203.0.113.7) is a trusted proxy.
    let app = TestApp::with_options(|o| o.trusted_proxies = vec!["203.0.113.0/24".parse().unwrap()]);
    for (xff, expected) in [
        // The walk stops at the first unparsable hop from the right: the client is unknown,
        // not the proxy's own address.
        ("garbage", Value::Null),
        ("unknown", Value::Null),
        ("192.0.2.50, garbage", Value::Null),
        ("192.0.2.50, not-an-ip, 203.0.113.99", Value::Null),
        // An untrusted address to the right of the garbage ends the walk first.
        ("garbage, 192.0.2.50", json!("192.0.2.50")),
        ("garbage, 192.0.2.50, 203.0.113.99", json!("192.0.2.50")),
        // Hops with ports, as some load balancers write them.
        ("198.51.100.4:5123", json!("198.51.100.4")),
        ("[2001:db8::1]:443", json!("2001:db8::1")),
        // Empty hops are skipped.
        ("192.0.2.51, , ", json!("192.0.2.51")),
    ] {
        assert_eq!(session_ip(&app, xff).await, expected, "X-Forwarded-For: {xff}");
    }
    // Several header lines are one list, in order.
    let email = "lines@example.com";
    let request = Request::post("/v1/auth/register")
        .header("content-type", "application/json")
        .header("x-forwarded-for", "192.0.2.60")
        .header("x-forwarded-for", "junk")
        .body(Body::from(json!({ "email": email, "password": PASSWORD }).to_string()))
        .unwrap();
    let token = app.send(request).await.ok(201)["tokens"]["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/v1/auth/sessions", Some(&token)).await.ok(200)["items"][0]["ip"], Value::Null);
}

#[tokio::test]
async fn clients_behind_a_proxy_with_garbage_hops_are_not_folded_into_the_proxys_rate_limit() {
    let app = TestApp::with_options(|o| {
        o.trusted_proxies = vec!["203.0.113.0/24".parse().unwrap()];
        o.auth_rate_limit = Some(RateLimit::new(2, Duration::from_secs(60)));
    });
    let login = |xff: &'static str| {
        Request::post("/v1/auth/login")
            .header("content-type", "application/json")
            .header("x-forwarded-for", xff)
            .body(Body::from(json!({ "email": "nobody@example.com", "password": "wrong password" }).to_string()))
            .unwrap()
    };
    // Unknown clients (garbage hops) are not counted under the proxy's address...
    for _ in 0..5 {
        app.send(login("garbage")).await.problem(401, "invalid_credentials");
    }
    // ... so a real client behind the same proxy still has its whole budget.
    app.send(login("192.0.2.70")).await.problem(401, "invalid_credentials");
    app.send(login("192.0.2.70")).await.problem(401, "invalid_credentials");
    app.send(login("192.0.2.70")).await.problem(429, "rate_limited");
}

#[tokio::test]
async fn ipv6_clients_share_one_per_ip_rate_limit_per_64() {
    let mut app = TestApp::with_options(|o| o.auth_rate_limit = Some(RateLimit::new(2, Duration::from_secs(60))));
    let body = json!({ "email": "nobody@example.com", "password": "wrong password" });
    app.peer = "[2001:db8:1:2::1]:40000".parse().unwrap();
    app.post("/v1/auth/login", None, body.clone()).await.problem(401, "invalid_credentials");
    app.peer = "[2001:db8:1:2:ffff:ffff:ffff:fffe]:40001".parse().unwrap();
    app.post("/v1/auth/login", None, body.clone()).await.problem(401, "invalid_credentials");
    // A third address of the same /64: over the shared budget.
    app.peer = "[2001:db8:1:2:abcd::9]:40002".parse().unwrap();
    app.post("/v1/auth/login", None, body.clone()).await.problem(429, "rate_limited");
    // Another /64 has its own budget.
    app.peer = "[2001:db8:1:3::1]:40000".parse().unwrap();
    app.post("/v1/auth/login", None, body.clone()).await.problem(401, "invalid_credentials");
    // The window is core's clock: it passes when the Agentmart's clock moves.
    app.clock.advance(chrono::Duration::seconds(61));
    app.peer = "[2001:db8:1:2::1]:40000".parse().unwrap();
    app.post("/v1/auth/login", None, body).await.problem(401, "invalid_credentials");
}

#[tokio::test]
async fn ipv6_clients_share_one_login_throttle_key_per_64() {
    let mut app = TestApp::new();
    let victim = app.register("v6@example.com").await;
    let wrong = json!({ "email": victim.email, "password": "wrong password" });
    // 5 failures per client key are allowed, spread over addresses of one /64.
    for n in 1..=5 {
        app.peer = format!("[2001:db8:9:9::{n}]:40000").parse().unwrap();
        app.post("/v1/auth/login", None, wrong.clone()).await.problem(401, "invalid_credentials");
    }
    app.peer = "[2001:db8:9:9:ffff::1]:40000".parse().unwrap();
    app.post("/v1/auth/login", None, wrong.clone()).await.problem(429, "rate_limited");
    // Another /64 is another client.
    app.peer = "[2001:db8:9:a::1]:40000".parse().unwrap();
    app.post("/v1/auth/login", None, wrong).await.problem(401, "invalid_credentials");
}

fn login_without_peer(email: &str, password: &str) -> Request<Body> {
    Request::post("/v1/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(json!({ "email": email, "password": password }).to_string()))
        .unwrap()
}

#[tokio::test]
async fn without_connect_info_the_router_warns_once_and_throttles_account_wide_only() {
    let logs = Captured::default();
    let _guard = logs.install();
    let mut config = Config::for_tests();
    config.throttle.per_account_failures = 8;
    let app = TestApp::with(config, |o| o.auth_rate_limit = Some(RateLimit::new(2, Duration::from_secs(60))));
    let user = app.register("keyless@example.com").await;
    // The owner's laptop, with an address, logs in once: a known client.
    let laptop = TestApp { peer: "198.51.100.9:1234".parse().unwrap(), ..app };
    laptop.post("/v1/auth/login", None, json!({ "email": user.email, "password": PASSWORD })).await.ok(200);

    // A keyless login succeeds, but makes no client "known": there is no key to remember.
    laptop.send_without_peer(login_without_peer(&user.email, PASSWORD)).await.ok(200);
    // The per-IP limit (2 per minute here) cannot count clients without an
    // address, and login throttling does not fold them into one client key:
    // 8 failures (the account-wide budget) are answered, not 5 (per client).
    for _ in 0..8 {
        laptop
            .send_without_peer(login_without_peer(&user.email, "wrong password"))
            .await
            .problem(401, "invalid_credentials");
    }
    // Past the account-wide budget every keyless client waits, the earlier
    // keyless login notwithstanding (fail-closed)...
    laptop.send_without_peer(login_without_peer(&user.email, PASSWORD)).await.problem(429, "rate_limited");
    // ... while the known laptop is still let in (no lockout of the owner).
    laptop.post("/v1/auth/login", None, json!({ "email": user.email, "password": PASSWORD })).await.ok(200);
    let text = logs.text();
    assert_eq!(text.matches("without ConnectInfo").count(), 1, "warned exactly once: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_logins_get_at_most_the_budget_of_password_checks() {
    let app = TestApp::with(Config::for_tests(), |o| o.auth_rate_limit = None);
    let user = app.register("parallel@example.com").await;
    let budget = Config::for_tests().throttle.per_client_failures as usize;
    let wrong = json!({ "email": user.email, "password": "a wrong guess" });
    let answers = futures::future::join_all((0..30).map(|_| app.post("/v1/auth/login", None, wrong.clone()))).await;
    let checked = answers.iter().filter(|a| a.status == 401).count();
    let refused: Vec<_> = answers.iter().filter(|a| a.status == 429).collect();
    assert_eq!((checked, refused.len()), (budget, 30 - budget), "one client gets its budget of password checks");
    for answer in refused {
        answer.problem(429, "rate_limited");
        assert!(answer.header("retry-after").is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
    }
}

/// A clock that panics while armed: a stand-in for any bug deep in a request.
#[derive(Debug, Clone, Default)]
struct TrippingClock(Arc<std::sync::atomic::AtomicBool>);

impl agentmart_core::Clock for TrippingClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        if self.0.load(std::sync::atomic::Ordering::SeqCst) {
            panic!("the clock tripped");
        }
        chrono::Utc::now()
    }
}

#[tokio::test]
async fn a_panic_in_a_request_is_a_500_problem_with_request_id_logged_with_its_location() {
    let logs = Captured::default();
    let _guard = logs.install();
    let clock = TrippingClock::default();
    let store: Arc<dyn agentmart_core::storage::Store> = Arc::new(agentmart_core::testing::MemoryStore::new());
    let mart =
        agentmart_core::Agentmart::builder(store, Config::for_tests()).clock(Arc::new(clock.clone())).build().unwrap();
    let router = agentmart_http::router(mart.clone(), agentmart_http::HttpOptions::default());
    let app = TestApp {
        router,
        mart,
        clock: agentmart_core::ManualClock::new(crate::helpers::start()),
        notifier: agentmart_core::MemoryNotifier::new(),
        peer: "203.0.113.7:40000".parse().unwrap(),
    };
    app.register("panic@example.com").await;

    clock.0.store(true, std::sync::atomic::Ordering::SeqCst);
    let request = Request::post("/v1/auth/login")
        .header("content-type", "application/json")
        .header("x-request-id", "panic-probe-1")
        .body(Body::from(json!({ "email": "panic@example.com", "password": PASSWORD }).to_string()))
        .unwrap();
    let answer = app.send(request).await;
    let body = answer.problem(500, "internal");
    assert_eq!(body["request_id"], "panic-probe-1");
    assert!(!body.to_string().contains("tripped"), "the panic message is not shown: {body}");
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"), "the edge still finished the answer");

    // The log line carries the request id, the panic's message and its location.
    let text = logs.text();
    let line = text.lines().find(|l| l.contains("request failed")).unwrap_or_else(|| panic!("logged: {text}"));
    assert!(line.contains("panic-probe-1"), "{line}");
    assert!(line.contains("the clock tripped"), "{line}");
    assert!(line.contains("hardening.rs:"), "the location of the panic: {line}");

    // The service goes on.
    clock.0.store(false, std::sync::atomic::Ordering::SeqCst);
    app.post("/v1/auth/login", None, json!({ "email": "panic@example.com", "password": PASSWORD })).await.ok(200);
}

#[tokio::test]
async fn auth_routes_can_be_switched_off_for_hosts_with_their_own_identity() {
    let app = TestApp::with_options(|o| o.auth_routes = false);
    for path in ["/v1/auth/register", "/v1/auth/login", "/v1/auth/refresh", "/v1/auth/password/forgot"] {
        let answer = app.post(path, None, json!({ "email": "x@example.com", "password": PASSWORD })).await;
        answer.problem(404, "not_found");
    }
    app.get("/v1/auth/sessions", None).await.problem(404, "not_found");
    // The rest of the API is still served (to host principals and core-issued tokens).
    app.get("/v1/agents", None).await.ok(200);
    let request = agentmart_core::auth::RegisterRequest {
        email: "host-user@example.com".into(),
        password: PASSWORD.into(),
        handle: None,
        display_name: None,
    };
    let client = agentmart_core::ClientInfo::from_ip("192.0.2.1");
    let tokens = app.mart.auth().register(request, &client).await.unwrap().tokens;
    app.get("/v1/me", Some(&tokens.access_token)).await.ok(200);
}

#[tokio::test]
async fn a_cors_wildcard_means_any_origin_without_credentials() {
    let app = TestApp::with_options(|o| o.cors_allowed_origins = vec!["*".into()]);
    let preflight = Request::builder()
        .method(axum::http::Method::OPTIONS)
        .uri("/v1/me")
        .header("origin", "https://anywhere.example")
        .header("access-control-request-method", "GET")
        .body(Body::empty())
        .unwrap();
    let answer = app.send(preflight).await;
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    assert!(answer.header("access-control-allow-credentials").is_none());
    let request = Request::get("/healthz").header("origin", "https://other.example").body(Body::empty()).unwrap();
    assert_eq!(app.send(request).await.header("access-control-allow-origin"), Some("*"));
}
