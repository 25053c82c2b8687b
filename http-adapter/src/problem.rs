//! The one error mapping of the HTTP adapter: every failure becomes an
//! RFC 9457 `application/problem+json` document
//! `{type, title, status, detail, code, request_id, errors?}`.
//!
//! Handlers return [`ApiError`] (usually converted from [`agentmart_core::Error`]).
//! Its response carries the problem as a response extension; the router's edge
//! middleware fills in the request id, logs the cause of `internal` errors and
//! turns any other error answer (an unknown route, a method not allowed, a
//! rejection of an extractor this crate does not wrap...) into a problem too,
//! so no error ever leaves as plain text.
//!
//! Answers stay small whatever the request: `detail` is at most 300
//! characters, `errors` lists at most [`MAX_FIELD_ERRORS`] (50) entries with
//! `"truncated": true` when more were reported, and each entry's field path
//! and message are shortened (100 and 200 characters).
//!
//! Decisions beyond API.md's table:
//! - a method the route does not support answers **405** with code
//!   `malformed_request` (the resource exists, the request is wrong) and an `Allow` header;
//! - a request that exceeds the timeout answers **503** `unavailable`;
//! - rejections by axum's extractors (bad JSON, wrong content type, missing or
//!   mistyped fields, bad path or query parameters) answer **400** `malformed_request`;
//!   an over-limit body answers **413** `payload_too_large`.

use std::time::Duration;

use agentmart_core::error::MAX_FIELD_ERRORS;
use agentmart_core::{Error, ErrorCode, FieldError};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer of the HTTP API. Build it from a core [`Error`] with `?`/`into()`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: ErrorCode,
    pub(crate) detail: String,
    /// At most [`MAX_FIELD_ERRORS`], each shortened (see [`bounded_field_errors`]).
    pub(crate) errors: Vec<FieldError>,
    /// More field errors were reported than `errors` holds.
    pub(crate) truncated: bool,
    pub(crate) retry_after: Option<Duration>,
    /// For logs only (internal and unavailable errors): the cause chain.
    pub(crate) cause: Option<String>,
}

impl ApiError {
    /// An error with this code, the code's HTTP status and a human-readable detail.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            status: status_of(code),
            code,
            detail: shorten(&detail.into(), MAX_DETAIL_CHARS),
            errors: Vec::new(),
            truncated: false,
            retry_after: None,
            cause: None,
        }
    }

    /// `400 malformed_request`.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::MalformedRequest, detail)
    }

    /// `404 not_found` for a path no route serves.
    pub fn no_route() -> Self {
        Self::new(ErrorCode::NotFound, "no route serves this path")
    }

    /// `405` with code `malformed_request`.
    pub fn method_not_allowed() -> Self {
        let mut err = Self::new(ErrorCode::MalformedRequest, "this route does not support the request's method");
        err.status = StatusCode::METHOD_NOT_ALLOWED;
        err
    }

    /// `413 payload_too_large`.
    pub fn payload_too_large() -> Self {
        Self::new(ErrorCode::PayloadTooLarge, "the request body is larger than this server accepts")
    }

    /// `429 rate_limited` with a `Retry-After`.
    pub fn rate_limited(retry_after: Duration) -> Self {
        let mut err = Self::new(ErrorCode::RateLimited, "too many requests; retry later");
        err.retry_after = Some(retry_after);
        err
    }

    /// `503 unavailable` because the request took longer than the configured timeout.
    pub fn timeout() -> Self {
        Self::new(ErrorCode::Unavailable, "the request took too long; retry later")
    }

    /// `500 internal`, logging `cause` (never shown to the caller).
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut err = Self::new(ErrorCode::Internal, INTERNAL_DETAIL);
        err.cause = Some(cause.to_string());
        err
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The problem for an error answer that was produced without one (by axum
    /// itself or a layer), keyed on its status.
    pub(crate) fn from_status(status: StatusCode) -> Self {
        let (code, detail) = match status.as_u16() {
            400 => (ErrorCode::MalformedRequest, "the request could not be understood"),
            401 => (ErrorCode::Unauthenticated, "authentication required"),
            403 => (ErrorCode::Forbidden, "not allowed"),
            404 => (ErrorCode::NotFound, "no route serves this path"),
            405 => (ErrorCode::MalformedRequest, "this route does not support the request's method"),
            408 | 503 | 504 => (ErrorCode::Unavailable, "the service is temporarily unavailable; retry later"),
            409 => (ErrorCode::Conflict, "the current state does not allow this"),
            413 => (ErrorCode::PayloadTooLarge, "the request body is larger than this server accepts"),
            422 => (ErrorCode::ValidationFailed, "the request is not valid"),
            429 => (ErrorCode::RateLimited, "too many requests; retry later"),
            s if s >= 500 => (ErrorCode::Internal, INTERNAL_DETAIL),
            _ => (ErrorCode::MalformedRequest, "the request could not be processed"),
        };
        let mut err = Self::new(code, detail);
        err.status = status;
        err
    }

    /// The problem document for this error.
    pub(crate) fn body<'a>(&'a self, request_id: Option<&'a str>) -> ProblemBody<'a> {
        ProblemBody {
            r#type: format!("urn:agentmart:error:{}", self.code.as_str()),
            title: title_of(self.code),
            status: self.status.as_u16(),
            detail: &self.detail,
            code: self.code.as_str(),
            request_id,
            errors: if self.errors.is_empty() { None } else { Some(&self.errors) },
            truncated: self.truncated,
        }
    }

    /// The full response, with the request id in the body when known.
    pub(crate) fn render(&self, request_id: Option<&str>) -> Response {
        let body = serde_json::to_vec(&self.body(request_id)).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        // Every `unavailable` answer tells the client when to try again.
        let wait = self.retry_after.or((self.code == ErrorCode::Unavailable).then_some(UNAVAILABLE_RETRY_AFTER));
        if let Some(wait) = wait {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(agentmart_core::error::retry_after_secs(wait)));
        }
        response.extensions_mut().insert(self.clone());
        response
    }
}

/// The `Retry-After` of a `503 unavailable` answer (store down, disk full,
/// request timeout, shutting down): short, since a store that comes back is
/// used again at once (no restart needed).
pub const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(2);

const INTERNAL_DETAIL: &str = "an unexpected error occurred; quote the request id when reporting it";

/// The serialized problem document.
#[derive(Debug, Serialize)]
pub(crate) struct ProblemBody<'a> {
    r#type: String,
    title: &'static str,
    status: u16,
    detail: &'a str,
    code: &'static str,
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
}

/// Longest `detail`, in characters.
pub(crate) const MAX_DETAIL_CHARS: usize = 300;
/// Longest `errors[].field`, in characters.
const MAX_FIELD_CHARS: usize = 100;
/// Longest `errors[].message`, in characters.
const MAX_MESSAGE_CHARS: usize = 200;

/// `text` cut to `max` characters (an ellipsis marks the cut).
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// The first [`MAX_FIELD_ERRORS`] field errors, each with its field path and
/// message shortened, and whether any were left out. A problem document's size
/// is so bounded (about 50 × 350 bytes) whatever the input was.
pub(crate) fn bounded_field_errors(errors: &[FieldError]) -> (Vec<FieldError>, bool) {
    let kept = errors
        .iter()
        .take(MAX_FIELD_ERRORS)
        .map(|e| FieldError {
            field: shorten(&e.field, MAX_FIELD_CHARS),
            code: shorten(&e.code, 40),
            message: shorten(&e.message, MAX_MESSAGE_CHARS),
        })
        .collect();
    (kept, errors.len() > MAX_FIELD_ERRORS)
}

fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A short, fixed, human title per code (RFC 9457 `title`).
pub fn title_of(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::MalformedRequest => "Malformed request",
        ErrorCode::ValidationFailed => "Validation failed",
        ErrorCode::Unauthenticated => "Authentication required",
        ErrorCode::InvalidCredentials => "Invalid credentials",
        ErrorCode::TokenExpired => "Token expired",
        ErrorCode::TokenInvalid => "Token invalid",
        ErrorCode::TokenReused => "Refresh token reused",
        ErrorCode::Forbidden => "Forbidden",
        ErrorCode::ModerationLocked => "Locked by moderation",
        ErrorCode::NotFound => "Not found",
        ErrorCode::EmailTaken => "Email already registered",
        ErrorCode::HandleTaken => "Handle already taken",
        ErrorCode::SlugTaken => "Slug already taken",
        ErrorCode::VersionExists => "Version already exists",
        ErrorCode::Conflict => "Conflict",
        ErrorCode::PayloadTooLarge => "Payload too large",
        ErrorCode::RateLimited => "Too many requests",
        ErrorCode::Internal => "Internal error",
        ErrorCode::Unavailable => "Service unavailable",
        _ => "Error",
    }
}

/// The cause chain of an error, outermost first, joined by `: `.
pub(crate) fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        let code = err.code();
        match &err {
            Error::Internal(_) => {
                let mut api = Self::new(code, INTERNAL_DETAIL);
                api.cause = Some(cause_chain(&err));
                api
            }
            Error::Unavailable(_) => {
                let mut api = Self::new(code, "the service is temporarily unavailable; retry later");
                api.cause = Some(cause_chain(&err));
                api
            }
            _ => {
                let mut api = Self::new(code, err.to_string());
                (api.errors, api.truncated) = bounded_field_errors(err.field_errors());
                api.retry_after = err.retry_after();
                api
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.render(None)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl std::error::Error for ApiError {}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_code_maps_to_its_documented_status() {
        for code in ErrorCode::ALL {
            let err = ApiError::new(code, "x");
            assert_eq!(err.status().as_u16(), code.http_status(), "{code}");
            assert_ne!(title_of(code), "Error", "{code} has a title");
            let body = serde_json::to_value(err.body(Some("rid"))).unwrap();
            assert_eq!(body["code"], code.as_str());
            assert_eq!(body["type"], format!("urn:agentmart:error:{code}"));
            assert_eq!(body["request_id"], "rid");
            assert!(body.get("errors").is_none(), "errors only for validation");
        }
    }

    #[test]
    fn internal_errors_keep_their_cause_for_logs_only() {
        let source = std::io::Error::other("disk on fire at /var/secret");
        let err = ApiError::from(Error::internal(source));
        assert_eq!(err.code(), ErrorCode::Internal);
        assert!(err.cause.as_deref().unwrap().contains("disk on fire"));
        let body = serde_json::to_string(&err.body(Some("rid"))).unwrap();
        assert!(!body.contains("disk on fire"), "{body}");
        let err = ApiError::from(Error::Unavailable("pg at 10.0.0.3 refused".into()));
        assert_eq!(err.status().as_u16(), 503);
        assert!(!serde_json::to_string(&err.body(None)).unwrap().contains("10.0.0.3"));
        let response = err.render(None);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2", "every unavailable answer says when to retry");
        assert_eq!(ApiError::timeout().render(None).headers()[header::RETRY_AFTER], "2");
        assert!(ApiError::internal("x").render(None).headers().get(header::RETRY_AFTER).is_none());
    }

    #[test]
    fn validation_errors_list_fields_and_rate_limits_carry_retry_after() {
        let err = ApiError::from(Error::invalid("email", "invalid_format", "not an email"));
        let body = serde_json::to_value(err.body(None)).unwrap();
        assert_eq!(body["errors"][0]["field"], "email");
        assert_eq!(body["status"], 422);
        let response = ApiError::from(Error::RateLimited { retry_after: Duration::from_millis(1500) }).render(None);
        assert_eq!(response.status().as_u16(), 429);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2", "rounded up to whole seconds");
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }

    #[test]
    fn answers_without_a_problem_get_one_by_status() {
        assert_eq!(ApiError::from_status(StatusCode::METHOD_NOT_ALLOWED).code(), ErrorCode::MalformedRequest);
        assert_eq!(ApiError::from_status(StatusCode::METHOD_NOT_ALLOWED).status().as_u16(), 405);
        assert_eq!(ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE).code(), ErrorCode::PayloadTooLarge);
        assert_eq!(ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE).code(), ErrorCode::MalformedRequest);
        assert_eq!(ApiError::from_status(StatusCode::BAD_GATEWAY).code(), ErrorCode::Internal);
        assert_eq!(ApiError::from_status(StatusCode::REQUEST_TIMEOUT).code(), ErrorCode::Unavailable);
    }
}
