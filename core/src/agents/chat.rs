//! The OpenAI-style chat-completions request an agent sends for an input.

use crate::agents::validate::JSON_MODE;
use crate::model::AgentDefinition;
use crate::provider::{ChatMessage, ChatRequest};

/// The model used when a definition names none.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// The user message of a preview without `input` and without conversation starters.
pub const PLACEHOLDER_INPUT: &str = "Hello! What can you do?";

/// The chat-completions request `definition` would send for the user's `input`.
///
/// - `model`: the definition's model name, [`DEFAULT_MODEL`] when it has no model settings.
/// - `messages`: a `system` message with the system prompt (left out while the
///   prompt is empty, which only a draft can be), then one `user` message with `input`.
/// - `temperature`, `max_tokens`: from the model settings, when set.
/// - `response_format`: `{"type": "json_schema", "json_schema": {"name": <slug>,
///   "schema": <output_schema>}}` when the output modes include
///   `application/json` and an output schema is set; absent otherwise.
pub fn chat_request(slug: &str, definition: &AgentDefinition, input: &str) -> ChatRequest {
    let model = definition.model.as_ref();
    let mut messages = Vec::with_capacity(2);
    if !definition.system_prompt.is_empty() {
        messages.push(ChatMessage { role: "system".into(), content: definition.system_prompt.clone() });
    }
    messages.push(ChatMessage { role: "user".into(), content: input.to_string() });
    let response_format = match &definition.output_schema {
        Some(schema) if definition.output_modes.iter().any(|m| m == JSON_MODE) => Some(serde_json::json!({
            "type": "json_schema",
            "json_schema": { "name": slug, "schema": schema },
        })),
        _ => None,
    };
    ChatRequest {
        model: model.map_or_else(|| DEFAULT_MODEL.to_string(), |m| m.name.clone()),
        messages,
        temperature: model.and_then(|m| m.temperature),
        max_tokens: model.and_then(|m| m.max_tokens),
        response_format,
    }
}

/// The preview's sample input: the given (non-blank) input, else the first conversation
/// starter, else [`PLACEHOLDER_INPUT`].
pub(crate) fn sample_input(definition: &AgentDefinition, input: Option<&str>) -> String {
    input
        .filter(|i| !i.trim().is_empty())
        .or_else(|| definition.conversation_starters.first().map(String::as_str))
        .unwrap_or(PLACEHOLDER_INPUT)
        .to_string()
}
