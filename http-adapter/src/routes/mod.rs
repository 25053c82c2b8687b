//! The `/v1` routes of API.md, one module per route group. Handlers only
//! translate HTTP to core calls: parse the request, call the service, pick the
//! status code. Every rule lives in `agentmart-core`.

use agentmart_core::Page;
use axum::Router;
use axum::routing::{delete, get, patch, post, put};

use crate::edge::auth_rate_limit;
use crate::state::AppState;

mod admin;
mod auth;
mod builder;
mod market;

/// A list answer without further pages: `{items, next_cursor: null}`.
pub(crate) fn whole<T>(items: Vec<T>) -> Page<T> {
    Page { items, next_cursor: None }
}

/// Every `/v1` route, and `/.well-known/jwks.json`.
pub(crate) fn v1(state: AppState) -> Router<AppState> {
    let state_auth_routes = state.options.auth_routes;
    let auth = Router::new()
        .route("/v1/auth/register", post(auth::register))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/refresh", post(auth::refresh))
        .route("/v1/auth/logout", post(auth::logout))
        .route("/v1/auth/logout-all", post(auth::logout_all))
        .route("/v1/auth/logout-others", post(auth::logout_others))
        .route("/v1/auth/sessions", get(auth::sessions))
        .route("/v1/auth/sessions/{id}", delete(auth::revoke_session))
        .route("/v1/auth/password/forgot", post(auth::forgot_password))
        .route("/v1/auth/password/reset", post(auth::reset_password))
        .route("/v1/auth/password/change", post(auth::change_password))
        .route("/v1/auth/email/verify", post(auth::verify_email))
        .route("/v1/auth/email/verify/resend", post(auth::resend_verification))
        .route("/v1/auth/email/change", post(auth::request_email_change))
        .route("/v1/auth/email/change/confirm", post(auth::confirm_email_change))
        .route_layer(axum::middleware::from_fn_with_state(state, auth_rate_limit));

    let agent = "/v1/agents/{owner}/{slug}";
    // `HttpOptions::auth_routes = false`: `/v1/auth/*` falls through to the 404 fallback.
    let auth = if state_auth_routes { auth } else { Router::new() };
    Router::new()
        .merge(auth)
        .route("/.well-known/jwks.json", get(auth::jwks))
        // The caller's account.
        .route("/v1/me", get(auth::me).patch(auth::update_me).delete(auth::delete_me))
        .route("/v1/me/audit", get(auth::my_audit))
        .route("/v1/me/agents", get(builder::my_agents))
        .route("/v1/me/installs", get(market::my_installs))
        .route("/v1/me/installs/{owner}/{slug}", put(market::install).delete(market::uninstall))
        // Marketplace and builder.
        .route("/v1/agents", get(market::list).post(builder::create))
        .route(agent, get(market::detail).patch(builder::set_status).delete(builder::delete))
        .route(&format!("{agent}/draft"), get(builder::draft).patch(builder::update_draft))
        .route(&format!("{agent}/preview"), post(builder::preview))
        .route(&format!("{agent}/versions"), get(builder::versions).post(builder::publish))
        .route(&format!("{agent}/versions/{{version}}"), get(builder::version))
        .route(&format!("{agent}/card"), get(builder::card))
        .route(&format!("{agent}/rating"), put(market::rate).delete(market::delete_rating))
        .route(&format!("{agent}/reviews"), get(market::reviews))
        .route(&format!("{agent}/usage"), post(market::record_usage).get(market::usage))
        // Administration.
        .route("/v1/admin/audit", get(admin::audit))
        .route("/v1/admin/agents/{owner}/{slug}", patch(admin::moderate_agent))
        .route("/v1/admin/reviews/{id}", delete(admin::delete_review))
        .route("/v1/admin/users/{id}", patch(admin::update_user))
        .route("/v1/admin/users/{id}/sessions", delete(admin::revoke_user_sessions))
}
