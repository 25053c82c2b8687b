//! The shapes of `mart.agents` (the builder) and of agent moderation:
//! drafts, definitions, versions, A2A cards, previews.

#![allow(missing_docs)] // fields mirror documented core types; see the core docs

use napi::bindgen_prelude::{Either, Null};
use napi_derive::napi;
use serde::{Deserialize, Serialize};

use agentmart_core as am;

use super::{AgentStatus, FieldError, clearable, from_js};

/// A skill of an agent, as given to the builder.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct SkillInput {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub examples: Option<Vec<String>>,
}

/// A skill of an agent.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct Skill {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub examples: Vec<String>,
}

/// Model settings, as given to the builder.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct ModelSettingsInput {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
}

/// Model settings of an agent.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct ModelSettings {
    pub name: String,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
}

/// `agents.create`: a slug and the first draft.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct CreateAgent {
    /// `^[a-z0-9][a-z0-9-]{1,62}$`, unique per owner.
    pub slug: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tagline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<SkillInput>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_modes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_modes: Option<Vec<String>>,
    /// A JSON Schema object.
    #[napi(ts_type = "Record<string, unknown>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<serde_json::Value>,
    /// A JSON Schema object.
    #[napi(ts_type = "Record<string, unknown>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_starters: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSettingsInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
}

/// `agents.updateDraft`: absent fields do not change; `null` clears the clearable ones.
#[napi(object)]
#[derive(Debug, Default)]
pub struct DraftPatch {
    pub name: Option<String>,
    pub tagline: Option<String>,
    pub description: Option<String>,
    pub system_prompt: Option<String>,
    pub skills: Option<Vec<SkillInput>>,
    pub input_modes: Option<Vec<String>>,
    pub output_modes: Option<Vec<String>>,
    /// A JSON Schema object, or `null` to remove it.
    #[napi(ts_type = "Record<string, unknown> | null")]
    pub input_schema: Option<serde_json::Value>,
    /// A JSON Schema object, or `null` to remove it.
    #[napi(ts_type = "Record<string, unknown> | null")]
    pub output_schema: Option<serde_json::Value>,
    pub conversation_starters: Option<Vec<String>>,
    pub model: Option<Either<ModelSettingsInput, Null>>,
    pub category: Option<Either<String, Null>>,
    pub tags: Option<Vec<String>>,
    pub icon_url: Option<Either<String, Null>>,
    pub documentation_url: Option<Either<String, Null>>,
}

fn schema(value: Option<serde_json::Value>) -> Option<Option<serde_json::Value>> {
    value.map(|v| if v.is_null() { None } else { Some(v) })
}

impl DraftPatch {
    /// The core patch (skills and model go through serde; a mismatch is `malformed_request`).
    pub(crate) fn into_core(self) -> am::Result<am::agents::DraftPatch> {
        let skills = self.skills.map(from_js).transpose()?;
        let model = match clearable(self.model) {
            None => None,
            Some(None) => Some(None),
            Some(Some(m)) => Some(Some(from_js(m)?)),
        };
        Ok(am::agents::DraftPatch {
            name: self.name,
            tagline: self.tagline,
            description: self.description,
            system_prompt: self.system_prompt,
            skills,
            input_modes: self.input_modes,
            output_modes: self.output_modes,
            input_schema: schema(self.input_schema),
            output_schema: schema(self.output_schema),
            conversation_starters: self.conversation_starters,
            model,
            category: clearable(self.category),
            tags: self.tags,
            icon_url: clearable(self.icon_url),
            documentation_url: clearable(self.documentation_url),
        })
    }
}

/// An agent's draft as its owner sees it in the builder.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AgentDraft {
    pub id: String,
    /// The owner's handle.
    pub owner: String,
    pub slug: String,
    pub status: AgentStatus,
    pub status_message: Option<String>,
    pub latest_version: Option<String>,
    pub name: String,
    pub tagline: String,
    pub description: String,
    pub system_prompt: String,
    pub skills: Vec<Skill>,
    pub input_modes: Vec<String>,
    pub output_modes: Vec<String>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub input_schema: Option<serde_json::Value>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub output_schema: Option<serde_json::Value>,
    pub conversation_starters: Vec<String>,
    pub model: Option<ModelSettings>,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub icon_url: Option<String>,
    pub documentation_url: Option<String>,
    /// What would stop a publish now.
    pub warnings: Vec<FieldError>,
    pub created_at: String,
    pub updated_at: String,
}

/// An administrator's moderation of an agent: its owner cannot change the status.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct ModerationLock {
    pub locked_by_admin: bool,
    pub at: String,
    pub reason: Option<String>,
}

/// One of the caller's agents.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct MyAgent {
    pub id: String,
    pub owner: String,
    pub slug: String,
    pub name: String,
    pub status: AgentStatus,
    pub status_message: Option<String>,
    pub moderation: Option<ModerationLock>,
    pub latest_version: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A published version (the system prompt only for the owner and administrators).
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct VersionView {
    pub agent_id: String,
    pub owner: String,
    pub slug: String,
    pub version: String,
    pub changelog: Option<String>,
    pub published_at: String,
    pub name: String,
    pub tagline: String,
    pub description: String,
    pub system_prompt: Option<String>,
    pub skills: Vec<Skill>,
    pub input_modes: Vec<String>,
    pub output_modes: Vec<String>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub input_schema: Option<serde_json::Value>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub output_schema: Option<serde_json::Value>,
    pub conversation_starters: Vec<String>,
    pub model: Option<ModelSettings>,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub icon_url: Option<String>,
    pub documentation_url: Option<String>,
}

/// A full agent definition.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AgentDefinition {
    pub name: String,
    pub tagline: String,
    pub description: String,
    pub system_prompt: String,
    pub skills: Vec<Skill>,
    pub input_modes: Vec<String>,
    pub output_modes: Vec<String>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub input_schema: Option<serde_json::Value>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub output_schema: Option<serde_json::Value>,
    pub conversation_starters: Vec<String>,
    pub model: Option<ModelSettings>,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub icon_url: Option<String>,
    pub documentation_url: Option<String>,
}

/// The version an installing user runs (`agents.installedDefinition`).
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AgentVersion {
    pub agent_id: String,
    pub version: String,
    pub definition: AgentDefinition,
    pub changelog: Option<String>,
    pub published_at: String,
    pub published_by: String,
}

/// `agents.publish`.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct PublishRequest {
    /// Semver, greater than every published version.
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changelog: Option<String>,
}

/// `agents.setStatus`.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct StatusChange {
    pub status: AgentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

/// `agents.preview`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct PreviewRequest {
    /// Sample user input; a placeholder when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
}

/// The A2A provider of a card.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct AgentProvider {
    pub organization: String,
    pub url: String,
}

/// A2A capabilities.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCapabilities {
    pub streaming: bool,
    pub push_notifications: bool,
}

/// A skill on an A2A card.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSkill {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub examples: Option<Vec<String>>,
    pub input_modes: Option<Vec<String>>,
    pub output_modes: Option<Vec<String>>,
}

/// An A2A AgentCard (protocol 0.3.0).
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCard {
    pub name: String,
    pub description: String,
    pub url: String,
    pub version: String,
    pub protocol_version: String,
    pub provider: AgentProvider,
    pub capabilities: AgentCapabilities,
    pub default_input_modes: Vec<String>,
    pub default_output_modes: Vec<String>,
    pub skills: Vec<AgentSkill>,
    pub documentation_url: Option<String>,
    pub icon_url: Option<String>,
}

/// One chat message.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

/// The request a preview would send to a model.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub response_format: Option<serde_json::Value>,
}

/// A model's answer.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct ChatResponse {
    pub content: String,
    pub model: Option<String>,
}

/// `agents.preview`'s answer.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct Preview {
    pub card: AgentCard,
    pub chat_request: ChatRequest,
    pub warnings: Vec<FieldError>,
    /// Only when the host configured a model provider.
    pub model_response: Option<ChatResponse>,
}

/// An agent record (answer of `admin.moderateAgent`).
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct Agent {
    pub id: String,
    pub owner_id: String,
    pub slug: String,
    pub status: AgentStatus,
    pub status_message: Option<String>,
    pub latest_version: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
    pub moderation: Option<ModerationLock>,
}

/// `admin.moderateAgent`.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct Moderation {
    pub status: AgentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}
