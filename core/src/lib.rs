//! # agentmart-core
//!
//! The business rules of agentmart, an embeddable AI-agent marketplace:
//! accounts and sessions, a builder for custom agents, and a marketplace to
//! browse, install, rate and use them — over pluggable storage.
//!
//! Build an [`Agentmart`] from a [`storage::Store`] and a [`Config`], then use
//! its services:
//!
//! | service | what it holds |
//! |---|---|
//! | [`Agentmart::auth`] | registration, login, refresh-token rotation, logout, sessions, password reset, email verification, profiles, bring-your-own-identity principals |
//! | [`Agentmart::agents`] | the builder: drafts, validation, preview, publish immutable semver versions, lifecycle, A2A cards |
//! | [`Agentmart::market`] | list/search/filter/sort with cursors, detail, installs, ratings and reviews, usage |
//! | [`Agentmart::admin`] | audit trail, users and roles, moderation |
//!
//! Every call returns [`Result`]; every [`Error`] has a stable [`ErrorCode`]
//! (the same string in Rust, HTTP, Python and Node), and validation errors list
//! every failing field ([`Error::field_errors`]).
//!
//! ## Storage
//!
//! Stores implement the small traits of [`storage`] (each method one atomic
//! business rule, its contract in its docs). Backends: `agentmart-storage-sled`
//! (embedded default), `agentmart-storage-sqlx` (SQLite, PostgreSQL), and
//! [`testing::MemoryStore`] (feature `testing`) for tests. A backend proves
//! itself by running [`conformance_tests!`] — the same suite for all.
//!
//! ## Example
//!
//! A whole marketplace round trip (run with the in-memory store; swap in
//! `agentmart_storage_sled::SledStore::open("./data")?` for a real one):
//!
#![cfg_attr(feature = "testing", doc = "```")]
#![cfg_attr(not(feature = "testing"), doc = "```ignore")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> agentmart_core::Result<()> {
//! use std::sync::Arc;
//!
//! use agentmart_core::agents::{CreateAgent, PublishRequest};
//! use agentmart_core::auth::RegisterRequest;
//! use agentmart_core::market::{InstallRequest, ListAgents, RateRequest};
//! use agentmart_core::{AgentDefinition, AgentRef, Agentmart, ClientInfo, Config, ErrorCode};
//!
//! let store = Arc::new(agentmart_core::testing::MemoryStore::new());
//! // Production: Config::with_hs256_secret(secret) — OWASP argon2id parameters.
//! let mart = Agentmart::new(store, Config::for_tests())?;
//! let client = ClientInfo::from_ip("203.0.113.7");
//!
//! let register = |email: &str| RegisterRequest {
//!     email: email.into(),
//!     password: "a long unusual passphrase".into(),
//!     handle: None,
//!     display_name: None,
//! };
//! let ada = mart.auth().register(register("ada@example.com"), &client).await?;
//! let bob = mart.auth().register(register("bob@example.com"), &client).await?;
//! let ada_p = mart.auth().authenticate(&ada.tokens.access_token).await?;
//! let bob_p = mart.auth().authenticate(&bob.tokens.access_token).await?;
//!
//! // Ada builds and publishes an agent.
//! let definition = AgentDefinition {
//!     name: "Haiku Writer".into(),
//!     system_prompt: "You write haiku.".into(),
//!     input_modes: vec!["text/plain".into()],
//!     output_modes: vec!["text/plain".into()],
//!     ..Default::default()
//! };
//! mart.agents().create(&ada_p, CreateAgent { slug: "haiku".into(), definition }).await?;
//! let haiku = AgentRef::new("ada", "haiku");
//! mart.agents().publish(&ada_p, &haiku, PublishRequest { version: "1.0.0".into(), changelog: None }).await?;
//!
//! // Bob finds it, installs it and rates it.
//! let found = mart.market().list(None, ListAgents { q: Some("haiku".into()), ..Default::default() }).await?;
//! assert_eq!(found.items[0].slug, "haiku");
//! mart.market().install(&bob_p, &haiku, InstallRequest::default()).await?;
//! mart.market().rate(&bob_p, &haiku, RateRequest { stars: 5, title: None, body: None }).await?;
//!
//! // Rules are enforced with stable codes: nobody rates their own agent.
//! let err = mart.market().rate(&ada_p, &haiku, RateRequest { stars: 5, title: None, body: None }).await.unwrap_err();
//! assert_eq!(err.code(), ErrorCode::Forbidden);
//!
//! let detail = mart.market().detail(Some(&bob_p), &haiku).await?;
//! assert_eq!((detail.install_count, detail.rating.count), (1, 1));
//! # Ok(()) }
//! ```

pub mod admin;
pub mod agents;
pub mod auth;
pub mod clock;
mod common;
pub mod config;
mod context;
mod cursor;
pub mod error;
mod facade;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod ids;
pub mod limits;
pub mod market;
pub mod model;
pub mod notify;
pub mod provider;
pub mod ranking;
#[cfg(feature = "schema")]
pub mod schema;
pub mod storage;
pub mod sweep;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod text;
pub mod transfer;

pub use admin::AdminService;
pub use agents::AgentsService;
pub use auth::AuthService;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    Config, HashingParams, JwtAlgorithm, JwtConfig, JwtKey, PasswordPolicy, SweepConfig, ThrottleConfig, WriteLimits,
};
pub use error::{Error, ErrorCode, FieldError, Result};
pub use facade::{Agentmart, AgentmartBuilder};
pub use ids::{AgentId, AuditId, ReviewId, SessionId, UserId};
pub use market::MarketService;
pub use model::*;
pub use notify::{LogNotifier, MemoryNotifier, Message, MessageKind, Notifier};
pub use provider::{ChatMessage, ChatRequest, ChatResponse, ModelProvider};
