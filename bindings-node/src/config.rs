//! Options of `Agentmart.open` and their translation into a core `Config`.

use std::time::Duration;

use agentmart_core as am;
use napi_derive::napi;

/// Options of `Agentmart.open`.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct OpenOptions {
    /// HS256 signing secret for access tokens, at least 32 bytes. Required
    /// unless `config.jwtKey` is given.
    pub jwt_secret: Option<String>,
    /// Everything else; production defaults when absent.
    pub config: Option<ConfigOptions>,
    /// Receives password-reset and email-verification messages to deliver
    /// (by email...). Without it they are only logged, tokens redacted.
    #[napi(ts_type = "(message: Message) => void")]
    pub on_message: Option<crate::notify::MessageCallback>,
    /// Lets `agents.preview` ask a real model: an async function from a chat
    /// request to `{ content, model? }`. Without it previews return the
    /// request only (`modelResponse: null`).
    #[napi(ts_type = "(request: ChatRequest) => Promise<ChatCompletion>")]
    pub model_provider: Option<crate::provider::ModelCallback>,
}

/// Configuration; every field is optional and defaults to the core's
/// production default.
#[napi(object)]
#[derive(Debug, Default)]
pub struct ConfigOptions {
    /// The signing key, for EdDSA or ES256 (or HS256 with a `kid`).
    pub jwt_key: Option<JwtKeyOptions>,
    /// Older keys still accepted for verification (key rotation).
    pub jwt_verify_only: Option<Vec<JwtKeyOptions>>,
    /// `iss` of access tokens (default `agentmart`).
    pub issuer: Option<String>,
    /// `aud` of access tokens (default `agentmart`).
    pub audience: Option<String>,
    /// Clock skew tolerated when checking tokens (default 30).
    pub leeway_seconds: Option<u32>,
    /// Access-token lifetime (default 900).
    pub access_token_ttl_seconds: Option<u32>,
    /// Session (refresh-token) lifetime (default 30 days).
    pub session_ttl_seconds: Option<u32>,
    /// A session not refreshed this long ends (default 7 days).
    pub session_idle_timeout_seconds: Option<u32>,
    /// Most active sessions per user; a new sign-in past it ends the oldest (default 100).
    pub max_sessions_per_user: Option<u32>,
    /// Password-reset link lifetime (default 600: every emailed link lives at most 10 minutes).
    pub password_reset_ttl_seconds: Option<u32>,
    /// Email-verification link lifetime (default 600).
    pub email_verification_ttl_seconds: Option<u32>,
    /// Email-change confirmation link lifetime (default 600).
    pub email_change_ttl_seconds: Option<u32>,
    /// argon2id parameters (default OWASP: 19456 KiB, 2 passes, 1 lane).
    pub hashing: Option<HashingOptions>,
    /// At most this many password hashes at a time (default: the CPU count).
    pub max_concurrent_hashes: Option<u32>,
    /// Password length limits and the common-password check.
    pub password_policy: Option<PasswordPolicyOptions>,
    /// Login throttling.
    pub throttle: Option<ThrottleOptions>,
    /// Base URL used in agent cards and message links.
    pub public_base_url: Option<String>,
    /// Secret that signs pagination cursors (default: derived from the JWT key).
    pub cursor_secret: Option<String>,
}

/// Token signing algorithm.
#[napi(string_enum)]
#[derive(Debug)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with a shared secret.
    #[napi(value = "HS256")]
    Hs256,
    /// Ed25519.
    #[napi(value = "EdDSA")]
    EdDsa,
    /// ECDSA P-256.
    #[napi(value = "ES256")]
    Es256,
}

/// One JWT key.
#[napi(object)]
#[derive(Debug)]
pub struct JwtKeyOptions {
    /// `HS256`, `EdDSA` or `ES256`; every key must use the signing key's.
    pub algorithm: JwtAlgorithm,
    /// `kid` header of tokens signed with this key.
    pub kid: Option<String>,
    /// HS256 secret (at least 32 bytes).
    pub secret: Option<String>,
    /// PEM private key (EdDSA, ES256; only for the signing key).
    pub private_pem: Option<String>,
    /// PEM public key (EdDSA, ES256).
    pub public_pem: Option<String>,
}

/// argon2id parameters.
#[napi(object)]
#[derive(Debug)]
pub struct HashingOptions {
    /// Memory in KiB.
    pub m_cost: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

/// Password policy.
#[napi(object)]
#[derive(Debug)]
pub struct PasswordPolicyOptions {
    /// Shortest password (default 8).
    pub min_len: Option<u32>,
    /// Longest password (default 128).
    pub max_len: Option<u32>,
    /// Refuse passwords of the bundled common-password list (default true).
    pub reject_common: Option<bool>,
}

/// Login throttling.
#[napi(object)]
#[derive(Debug)]
pub struct ThrottleOptions {
    /// False turns every throttle off (load tests only).
    pub enabled: Option<bool>,
    /// Failures of one client against one account before back-off (default 5).
    pub per_client_failures: Option<u32>,
    /// Failures against one account before unknown clients back off (default 50).
    pub per_account_failures: Option<u32>,
    /// Counting window (default 900).
    pub window_seconds: Option<u32>,
    /// Longest back-off (default 900).
    pub max_backoff_seconds: Option<u32>,
    /// Password-reset and verification messages per account per window (default 5).
    pub notifications_per_window: Option<u32>,
}

fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

fn key(options: JwtKeyOptions) -> am::JwtKey {
    am::JwtKey {
        kid: options.kid,
        algorithm: match options.algorithm {
            JwtAlgorithm::Hs256 => am::JwtAlgorithm::HS256,
            JwtAlgorithm::EdDsa => am::JwtAlgorithm::EdDSA,
            JwtAlgorithm::Es256 => am::JwtAlgorithm::ES256,
        },
        secret: options.secret.map(String::into_bytes),
        private_pem: options.private_pem,
        public_pem: options.public_pem,
    }
}

/// Builds the core configuration; `validation_failed` names the bad option.
/// (`Agentmart::new` validates the rest.)
pub(crate) fn build(jwt_secret: Option<String>, config: Option<ConfigOptions>) -> am::Result<am::Config> {
    let c = config.unwrap_or_default();
    let signing = match (jwt_secret, c.jwt_key) {
        (Some(_), Some(_)) => {
            return Err(am::Error::invalid(
                "jwt_secret",
                "conflict",
                "give either jwtSecret or config.jwtKey, not both",
            ));
        }
        (Some(secret), None) => am::JwtKey::hs256(secret.into_bytes()),
        (None, Some(k)) => key(k),
        (None, None) => {
            return Err(am::Error::invalid(
                "jwt_secret",
                "required",
                "Agentmart.open needs jwtSecret (at least 32 bytes) or config.jwtKey",
            ));
        }
    };
    let mut config = am::Config::with_jwt_key(signing);
    if let Some(keys) = c.jwt_verify_only {
        config.jwt.verify_only = keys.into_iter().map(key).collect();
    }
    if let Some(v) = c.issuer {
        config.jwt.issuer = v;
    }
    if let Some(v) = c.audience {
        config.jwt.audience = v;
    }
    if let Some(v) = c.leeway_seconds {
        config.jwt.leeway = secs(v);
    }
    if let Some(v) = c.access_token_ttl_seconds {
        config.access_token_ttl = secs(v);
    }
    if let Some(v) = c.session_ttl_seconds {
        config.session_ttl = secs(v);
    }
    if let Some(v) = c.session_idle_timeout_seconds {
        config.session_idle_timeout = secs(v);
    }
    if let Some(v) = c.max_sessions_per_user {
        config.max_sessions_per_user = v;
    }
    if let Some(v) = c.password_reset_ttl_seconds {
        config.password_reset_ttl = secs(v);
    }
    if let Some(v) = c.email_verification_ttl_seconds {
        config.email_verification_ttl = secs(v);
    }
    if let Some(v) = c.email_change_ttl_seconds {
        config.email_change_ttl = secs(v);
    }
    if let Some(h) = c.hashing {
        config.hashing = am::HashingParams { m_cost: h.m_cost, t_cost: h.t_cost, p_cost: h.p_cost };
    }
    if let Some(v) = c.max_concurrent_hashes {
        config.max_concurrent_hashes = Some(v as usize);
    }
    if let Some(p) = c.password_policy {
        if let Some(v) = p.min_len {
            config.password_policy.min_len = v as usize;
        }
        if let Some(v) = p.max_len {
            config.password_policy.max_len = v as usize;
        }
        if let Some(v) = p.reject_common {
            config.password_policy.reject_common = v;
        }
    }
    if let Some(t) = c.throttle {
        let throttle = &mut config.throttle;
        if let Some(v) = t.enabled {
            throttle.enabled = v;
        }
        if let Some(v) = t.per_client_failures {
            throttle.per_client_failures = v;
        }
        if let Some(v) = t.per_account_failures {
            throttle.per_account_failures = v;
        }
        if let Some(v) = t.window_seconds {
            throttle.window = secs(v);
        }
        if let Some(v) = t.max_backoff_seconds {
            throttle.max_backoff = secs(v);
        }
        if let Some(v) = t.notifications_per_window {
            throttle.notifications_per_window = v;
        }
    }
    if let Some(v) = c.public_base_url {
        config.public_base_url = v;
    }
    if let Some(v) = c.cursor_secret {
        config.cursor_secret = Some(v.into_bytes());
    }
    config.validate()?;
    Ok(config)
}
