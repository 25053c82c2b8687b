//! Sessions, tokens and principals.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{SessionId, UserId};
use crate::model::{Email, Role};

/// The SHA-256 of a secret token. Only hashes of tokens are ever stored.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TokenHash(pub [u8; 32]);

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hashes are not secrets, but keep logs short.
        write!(f, "TokenHash({}…)", hex::encode(&self.0[..4]))
    }
}

/// A login session: one refresh-token family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The session id (the `sid` claim of its access tokens).
    pub id: SessionId,
    /// Whose session it is.
    pub user_id: UserId,
    /// When it was created (login or registration).
    pub created_at: DateTime<Utc>,
    /// Last login or token refresh.
    pub last_used_at: DateTime<Utc>,
    /// Absolute end of the session: refresh tokens are refused after it.
    pub expires_at: DateTime<Utc>,
    /// Client user agent at login.
    pub user_agent: Option<String>,
    /// Client IP at login.
    pub ip: Option<String>,
    /// Set when the session was ended (logout, revocation, reuse, password change...).
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Session {
    /// True when the session can still be used at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A session as its owner sees it (`GET /v1/auth/sessions`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Session id.
    pub id: SessionId,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last login or refresh.
    pub last_used_at: DateTime<Utc>,
    /// User agent at login.
    pub user_agent: Option<String>,
    /// IP at login.
    pub ip: Option<String>,
    /// True for the session the caller is using.
    pub current: bool,
}

/// Access and refresh token pair (`tokens` in API.md).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    /// The JWT access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The opaque refresh token; single use.
    pub refresh_token: String,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

/// Who is acting. Every call that acts for a user takes one.
///
/// Obtain it from [`crate::AuthService::authenticate`] (agentmart's own
/// tokens) or, for hosts with their own login, from
/// [`crate::AuthService::principal_for_external`] /
/// [`crate::AuthService::principal_for_user`].
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The acting user.
    pub user_id: UserId,
    /// The session, when authenticated with agentmart tokens.
    pub session_id: Option<SessionId>,
    /// The user's role at the time of authentication.
    pub role: Role,
}

impl Principal {
    /// True for administrators.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Purpose of a one-time token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OneTimeTokenKind {
    /// Password reset.
    PasswordReset,
    /// Email verification.
    EmailVerification,
    /// Confirmation of an email change; `email` holds the new address.
    EmailChange,
}

impl OneTimeTokenKind {
    /// Wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            OneTimeTokenKind::PasswordReset => "password_reset",
            OneTimeTokenKind::EmailVerification => "email_verification",
            OneTimeTokenKind::EmailChange => "email_change",
        }
    }
}

/// A stored single-use token (hash only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeToken {
    /// SHA-256 of the token.
    pub hash: TokenHash,
    /// What it is for.
    pub kind: OneTimeTokenKind,
    /// Whose it is.
    pub user_id: UserId,
    /// For email verification: the email it verifies (so a changed email is not verified by an old link);
    /// for an email change: the new address.
    pub email: Option<Email>,
    /// Issue time.
    pub created_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// A throttling/rate-limit counter kept in storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    /// Hits in the current window.
    pub count: u32,
    /// Start of the current window.
    pub window_started_at: DateTime<Utc>,
    /// Time of the latest hit.
    pub last_hit_at: DateTime<Utc>,
}
