//! The A2A (Agent2Agent protocol) AgentCard of an agent version.
//!
//! Field names follow the A2A specification's JSON (camelCase), protocol
//! version [`A2A_PROTOCOL_VERSION`]. A card never contains the system prompt.

use serde::{Deserialize, Serialize};

use crate::model::{AgentDefinition, UserRecord};

/// The A2A protocol version the cards declare.
pub const A2A_PROTOCOL_VERSION: &str = "0.3.0";

/// An A2A AgentCard: the self-describing manifest of an agent.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCard {
    /// The agent's display name.
    pub name: String,
    /// What the agent does: its description, or its tagline when it has no description.
    pub description: String,
    /// Where the agent lives: `{public_base_url}/v1/agents/{owner}/{slug}`.
    pub url: String,
    /// The agent's version (the published semver, or `draft` in a preview).
    pub version: String,
    /// The A2A protocol version, [`A2A_PROTOCOL_VERSION`].
    pub protocol_version: String,
    /// Who publishes the agent.
    pub provider: AgentProvider,
    /// Optional protocol features (none are offered).
    pub capabilities: AgentCapabilities,
    /// MIME types the agent accepts.
    pub default_input_modes: Vec<String>,
    /// MIME types the agent produces.
    pub default_output_modes: Vec<String>,
    /// The agent's skills (its "capabilities" in the builder).
    pub skills: Vec<AgentSkill>,
    /// Documentation URL, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// Icon URL, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
}

/// The publisher of an agent.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentProvider {
    /// The owner's display name, or their handle when they have none.
    pub organization: String,
    /// The owner's agents in the marketplace: `{public_base_url}/v1/agents?owner={handle}`.
    pub url: String,
}

/// Optional A2A protocol features.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AgentCapabilities {
    /// Server-sent streaming of task updates (always `false`).
    pub streaming: bool,
    /// Push notifications of task updates (always `false`).
    pub push_notifications: bool,
}

/// One skill of an A2A AgentCard.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSkill {
    /// Skill id, unique within the agent.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the skill does.
    pub description: String,
    /// Keywords.
    pub tags: Vec<String>,
    /// Example prompts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// MIME types accepted by this skill when they differ from the agent's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_modes: Option<Vec<String>>,
    /// MIME types produced by this skill when they differ from the agent's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modes: Option<Vec<String>>,
}

/// Builds the card of `definition` (owned by `owner`, at `slug`) labelled `version`.
pub(crate) fn build_card(
    public_base_url: &str,
    owner: &UserRecord,
    slug: &str,
    version: String,
    definition: &AgentDefinition,
) -> AgentCard {
    let base = public_base_url.trim_end_matches('/');
    let description =
        if definition.description.is_empty() { definition.tagline.clone() } else { definition.description.clone() };
    let organization = owner
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map_or_else(|| owner.handle.to_string(), str::to_string);
    AgentCard {
        name: definition.name.clone(),
        description,
        url: format!("{base}/v1/agents/{}/{slug}", owner.handle),
        version,
        protocol_version: A2A_PROTOCOL_VERSION.to_string(),
        provider: AgentProvider { organization, url: format!("{base}/v1/agents?owner={}", owner.handle) },
        capabilities: AgentCapabilities::default(),
        default_input_modes: definition.input_modes.clone(),
        default_output_modes: definition.output_modes.clone(),
        skills: definition
            .skills
            .iter()
            .map(|s| AgentSkill {
                id: s.id.clone(),
                name: s.name.clone(),
                description: s.description.clone(),
                tags: s.tags.clone(),
                examples: s.examples.clone(),
                input_modes: None,
                output_modes: None,
            })
            .collect(),
        documentation_url: definition.documentation_url.clone(),
        icon_url: definition.icon_url.clone(),
    }
}
