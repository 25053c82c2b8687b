//! Outgoing messages (password reset, email verification, email change and
//! account notices) go through a [`Notifier`] the host implements: email,
//! SMS, a queue...
//!
//! Links (`PasswordReset`, `EmailVerification`, `EmailChange`) carry a
//! single-use token that lives at most the configured lifetime (10 minutes
//! by default). Notices (`EmailChanged`) carry no secret:
//! their `token` is empty and `link` points at the host's sign-in page
//! (`{public_base_url}/login`).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A password-reset link.
    PasswordReset,
    /// An email-verification link.
    EmailVerification,
    /// A link confirming an email change, sent to the new address.
    EmailChange,
    /// A notice to the old address that the account's email was changed (no token).
    EmailChanged,
}

/// One outgoing message. `token` is a secret: deliver it only to `to`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Recipient email address.
    pub to: String,
    /// Purpose.
    pub kind: MessageKind,
    /// The single-use token (secret); empty for notices.
    pub token: String,
    /// A ready-made link containing the token, built from `Config::public_base_url`
    /// (for notices, the sign-in page).
    pub link: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("to", &self.to)
            .field("kind", &self.kind)
            .field("token", &"<redacted>")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// Delivers messages. Called after the token is stored; a delivery failure is
/// logged and does not change the caller's answer (so that answers never reveal
/// whether an account exists).
#[async_trait::async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// Sends one message.
    async fn send(&self, message: Message) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

/// Writes each message to the `tracing` log with its token redacted. The default.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogNotifier;

#[async_trait::async_trait]
impl Notifier for LogNotifier {
    async fn send(&self, message: Message) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        tracing::info!(to = %message.to, kind = ?message.kind, "agentmart message (token redacted; configure a Notifier to deliver it)");
        Ok(())
    }
}

/// Keeps messages in memory; for tests and examples.
#[derive(Debug, Default, Clone)]
pub struct MemoryNotifier {
    messages: Arc<Mutex<Vec<Message>>>,
}

impl MemoryNotifier {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every message sent so far.
    pub fn messages(&self) -> Vec<Message> {
        self.messages.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The newest message of this kind to this address.
    pub fn last(&self, to: &str, kind: MessageKind) -> Option<Message> {
        self.messages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .rev()
            .find(|m| m.to == to && m.kind == kind)
            .cloned()
    }
}

#[async_trait::async_trait]
impl Notifier for MemoryNotifier {
    async fn send(&self, message: Message) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.messages.lock().unwrap_or_else(|e| e.into_inner()).push(message);
        Ok(())
    }
}
