//! Delivers password-reset and email-verification messages to a JavaScript
//! callback (`Agentmart.open(url, { onMessage })`).

use agentmart_core as am;
use napi::Status;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde::Deserialize;

/// What a message is for.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Carries a password-reset token (`auth.resetPassword`).
    PasswordReset,
    /// Carries an email-verification token (`auth.verifyEmail`).
    EmailVerification,
    /// Carries an email-change token for the new address (`auth.confirmEmailChange`).
    EmailChange,
    /// Tells the old address that the email changed (no token).
    EmailChanged,
}

/// A message to deliver to a user (by email, SMS...).
#[napi(object)]
#[derive(Deserialize)]
pub struct Message {
    /// The recipient's email address.
    pub to: String,
    /// What the message is for.
    pub kind: MessageKind,
    /// The one-time token to deliver (empty for notices).
    pub token: String,
    /// A link built from `config.publicBaseUrl` that carries the token.
    pub link: String,
    /// RFC 3339 time.
    pub created_at: String,
}

/// The JavaScript callback: called with one `Message`, not awaited, and weak
/// (it does not keep the process alive).
pub type MessageCallback = ThreadsafeFunction<Message, (), Message, Status, false, true>;

/// A core notifier that queues each message to the JavaScript callback.
pub(crate) struct JsNotifier {
    pub(crate) callback: MessageCallback,
}

#[async_trait::async_trait]
impl am::Notifier for JsNotifier {
    async fn send(&self, message: am::Message) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let message: Message = crate::types::to_js(message)?;
        match self.callback.call(message, ThreadsafeFunctionCallMode::NonBlocking) {
            Status::Ok => Ok(()),
            status => Err(format!("the onMessage callback could not be queued: {status:?}").into()),
        }
    }
}
