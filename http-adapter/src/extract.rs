//! Extractors that answer with problem documents: JSON bodies, path and query
//! parameters, the bearer principal and the client's address.

use agentmart_core::{Agentmart, ClientInfo, Error, Principal, text};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::problem::ApiError;
use crate::state::AppState;

fn json_rejection(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::payload_too_large();
    }
    ApiError::malformed(rejection.body_text())
}

/// A JSON request body (`Content-Type: application/json`). Bad JSON, a wrong
/// content type, missing or mistyped fields answer `400 malformed_request`;
/// an over-limit body `413 payload_too_large`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// Like [`ApiJson`], but an empty body (with or without a content type) gives `T::default()`.
/// For routes whose body is entirely optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionalJson<T>(pub T);

impl<T, S> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared_empty =
            req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == "0");
        let has_type = req.headers().contains_key(header::CONTENT_TYPE);
        if declared_empty || !has_type {
            let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::payload_too_large()
                } else {
                    ApiError::malformed(rejection.body_text())
                }
            })?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(T::default()));
            }
            return Err(ApiError::malformed("a request body needs `Content-Type: application/json`"));
        }
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(OptionalJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// Path parameters. Every segment is checked first with
/// [`agentmart_core::text::check_segment`]: one over its length cap (`owner`
/// 31, `slug` 63, `version` 64, `id` 36 characters) or holding a control
/// character (`%00`, `%1B`, ...) answers `422 validation_failed` naming the
/// parameter, so it never reaches a route or the store. A parameter of the
/// wrong type answers `400 malformed_request`.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw =
            RawPathParams::from_request_parts(parts, state).await.map_err(|r| ApiError::malformed(r.body_text()))?;
        let errors: Vec<_> = raw.iter().filter_map(|(name, value)| text::check_segment(name, value)).collect();
        if !errors.is_empty() {
            return Err(Error::Validation(errors).into());
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_rejection(rejection)),
        }
    }
}

fn path_rejection(rejection: PathRejection) -> ApiError {
    ApiError::malformed(rejection.body_text())
}

/// Query parameters; unknown values or wrong types answer `400 malformed_request`.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    ApiError::malformed(rejection.body_text())
}

/// The caller's address and user agent (see `HttpOptions::trusted_proxies`).
#[derive(Debug, Clone, Default)]
pub struct Client(pub ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(parts.extensions.get::<ClientInfo>().cloned().unwrap_or_default()))
    }
}

/// The bearer token of the request, if any: `Ok(None)` without an
/// `Authorization` header, `unauthenticated` for another scheme or an empty token.
fn bearer_token(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let text = value.to_str().map_err(|_| ApiError::from(Error::Unauthenticated))?;
    let (scheme, token) = text.trim().split_once(' ').ok_or_else(|| ApiError::from(Error::Unauthenticated))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(Error::Unauthenticated.into());
    }
    Ok(Some(token))
}

/// The authenticated caller.
///
/// Two sources, in this order:
/// 1. a [`Principal`] a host put into the request's extensions (bring-your-own-identity:
///    the host's own middleware authenticates its user, e.g. from its session cookie,
///    obtains a principal with `AuthService::principal_for_external`, and inserts it);
///    clients cannot set extensions, only server code can;
/// 2. `Authorization: Bearer <access token>`, checked by `AuthService::authenticate`
///    (which refuses tokens of ended sessions at once).
///
/// Without either: `401 unauthenticated`.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(Auth(principal.clone()));
        }
        let token = bearer_token(parts)?.ok_or_else(|| ApiError::from(Error::Unauthenticated))?;
        Ok(Auth(authenticate(&state.mart, token).await?))
    }
}

/// The caller if authenticated (see [`Auth`]); `None` without a host principal or an
/// `Authorization` header. A header with a bad token still answers 401, so a
/// client learns its token is unusable.
#[derive(Debug, Clone)]
pub struct MaybeAuth(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(MaybeAuth(Some(principal.clone())));
        }
        match bearer_token(parts)? {
            None => Ok(MaybeAuth(None)),
            Some(token) => Ok(MaybeAuth(Some(authenticate(&state.mart, token).await?))),
        }
    }
}

/// Checks the access token with core (`AuthService::authenticate`).
async fn authenticate(mart: &Agentmart, token: &str) -> Result<Principal, Error> {
    mart.auth().authenticate(token).await
}
