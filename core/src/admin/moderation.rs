//! Admin: moderation of agents and reviews.

use serde_json::json;

use super::AdminService;
use crate::error::{Error, Result};
use crate::ids::ReviewId;
use crate::market::{Moderation, agent_target};
use crate::model::{Agent, AgentRef, AgentStatus, ModerationLock, Principal, actions};

impl AdminService {
    /// `forbidden` unless the principal is an administrator whose account is
    /// active and still has the role (it may have been revoked since the
    /// principal was minted).
    async fn require_moderator(&self, principal: &Principal) -> Result<()> {
        self.inner.stored_admin(principal).await.map(drop)
    }

    /// Sets an agent's status as an administrator: `listed`, `unlisted`,
    /// `deprecated` or `deleted` (soft delete; installs stay readable to their
    /// users), with an optional message (≤ 500 characters) shown with it.
    ///
    /// Errors: `forbidden` unless the caller is an active administrator;
    /// `not_found` for unknown paths; `validation_failed` on `status` for
    /// `draft` and on `status_message` when too long; `conflict` when the agent
    /// is already deleted, or has no published version and the status is not
    /// `deleted`. Writes an audit record about the owner.
    ///
    /// `unlisted`, `deprecated` and `deleted` set the agent's moderation lock
    /// (its time and this message): from then on the owner cannot change the
    /// status (`moderation_locked`), and publishing a new version does not
    /// list it again. `listed` lifts the lock. The caller's role is re-read
    /// from the store, so a demoted administrator's principal is refused.
    pub async fn moderate_agent(
        &self,
        principal: &Principal,
        agent: &AgentRef,
        moderation: Moderation,
    ) -> Result<Agent> {
        self.require_moderator(principal).await?;
        if moderation.status == AgentStatus::Draft {
            return Err(Error::invalid(
                "status",
                "invalid_choice",
                "status must be listed, unlisted, deprecated or deleted",
            ));
        }
        let message = moderation.status_message.map(|m| m.trim().to_string()).filter(|m| !m.is_empty());
        if let Some(error) = message
            .as_deref()
            .and_then(|m| crate::text::check_text("status_message", m, crate::agents::MAX_STATUS_MESSAGE_LEN, false))
        {
            return Err(Error::Validation(vec![error]));
        }
        let (_, found) = self.inner.resolve_agent(agent).await?;
        match found.status {
            AgentStatus::Deleted => return Err(Error::Conflict("the agent is deleted".into())),
            AgentStatus::Draft if moderation.status != AgentStatus::Deleted => {
                return Err(Error::Conflict("the agent has no published version".into()));
            }
            _ => {}
        }
        let action = if moderation.status == AgentStatus::Deleted {
            actions::AGENT_DELETED
        } else {
            actions::AGENT_STATUS_CHANGED
        };
        let audit =
            self.inner.audit(action, Some(principal)).subject(found.owner_id).target(agent_target(&found)).details(
                json!({
                    "by": "admin",
                    "from": found.status.as_str(),
                    "status": moderation.status.as_str(),
                    "status_message": message,
                }),
            );
        let now = self.inner.now();
        let lock = (moderation.status != AgentStatus::Listed).then(|| ModerationLock::new(now, message.clone()));
        Ok(self
            .inner
            .store
            .moderate_agent_status(found.id, moderation.status, message.as_deref(), lock.as_ref(), now, &audit)
            .await?)
    }

    /// Removes a review as an administrator, updating the agent's rating.
    /// `forbidden` unless the caller is an active administrator; `not_found`
    /// when there is no such review. Writes an audit record about the author.
    pub async fn delete_review(&self, principal: &Principal, review: ReviewId) -> Result<()> {
        self.require_moderator(principal).await?;
        let not_found = || Error::NotFound(format!("review `{review}`"));
        let found = self.inner.store.get_review(review).await?.ok_or_else(not_found)?;
        let audit = self
            .inner
            .audit(actions::REVIEW_REMOVED, Some(principal))
            .subject(found.user_id)
            .target(format!("review:{review}"))
            .details(json!({ "agent": found.agent_id.to_string(), "stars": found.stars }));
        if self.inner.store.delete_review(review, &audit).await? { Ok(()) } else { Err(not_found()) }
    }
}
