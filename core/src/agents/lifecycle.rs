//! Status changes, soft delete, and what installing users keep reading.

use super::{AgentsService, MyAgent, StatusChange, deleted_conflict, non_blank, validate_status_message};
use crate::error::{Error, FieldError, Result};
use crate::model::{AgentRef, AgentStatus, AgentVersion, Principal, actions};
use crate::storage::{ConflictKind, StorageError};

impl AgentsService {
    /// Changes the status of a published agent (`PATCH /v1/agents/{owner}/{slug}`);
    /// owner or admin (`not_found` for others). `validation_failed` for a
    /// status other than listed, unlisted or deprecated or a bad message;
    /// `conflict` before the first publish and for deleted agents;
    /// `moderation_locked` (403) while an administrator's moderation lock is
    /// set, for the owner and for administrators alike (administrators change
    /// a moderated agent with `AdminService::moderate_agent`, which lifts the
    /// lock when it lists the agent again). Setting the same status and
    /// message again changes nothing.
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
        if found.moderation.is_some() {
            return Err(Error::ModerationLocked);
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
    /// deleted agent succeeds and changes nothing. An owner may delete an
    /// agent an administrator moderated; its moderation lock stays.
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
