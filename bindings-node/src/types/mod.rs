//! The JavaScript shapes of requests and results.
//!
//! This file holds what every service shares (the enumerations, field
//! errors, client info, page requests, agent references and the serde
//! conversions); each service's own shapes live in `types/auth.rs`,
//! `types/agents.rs` and `types/market.rs`, re-exported here so every shape
//! is `types::Name`.
//!
//! Each struct mirrors a core type field for field; napi turns the Rust
//! snake_case names into camelCase on the JavaScript side. Results are built
//! from the core values through their serde form (the field names of both
//! sides are the same in serde). serde ignores a key the mirror lacks, so the
//! mirrors are checked against core's JSON Schemas instead:
//! `bindings-node/tests/mirror.rs` compares every interface and string union
//! of the generated `binding.d.ts` with `agentmart_core::schema::components()`
//! and fails on a missing or extra field or enum value. Ids are strings
//! (UUIDv7), times are RFC 3339 strings, versions are semver strings.

#![allow(missing_docs)] // fields mirror documented core types; see the core docs

use napi::bindgen_prelude::{Either, Null};
use napi_derive::napi;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use agentmart_core as am;

mod agents;
mod auth;
mod market;

pub use agents::*;
pub use auth::*;
pub use market::*;

/// Core value → JavaScript shape (through serde; a mismatch is `internal`).
pub(crate) fn to_js<C: Serialize, J: DeserializeOwned>(value: C) -> am::Result<J> {
    let json = serde_json::to_value(value).map_err(am::Error::internal)?;
    serde_json::from_value(json).map_err(am::Error::internal)
}

/// JavaScript request → core request (a mismatch is `malformed_request`).
pub(crate) fn from_js<J: Serialize, C: DeserializeOwned>(value: J) -> am::Result<C> {
    let json = serde_json::to_value(value).map_err(|e| am::Error::MalformedRequest(e.to_string()))?;
    serde_json::from_value(json).map_err(|e| am::Error::MalformedRequest(e.to_string()))
}

// ---------------------------------------------------------------- enums

/// Lifecycle of an agent.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    Draft,
    Listed,
    Unlisted,
    Deprecated,
    Deleted,
}

/// A user's role.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Admin,
}

/// Order of a marketplace listing.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatalogSort {
    Popular,
    Rating,
    Newest,
    Trending,
    Name,
    Relevance,
}

/// Order of an agent's reviews.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewSort {
    Newest,
    Stars,
}

/// Stable error codes, identical in Rust, HTTP, Python and Node
/// (`AgentmartError.code`).
#[napi(string_enum = "snake_case")]
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedRequest,
    ValidationFailed,
    Unauthenticated,
    InvalidCredentials,
    TokenExpired,
    TokenInvalid,
    TokenReused,
    Forbidden,
    ModerationLocked,
    NotFound,
    EmailTaken,
    HandleTaken,
    SlugTaken,
    VersionExists,
    Conflict,
    PayloadTooLarge,
    RateLimited,
    Internal,
    Unavailable,
}

// ---------------------------------------------------------------- shared

/// One failing field of a validation error (also used for draft warnings).
#[napi(object)]
#[derive(Debug, Serialize, Deserialize)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `email` or `skills[2].name`.
    pub field: String,
    /// Stable reason, e.g. `too_long`, `required`, `invalid_format`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

/// Who is calling, for audit records and login throttling.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct ClientInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Key for login throttling (a device cookie, the IP...); defaults to the IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
}

/// One page request: `limit` (default 20, max 100) and the `nextCursor` of the previous page.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct PageRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// An agent named by its owner's handle and its slug.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct AgentRef {
    pub owner: String,
    pub slug: String,
}

/// Parses an agent reference, `"owner/slug"` or `{ owner, slug }`; a string
/// without exactly one `/` is `malformed_request`.
pub(crate) fn agent_ref(path: Either<String, AgentRef>) -> am::Result<am::AgentRef> {
    match path {
        Either::A(text) => text.parse(),
        Either::B(r) => Ok(am::AgentRef::new(r.owner, r.slug)),
    }
}

/// `Some(None)` for `null` (clear the field), `Some(Some(v))` for a value, `None` when absent.
pub(crate) fn clearable<T>(value: Option<Either<T, Null>>) -> Option<Option<T>> {
    value.map(|v| match v {
        Either::A(v) => Some(v),
        Either::B(Null) => None,
    })
}
