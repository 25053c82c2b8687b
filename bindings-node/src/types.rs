//! The JavaScript shapes of requests and results.
//!
//! Each struct mirrors a core type field for field; napi turns the Rust
//! snake_case names into camelCase on the JavaScript side. Results are built
//! from the core values through their serde form (the field names of both
//! sides are the same in serde), so a core field this file forgot is a
//! deserialization error in the tests, not silently dropped data. Ids are
//! strings (UUIDv7), times are RFC 3339 strings, versions are semver strings.

#![allow(missing_docs)] // fields mirror documented core types; see the core docs

use napi::bindgen_prelude::{Either, Null};
use napi_derive::napi;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use agentmart_core as am;

/// Core value → JavaScript shape (through serde; a mismatch is `internal`).
pub(crate) fn to_js<C: Serialize, J: DeserializeOwned>(value: C) -> am::Result<J> {
    let json = serde_json::to_value(value).map_err(am::Error::internal)?;
    serde_json::from_value(json).map_err(am::Error::internal)
}

/// JavaScript request → core request (a mismatch is `malformed_request`).
pub(crate) fn from_js<J: Serialize, C: DeserializeOwned>(value: J) -> am::Result<C> {
    let json = serde_json::to_value(value).map_err(|e| am::Error::MalformedRequest(e.to_string()))?;
    serde_json::from_value(json).map_err(|e| am::Error::MalformedRequest(e.to_string()))
}

// ---------------------------------------------------------------- enums

/// Lifecycle of an agent.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    Draft,
    Listed,
    Unlisted,
    Deprecated,
    Deleted,
}

/// A user's role.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Admin,
}

/// Order of a marketplace listing.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatalogSort {
    Popular,
    Rating,
    Newest,
    Trending,
    Name,
    Relevance,
}

/// Order of an agent's reviews.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewSort {
    Newest,
    Stars,
}

/// Stable error codes, identical in Rust, HTTP, Python and Node
/// (`AgentmartError.code`).
#[napi(string_enum = "snake_case")]
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedRequest,
    ValidationFailed,
    Unauthenticated,
    InvalidCredentials,
    TokenExpired,
    TokenInvalid,
    TokenReused,
    Forbidden,
    NotFound,
    EmailTaken,
    HandleTaken,
    SlugTaken,
    VersionExists,
    Conflict,
    PayloadTooLarge,
    RateLimited,
    Internal,
    Unavailable,
}

// ---------------------------------------------------------------- shared

/// One failing field of a validation error (also used for draft warnings).
#[napi(object)]
#[derive(Debug, Serialize, Deserialize)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `email` or `skills[2].name`.
    pub field: String,
    /// Stable reason, e.g. `too_long`, `required`, `invalid_format`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

/// Who is calling, for audit records and login throttling.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct ClientInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Key for login throttling (a device cookie, the IP...); defaults to the IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
}

/// One page request: `limit` (default 20, max 100) and the `nextCursor` of the previous page.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct PageRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// An agent named by its owner's handle and its slug.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct AgentRef {
    pub owner: String,
    pub slug: String,
}

/// Parses an agent reference, `"owner/slug"` or `{ owner, slug }`; a string
/// without exactly one `/` is `malformed_request`.
pub(crate) fn agent_ref(path: Either<String, AgentRef>) -> am::Result<am::AgentRef> {
    match path {
        Either::A(text) => text.parse(),
        Either::B(r) => Ok(am::AgentRef::new(r.owner, r.slug)),
    }
}

/// `Some(None)` for `null` (clear the field), `Some(Some(v))` for a value, `None` when absent.
pub(crate) fn clearable<T>(value: Option<Either<T, Null>>) -> Option<Option<T>> {
    value.map(|v| match v {
        Either::A(v) => Some(v),
        Either::B(Null) => None,
    })
}

// ---------------------------------------------------------------- auth

/// Registration request.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct RegisterRequest {
    pub email: String,
    /// 8 to 128 characters, not a common password.
    pub password: String,
    /// `^[a-z0-9][a-z0-9-]{1,30}$`; derived from the email when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// Login request.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A user of the host's own identity system.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct ExternalIdentity {
    /// The host's stable id for the user (1 to 256 bytes).
    pub external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Profile changes: absent fields do not change, `null` clears.
#[napi(object)]
#[derive(Debug, Default)]
pub struct ProfilePatch {
    pub handle: Option<String>,
    pub display_name: Option<Either<String, Null>>,
    pub bio: Option<Either<String, Null>>,
    pub avatar_url: Option<Either<String, Null>>,
}

impl From<ProfilePatch> for am::ProfilePatch {
    fn from(p: ProfilePatch) -> Self {
        am::ProfilePatch {
            handle: p.handle,
            display_name: clearable(p.display_name),
            bio: clearable(p.bio),
            avatar_url: clearable(p.avatar_url),
        }
    }
}

/// Administrator changes to a user.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct AdminUserUpdate {
    /// Disable (ending every session) or enable the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// A user's profile.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct Profile {
    pub id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub handle: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub role: Role,
    pub created_at: String,
}

/// The tokens of a session.
#[napi(object)]
#[derive(Deserialize)]
pub struct TokenPair {
    /// JWT for `auth.authenticate`.
    pub access_token: String,
    /// Always `"Bearer"`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque refresh token (`amr_…`), rotated by `auth.refresh`.
    pub refresh_token: String,
}

/// The answer to a registration.
#[napi(object)]
#[derive(Deserialize)]
pub struct Registered {
    pub user: Profile,
    pub tokens: TokenPair,
}

/// One active session of the user.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: String,
    pub last_used_at: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// True for the session of the principal that asked.
    pub current: bool,
}

/// A principal's plain data (`Principal.toJSON()`).
#[napi(object, use_nullable = true)]
#[derive(Debug)]
pub struct PrincipalInfo {
    pub user_id: String,
    pub session_id: Option<String>,
    pub role: Role,
}

/// One audit record.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AuditRecord {
    pub id: String,
    pub at: String,
    pub actor: Option<String>,
    pub subject: Option<String>,
    /// E.g. `user.registered`, `agent.published`.
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    /// Action-specific JSON (`null` when there is none).
    #[napi(ts_type = "unknown")]
    pub details: serde_json::Value,
}

/// A page of audit records.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    pub next_cursor: Option<String>,
}

/// Filter of `admin.audit`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct AuditFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// RFC 3339 time, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// RFC 3339 time, exclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

// ---------------------------------------------------------------- agents

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
}

/// `admin.moderateAgent`.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct Moderation {
    pub status: AgentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

// ---------------------------------------------------------------- market

/// `market.list`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct ListAgents {
    /// Full-text query over name, tagline, description, skills and tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_mode: Option<String>,
    /// An owner's handle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<CatalogSort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Rating of a list item.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct RatingSummary {
    pub mean: f64,
    pub count: i64,
}

/// Rating of an agent's detail.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct RatingDetail {
    pub mean: f64,
    pub count: i64,
    /// Counts of 1 to 5 stars.
    pub histogram: Vec<i64>,
}

/// One agent of a listing.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AgentListItem {
    pub id: String,
    pub owner: String,
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub input_modes: Vec<String>,
    pub output_modes: Vec<String>,
    pub latest_version: Option<String>,
    pub install_count: i64,
    pub rating: RatingSummary,
    pub updated_at: String,
    pub status: AgentStatus,
    pub status_message: Option<String>,
}

/// A page of agents.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AgentListPage {
    pub items: Vec<AgentListItem>,
    pub next_cursor: Option<String>,
}

/// Who wrote a review.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct ReviewAuthor {
    pub handle: String,
    pub display_name: Option<String>,
}

/// A review.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct Review {
    pub id: String,
    pub user: ReviewAuthor,
    pub stars: u32,
    pub title: Option<String>,
    pub body: Option<String>,
    pub version: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A page of reviews.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct ReviewPage {
    pub items: Vec<Review>,
    pub next_cursor: Option<String>,
}

/// An agent's marketplace page.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AgentDetail {
    pub id: String,
    pub owner: String,
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub description: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub skills: Vec<Skill>,
    pub input_modes: Vec<String>,
    pub output_modes: Vec<String>,
    pub conversation_starters: Vec<String>,
    pub icon_url: Option<String>,
    pub documentation_url: Option<String>,
    pub latest_version: Option<String>,
    pub install_count: i64,
    pub rating: RatingDetail,
    #[napi(js_name = "usage30d")]
    pub usage_30d: i64,
    pub status: AgentStatus,
    pub status_message: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
    /// Only when a viewer was given.
    pub installed: Option<bool>,
    /// Only when a viewer was given.
    pub my_rating: Option<Review>,
}

/// `market.install`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct InstallRequest {
    /// Pin this published version; follow the latest when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// An installed agent.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct InstalledAgent {
    pub agent: AgentListItem,
    pub pinned_version: Option<String>,
    pub installed_at: String,
    pub updated_at: String,
    /// True when the agent was deleted after the install.
    pub deleted: bool,
}

/// A page of installed agents.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct InstalledAgentPage {
    pub items: Vec<InstalledAgent>,
    pub next_cursor: Option<String>,
}

/// `market.install`'s answer.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct InstallResult {
    /// False when the agent was already installed.
    pub created: bool,
    pub install: InstalledAgent,
}

/// `market.rate`.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct RateRequest {
    /// 1 to 5.
    pub stars: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// `market.reviews`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct ListReviews {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<ReviewSort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `market.recordUsage`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct UsageRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<i64>,
    /// RFC 3339 time; now when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<String>,
}

/// A recorded usage event.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct UsageEvent {
    pub agent_id: String,
    pub user_id: String,
    pub event: String,
    pub units: i64,
    pub occurred_at: String,
}

/// `market.usage`: an inclusive range of `YYYY-MM-DD` days.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct UsageQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Usage of one day.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct DailyUsage {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub events: i64,
    pub units: i64,
    pub users: i64,
}
