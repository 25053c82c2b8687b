//! `TestApp`: one router over a fresh `MemoryStore`, and request helpers.

use std::net::SocketAddr;
use std::sync::Arc;

use agentmart_core::storage::Store;
use agentmart_core::testing::MemoryStore;
use agentmart_core::{Agentmart, Config, ManualClock, MemoryNotifier, MessageKind, Role};
use agentmart_http::{HttpOptions, router};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

pub fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc)
}

pub struct TestApp {
    pub router: Router,
    pub mart: Agentmart,
    pub clock: ManualClock,
    pub notifier: MemoryNotifier,
    /// The socket peer address requests come from.
    pub peer: SocketAddr,
}

/// An answer: status, headers, and the body as JSON (`Null` when empty, a
/// string when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem answer with this status and code; returns the body.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string() && self.body["type"].is_string());
        assert_eq!(self.body["request_id"].as_str(), self.header("x-request-id"), "request id in body and header");
        &self.body
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        &self.body
    }
}

/// A registered user.
#[derive(Debug, Clone)]
pub struct User {
    pub email: String,
    pub handle: String,
    pub id: String,
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    /// Default options, but no per-IP rate limit (tests register many users from one IP).
    pub fn new() -> Self {
        Self::with(Config::for_tests(), |_| {})
    }

    pub fn with_options(edit: impl FnOnce(&mut HttpOptions)) -> Self {
        Self::with(Config::for_tests(), edit)
    }

    pub fn with(config: Config, edit: impl FnOnce(&mut HttpOptions)) -> Self {
        let clock = ManualClock::new(start());
        let notifier = MemoryNotifier::new();
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let mart = Agentmart::builder(store, config)
            .clock(Arc::new(clock.clone()))
            .notifier(Arc::new(notifier.clone()))
            .build()
            .unwrap();
        let mut options = HttpOptions { auth_rate_limit: None, ..HttpOptions::default() };
        edit(&mut options);
        let router = router(mart.clone(), options);
        Self { router, mart, clock, notifier, peer: "203.0.113.7:40000".parse().unwrap() }
    }

    /// Sends a request built by the caller (the peer address is added).
    pub async fn send(&self, mut request: Request<Body>) -> Answer {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        self.send_without_peer(request).await
    }

    /// Sends a request as a host that serves the router without `ConnectInfo` would.
    pub async fn send_without_peer(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Answer { status, headers, body }
    }

    /// A JSON request (`body: None` sends no body), with an optional bearer token.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder.header("content-type", "application/json").body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn register(&self, email: &str) -> User {
        let answer = self.post("/v1/auth/register", None, json!({ "email": email, "password": PASSWORD })).await;
        let body = answer.ok(201);
        User {
            email: email.to_string(),
            handle: body["user"]["handle"].as_str().unwrap().to_string(),
            id: body["user"]["id"].as_str().unwrap().to_string(),
            access: body["tokens"]["access_token"].as_str().unwrap().to_string(),
            refresh: body["tokens"]["refresh_token"].as_str().unwrap().to_string(),
        }
    }

    /// Registers a user and makes them an admin (through core's trusted call).
    pub async fn admin(&self, email: &str) -> User {
        let user = self.register(email).await;
        self.mart.admin().set_role_by_email(email, Role::Admin).await.unwrap();
        user
    }

    /// The newest message of this kind to this address.
    pub fn token_sent(&self, to: &str, kind: MessageKind) -> String {
        self.notifier.last(to, kind).expect("a message was sent").token
    }

    /// Creates and publishes `owner/slug` at 1.0.0 with a complete definition.
    pub async fn published_agent(&self, owner: &User, slug: &str, name: &str) -> Value {
        let created = self.post("/v1/agents", Some(&owner.access), agent_body(slug, name)).await;
        created.ok(201);
        let path = format!("/v1/agents/{}/{slug}/versions", owner.handle);
        self.post(&path, Some(&owner.access), json!({ "version": "1.0.0" })).await.ok(201).clone()
    }
}

/// A complete, publishable definition.
pub fn agent_body(slug: &str, name: &str) -> Value {
    json!({
        "slug": slug,
        "name": name,
        "tagline": format!("{name} does things"),
        "description": "A helpful agent for tests.",
        "system_prompt": "You are a helpful assistant.",
        "input_modes": ["text/plain"],
        "output_modes": ["text/plain"],
        "tags": ["testing"],
        "category": "productivity",
        "conversation_starters": ["Hello"]
    })
}
