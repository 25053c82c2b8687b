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
mod drafts;
mod lifecycle;
mod publish;
mod types;
pub(crate) mod validate;

use std::sync::Arc;

pub use card::{A2A_PROTOCOL_VERSION, AgentCapabilities, AgentCard, AgentProvider, AgentSkill};
pub use chat::{DEFAULT_MODEL, PLACEHOLDER_INPUT, chat_request};
pub use types::*;
pub use validate::*;

use crate::context::Inner;
use crate::error::{Error, Result};
use crate::model::{Agent, AgentRef, AgentVersion, AuditRecord, Draft, Principal, UserRecord};

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
    /// (whose role is re-read from the store) when `admin_ok`, else
    /// `forbidden`; anyone else `not_found`.
    async fn managed(&self, principal: &Principal, agent: &AgentRef, admin_ok: bool) -> Result<(UserRecord, Agent)> {
        let caller = self.inner.active_user(principal).await?;
        let (owner, found) = self.inner.resolve_agent(agent).await?;
        if found.owner_id == principal.user_id {
            Ok((owner, found))
        } else if principal.is_admin() && caller.role == crate::model::Role::Admin {
            if admin_ok { Ok((owner, found)) } else { Err(Error::Forbidden("only the owner can do this".into())) }
        } else {
            Err(not_found(agent))
        }
    }

    /// Resolves an agent for a public read: drafts and deleted agents only
    /// for the owner and admins (whose role is re-read from the store).
    async fn readable(&self, viewer: Option<&Principal>, agent: &AgentRef) -> Result<(UserRecord, Agent, bool)> {
        let (owner, found) = self.inner.resolve_agent(agent).await?;
        let privileged = match viewer {
            Some(p) if p.user_id == found.owner_id => true,
            Some(p) => self.inner.still_admin(p).await?,
            None => false,
        };
        if !found.status.is_published() && !privileged {
            return Err(not_found(agent));
        }
        Ok((owner, found, privileged))
    }

    fn draft_view(owner: &UserRecord, agent: &Agent, draft: Draft) -> AgentDraftView {
        let warnings = validate_definition(&draft.definition, true);
        AgentDraftView {
            id: agent.id,
            owner: owner.handle.to_string(),
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
            owner: owner.handle.to_string(),
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
            moderation: agent.moderation,
            latest_version: agent.latest_version,
            created_at: agent.created_at,
            updated_at: agent.updated_at,
        }
    }
}
