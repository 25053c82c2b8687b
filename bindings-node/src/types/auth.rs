//! The shapes of `mart.auth` and of `mart.admin`'s user calls: registration,
//! login, profiles, sessions, audit.

#![allow(missing_docs)] // fields mirror documented core types; see the core docs

use napi::bindgen_prelude::{Either, Null};
use napi_derive::napi;
use serde::{Deserialize, Serialize};

use agentmart_core as am;

use super::{Role, clearable};

/// Registration request.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct RegisterRequest {
    pub email: String,
    /// 8 to 128 characters, not a common password.
    pub password: String,
    /// `^[a-z0-9][a-z0-9-]{1,30}$`; derived from the email when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// Login request.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A user of the host's own identity system.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct ExternalIdentity {
    /// The host's stable id for the user (1 to 256 bytes).
    pub external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Profile changes: absent fields do not change, `null` clears.
#[napi(object)]
#[derive(Debug, Default)]
pub struct ProfilePatch {
    pub handle: Option<String>,
    pub display_name: Option<Either<String, Null>>,
    pub bio: Option<Either<String, Null>>,
    pub avatar_url: Option<Either<String, Null>>,
}

impl From<ProfilePatch> for am::ProfilePatch {
    fn from(p: ProfilePatch) -> Self {
        am::ProfilePatch {
            handle: p.handle,
            display_name: clearable(p.display_name),
            bio: clearable(p.bio),
            avatar_url: clearable(p.avatar_url),
        }
    }
}

/// Administrator changes to a user.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct AdminUserUpdate {
    /// Disable (ending every session) or enable the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// A user's profile.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct Profile {
    pub id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub handle: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub role: Role,
    pub created_at: String,
}

/// The tokens of a session.
#[napi(object)]
#[derive(Deserialize)]
pub struct TokenPair {
    /// JWT for `auth.authenticate`.
    pub access_token: String,
    /// Always `"Bearer"`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque refresh token (`amr_…`), rotated by `auth.refresh`.
    pub refresh_token: String,
}

/// The answer to a registration.
#[napi(object)]
#[derive(Deserialize)]
pub struct Registered {
    pub user: Profile,
    pub tokens: TokenPair,
}

/// One active session of the user.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: String,
    pub last_used_at: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// True for the session of the principal that asked.
    pub current: bool,
}

/// A principal's plain data (`Principal.toJSON()`).
#[napi(object, use_nullable = true)]
#[derive(Debug)]
pub struct PrincipalInfo {
    pub user_id: String,
    pub session_id: Option<String>,
    pub role: Role,
}

/// One audit record.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AuditRecord {
    pub id: String,
    pub at: String,
    pub actor: Option<String>,
    pub subject: Option<String>,
    /// E.g. `user.registered`, `agent.published`.
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    /// Action-specific JSON (`null` when there is none).
    #[napi(ts_type = "unknown")]
    pub details: serde_json::Value,
}

/// A page of audit records.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    pub next_cursor: Option<String>,
}

/// Filter of `admin.audit`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct AuditFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// RFC 3339 time, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// RFC 3339 time, exclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}
