//! The request and answer types of [`AgentsService`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AgentCard;
#[cfg(doc)]
use super::{AgentsService, PLACEHOLDER_INPUT, chat_request};
use crate::error::FieldError;
use crate::ids::AgentId;
use crate::model::{AgentDefinition, AgentStatus, ModelSettings, Skill};
use crate::provider::{ChatRequest, ChatResponse};

/// Request of [`AgentsService::create`] (`POST /v1/agents`): the slug and the
/// definition fields side by side, e.g. `{"slug": "summarizer", "name": "Summarizer", ...}`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateAgent {
    /// Unique among the owner's agents (deleted ones included):
    /// `^[a-z0-9][a-z0-9-]{1,62}$`. Part of the agent's path `owner/slug`.
    #[cfg_attr(feature = "schema", schemars(pattern(crate::schema::slug_pattern())))]
    pub slug: String,
    /// The initial draft. Must respect the limits; may miss publish requirements.
    #[serde(flatten)]
    pub definition: AgentDefinition,
}

/// Changes to a draft (`PATCH …/draft`). A field left `None` (absent) stays as
/// it is; lists are replaced whole. For the optional fields (`input_schema`,
/// `output_schema`, `model`, `category`, `icon_url`, `documentation_url`),
/// `Some(None)` (JSON `null`) clears the value.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DraftPatch {
    /// New display name.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = super::MAX_NAME_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New tagline (`""` clears it).
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_TAGLINE_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tagline: Option<String>,
    /// New description (`""` clears it).
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_DESCRIPTION_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New system prompt.
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_SYSTEM_PROMPT_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// New skills (replace the list).
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_SKILLS)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<Skill>>,
    /// New input modes (replace the list).
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<crate::schema::MimeType>>"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_modes: Option<Vec<String>>,
    /// New output modes (replace the list).
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<crate::schema::MimeType>>"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modes: Option<Vec<String>>,
    /// New input JSON Schema, or `Some(None)` to remove it.
    #[cfg_attr(feature = "schema", schemars(with = "Option<serde_json::Value>"))]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub input_schema: Option<Option<serde_json::Value>>,
    /// New output JSON Schema, or `Some(None)` to remove it.
    #[cfg_attr(feature = "schema", schemars(with = "Option<serde_json::Value>"))]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub output_schema: Option<Option<serde_json::Value>>,
    /// New conversation starters (replace the list).
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_CONVERSATION_STARTERS), inner(length(min = 1, max = super::MAX_CONVERSATION_STARTER_LEN))))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_starters: Option<Vec<String>>,
    /// New model settings, or `Some(None)` to remove them.
    #[cfg_attr(feature = "schema", schemars(with = "Option<ModelSettings>"))]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub model: Option<Option<ModelSettings>>,
    /// New category, or `Some(None)` to remove it.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>", pattern(crate::schema::tag_pattern())))]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub category: Option<Option<String>>,
    /// New tags (replace the list).
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_TAGS), inner(pattern(crate::schema::tag_pattern()))))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// New icon URL, or `Some(None)` to remove it.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>", length(max = super::MAX_URL_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub icon_url: Option<Option<String>>,
    /// New documentation URL, or `Some(None)` to remove it.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>", length(max = super::MAX_URL_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub documentation_url: Option<Option<String>>,
}

impl DraftPatch {
    /// Applies the patch to a definition; returns the names of the fields it sets.
    pub fn apply(self, d: &mut AgentDefinition) -> Vec<&'static str> {
        let mut fields = Vec::new();
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(value) = self.$field {
                    d.$field = value;
                    fields.push(stringify!($field));
                }
            )*};
        }
        set!(
            name,
            tagline,
            description,
            system_prompt,
            skills,
            input_modes,
            output_modes,
            input_schema,
            output_schema,
            conversation_starters,
            model,
            category,
            tags,
            icon_url,
            documentation_url
        );
        fields
    }
}

/// The owner's view of an agent and its draft (`GET …/draft`): the agent's
/// metadata and the draft's definition fields side by side.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentDraftView {
    /// The agent's id.
    pub id: AgentId,
    /// The owner's handle.
    pub owner: String,
    /// The agent's slug.
    pub slug: String,
    /// Lifecycle state (`draft` until the first publish).
    pub status: AgentStatus,
    /// Message shown with the status, if any.
    pub status_message: Option<String>,
    /// The newest published version, if any.
    pub latest_version: Option<semver::Version>,
    /// The draft (system prompt included).
    #[serde(flatten)]
    pub definition: AgentDefinition,
    /// What still keeps the draft from being published (empty when ready).
    pub warnings: Vec<FieldError>,
    /// When the agent was created.
    pub created_at: DateTime<Utc>,
    /// Last edit of the draft.
    pub updated_at: DateTime<Utc>,
}

/// One of the caller's agents in [`AgentsService::my_agents`] (`GET /v1/me/agents`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAgent {
    /// The agent's id.
    pub id: AgentId,
    /// The owner's handle.
    pub owner: String,
    /// The agent's slug.
    pub slug: String,
    /// The draft's display name.
    pub name: String,
    /// Lifecycle state; drafts and deleted agents are included.
    pub status: AgentStatus,
    /// Message shown with the status, if any.
    pub status_message: Option<String>,
    /// Set when an administrator unlisted, deprecated or deleted the agent:
    /// the owner cannot change its status (`moderation_locked`) until an
    /// administrator lists it again. `null` otherwise.
    pub moderation: Option<crate::model::ModerationLock>,
    /// The newest published version, if any.
    pub latest_version: Option<semver::Version>,
    /// When the agent was created.
    pub created_at: DateTime<Utc>,
    /// Last change (draft edit, publish, status change).
    pub updated_at: DateTime<Utc>,
}

/// A definition as shown to a reader: `system_prompt` is present only for the
/// owner and admins (and omitted from JSON otherwise).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefinitionView {
    /// Display name.
    pub name: String,
    /// One-line pitch.
    pub tagline: String,
    /// Long description.
    pub description: String,
    /// The system prompt; only for the owner and admins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Capabilities.
    pub skills: Vec<Skill>,
    /// Accepted MIME types.
    #[cfg_attr(feature = "schema", schemars(with = "Vec<crate::schema::MimeType>"))]
    pub input_modes: Vec<String>,
    /// Produced MIME types.
    #[cfg_attr(feature = "schema", schemars(with = "Vec<crate::schema::MimeType>"))]
    pub output_modes: Vec<String>,
    /// JSON Schema of the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<serde_json::Value>,
    /// JSON Schema of the output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<serde_json::Value>,
    /// Suggested first messages.
    pub conversation_starters: Vec<String>,
    /// Model settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSettings>,
    /// Category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Icon URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// Documentation URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
}

impl DefinitionView {
    /// The view of `definition`, with the system prompt only when `include_prompt`.
    pub fn new(definition: AgentDefinition, include_prompt: bool) -> Self {
        let d = definition;
        Self {
            name: d.name,
            tagline: d.tagline,
            description: d.description,
            system_prompt: include_prompt.then_some(d.system_prompt),
            skills: d.skills,
            input_modes: d.input_modes,
            output_modes: d.output_modes,
            input_schema: d.input_schema,
            output_schema: d.output_schema,
            conversation_starters: d.conversation_starters,
            model: d.model,
            category: d.category,
            tags: d.tags,
            icon_url: d.icon_url,
            documentation_url: d.documentation_url,
        }
    }
}

/// One published, immutable version (`GET …/versions`, `…/versions/{version}`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    /// The agent's id.
    pub agent_id: AgentId,
    /// The owner's handle.
    pub owner: String,
    /// The agent's slug.
    pub slug: String,
    /// The semver version.
    pub version: semver::Version,
    /// Release notes.
    pub changelog: Option<String>,
    /// Publish time.
    pub published_at: DateTime<Utc>,
    /// The definition as published (system prompt only for the owner and admins).
    #[serde(flatten)]
    pub definition: DefinitionView,
}

/// Request of [`AgentsService::preview`].
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRequest {
    /// The sample user input (≤ 32000 characters). When absent or blank, the
    /// first conversation starter is used, else [`PLACEHOLDER_INPUT`].
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_PREVIEW_INPUT_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
}

/// What a draft would look like and send (`POST …/preview`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// The A2A card the draft would have once published (version `draft`).
    pub card: AgentCard,
    /// The exact chat-completions request the agent would send for the input; see [`chat_request`].
    pub chat_request: ChatRequest,
    /// Publish-readiness problems of the draft (what [`AgentsService::publish`]
    /// would refuse), plus a `model_response` / `provider_error` entry when the
    /// model provider failed.
    pub warnings: Vec<FieldError>,
    /// The model's answer, when a [`crate::ModelProvider`] is configured and answered.
    pub model_response: Option<ChatResponse>,
}

/// Request of [`AgentsService::publish`] (`POST …/versions`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishRequest {
    /// Semantic version, strictly greater than the latest published one
    /// (pre-releases order before their release: `1.0.0-rc.1 < 1.0.0`). Build
    /// metadata (`+…`) is refused.
    pub version: String,
    /// Release notes, ≤ 2000 characters.
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_CHANGELOG_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog: Option<String>,
}

/// Request of [`AgentsService::set_status`] (`PATCH /v1/agents/{owner}/{slug}`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// `listed`, `unlisted` or `deprecated` (`draft` and `deleted` are refused
    /// with `invalid_choice`; use [`AgentsService::delete`] to delete).
    pub status: AgentStatus,
    /// Message shown with the status (≤ 500 characters, one line); absent or
    /// blank clears it.
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_STATUS_MESSAGE_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}
