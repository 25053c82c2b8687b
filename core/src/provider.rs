//! The optional [`ModelProvider`] a host plugs in so that previews get a real model answer.

use serde::{Deserialize, Serialize};

/// One chat message of an OpenAI-style chat-completions request.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
}

/// The exact OpenAI-style chat-completions request body agentmart would send
/// for an agent and an input (`POST /v1/chat/completions`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Model name.
    pub model: String,
    /// System prompt first, then the user's input.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature, when the agent sets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Output token limit, when the agent sets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// `{"type": "json_schema", ...}` when the agent produces `application/json` with an output schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<serde_json::Value>,
}

/// A model's answer to a [`ChatRequest`].
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The assistant's text.
    pub content: String,
    /// The provider's model name, if it reports one.
    pub model: Option<String>,
}

/// Runs chat requests against a real model. agentmart itself never calls out
/// to a model; a host that wants live previews implements this.
#[async_trait::async_trait]
pub trait ModelProvider: Send + Sync + 'static {
    /// Completes one chat request.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, Box<dyn std::error::Error + Send + Sync>>;
}
