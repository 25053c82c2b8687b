//! Agents, their definitions, drafts and published versions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, UserId};
use crate::model::Stars;

/// Lifecycle state of an agent.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Never published; only the owner sees it.
    Draft,
    /// Published and shown in lists and search.
    Listed,
    /// Published, reachable by path, absent from lists and search.
    Unlisted,
    /// Published, listed with its status message, sorted last.
    Deprecated,
    /// Soft-deleted: gone from the marketplace; installs stay readable to their users.
    Deleted,
}

impl AgentStatus {
    /// Wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Draft => "draft",
            AgentStatus::Listed => "listed",
            AgentStatus::Unlisted => "unlisted",
            AgentStatus::Deprecated => "deprecated",
            AgentStatus::Deleted => "deleted",
        }
    }

    /// True when the agent appears in lists and search (listed or deprecated).
    pub fn is_public_listing(self) -> bool {
        matches!(self, AgentStatus::Listed | AgentStatus::Deprecated)
    }

    /// True when the agent has a published version and is not deleted.
    pub fn is_published(self) -> bool {
        matches!(self, AgentStatus::Listed | AgentStatus::Unlisted | AgentStatus::Deprecated)
    }
}

impl std::str::FromStr for AgentStatus {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "draft" => AgentStatus::Draft,
            "listed" => AgentStatus::Listed,
            "unlisted" => AgentStatus::Unlisted,
            "deprecated" => AgentStatus::Deprecated,
            "deleted" => AgentStatus::Deleted,
            other => {
                return Err(crate::Error::invalid(
                    "status",
                    "invalid_choice",
                    format!("unknown status `{other}`; expected listed, unlisted or deprecated"),
                ));
            }
        })
    }
}

/// One capability of an agent (an A2A skill).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Skill {
    /// Identifier, unique within the agent: `^[a-z0-9][a-z0-9_-]{0,63}$`.
    #[cfg_attr(feature = "schema", schemars(pattern(crate::schema::skill_id_pattern())))]
    pub id: String,
    /// Display name, 1–100 characters.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = crate::agents::MAX_NAME_LEN)))]
    pub name: String,
    /// What the skill does, ≤ 1000 characters.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_SKILL_DESCRIPTION_LEN)))]
    #[serde(default)]
    pub description: String,
    /// Keywords, ≤ 10, each ≤ 32 characters.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_SKILL_TAGS), inner(length(min = 1, max = crate::agents::MAX_SKILL_TAG_LEN))))]
    #[serde(default)]
    pub tags: Vec<String>,
    /// Example prompts, ≤ 10, each ≤ 500 characters.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_SKILL_EXAMPLES), inner(length(min = 1, max = crate::agents::MAX_SKILL_EXAMPLE_LEN))))]
    #[serde(default)]
    pub examples: Vec<String>,
}

/// Model settings of an agent.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ModelSettings {
    /// Model name, 1–100 characters, e.g. `gpt-4o-mini`.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = crate::agents::MAX_NAME_LEN)))]
    pub name: String,
    /// Sampling temperature, 0.0–2.0.
    #[cfg_attr(feature = "schema", schemars(range(min = 0.0, max = crate::agents::MAX_TEMPERATURE)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Maximum output tokens, 1–1,000,000.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = crate::agents::MAX_MAX_TOKENS)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
}

/// Everything a user writes about an agent. Drafts and versions both hold one.
///
/// Limits are enforced by [`crate::agents::validate_definition`]; see API.md.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AgentDefinition {
    /// Display name, 1–100 characters.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = crate::agents::MAX_NAME_LEN)))]
    pub name: String,
    /// One-line pitch, ≤ 100 characters.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_TAGLINE_LEN)))]
    #[serde(default)]
    pub tagline: String,
    /// Long description, ≤ 2000 characters.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_DESCRIPTION_LEN)))]
    #[serde(default)]
    pub description: String,
    /// The system prompt, 1–32000 characters. Never shown publicly.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_SYSTEM_PROMPT_LEN)))]
    #[serde(default)]
    pub system_prompt: String,
    /// Capabilities, ≤ 32.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_SKILLS)))]
    #[serde(default)]
    pub skills: Vec<Skill>,
    /// Accepted MIME types (allow-list), ≥ 1.
    #[cfg_attr(feature = "schema", schemars(with = "Vec<crate::schema::MimeType>"))]
    #[serde(default)]
    pub input_modes: Vec<String>,
    /// Produced MIME types (allow-list), ≥ 1.
    #[cfg_attr(feature = "schema", schemars(with = "Vec<crate::schema::MimeType>"))]
    #[serde(default)]
    pub output_modes: Vec<String>,
    /// JSON Schema of the input; required when `input_modes` has `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<serde_json::Value>,
    /// JSON Schema of the output; required when `output_modes` has `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<serde_json::Value>,
    /// Suggested first messages, ≤ 6.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_CONVERSATION_STARTERS), inner(length(min = 1, max = crate::agents::MAX_CONVERSATION_STARTER_LEN))))]
    #[serde(default)]
    pub conversation_starters: Vec<String>,
    /// Model settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSettings>,
    /// Category (lower-case slug), optional.
    #[cfg_attr(feature = "schema", schemars(pattern(crate::schema::tag_pattern())))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Tags, ≤ 10, lower-case.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_TAGS), inner(pattern(crate::schema::tag_pattern()))))]
    #[serde(default)]
    pub tags: Vec<String>,
    /// Icon URL (http/https).
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_URL_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// Documentation URL (http/https).
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_URL_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
}

/// An agent's metadata (without its draft or versions).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Stable id.
    pub id: AgentId,
    /// Owner.
    pub owner_id: UserId,
    /// Unique per owner: `^[a-z0-9][a-z0-9-]{1,62}$`.
    pub slug: String,
    /// Lifecycle state.
    pub status: AgentStatus,
    /// Optional message shown with the status (e.g. why it is deprecated).
    pub status_message: Option<String>,
    /// The newest published version, if any.
    pub latest_version: Option<semver::Version>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change (draft edit, publish, status change).
    pub updated_at: DateTime<Utc>,
    /// Time of the latest publish.
    pub published_at: Option<DateTime<Utc>>,
    /// The administrator's moderation lock, when an administrator unlisted,
    /// deprecated or deleted the agent: while it is set the owner cannot
    /// change the status; only an administrator lifts it (by listing the
    /// agent again). Absent in records stored before locks existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation: Option<ModerationLock>,
}

/// An administrator's decision on an agent that its owner cannot undo
/// (see [`Agent::moderation`]).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationLock {
    /// Always `true`: the status was set by an administrator, not the owner.
    pub locked_by_admin: bool,
    /// When the administrator set the status.
    pub at: DateTime<Utc>,
    /// The administrator's message, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ModerationLock {
    /// A lock set at `at`, with the administrator's optional message.
    pub fn new(at: DateTime<Utc>, reason: Option<String>) -> Self {
        Self { locked_by_admin: true, at, reason }
    }
}

impl Agent {
    /// Applies a successful publish of `version` to the agent's metadata: the
    /// latest version and last change become the version's, `published_at` is
    /// set on the first publish only, and a draft becomes listed (any other
    /// status is the owner's choice and is kept).
    ///
    /// Every backend calls this inside its publish transaction, after
    /// [`PublishVersion::check`](crate::storage::PublishVersion::check) passed,
    /// so the transition is written once.
    pub fn apply_publish(&mut self, version: &AgentVersion) {
        self.latest_version = Some(version.version.clone());
        self.updated_at = version.published_at;
        self.published_at.get_or_insert(version.published_at);
        if self.status == AgentStatus::Draft {
            self.status = AgentStatus::Listed;
        }
    }
}

/// The owner's editable draft of an agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Whose draft.
    pub agent_id: AgentId,
    /// The definition being edited.
    pub definition: AgentDefinition,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

/// One published, immutable version.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentVersion {
    /// Which agent.
    pub agent_id: AgentId,
    /// The semver version.
    pub version: semver::Version,
    /// The snapshot of the draft at publish time.
    pub definition: AgentDefinition,
    /// Release notes, ≤ 2000 characters.
    pub changelog: Option<String>,
    /// Publish time.
    pub published_at: DateTime<Utc>,
    /// Who published it.
    pub published_by: UserId,
}

/// Counters kept per agent by the store, updated atomically with the rows they summarise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct AgentStats {
    /// Number of users who have the agent installed.
    pub install_count: u64,
    /// Number of ratings.
    pub rating_count: u64,
    /// Sum of all stars.
    pub rating_sum: u64,
    /// Count of 1..=5 star ratings (index 0 is one star).
    pub histogram: [u64; 5],
    /// Total usage events ever recorded.
    pub usage_events: u64,
    /// Trending score in log2 space; see [`crate::ranking::trending_increment`].
    pub trending: f64,
}

impl AgentStats {
    /// Adds one rating of `stars` to the aggregate.
    pub fn add_rating(&mut self, stars: Stars) {
        self.rating_count += 1;
        self.rating_sum += u64::from(stars);
        self.histogram[stars.slot()] += 1;
    }

    /// Removes one rating of `stars` from the aggregate (never below zero).
    pub fn remove_rating(&mut self, stars: Stars) {
        self.rating_count = self.rating_count.saturating_sub(1);
        self.rating_sum = self.rating_sum.saturating_sub(u64::from(stars));
        let slot = &mut self.histogram[stars.slot()];
        *slot = slot.saturating_sub(1);
    }

    /// Arithmetic mean of the stars, 0 when unrated.
    pub fn mean(&self) -> f64 {
        if self.rating_count == 0 { 0.0 } else { self.rating_sum as f64 / self.rating_count as f64 }
    }
}

/// Addresses an agent by its public path `owner/slug` (owner is the handle).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AgentRef {
    /// The owner's handle.
    pub owner: String,
    /// The agent's slug.
    pub slug: String,
}

impl AgentRef {
    /// Builds a reference.
    pub fn new(owner: impl Into<String>, slug: impl Into<String>) -> Self {
        Self { owner: owner.into(), slug: slug.into() }
    }
}

impl std::fmt::Display for AgentRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.slug)
    }
}

impl std::str::FromStr for AgentRef {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((owner, slug)) if !owner.is_empty() && !slug.is_empty() && !slug.contains('/') => {
                Ok(AgentRef::new(owner, slug))
            }
            _ => Err(crate::Error::MalformedRequest(format!("`{s}` is not an owner/slug path"))),
        }
    }
}
