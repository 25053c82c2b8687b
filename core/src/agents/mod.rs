//! The builder: the caller's own agents — drafts, validation, preview,
//! publish, versions, status and soft delete — and their A2A cards.
//!
//! # Lifecycle
//!
//! [`AgentsService::create`] makes an agent in status `draft` with one
//! editable draft. [`AgentsService::update_draft`] edits the draft;
//! [`AgentsService::publish`] snapshots it as an immutable semver version and
//! moves the agent to `listed` on the first publish. The owner (or an admin)
//! may then switch between `listed`, `unlisted` and `deprecated`
//! ([`AgentsService::set_status`]) and soft-delete it
//! ([`AgentsService::delete`]); users who installed it keep reading their
//! version through [`AgentsService::installed_definition`].
//!
//! # Drafts may be incomplete
//!
//! A draft must always respect the *limits* (lengths, counts, formats, allowed
//! MIME types; see [`validate_definition`] with `for_publish = false`) — a
//! create or edit that breaks one fails with `validation_failed` and changes
//! nothing. It may however lack what only a published version needs: a
//! non-empty system prompt, at least one input and one output mode, and the
//! JSON Schemas that `application/json` modes require. Those show up as
//! `warnings` in [`AgentDraftView`] and [`Preview`], and
//! [`AgentsService::publish`] refuses the draft until they are fixed.
//!
//! # Visibility
//!
//! Drafts, previews and the builder's own lists are for the owner; an admin
//! may read them too (and change status or delete), but only the owner edits
//! and publishes. Anyone else gets `not_found`, so the existence of another
//! user's unpublished agent is never revealed. Published versions and cards
//! are public while the agent is listed, unlisted or deprecated; the system
//! prompt is only ever shown to the owner and admins.

mod card;
mod chat;
mod validate;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use card::{A2A_PROTOCOL_VERSION, AgentCapabilities, AgentCard, AgentProvider, AgentSkill};
pub use chat::{DEFAULT_MODEL, PLACEHOLDER_INPUT, chat_request};
pub use validate::*;

use crate::error::{Error, FieldError, Result};
use crate::facade::Inner;
use crate::ids::AgentId;
use crate::model::{
    Agent, AgentDefinition, AgentRef, AgentStatus, AgentVersion, AuditRecord, Draft, ModelSettings, Principal, Skill,
    UserRecord, actions,
};
use crate::provider::{ChatRequest, ChatResponse};
use crate::storage::{ConflictKind, PublishVersion, StorageError};

/// Drafts, validation, preview, publish, versions and lifecycle of the caller's agents.
///
/// Get one from [`crate::Agentmart::agents`]; cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct AgentsService {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for AgentsService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentsService").finish_non_exhaustive()
    }
}

/// Request of [`AgentsService::create`] (`POST /v1/agents`): the slug and the
/// definition fields side by side, e.g. `{"slug": "summarizer", "name": "Summarizer", ...}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateAgent {
    /// Unique among the owner's agents (deleted ones included):
    /// `^[a-z0-9][a-z0-9-]{1,62}$`. Part of the agent's path `owner/slug`.
    pub slug: String,
    /// The initial draft. Must respect the limits; may miss publish requirements.
    #[serde(flatten)]
    pub definition: AgentDefinition,
}

/// Changes to a draft (`PATCH …/draft`). A field left `None` (absent) stays as
/// it is; lists are replaced whole. For the optional fields (`input_schema`,
/// `output_schema`, `model`, `category`, `icon_url`, `documentation_url`),
/// `Some(None)` (JSON `null`) clears the value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DraftPatch {
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New tagline (`""` clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tagline: Option<String>,
    /// New description (`""` clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// New skills (replace the list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<Skill>>,
    /// New input modes (replace the list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_modes: Option<Vec<String>>,
    /// New output modes (replace the list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modes: Option<Vec<String>>,
    /// New input JSON Schema, or `Some(None)` to remove it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub input_schema: Option<Option<serde_json::Value>>,
    /// New output JSON Schema, or `Some(None)` to remove it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub output_schema: Option<Option<serde_json::Value>>,
    /// New conversation starters (replace the list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_starters: Option<Vec<String>>,
    /// New model settings, or `Some(None)` to remove them.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub model: Option<Option<ModelSettings>>,
    /// New category, or `Some(None)` to remove it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub category: Option<Option<String>>,
    /// New tags (replace the list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// New icon URL, or `Some(None)` to remove it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub icon_url: Option<Option<String>>,
    /// New documentation URL, or `Some(None)` to remove it.
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
    /// The newest published version, if any.
    pub latest_version: Option<semver::Version>,
    /// When the agent was created.
    pub created_at: DateTime<Utc>,
    /// Last change (draft edit, publish, status change).
    pub updated_at: DateTime<Utc>,
}

/// A definition as shown to a reader: `system_prompt` is present only for the
/// owner and admins (and omitted from JSON otherwise).
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
    pub input_modes: Vec<String>,
    /// Produced MIME types.
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRequest {
    /// The sample user input (≤ 32000 characters). When absent or blank, the
    /// first conversation starter is used, else [`PLACEHOLDER_INPUT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
}

/// What a draft would look like and send (`POST …/preview`).
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishRequest {
    /// Semantic version, strictly greater than the latest published one
    /// (pre-releases order before their release: `1.0.0-rc.1 < 1.0.0`). Build
    /// metadata (`+…`) is refused.
    pub version: String,
    /// Release notes, ≤ 2000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog: Option<String>,
}

/// Request of [`AgentsService::set_status`] (`PATCH /v1/agents/{owner}/{slug}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// `listed`, `unlisted` or `deprecated` (`draft` and `deleted` are refused
    /// with `invalid_choice`; use [`AgentsService::delete`] to delete).
    pub status: AgentStatus,
    /// Message shown with the status (≤ 500 characters, one line); absent or
    /// blank clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

/// True when the viewer owns the agent or is an admin.
fn privileged(viewer: Option<&Principal>, agent: &Agent) -> bool {
    viewer.is_some_and(|p| p.user_id == agent.owner_id || p.is_admin())
}

fn not_found(agent: &AgentRef) -> Error {
    Error::NotFound(format!("agent `{agent}`"))
}

fn deleted_conflict() -> Error {
    Error::Conflict("the agent is deleted".into())
}

/// Trims an optional text; blank becomes `None`.
fn non_blank(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

impl AgentsService {
    fn agent_audit(&self, action: &str, principal: &Principal, agent: &Agent) -> AuditRecord {
        self.inner.audit(action, Some(principal)).subject(agent.owner_id).target(format!("agent:{}", agent.id))
    }

    /// Resolves an agent the principal may manage: the owner always; an admin
    /// when `admin_ok`, else `forbidden`; anyone else `not_found`.
    async fn managed(&self, principal: &Principal, agent: &AgentRef, admin_ok: bool) -> Result<(UserRecord, Agent)> {
        self.inner.active_user(principal).await?;
        let (owner, found) = self.inner.resolve_agent(agent).await?;
        if found.owner_id == principal.user_id {
            Ok((owner, found))
        } else if principal.is_admin() {
            if admin_ok { Ok((owner, found)) } else { Err(Error::Forbidden("only the owner can do this".into())) }
        } else {
            Err(not_found(agent))
        }
    }

    /// Resolves an agent for a public read: drafts and deleted agents only for the owner and admins.
    async fn readable(&self, viewer: Option<&Principal>, agent: &AgentRef) -> Result<(UserRecord, Agent, bool)> {
        let (owner, found) = self.inner.resolve_agent(agent).await?;
        let privileged = privileged(viewer, &found);
        if !found.status.is_published() && !privileged {
            return Err(not_found(agent));
        }
        Ok((owner, found, privileged))
    }

    fn draft_view(owner: &UserRecord, agent: &Agent, draft: Draft) -> AgentDraftView {
        let warnings = validate_definition(&draft.definition, true);
        AgentDraftView {
            id: agent.id,
            owner: owner.handle.clone(),
            slug: agent.slug.clone(),
            status: agent.status,
            status_message: agent.status_message.clone(),
            latest_version: agent.latest_version.clone(),
            definition: draft.definition,
            warnings,
            created_at: agent.created_at,
            updated_at: draft.updated_at,
        }
    }

    fn version_view(owner: &UserRecord, agent: &Agent, version: AgentVersion, include_prompt: bool) -> VersionView {
        VersionView {
            agent_id: agent.id,
            owner: owner.handle.clone(),
            slug: agent.slug.clone(),
            version: version.version,
            changelog: version.changelog,
            published_at: version.published_at,
            definition: DefinitionView::new(version.definition, include_prompt),
        }
    }

    fn my_agent(owner_handle: &str, agent: Agent, name: String) -> MyAgent {
        MyAgent {
            id: agent.id,
            owner: owner_handle.to_string(),
            slug: agent.slug,
            name,
            status: agent.status,
            status_message: agent.status_message,
            latest_version: agent.latest_version,
            created_at: agent.created_at,
            updated_at: agent.updated_at,
        }
    }

    /// Creates an agent in status `draft`, owned by the principal, with the
    /// given definition as its draft (`POST /v1/agents`, 201).
    ///
    /// Single-line fields are trimmed first ([`normalize_definition`]). Errors:
    /// `validation_failed` listing every bad field (the slug and any limit of
    /// [`validate_definition`] with `for_publish = false`), `slug_taken` when the
    /// principal already has an agent with this slug (deleted ones included),
    /// `forbidden` for a disabled account.
    pub async fn create(&self, principal: &Principal, request: CreateAgent) -> Result<AgentDraftView> {
        let owner = self.inner.active_user(principal).await?;
        let CreateAgent { slug, mut definition } = request;
        normalize_definition(&mut definition);
        let mut errors = validate_slug(&slug);
        errors.extend(validate_definition(&definition, false));
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let now = self.inner.now();
        let agent = Agent {
            id: AgentId::new(),
            owner_id: owner.id,
            slug,
            status: AgentStatus::Draft,
            status_message: None,
            latest_version: None,
            created_at: now,
            updated_at: now,
            published_at: None,
        };
        let draft = Draft { agent_id: agent.id, definition, updated_at: now };
        let audit = self
            .agent_audit(actions::AGENT_CREATED, principal, &agent)
            .details(serde_json::json!({ "slug": agent.slug }));
        self.inner.store.create_agent(&agent, &draft, &audit).await?;
        Ok(Self::draft_view(&owner, &agent, draft))
    }

    /// The principal's agents, drafts and deleted ones included, newest first
    /// (`GET /v1/me/agents`). `name` is the draft's.
    pub async fn my_agents(&self, principal: &Principal) -> Result<Vec<MyAgent>> {
        let owner = self.inner.active_user(principal).await?;
        let agents = self.inner.store.list_owner_agents(owner.id).await?;
        let mut out = Vec::with_capacity(agents.len());
        for agent in agents {
            let name = self.inner.store.get_draft(agent.id).await?.definition.name;
            out.push(Self::my_agent(&owner.handle, agent, name));
        }
        Ok(out)
    }

    /// The agent's draft (`GET …/draft`), for its owner and admins; `not_found`
    /// for anyone else. Deleted agents' drafts stay readable.
    pub async fn draft(&self, principal: &Principal, agent: &AgentRef) -> Result<AgentDraftView> {
        let (owner, found) = self.managed(principal, agent, true).await?;
        let draft = self.inner.store.get_draft(found.id).await?;
        Ok(Self::draft_view(&owner, &found, draft))
    }

    /// Edits the draft (`PATCH …/draft`); owner only (`forbidden` for admins,
    /// `not_found` for others), `conflict` for a deleted agent. The edited
    /// draft must pass [`validate_definition`] with `for_publish = false`,
    /// else `validation_failed` and nothing changes. Published versions are
    /// never affected. A patch that changes nothing writes nothing.
    pub async fn update_draft(
        &self,
        principal: &Principal,
        agent: &AgentRef,
        patch: DraftPatch,
    ) -> Result<AgentDraftView> {
        let (owner, found) = self.managed(principal, agent, false).await?;
        if found.status == AgentStatus::Deleted {
            return Err(deleted_conflict());
        }
        let current = self.inner.store.get_draft(found.id).await?;
        let mut definition = current.definition.clone();
        let fields = patch.apply(&mut definition);
        normalize_definition(&mut definition);
        let errors = validate_definition(&definition, false);
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        if definition == current.definition {
            return Ok(Self::draft_view(&owner, &found, current));
        }
        let audit = self
            .agent_audit(actions::AGENT_DRAFT_UPDATED, principal, &found)
            .details(serde_json::json!({ "fields": fields }));
        let draft = self.inner.store.update_draft(found.id, &definition, self.inner.now(), &audit).await?;
        Ok(Self::draft_view(&owner, &found, draft))
    }

    /// Previews the draft (`POST …/preview`) for its owner and admins: its A2A
    /// card, the exact chat request it would send for the input (see
    /// [`chat_request`]; the input defaults to the first conversation starter,
    /// then [`PLACEHOLDER_INPUT`]; the model to [`DEFAULT_MODEL`]), and the
    /// publish-readiness warnings. With a [`crate::ModelProvider`] configured,
    /// the request is sent and the answer included; a provider failure becomes
    /// a `model_response` warning with code `provider_error`, not an error.
    /// Previewing changes nothing and writes no audit record; it also works on
    /// a deleted agent's draft. `validation_failed` when `input` is over 32000
    /// characters.
    pub async fn preview(&self, principal: &Principal, agent: &AgentRef, request: PreviewRequest) -> Result<Preview> {
        let errors = request.input.as_deref().map(validate_preview_input).unwrap_or_default();
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let (owner, found) = self.managed(principal, agent, true).await?;
        let definition = self.inner.store.get_draft(found.id).await?.definition;
        let input = chat::sample_input(&definition, request.input.as_deref());
        let chat_request = chat_request(&found.slug, &definition, &input);
        let card =
            card::build_card(&self.inner.config.public_base_url, &owner, &found.slug, "draft".into(), &definition);
        let mut warnings = validate_definition(&definition, true);
        let mut model_response = None;
        if let Some(provider) = &self.inner.model_provider {
            match provider.complete(&chat_request).await {
                Ok(answer) => model_response = Some(answer),
                Err(err) => {
                    tracing::warn!(agent = %found.id, error = %err, "model provider failed during preview");
                    let text: String = err.to_string().chars().take(500).collect();
                    warnings.push(FieldError::new(
                        "model_response",
                        "provider_error",
                        format!("the model provider failed: {text}"),
                    ));
                }
            }
        }
        Ok(Preview { card, chat_request, warnings, model_response })
    }

    /// Checks `version` may follow `latest`: `version_exists` when it was
    /// published already, `validation_failed` (`version` / `not_increasing`)
    /// when it is not above the latest.
    async fn check_rising(
        &self,
        id: AgentId,
        version: &semver::Version,
        latest: Option<&semver::Version>,
    ) -> Result<()> {
        match latest {
            Some(latest) if version <= latest => {
                if version == latest || self.inner.store.get_version(id, version).await?.is_some() {
                    Err(Error::VersionExists)
                } else {
                    Err(Error::invalid(
                        "version",
                        "not_increasing",
                        format!("version must be greater than the latest published version {latest}"),
                    ))
                }
            }
            _ => Ok(()),
        }
    }

    /// Publishes the draft as an immutable version (`POST …/versions`, 201);
    /// owner only (`forbidden` for admins, `not_found` for others), `conflict`
    /// for a deleted agent.
    ///
    /// The request and the draft are checked together and every failure is
    /// reported at once (`validation_failed`): `version` must be strict semver
    /// without build metadata (`invalid_format`), `changelog` ≤ 2000
    /// characters, and the draft must pass [`validate_definition`] with
    /// `for_publish = true`. The version must then be strictly greater than the
    /// latest (`version_exists` when it was published before, else
    /// `validation_failed` on `version` with code `not_increasing`).
    ///
    /// The store publishes only if the latest version is still the one read
    /// (compare-and-set). When a concurrent publish won, the latest is read
    /// again and the rule re-checked once before retrying; a second lost race
    /// answers `conflict` (retryable by the caller). Nothing can change a
    /// version once published; later draft edits only affect later versions.
    pub async fn publish(
        &self,
        principal: &Principal,
        agent: &AgentRef,
        request: PublishRequest,
    ) -> Result<VersionView> {
        let (owner, found) = self.managed(principal, agent, false).await?;
        if found.status == AgentStatus::Deleted {
            return Err(deleted_conflict());
        }
        let draft = self.inner.store.get_draft(found.id).await?;
        let mut errors = Vec::new();
        let version = match parse_publish_version(&request.version) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let changelog = non_blank(request.changelog);
        if let Some(changelog) = &changelog {
            errors.extend(validate_changelog(changelog));
        }
        errors.extend(validate_definition(&draft.definition, true));
        let version = match version {
            Some(v) if errors.is_empty() => v,
            _ => return Err(Error::Validation(errors)),
        };

        let mut expected_latest = found.latest_version.clone();
        let mut retried = false;
        loop {
            self.check_rising(found.id, &version, expected_latest.as_ref()).await?;
            let now = self.inner.now();
            let record = AgentVersion {
                agent_id: found.id,
                version: version.clone(),
                definition: draft.definition.clone(),
                changelog: changelog.clone(),
                published_at: now,
                published_by: principal.user_id,
            };
            let audit = self
                .agent_audit(actions::AGENT_PUBLISHED, principal, &found)
                .details(serde_json::json!({ "version": version.to_string() }));
            let request = PublishVersion { version: record.clone(), expected_latest: expected_latest.clone(), audit };
            match self.inner.store.publish_version(&request).await {
                Ok(updated) => return Ok(Self::version_view(&owner, &updated, record, true)),
                Err(StorageError::Conflict(ConflictKind::StaleVersion)) if !retried => {
                    retried = true;
                    let fresh = self.inner.store.get_agent(found.id).await?.ok_or_else(|| not_found(agent))?;
                    if fresh.status == AgentStatus::Deleted {
                        return Err(deleted_conflict());
                    }
                    expected_latest = fresh.latest_version;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Published versions, newest (highest semver) first
    /// (`GET …/versions`). `not_found` for drafts and deleted agents unless the
    /// viewer is the owner or an admin; the system prompt only for them.
    pub async fn versions(&self, viewer: Option<&Principal>, agent: &AgentRef) -> Result<Vec<VersionView>> {
        let (owner, found, privileged) = self.readable(viewer, agent).await?;
        let versions = self.inner.store.list_versions(found.id).await?;
        Ok(versions.into_iter().map(|v| Self::version_view(&owner, &found, v, privileged)).collect())
    }

    /// One published version (`GET …/versions/{version}`), visible as in
    /// [`AgentsService::versions`]. `malformed_request` for a version string
    /// that is not semver, `not_found` for one never published.
    pub async fn version(&self, viewer: Option<&Principal>, agent: &AgentRef, version: &str) -> Result<VersionView> {
        let wanted = parse_version_param(version)?;
        let (owner, found, privileged) = self.readable(viewer, agent).await?;
        let stored = self
            .inner
            .store
            .get_version(found.id, &wanted)
            .await?
            .ok_or_else(|| Error::NotFound(format!("version {wanted} of `{agent}`")))?;
        Ok(Self::version_view(&owner, &found, stored, privileged))
    }

    /// The A2A AgentCard of a published version, the latest by default
    /// (`GET …/card`), visible as in [`AgentsService::versions`]. `not_found`
    /// when nothing is published. Never contains the system prompt.
    pub async fn card(&self, viewer: Option<&Principal>, agent: &AgentRef, version: Option<&str>) -> Result<AgentCard> {
        let wanted = version.map(parse_version_param).transpose()?;
        let (owner, found, _) = self.readable(viewer, agent).await?;
        let Some(wanted) = wanted.or_else(|| found.latest_version.clone()) else {
            return Err(Error::NotFound(format!("a published version of `{agent}`")));
        };
        let stored = self
            .inner
            .store
            .get_version(found.id, &wanted)
            .await?
            .ok_or_else(|| Error::NotFound(format!("version {wanted} of `{agent}`")))?;
        Ok(card::build_card(
            &self.inner.config.public_base_url,
            &owner,
            &found.slug,
            stored.version.to_string(),
            &stored.definition,
        ))
    }

    /// Changes the status of a published agent (`PATCH /v1/agents/{owner}/{slug}`);
    /// owner or admin (`not_found` for others). `validation_failed` for a
    /// status other than listed, unlisted or deprecated or a bad message;
    /// `conflict` before the first publish and for deleted agents. Setting the
    /// same status and message again changes nothing.
    pub async fn set_status(&self, principal: &Principal, agent: &AgentRef, change: StatusChange) -> Result<MyAgent> {
        let mut errors = Vec::new();
        if !matches!(change.status, AgentStatus::Listed | AgentStatus::Unlisted | AgentStatus::Deprecated) {
            errors.push(FieldError::new(
                "status",
                "invalid_choice",
                "status must be listed, unlisted or deprecated (delete the agent to remove it)",
            ));
        }
        let message = non_blank(change.status_message);
        if let Some(message) = &message {
            errors.extend(validate_status_message(message));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let (owner, found) = self.managed(principal, agent, true).await?;
        match found.status {
            AgentStatus::Deleted => return Err(deleted_conflict()),
            AgentStatus::Draft => {
                return Err(Error::Conflict("publish a first version before changing the status".into()));
            }
            _ => {}
        }
        let name = self.inner.store.get_draft(found.id).await?.definition.name;
        if found.status == change.status && found.status_message == message {
            return Ok(Self::my_agent(&owner.handle, found, name));
        }
        let audit = self.agent_audit(actions::AGENT_STATUS_CHANGED, principal, &found).details(serde_json::json!({
            "from": found.status.as_str(),
            "to": change.status.as_str(),
        }));
        let updated = self
            .inner
            .store
            .set_agent_status(found.id, change.status, message.as_deref(), self.inner.now(), &audit)
            .await?;
        Ok(Self::my_agent(&owner.handle, updated, name))
    }

    /// Soft-deletes the agent (`DELETE /v1/agents/{owner}/{slug}`); owner or
    /// admin (`not_found` for others). The agent leaves the marketplace, its
    /// slug stays reserved, and users who installed it keep reading their
    /// version through [`AgentsService::installed_definition`]. Deleting a
    /// deleted agent succeeds and changes nothing.
    pub async fn delete(&self, principal: &Principal, agent: &AgentRef) -> Result<()> {
        let (_, found) = self.managed(principal, agent, true).await?;
        if found.status == AgentStatus::Deleted {
            return Ok(());
        }
        let audit = self
            .agent_audit(actions::AGENT_DELETED, principal, &found)
            .details(serde_json::json!({ "from": found.status.as_str() }));
        match self
            .inner
            .store
            .set_agent_status(found.id, AgentStatus::Deleted, found.status_message.as_deref(), self.inner.now(), &audit)
            .await
        {
            Ok(_) | Err(StorageError::Conflict(ConflictKind::AgentDeleted)) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Trusted host call: the full definition, system prompt included, of the
    /// version of `agent` the principal has installed — the pinned version,
    /// else the latest. Works after the agent was deleted. `not_found` when the
    /// principal has not installed it (or nothing is published).
    ///
    /// This is how a host that runs agents for its users gets the prompt; it is
    /// not exposed by the HTTP API.
    pub async fn installed_definition(&self, principal: &Principal, agent: &AgentRef) -> Result<AgentVersion> {
        self.inner.active_user(principal).await?;
        let (_, found) = self.inner.resolve_agent(agent).await?;
        let install =
            self.inner.store.get_install(principal.user_id, found.id).await?.ok_or_else(|| not_installed(agent))?;
        let version = install.pinned_version.or(found.latest_version).ok_or_else(|| not_installed(agent))?;
        self.inner
            .store
            .get_version(found.id, &version)
            .await?
            .ok_or_else(|| Error::NotFound(format!("version {version} of `{agent}`")))
    }
}

fn not_installed(agent: &AgentRef) -> Error {
    Error::NotFound(format!("installed agent `{agent}`"))
}

/// Parses a version given in a path or query: `malformed_request` when not semver.
fn parse_version_param(version: &str) -> Result<semver::Version> {
    semver::Version::parse(version.trim())
        .map_err(|e| Error::MalformedRequest(format!("`{version}` is not a semantic version ({e})")))
}
