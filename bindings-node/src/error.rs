//! How core errors cross into JavaScript.
//!
//! A napi error carries only a status and a message, so every rejection made
//! here has status `GenericFailure` and a message of the form
//! `AGENTMART_ERROR {json}` where the JSON is
//! `{"code", "message", "fields", "retryAfter"}`. The JavaScript wrapper
//! (`index.js`) recognises the prefix and rebuilds an `AgentmartError` with
//! those properties; any other error that reaches it (an argument of the
//! wrong type, say) becomes an `AgentmartError` with code `malformed_request`.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use agentmart_core::{Error, ErrorCode};
use futures::FutureExt;
use serde::Serialize;

/// Prefix of the message of every error this addon raises.
pub(crate) const ERROR_PREFIX: &str = "AGENTMART_ERROR ";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    code: &'static str,
    message: String,
    fields: &'a [agentmart_core::FieldError],
    retry_after: Option<u64>,
}

/// The payload string (without prefix) for a core error.
pub(crate) fn payload(err: &Error) -> String {
    let payload = Payload {
        code: err.code().as_str(),
        message: err.to_string(),
        fields: err.field_errors(),
        // Whole seconds, rounded up, at least 1: "retry now" is never the answer.
        retry_after: err.retry_after_secs(),
    };
    serde_json::to_string(&payload).unwrap_or_else(|_| {
        format!(r#"{{"code":"{}","message":"agentmart error","fields":[],"retryAfter":null}}"#, err.code().as_str())
    })
}

/// Converts a core error into the napi error the JavaScript wrapper decodes.
pub(crate) fn to_napi(err: &Error) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, format!("{ERROR_PREFIX}{}", payload(err)))
}

/// The error for a handle that was closed.
pub(crate) fn closed() -> Error {
    Error::Unavailable("this Agentmart handle was closed; open a new one".into())
}

/// The error for a caught panic: `internal`, with no detail.
fn panicked() -> Error {
    Error::internal("the agentmart addon panicked")
}

/// Runs a future to completion, mapping its core error and any panic
/// (`internal`) to the napi error the wrapper decodes.
pub(crate) async fn guard<T, Fut>(fut: Fut) -> napi::Result<T>
where
    Fut: Future<Output = agentmart_core::Result<T>>,
{
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(to_napi(&err)),
        Err(_) => Err(to_napi(&panicked())),
    }
}

/// Every stable error code, in the order of the API table.
pub(crate) fn all_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn payload_carries_code_fields_and_rounded_retry_after() {
        let err = Error::invalid("email", "invalid_format", "not an email");
        let json: serde_json::Value = serde_json::from_str(&payload(&err)).unwrap();
        assert_eq!(json["code"], "validation_failed");
        assert_eq!(json["fields"][0]["field"], "email");
        assert_eq!(json["fields"][0]["code"], "invalid_format");
        assert!(json["retryAfter"].is_null());

        let err = Error::RateLimited { retry_after: Duration::from_millis(1500) };
        let json: serde_json::Value = serde_json::from_str(&payload(&err)).unwrap();
        assert_eq!(json["code"], "rate_limited");
        assert_eq!(json["retryAfter"], 2);

        let err = Error::RateLimited { retry_after: Duration::ZERO };
        let json: serde_json::Value = serde_json::from_str(&payload(&err)).unwrap();
        assert_eq!(json["retryAfter"], 1);
    }

    #[test]
    fn internal_errors_hide_their_source() {
        let err = Error::internal("secret database password in here");
        assert!(!payload(&err).contains("secret"));
    }

    #[test]
    fn panics_become_internal() {
        let result: napi::Result<()> = futures::executor::block_on(guard(async { panic!("boom") }));
        let message = result.err().unwrap().reason;
        assert!(message.starts_with(ERROR_PREFIX));
        assert!(message.contains(r#""code":"internal""#));
        assert!(!message.contains("boom"));
    }
}
