//! Operational routes: `/healthz`, `/readyz`, `/metrics`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// `GET /healthz`: the process is up (no dependency is checked).
pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the store answers; `503 unavailable` otherwise.
pub(crate) async fn readyz(State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    state.mart.ping().await?;
    Ok(Json(json!({ "status": "ok", "store": state.mart.store().backend_name() })))
}

/// `GET /metrics`: Prometheus text format; `404` when metrics are off.
pub(crate) async fn metrics(State(state): State<AppState>) -> ApiResult<Response> {
    let Some(metrics) = &state.metrics else { return Err(ApiError::no_route()) };
    let text = metrics.render().map_err(ApiError::internal)?;
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    Ok(response)
}

/// Fallback: `404 not_found` problem for a path no route serves.
pub(crate) async fn no_route() -> ApiError {
    ApiError::no_route()
}

/// `GET /openapi.json`: the OpenAPI 3.1 document.
pub(crate) async fn openapi() -> Response {
    let mut response = crate::openapi::document_json().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

/// `GET /docs`: the API reference, no script, styles from `docs.css` only.
pub(crate) async fn docs() -> Response {
    let mut response = crate::openapi::docs_page().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

/// `GET /docs.css`: the reference page's styles.
pub(crate) async fn docs_css() -> Response {
    let mut response = crate::openapi::DOCS_CSS.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}
