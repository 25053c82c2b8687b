//! Configuration of an [`Agentmart`](crate::Agentmart) instance.
//!
//! Defaults are production defaults: OWASP argon2id parameters, 15-minute
//! access tokens, 30-day sessions, throttled logins. The only thing you must
//! supply is a JWT key; [`Config::with_hs256_secret`] is the usual start.
//!
//! ```
//! use agentmart_core::Config;
//! let config = Config::with_hs256_secret(b"an-example-secret-of-at-least-32-bytes!".to_vec());
//! assert!(config.validate().is_ok());
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError};

/// The signing algorithm of access tokens. Pinned: tokens of other algorithms are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with a shared secret (default).
    HS256,
    /// Ed25519 signatures.
    EdDSA,
    /// ECDSA P-256 with SHA-256.
    ES256,
}

/// One JWT key. For `HS256` the `secret` is used; for `EdDSA`/`ES256` the PEM keys.
#[derive(Clone, Serialize, Deserialize)]
pub struct JwtKey {
    /// Key id, put in the token header and the JWKS.
    pub kid: Option<String>,
    /// Algorithm of this key.
    pub algorithm: JwtAlgorithm,
    /// HS256 secret, at least 32 bytes.
    pub secret: Option<Vec<u8>>,
    /// PKCS#8 PEM private key (EdDSA/ES256); needed only to sign.
    pub private_pem: Option<String>,
    /// SPKI PEM public key (EdDSA/ES256).
    pub public_pem: Option<String>,
}

impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("private_pem", &self.private_pem.as_ref().map(|_| "<redacted>"))
            .field("public_pem", &self.public_pem.is_some())
            .finish()
    }
}

impl JwtKey {
    /// An HS256 key.
    pub fn hs256(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            kid: None,
            algorithm: JwtAlgorithm::HS256,
            secret: Some(secret.into()),
            private_pem: None,
            public_pem: None,
        }
    }

    /// An EdDSA (Ed25519) key from PEM. Pass `None` as private key for a verify-only key.
    pub fn ed25519_pem(private_pem: Option<String>, public_pem: String) -> Self {
        Self { kid: None, algorithm: JwtAlgorithm::EdDSA, secret: None, private_pem, public_pem: Some(public_pem) }
    }

    /// An ES256 (P-256) key from PEM. Pass `None` as private key for a verify-only key.
    pub fn es256_pem(private_pem: Option<String>, public_pem: String) -> Self {
        Self { kid: None, algorithm: JwtAlgorithm::ES256, secret: None, private_pem, public_pem: Some(public_pem) }
    }

    /// Sets the key id.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }
}

/// Access-token keys: one to sign with, older ones still accepted (rotation).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JwtConfig {
    /// The key new tokens are signed with.
    pub signing: JwtKey,
    /// Keys still accepted for verification (e.g. the previous key during rotation). Same algorithm as `signing`.
    pub verify_only: Vec<JwtKey>,
    /// `iss` claim, checked on every token.
    pub issuer: String,
    /// `aud` claim, checked on every token.
    pub audience: String,
    /// Clock skew tolerated on `exp`/`nbf`.
    pub leeway: Duration,
}

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashingParams {
    /// Memory in KiB.
    pub m_cost: u32,
    /// Iterations.
    pub t_cost: u32,
    /// Parallelism.
    pub p_cost: u32,
}

impl HashingParams {
    /// OWASP's recommendation: m = 19456 KiB, t = 2, p = 1 (the default).
    pub const OWASP: HashingParams = HashingParams { m_cost: 19_456, t_cost: 2, p_cost: 1 };

    /// Very cheap parameters **for tests only**: never use them in production.
    pub const INSECURE_FAST_FOR_TESTS: HashingParams = HashingParams { m_cost: 64, t_cost: 1, p_cost: 1 };
}

impl Default for HashingParams {
    fn default() -> Self {
        Self::OWASP
    }
}

/// Password rules: length bounds and the common-password list. No composition rules (NIST SP 800-63B).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// Minimum length in characters (default 8).
    pub min_len: usize,
    /// Maximum length in characters (default 128).
    pub max_len: usize,
    /// Refuse passwords from the bundled list of common passwords (default true).
    pub reject_common: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_len: 8, max_len: 128, reject_common: true }
    }
}

/// Login throttling. Failures are counted per account and client key, and per
/// account; see [`crate::auth`] for how this avoids locking a victim out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThrottleConfig {
    /// Off switch (load tests only).
    pub enabled: bool,
    /// Failures allowed per account and client key in a window before back-off.
    pub per_client_failures: u32,
    /// Failures allowed per account (from all clients) in a window before
    /// back-off for clients that never logged in successfully to it.
    pub per_account_failures: u32,
    /// Counting window (fixed windows, restarted by the first failure after
    /// one has run out).
    ///
    /// The defaults (30 account-wide failures per hour, back-off capped at
    /// 15 minutes) keep the password checks against one account from clients
    /// that never logged in to it at or below 100 in any hour, as ASVS 5.0
    /// (6.3.1) asks: at most one window's budget and back-off tail and the
    /// next window's fit in one hour (measured worst case: 79). The test
    /// `failed_logins_per_account_stay_at_or_below_100_in_any_hour` drives an
    /// attacker that retries the moment it is allowed, for five hours, with
    /// and without a pause that lines two budgets up.
    pub window: Duration,
    /// Longest back-off.
    pub max_backoff: Duration,
    /// Password-reset and verification emails allowed per account per window.
    pub notifications_per_window: u32,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            per_client_failures: 5,
            per_account_failures: 30,
            window: Duration::from_secs(60 * 60),
            max_backoff: Duration::from_secs(15 * 60),
            notifications_per_window: 5,
        }
    }
}

/// Per-user limits on the writes outside authentication: creating agents,
/// editing drafts, previewing, publishing, rating and recording usage (see
/// [`crate::limits`]). Each is a fixed-window count per user (per user *and*
/// agent for usage events) kept in the store, so every server over one
/// database enforces one limit; past it the call is `rate_limited` with the
/// time left in the window.
///
/// The defaults are per user per hour and far above what a person clicking
/// through the console or a normal integration does, but they bound what one
/// account can make the store hold or the model provider do in an hour.
/// Usage events are limited per user per agent (an owner recording usage of
/// their own agent included, so nobody can pump an agent's usage figures
/// without bound) and, across all agents, per user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WriteLimits {
    /// Off switch (load tests only; the HTTP service's `--no-limits`).
    pub enabled: bool,
    /// Counting window (fixed windows, restarted by the first write after one
    /// has run out). Default 1 hour; between 1 second and 1 day.
    pub window: Duration,
    /// Agents a user may create per window (default 60).
    pub agent_creates: u32,
    /// Draft edits (that change something) per user per window (default 300).
    pub draft_updates: u32,
    /// Draft previews per user per window (default 300); a preview may call
    /// the model provider.
    pub previews: u32,
    /// Versions a user may publish per window, all agents together (default 60).
    pub publishes: u32,
    /// Rating writes (rate, re-rate, delete) per user per window (default 600).
    pub rating_writes: u32,
    /// Usage events per user per agent per window (default 10,000).
    pub usage_events_per_agent: u32,
    /// Usage events per user per window, all agents together (default 100,000).
    pub usage_events_per_user: u32,
}

impl Default for WriteLimits {
    fn default() -> Self {
        Self {
            enabled: true,
            window: Duration::from_secs(60 * 60),
            agent_creates: 60,
            draft_updates: 300,
            previews: 300,
            publishes: 60,
            rating_writes: 600,
            usage_events_per_agent: 10_000,
            usage_events_per_user: 100_000,
        }
    }
}

impl WriteLimits {
    /// Longest [`window`](Self::window): one day.
    pub const MAX_WINDOW: Duration = Duration::from_secs(24 * 3600);

    /// The field errors of these limits (named `write_limits.<field>`).
    fn errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.window < Duration::from_secs(1) || self.window > Self::MAX_WINDOW {
            errors.push(FieldError::new("write_limits.window", "out_of_range", "must be between 1 second and 1 day"));
        }
        for (field, max) in [
            ("agent_creates", self.agent_creates),
            ("draft_updates", self.draft_updates),
            ("previews", self.previews),
            ("publishes", self.publishes),
            ("rating_writes", self.rating_writes),
            ("usage_events_per_agent", self.usage_events_per_agent),
            ("usage_events_per_user", self.usage_events_per_user),
        ] {
            if max == 0 {
                errors.push(FieldError::new(
                    format!("write_limits.{field}"),
                    "too_small",
                    "must be at least 1 (switch the limits off with `enabled = false`)",
                ));
            }
        }
        errors
    }
}

/// Default [`Config::session_idle_timeout`]: 7 days.
fn default_session_idle_timeout() -> Duration {
    Duration::from_secs(7 * 24 * 3600)
}

/// Default [`Config::max_sessions_per_user`]: 100.
/// Default lifetime of every emailed one-time link: 10 minutes (ASVS 5.0 6.5.5).
fn default_one_time_ttl() -> Duration {
    Duration::from_secs(10 * 60)
}

/// The shortest [`Config::handle_retention`] accepted: one day.
pub const MIN_HANDLE_RETENTION: Duration = Duration::from_secs(24 * 3600);

fn default_max_sessions_per_user() -> u32 {
    100
}

/// Everything configurable about an agentmart instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Access-token keys and claims.
    pub jwt: JwtConfig,
    /// Lifetime of access tokens (default 15 minutes).
    pub access_token_ttl: Duration,
    /// Absolute lifetime of a session and its refresh tokens (default 30 days).
    pub session_ttl: Duration,
    /// Idle timeout of a session (default 7 days): a session not refreshed
    /// for this long ends; its refresh is refused as `token_expired`. Each
    /// refresh starts the window again; the absolute lifetime still applies.
    #[serde(default = "default_session_idle_timeout")]
    pub session_idle_timeout: Duration,
    /// Most active sessions one user may have (default 100). A new sign-in
    /// past it ends the user's oldest sessions first.
    #[serde(default = "default_max_sessions_per_user")]
    pub max_sessions_per_user: u32,
    /// Lifetime of password-reset links (default 10 minutes). Every emailed
    /// code or link lives at most 10 minutes by default (ASVS 5.0 6.5.5); a
    /// user whose link ran out asks for a new one.
    pub password_reset_ttl: Duration,
    /// Lifetime of email-verification links (default 10 minutes; a new one
    /// can be asked for with `POST /v1/auth/email/verify/resend`).
    pub email_verification_ttl: Duration,
    /// Lifetime of email-change confirmation links (default 10 minutes).
    #[serde(default = "default_one_time_ttl")]
    pub email_change_ttl: Duration,
    /// argon2id parameters for new hashes; older hashes are upgraded at login.
    pub hashing: HashingParams,
    /// Most password hashes computed at once (default: the number of cores).
    pub max_concurrent_hashes: Option<usize>,
    /// Password rules.
    pub password_policy: PasswordPolicy,
    /// Login throttling.
    pub throttle: ThrottleConfig,
    /// Per-user limits on writes outside authentication (drafts, previews,
    /// versions, ratings, usage events).
    #[serde(default)]
    pub write_limits: WriteLimits,
    /// Public URL of the host, used in A2A cards and in links sent by the notifier
    /// (e.g. `https://example.com/market`). Default `http://localhost:8080`.
    pub public_base_url: String,
    /// Secret for signing list cursors; default derived from the JWT signing key.
    /// Must be the same on every instance over one database.
    pub cursor_secret: Option<Vec<u8>>,
    /// What the sweeper ([`crate::Agentmart::sweep`]) keeps and for how long.
    #[serde(default)]
    pub sweep: SweepConfig,
    /// How long the handle of a deleted account stays reserved before
    /// someone else may take it; `None` (the default) keeps it reserved for
    /// ever, so a deleted account's `owner/slug` paths and agent cards never
    /// come to show another user's agents. Until then registering or
    /// changing to that handle answers `handle_taken`, as for a live handle.
    /// When set, at least one day.
    #[serde(default)]
    pub handle_retention: Option<Duration>,
}

/// Retention rules of the sweeper ([`crate::Agentmart::sweep`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepConfig {
    /// How long an ended session (revoked, expired, or idle past
    /// [`Config::session_idle_timeout`]) and its refresh-token hashes are
    /// kept before they are purged (default 7 days). During this grace
    /// period a replayed, already rotated refresh token of the session is
    /// still recognised as reuse (audited as `session.refresh_reuse`);
    /// afterwards it is an unknown token (refused all the same).
    pub session_grace: Duration,
    /// How long a throttle or rate-limit counter is kept after its last hit
    /// (default 1 day). Never shorter than the login-throttle window plus its
    /// longest back-off, nor than [`WriteLimits::window`], whatever is set here; keep it at least as long as the
    /// longest rate-limit window of the host (the HTTP adapter's default is 60 s).
    /// "This client logged in before" markers are never purged.
    pub counter_idle: Duration,
}

impl Default for SweepConfig {
    fn default() -> Self {
        Self { session_grace: Duration::from_secs(7 * 24 * 3600), counter_idle: Duration::from_secs(24 * 3600) }
    }
}

impl Config {
    /// Production defaults with an HS256 secret (at least 32 bytes).
    pub fn with_hs256_secret(secret: impl Into<Vec<u8>>) -> Self {
        Self::with_jwt_key(JwtKey::hs256(secret))
    }

    /// Production defaults with the given signing key.
    pub fn with_jwt_key(key: JwtKey) -> Self {
        Self {
            jwt: JwtConfig {
                signing: key,
                verify_only: Vec::new(),
                issuer: "agentmart".into(),
                audience: "agentmart".into(),
                leeway: Duration::from_secs(30),
            },
            access_token_ttl: Duration::from_secs(15 * 60),
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            session_idle_timeout: default_session_idle_timeout(),
            max_sessions_per_user: default_max_sessions_per_user(),
            password_reset_ttl: default_one_time_ttl(),
            email_verification_ttl: default_one_time_ttl(),
            email_change_ttl: default_one_time_ttl(),
            hashing: HashingParams::OWASP,
            max_concurrent_hashes: None,
            password_policy: PasswordPolicy::default(),
            throttle: ThrottleConfig::default(),
            write_limits: WriteLimits::default(),
            public_base_url: "http://localhost:8080".into(),
            cursor_secret: None,
            sweep: SweepConfig::default(),
            handle_retention: None,
        }
    }

    /// A configuration for tests: a fixed secret and fast, **insecure** hashing.
    pub fn for_tests() -> Self {
        let mut config = Self::with_hs256_secret(b"agentmart-test-secret-0123456789abcdef".to_vec());
        config.hashing = HashingParams::INSECURE_FAST_FOR_TESTS;
        config
    }

    /// Checks the configuration; errors name each bad field.
    pub fn validate(&self) -> Result<(), Error> {
        let mut errors = Vec::new();
        let keys = std::iter::once(&self.jwt.signing).chain(self.jwt.verify_only.iter());
        for (i, key) in keys.enumerate() {
            let field = if i == 0 { "jwt.signing".to_string() } else { format!("jwt.verify_only[{}]", i - 1) };
            if key.algorithm != self.jwt.signing.algorithm {
                errors.push(FieldError::new(
                    &field,
                    "algorithm_mismatch",
                    "every key must use the signing key's algorithm",
                ));
            }
            match key.algorithm {
                JwtAlgorithm::HS256 => match &key.secret {
                    Some(s) if s.len() >= 32 => {}
                    _ => errors.push(FieldError::new(&field, "too_short", "an HS256 secret must be at least 32 bytes")),
                },
                JwtAlgorithm::EdDSA | JwtAlgorithm::ES256 => {
                    if key.public_pem.is_none() {
                        errors.push(FieldError::new(&field, "required", "a public key PEM is required"));
                    }
                    if i == 0 && key.private_pem.is_none() {
                        errors.push(FieldError::new(&field, "required", "the signing key needs a private key PEM"));
                    }
                }
            }
        }
        if self.access_token_ttl < Duration::from_secs(10) {
            errors.push(FieldError::new("access_token_ttl", "too_small", "must be at least 10 seconds"));
        }
        if self.session_ttl < self.access_token_ttl {
            errors.push(FieldError::new("session_ttl", "too_small", "must be at least the access-token lifetime"));
        }
        if self.session_idle_timeout < self.access_token_ttl {
            errors.push(FieldError::new(
                "session_idle_timeout",
                "too_small",
                "must be at least the access-token lifetime",
            ));
        }
        for (field, ttl) in [
            ("password_reset_ttl", self.password_reset_ttl),
            ("email_verification_ttl", self.email_verification_ttl),
            ("email_change_ttl", self.email_change_ttl),
        ] {
            if ttl < Duration::from_secs(60) {
                errors.push(FieldError::new(field, "too_small", "must be at least one minute"));
            }
        }
        if let Some(retention) = self.handle_retention {
            if retention < MIN_HANDLE_RETENTION {
                errors.push(FieldError::new(
                    "handle_retention",
                    "too_small",
                    "must be at least one day (or none: never)",
                ));
            } else if chrono::Duration::from_std(retention).is_err() {
                errors.push(FieldError::new(
                    "handle_retention",
                    "too_large",
                    "too long for the clock (or none: never)",
                ));
            }
        }
        if self.max_sessions_per_user == 0 {
            errors.push(FieldError::new("max_sessions_per_user", "too_small", "must be at least 1"));
        }
        if self.hashing.m_cost < 8 * self.hashing.p_cost || self.hashing.t_cost == 0 || self.hashing.p_cost == 0 {
            errors.push(FieldError::new("hashing", "invalid", "argon2 parameters out of range"));
        }
        if self.password_policy.min_len == 0 || self.password_policy.min_len > self.password_policy.max_len {
            errors.push(FieldError::new("password_policy", "invalid", "min_len must be between 1 and max_len"));
        }
        errors.extend(self.write_limits.errors());
        if !(self.public_base_url.starts_with("http://") || self.public_base_url.starts_with("https://")) {
            errors.push(FieldError::new("public_base_url", "invalid_url", "must be an http(s) URL"));
        }
        if errors.is_empty() { Ok(()) } else { Err(Error::Validation(errors)) }
    }
}
