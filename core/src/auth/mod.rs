//! Accounts, sessions and tokens: [`AuthService`], handed out by
//! [`Agentmart::auth`](crate::Agentmart::auth).
//!
//! # What it does
//!
//! - **Accounts**: [`register`](AuthService::register) (email syntax and
//!   normalisation, case-insensitive uniqueness, a handle derived from the
//!   email when none is given, passwords of 8–128 characters checked against
//!   a bundled list of common passwords, no composition rules; every failing
//!   field is reported at once), [`login`](AuthService::login), profiles,
//!   password change and reset, email verification, email change with
//!   re-authentication ([`request_email_change`](AuthService::request_email_change)
//!   needs the current password and sends a link to the new address; the
//!   address changes only in [`confirm_email_change`](AuthService::confirm_email_change),
//!   which tells the old address), account deletion. Every emailed link is
//!   single-use and lives 10 minutes by default
//!   ([`Config::password_reset_ttl`](crate::Config::password_reset_ttl),
//!   [`email_verification_ttl`](crate::Config::email_verification_ttl),
//!   [`email_change_ttl`](crate::Config::email_change_ttl); ASVS 5.0 6.5.5);
//!   a verification link can be asked for again.
//! - **Sessions**: a login starts a session; its refresh token is rotated on
//!   every [`refresh`](AuthService::refresh), and a rotated token that comes
//!   back revokes the whole session (`token_reused`, RFC 9700 §4.14).
//!   [`authenticate`](AuthService::authenticate) turns an access token into a
//!   [`Principal`](crate::Principal) and refuses tokens of ended sessions and disabled users at
//!   once; the role comes from the store, so role changes apply immediately.
//!   A session ends at its absolute lifetime
//!   ([`Config::session_ttl`](crate::Config::session_ttl)) or when it has not
//!   been refreshed for [`Config::session_idle_timeout`](crate::Config::session_idle_timeout)
//!   (7 days); a user has at most
//!   [`Config::max_sessions_per_user`](crate::Config::max_sessions_per_user)
//!   active sessions (a new sign-in ends the oldest). Sessions are listed a
//!   page at a time and ended one by one, all but the current one
//!   ([`logout_others`](AuthService::logout_others)) or all; an administrator
//!   can end all of a user's. Password-reset links die with a password
//!   change, a reset, disabling and any successful login.
//! - **Bring your own identity**: hosts with their own login get principals
//!   for their users with [`principal_for_external`](AuthService::principal_for_external)
//!   and [`principal_for_user`](AuthService::principal_for_user), no
//!   agentmart password involved.
//!
//! # Secrets
//!
//! Passwords are hashed with argon2id (parameters from
//! [`Config::hashing`](crate::Config::hashing); older hashes are upgraded at the
//! next login), on the blocking thread pool, at most
//! [`Config::max_concurrent_hashes`](crate::Config::max_concurrent_hashes) at a
//! time. Passwords are NFKC-normalised before they are checked and hashed.
//! Access tokens are JWTs (`HS256`, `EdDSA` or `ES256`, pinned by the
//! configuration; `kid` in the header; claims `iss`, `aud`, `sub`, `sid`,
//! `role`, `jti`, `iat`, `nbf`, `exp`). Refresh (`amr_…`), password-reset
//! (`amp_…`), email-verification (`amv_…`) and email-change (`amc_…`) tokens are 256 random bits;
//! only their SHA-256 is stored. Nothing here logs a password or a token.
//!
//! # Login throttling
//!
//! Failed logins are counted in the store (so every server over one database
//! enforces one limit) with fixed-window counters of
//! [`ThrottleConfig::window`](crate::ThrottleConfig::window):
//!
//! - `login:acct:<account>:client:<client key>` — failures of one client
//!   against one account. From
//!   [`per_client_failures`](crate::ThrottleConfig::per_client_failures) on,
//!   that client must wait 1 s, 2 s, 4 s… after its latest failure (capped at
//!   [`max_backoff`](crate::ThrottleConfig::max_backoff)) and gets
//!   `rate_limited` with the remaining `retry_after` meanwhile. A successful
//!   login clears the client's counter.
//! - `login:acct:<account>` — failures from every client. From
//!   [`per_account_failures`](crate::ThrottleConfig::per_account_failures) on,
//!   the same back-off applies, **but only to clients that have never logged
//!   in successfully to this account**. A successful login records
//!   `login:known:<account>:<client key>`.
//!
//! **Reserve, then verify.** An attempt is counted *before* its password is
//! checked, and the decision comes from the count the store returns (an
//! atomic [`hit_counter`](crate::storage::ThrottleStore::hit_counter)), so N
//! parallel guesses cannot all pass a check made before any of them was
//! counted: at most the remaining budget of them reaches the password hash;
//! past the budget, only the first attempt counted after the back-off ran
//! out. A refused attempt, and a successful login's account-wide count, are
//! taken back ([`release_counter`](crate::storage::ThrottleStore::release_counter)),
//! so the counters hold password failures, not requests. The same applies to
//! the current-password checks of `change_password` and `delete_account`
//! (keyed by session). With the defaults (30 per account per hour, back-off
//! capped at 15 minutes), at most 100 checks per account per hour reach the
//! hash from clients that never logged in to it (ASVS 5.0 6.3.1).
//!
//! Why two counters: an attacker guessing a victim's password from many
//! addresses would, with a plain per-account lock, lock the victim out — a
//! denial of service anyone can trigger. Here the attacker's clients are
//! slowed down (each one individually, and all new ones together once the
//! account-wide limit is reached), while the victim's own devices, known from
//! earlier successful logins, keep working. A victim on a brand-new device
//! during an attack can still regain access with a password reset.
//!
//! The client key is [`ClientInfo::client_key`](crate::ClientInfo::client_key) (the HTTP adapter passes the
//! IP, a host may pass a device cookie), falling back to the IP; an address
//! counts by its [`ip_bucket`] (IPv6 clients by their /64). A caller that
//! passes neither has no client key: only the account-wide counter applies
//! to it and it is never "known", so keyless callers are never folded into
//! one shared key whose single successful login would exempt them all
//! (fail-closed). An email without an account is throttled like
//! a real account (under a hash of the email), so `rate_limited` answers do
//! not reveal which accounts exist. Password-reset and verification messages
//! are capped per account per window
//! ([`notifications_per_window`](crate::ThrottleConfig::notifications_per_window)).
//! [`ThrottleConfig::enabled`](crate::ThrottleConfig::enabled) turns all of
//! this off (load tests only).
//!
//! # Example
//!
//! ```no_run
//! # async fn demo(mart: agentmart_core::Agentmart) -> agentmart_core::Result<()> {
//! use agentmart_core::ClientInfo;
//! use agentmart_core::auth::{LoginRequest, RegisterRequest};
//!
//! let auth = mart.auth();
//! let client = ClientInfo::from_ip("203.0.113.7");
//! let registered = auth
//!     .register(
//!         RegisterRequest {
//!             email: "Ada@Example.com".into(),
//!             password: "correct horse battery staple".into(),
//!             handle: None,
//!             display_name: Some("Ada".into()),
//!         },
//!         &client,
//!     )
//!     .await?;
//! assert_eq!(registered.user.handle, "ada");
//!
//! let principal = auth.authenticate(&registered.tokens.access_token).await?;
//! let tokens = auth
//!     .login(LoginRequest { email: "ada@example.com".into(), password: "correct horse battery staple".into() }, &client)
//!     .await?;
//! let tokens = auth.refresh(&tokens.refresh_token, &client).await?;
//! auth.logout(&principal).await?;
//! # let _ = tokens; Ok(()) }
//! ```

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::context::Inner;
use crate::error::{Error, Result};
use crate::model::{Profile, Role, TokenPair};

mod accounts;
pub(crate) mod jwt;
pub(crate) mod password;
mod recovery;
mod sessions;
mod throttle;
mod tokens;
pub(crate) mod validate;

pub use throttle::ip_bucket;
pub use validate::{MAX_AVATAR_URL_LEN, MAX_BIO_LEN, MAX_DISPLAY_NAME_LEN, MAX_EMAIL_LEN, MAX_HANDLE_LEN};

/// Accounts, sessions, tokens, password reset, email verification, profiles.
///
/// Cheap to clone, `Send + Sync`. See the [module documentation](self) for
/// the security design.
#[derive(Clone)]
pub struct AuthService {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").finish_non_exhaustive()
    }
}

/// `POST /v1/auth/register`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// Email address; stored trimmed and lower-cased, unique case-insensitively.
    #[cfg_attr(feature = "schema", schemars(email, length(max = MAX_EMAIL_LEN)))]
    pub email: String,
    /// Password: 8 to 128 characters, not a common password.
    #[cfg_attr(feature = "schema", schemars(length(min = crate::PasswordPolicy::default().min_len, max = crate::PasswordPolicy::default().max_len)))]
    pub password: String,
    /// Handle (`^[a-z0-9][a-z0-9-]{1,30}$`, lower-cased); derived from the email when absent.
    #[cfg_attr(feature = "schema", schemars(pattern(crate::schema::handle_pattern())))]
    #[serde(default)]
    pub handle: Option<String>,
    /// Display name, at most 100 characters.
    #[cfg_attr(feature = "schema", schemars(length(max = MAX_DISPLAY_NAME_LEN)))]
    #[serde(default)]
    pub display_name: Option<String>,
}

impl std::fmt::Debug for RegisterRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterRequest")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("handle", &self.handle)
            .field("display_name", &self.display_name)
            .finish()
    }
}

/// The answer to a registration: the new profile and the first session's tokens.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// The new account.
    pub user: Profile,
    /// Tokens of the session the registration started.
    pub tokens: TokenPair,
}

/// `POST /v1/auth/login`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Email address (any case, surrounding spaces ignored).
    pub email: String,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest").field("email", &self.email).field("password", &"<redacted>").finish()
    }
}

/// A user of the host's own identity system (bring-your-own-identity).
///
/// Only `external_id` identifies the user; the other fields are used once,
/// when agentmart first sees the id and creates the account.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalIdentity {
    /// The host's stable id for the user (1 to 256 bytes), unique.
    pub external_id: String,
    /// Handle for the new account; derived from the email or the id when absent.
    #[serde(default)]
    pub handle: Option<String>,
    /// Display name for the new account.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Email for the new account (unverified; may be `None`).
    #[serde(default)]
    pub email: Option<String>,
}

/// `PATCH /v1/admin/users/{id}`: fields left `None` do not change.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUserUpdate {
    /// Disable (ending every session) or enable the user.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// New role.
    #[serde(default)]
    pub role: Option<Role>,
}

/// `std::time::Duration` to `chrono::Duration` (configuration values are bounded).
pub(crate) fn chrono_duration(d: std::time::Duration) -> Result<chrono::Duration> {
    chrono::Duration::from_std(d).map_err(Error::internal)
}
