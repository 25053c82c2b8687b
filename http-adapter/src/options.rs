//! [`HttpOptions`]: limits, CORS, proxies and headers of the router.

use std::time::Duration;

use ipnet::IpNet;

/// A fixed-window request limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per client in one window.
    pub max_requests: u32,
    /// Window length.
    pub window: Duration,
}

impl RateLimit {
    /// `max_requests` per `window`.
    pub fn new(max_requests: u32, window: Duration) -> Self {
        Self { max_requests, window }
    }
}

/// Options of [`crate::router`]. [`HttpOptions::default`] gives production defaults;
/// [`HttpOptions::without_limits`] switches every limit off (load tests only).
#[derive(Clone)]
pub struct HttpOptions {
    /// Largest accepted request body, in bytes; `None` for no limit. Default 1 MiB.
    pub body_limit: Option<usize>,
    /// A request taking longer is answered `503 unavailable`; `None` for no timeout. Default 30 s.
    pub request_timeout: Option<Duration>,
    /// Per-IP limit on `/v1/auth/*`, counted in the store through
    /// `AuthService::count_request` (so every server over one database shares it,
    /// by the `Agentmart`'s clock); an IPv6 client counts by its /64
    /// (`agentmart_core::auth::ip_bucket`). `None` switches it off. Default 60
    /// requests per minute. A request whose client address is unknown (no
    /// `ConnectInfo`, or an unparsable `X-Forwarded-For` hop) is not counted here;
    /// login throttling then applies only its account-wide budget (see the README's
    /// "Security" section).
    pub auth_rate_limit: Option<RateLimit>,
    /// Origins allowed to call the API from a browser (CORS), e.g. `https://app.example.com`.
    /// Empty (the default) sends no CORS headers, so browsers refuse cross-origin calls.
    pub cors_allowed_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed. Empty (the default): the client IP is
    /// always the socket's peer address and `X-Forwarded-For` is ignored.
    pub trusted_proxies: Vec<IpNet>,
    /// `Strict-Transport-Security` max-age; set it only when the service is reached over
    /// TLS (directly or through a TLS-terminating proxy). Default `None`: no HSTS header.
    pub hsts_max_age: Option<Duration>,
    /// Serve Prometheus metrics at `/metrics`. Default true.
    pub metrics: bool,
    /// Serve the web console at `/` (and its assets `/console.js`, `/console.css`,
    /// and the same page at `/reset-password`, `/verify-email` and
    /// `/confirm-email-change`, where the
    /// emailed links lead); when false those paths answer `404 not_found`.
    /// Default true. See [`crate::console`].
    pub console: bool,
    /// Serve `/v1/auth/*` (register, login, refresh, logout, sessions, password
    /// and email flows). Default true. A host that brings its own identity (its
    /// middleware inserts a `Principal`, see the crate docs) sets it to false:
    /// those paths then answer `404 not_found`, so nobody can create an
    /// agentmart password or session beside the host's login. Every other route
    /// keeps working for host principals (and for bearer tokens the host issues
    /// through core). The web console needs these routes to log in.
    pub auth_routes: bool,
}

impl std::fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpOptions")
            .field("body_limit", &self.body_limit)
            .field("request_timeout", &self.request_timeout)
            .field("auth_rate_limit", &self.auth_rate_limit)
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("hsts_max_age", &self.hsts_max_age)
            .field("metrics", &self.metrics)
            .field("console", &self.console)
            .field("auth_routes", &self.auth_routes)
            .finish_non_exhaustive()
    }
}

/// Default request body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            body_limit: Some(DEFAULT_BODY_LIMIT),
            request_timeout: Some(Duration::from_secs(30)),
            auth_rate_limit: Some(RateLimit::new(60, Duration::from_secs(60))),
            cors_allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            hsts_max_age: None,
            metrics: true,
            console: true,
            auth_routes: true,
        }
    }
}

impl HttpOptions {
    /// The defaults with every limit off: no body limit, no timeout, no per-IP rate
    /// limit. For load tests; core's login throttling is configured in `Config`.
    pub fn without_limits() -> Self {
        Self { body_limit: None, request_timeout: None, auth_rate_limit: None, ..Self::default() }
    }
}
