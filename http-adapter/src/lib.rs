//! # agentmart-http
//!
//! The HTTP face of agentmart: [`router`] turns an [`Agentmart`] into an
//! [`axum::Router`] serving the JSON API of `API.md` — accounts and sessions,
//! the marketplace, the builder and administration under `/v1`, plus
//! `/healthz`, `/readyz`, `/metrics`, the OpenAPI document at `/openapi.json`,
//! a reference page at `/docs` and a web console at `/` (see [`console`]).
//! Every handler only translates HTTP to a core call; every rule lives in
//! `agentmart-core`.
//!
//! The router uses relative paths, so a host can mount it under any prefix
//! beside its own routes:
//!
//! ```no_run
//! # fn demo(mart: agentmart_core::Agentmart) {
//! use agentmart_http::{router, HttpOptions};
//! let app = axum::Router::new()
//!     .route("/", axum::routing::get(|| async { "the host's own page" }))
//!     .nest("/market", router(mart, HttpOptions::default()));
//! # let _ = app; }
//! ```
//!
//! Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so the
//! client IP (for rate limits, sessions and audit records) is known.
//!
//! **Bring your own identity.** A host with its own login does not need
//! agentmart's tokens: its middleware (layered on the host's router, outside
//! the nested agentmart router) authenticates the request its own way, gets a
//! [`agentmart_core::Principal`] from `mart.auth().principal_for_external(..)`
//! and inserts it into the request's extensions; every route then acts for that
//! principal (see [`extract::Auth`] and `examples/mount.rs`).
//!
//! Errors are RFC 9457 problem documents (see [`problem`]); every answer
//! carries `x-request-id`. A panic in a request is caught and answered
//! `500 internal` with the request id, and logged with the panic's location
//! (the router chains a panic hook in front of the one already installed to
//! learn it; that hook still runs).

use agentmart_core::Agentmart;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub mod console;
mod edge;
pub mod extract;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod metrics;
pub mod openapi;
mod ops;
mod options;
mod panics;
pub mod problem;
mod routes;
mod state;
pub mod sweeper;

pub use edge::{REQUEST_ID_HEADER, RequestId};
pub use options::{DEFAULT_BODY_LIMIT, HttpOptions, RateLimit};
pub use problem::{ApiError, ApiResult, PROBLEM_JSON};
pub use sweeper::{SweepSchedule, SweeperHandle, spawn_sweeper};

use state::AppState;

/// The agentmart API as an axum router (see the crate docs).
pub fn router(mart: Agentmart, options: HttpOptions) -> Router {
    panics::install_hook();
    let state = AppState::new(mart, options);
    let body_limit = match state.options.body_limit {
        Some(limit) => DefaultBodyLimit::max(limit),
        None => DefaultBodyLimit::disable(),
    };
    let cors = cors_layer(&state.options.cors_allowed_origins);

    let mut app = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/openapi.json", get(ops::openapi))
        .route("/docs", get(ops::docs))
        .route("/docs.css", get(ops::docs_css))
        .merge(routes::v1(state.clone()))
        .fallback(ops::no_route);
    if state.options.metrics {
        app = app.route("/metrics", get(ops::metrics));
    }
    if state.options.console {
        app = app.merge(console::routes());
    }
    let mut app = app.layer(body_limit);
    if let Some(cors) = cors {
        app = app.layer(cors);
    }
    app.layer(axum::middleware::from_fn_with_state(state.clone(), edge::edge)).with_state(state)
}

/// The CORS layer of the allow-list. `*` means any origin, *without*
/// credentials (no `Access-Control-Allow-Credentials`; bearer tokens in
/// `Authorization` still work, cookies are never involved); it wins over any
/// other entry of the list.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.iter().any(|o| o.trim() == "*") {
        if origins.len() > 1 {
            tracing::warn!("CORS origin `*` allows any origin; the other listed origins add nothing");
        }
        return Some(cors_common(CorsLayer::new().allow_origin(AllowOrigin::any())));
    }
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| match HeaderValue::from_str(o.trim_end_matches('/')) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::warn!(origin = %o, "ignoring an unusable CORS origin");
                None
            }
        })
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(cors_common(CorsLayer::new().allow_origin(AllowOrigin::list(origins))))
}

fn cors_common(layer: CorsLayer) -> CorsLayer {
    layer
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static(REQUEST_ID_HEADER)])
        .expose_headers([HeaderName::from_static(REQUEST_ID_HEADER), header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600))
}
