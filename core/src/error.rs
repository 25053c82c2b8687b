//! The one error type every agentmart call returns, with stable codes.
//!
//! Each variant maps to exactly one snake_case [`ErrorCode`]; the HTTP adapter,
//! the Python module and the Node addon all expose that code unchanged, so a
//! client can switch on it in any language. The table of codes lives in
//! `API.md` and in [`ErrorCode`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::storage::{ConflictKind, StorageError};

/// Result alias used throughout agentmart.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One failing field of a validation error.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `email` or `skills[2].name`.
    pub field: String,
    /// Stable machine-readable reason, e.g. `too_long`, `required`, `invalid_format`.
    pub code: String,
    /// Human-readable explanation (English).
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// Stable error codes, identical across Rust, HTTP, Python and Node.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// Unparsable input, wrong types, bad cursor (HTTP 400).
    MalformedRequest,
    /// A field breaks a rule; see [`Error::field_errors`] (HTTP 422).
    ValidationFailed,
    /// No or unusable credentials (HTTP 401).
    Unauthenticated,
    /// Wrong email or password, same answer for both (HTTP 401).
    InvalidCredentials,
    /// Access or one-time token past its life (HTTP 401).
    TokenExpired,
    /// Bad signature, wrong audience, revoked session (HTTP 401).
    TokenInvalid,
    /// A rotated refresh token came back; the session is revoked (HTTP 401).
    TokenReused,
    /// Authenticated but not allowed (HTTP 403).
    Forbidden,
    /// An administrator's moderation lock forbids the owner's change (HTTP 403).
    ModerationLocked,
    /// Absent, or not visible to this caller (HTTP 404).
    NotFound,
    /// The email is already registered (HTTP 409).
    EmailTaken,
    /// The handle is already taken (HTTP 409).
    HandleTaken,
    /// The owner already has an agent with this slug (HTTP 409).
    SlugTaken,
    /// The version was already published (HTTP 409).
    VersionExists,
    /// The current state does not allow the operation (HTTP 409).
    Conflict,
    /// Body over the limit (HTTP 413). Raised by adapters.
    PayloadTooLarge,
    /// Too many attempts; see [`Error::retry_after`] (HTTP 429).
    RateLimited,
    /// Anything unexpected; no internals are exposed (HTTP 500).
    Internal,
    /// Storage down or shutting down; retryable (HTTP 503).
    Unavailable,
}

impl ErrorCode {
    /// Every code, in the order of the API.md table.
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::MalformedRequest,
        ErrorCode::ValidationFailed,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::TokenExpired,
        ErrorCode::TokenInvalid,
        ErrorCode::TokenReused,
        ErrorCode::Forbidden,
        ErrorCode::ModerationLocked,
        ErrorCode::NotFound,
        ErrorCode::EmailTaken,
        ErrorCode::HandleTaken,
        ErrorCode::SlugTaken,
        ErrorCode::VersionExists,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
    ];

    /// The snake_case wire form, e.g. `"token_reused"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedRequest => "malformed_request",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::TokenInvalid => "token_invalid",
            ErrorCode::TokenReused => "token_reused",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::ModerationLocked => "moderation_locked",
            ErrorCode::NotFound => "not_found",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::HandleTaken => "handle_taken",
            ErrorCode::SlugTaken => "slug_taken",
            ErrorCode::VersionExists => "version_exists",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
        }
    }

    /// The HTTP status an adapter should answer with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::MalformedRequest => 400,
            ErrorCode::ValidationFailed => 422,
            ErrorCode::Unauthenticated
            | ErrorCode::InvalidCredentials
            | ErrorCode::TokenExpired
            | ErrorCode::TokenInvalid
            | ErrorCode::TokenReused => 401,
            ErrorCode::Forbidden | ErrorCode::ModerationLocked => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::EmailTaken
            | ErrorCode::HandleTaken
            | ErrorCode::SlugTaken
            | ErrorCode::VersionExists
            | ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every failure an agentmart call can report.
///
/// Match on [`Error::code`] for behaviour; the `Display` text is for humans
/// and never contains secrets or internal causes of `Internal` errors beyond
/// their own source chain (which adapters log and do not show to callers).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Unparsable input (bad cursor, bad id, bad version string...).
    #[error("malformed request: {0}")]
    MalformedRequest(String),
    /// One or more fields break a rule. Core's validators report at most
    /// [`MAX_FIELD_ERRORS`] + 1 (one past the cap marks a cut list); the
    /// `Display` text names only the first, briefly.
    #[error("validation failed: {}", summarize(.0))]
    Validation(Vec<FieldError>),
    /// No or unusable credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong email or password (deliberately the same for both).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// A token is past its life.
    #[error("token expired")]
    TokenExpired,
    /// A token is malformed, badly signed, for another audience, or its session ended.
    #[error("token invalid")]
    TokenInvalid,
    /// A refresh token that was already rotated came back; its session is now revoked.
    #[error("refresh token reused; the session has been revoked")]
    TokenReused,
    /// The caller is authenticated but not allowed to do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// An administrator moderated the agent; only an administrator can change its status.
    #[error("an administrator moderated this agent; only an administrator can change its status")]
    ModerationLocked,
    /// The thing does not exist or is not visible to the caller.
    #[error("{0} not found")]
    NotFound(String),
    /// The email is already registered.
    #[error("email already registered")]
    EmailTaken,
    /// The handle is already taken.
    #[error("handle already taken")]
    HandleTaken,
    /// The owner already has an agent with this slug.
    #[error("slug already taken")]
    SlugTaken,
    /// This version was already published.
    #[error("version already exists")]
    VersionExists,
    /// The current state does not allow this.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A payload is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge,
    /// Too many attempts; retry after the given delay.
    #[error("too many attempts; retry after {} s", retry_after_secs(*.retry_after))]
    RateLimited {
        /// How long the caller should wait before trying again.
        retry_after: Duration,
    },
    /// Storage is unreachable or shutting down; retryable.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Something unexpected. The source is for logs only.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// Most field errors an adapter reports for one failure (the HTTP problem
/// lists this many and sets `"truncated": true` when there were more).
/// Validators stop collecting one past it, so that the work and the answer
/// stay small whatever the input, and a caller can still tell the list was cut.
pub const MAX_FIELD_ERRORS: usize = 50;

/// Longest text (in characters) of the `Display` summary of a validation error.
const MAX_SUMMARY_CHARS: usize = 200;

/// A short summary: the first failing field, and how many more there are.
/// The full list is [`Error::field_errors`]; the summary must stay short
/// whatever the input (it becomes the problem's `detail`).
fn summarize(errors: &[FieldError]) -> String {
    let Some(first) = errors.first() else { return "no field reported".into() };
    let mut text: String = format!("{}: {}", first.field, first.message).chars().take(MAX_SUMMARY_CHARS).collect();
    match errors.len() - 1 {
        0 => {}
        1 => text.push_str(" (and 1 more field error)"),
        n if errors.len() > MAX_FIELD_ERRORS => text.push_str(&format!(" (and {} or more field errors)", n)),
        n => text.push_str(&format!(" (and {n} more field errors)")),
    }
    text
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::MalformedRequest(_) => ErrorCode::MalformedRequest,
            Error::Validation(_) => ErrorCode::ValidationFailed,
            Error::Unauthenticated => ErrorCode::Unauthenticated,
            Error::InvalidCredentials => ErrorCode::InvalidCredentials,
            Error::TokenExpired => ErrorCode::TokenExpired,
            Error::TokenInvalid => ErrorCode::TokenInvalid,
            Error::TokenReused => ErrorCode::TokenReused,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::ModerationLocked => ErrorCode::ModerationLocked,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::EmailTaken => ErrorCode::EmailTaken,
            Error::HandleTaken => ErrorCode::HandleTaken,
            Error::SlugTaken => ErrorCode::SlugTaken,
            Error::VersionExists => ErrorCode::VersionExists,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::Unavailable(_) => ErrorCode::Unavailable,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The failing fields of a validation error (empty for other errors).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Validation(errors) => errors,
            _ => &[],
        }
    }

    /// For `rate_limited`, how long to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// For `rate_limited`, the wait in whole seconds as every adapter reports
    /// it (HTTP `Retry-After`, Node's `retryAfter`, the message): rounded up,
    /// at least 1, so a client that waits that long is never early.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after().map(retry_after_secs)
    }

    /// A validation error for a single field.
    pub fn invalid(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, code, message)])
    }

    /// Wraps any unexpected error as `internal`.
    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Error::Internal(source.into())
    }

    /// True when retrying the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Unavailable(_) | Error::RateLimited { .. })
    }
}

impl From<StorageError> for Error {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound => Error::NotFound("resource".into()),
            StorageError::Conflict(kind) => match kind {
                ConflictKind::Email => Error::EmailTaken,
                ConflictKind::Handle => Error::HandleTaken,
                ConflictKind::Slug => Error::SlugTaken,
                ConflictKind::Version => Error::VersionExists,
                ConflictKind::ExternalId => Error::Conflict("external identity already linked".into()),
                ConflictKind::StaleVersion => {
                    Error::Conflict("another version was published concurrently; retry".into())
                }
                ConflictKind::AgentDeleted => Error::Conflict("the agent is deleted".into()),
                ConflictKind::ModerationLocked => Error::ModerationLocked,
                ConflictKind::Other(msg) => Error::Conflict(msg),
            },
            StorageError::Unavailable(msg) => Error::Unavailable(msg),
            StorageError::Backend(source) => Error::Internal(source),
        }
    }
}

/// A wait in whole seconds: rounded up, at least 1 (the `Retry-After` rule).
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validation_summary_stays_short_whatever_the_errors() {
        let one = Error::invalid("email", "invalid_format", "not an email");
        assert_eq!(one.to_string(), "validation failed: email: not an email");
        let long = Error::invalid("x".repeat(10_000), "too_long", "y".repeat(10_000));
        assert!(long.to_string().chars().count() <= MAX_SUMMARY_CHARS + 40, "{}", long.to_string().len());
        let many: Vec<FieldError> =
            (0..10_000).map(|i| FieldError::new(format!("tags[{i}]"), "too_long", "x")).collect();
        let text = Error::Validation(many).to_string();
        assert!(text.len() < 300, "{text}");
        assert!(text.contains("or more field errors"), "{text}");
        let two = vec![FieldError::new("a", "required", "a is required"), FieldError::new("b", "required", "b")];
        assert_eq!(Error::Validation(two).to_string(), "validation failed: a: a is required (and 1 more field error)");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds_at_least_one() {
        for (millis, secs) in [(0, 1), (1, 1), (999, 1), (1000, 1), (1001, 2), (1500, 2), (60_000, 60)] {
            let err = Error::RateLimited { retry_after: Duration::from_millis(millis) };
            assert_eq!(err.retry_after_secs(), Some(secs), "{millis} ms");
            assert_eq!(err.to_string(), format!("too many attempts; retry after {secs} s"));
        }
        assert_eq!(Error::PayloadTooLarge.retry_after_secs(), None);
    }
}
