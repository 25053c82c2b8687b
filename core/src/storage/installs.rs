use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StorageResult;
use crate::ids::{AgentId, UserId};
use crate::model::{AuditRecord, Install};

/// What [`InstallStore::install`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallOutcome {
    /// True when the install is new (the install count grew by one).
    pub created: bool,
    /// The install as stored now.
    pub install: Install,
}

/// Installs and install counts.
#[async_trait]
pub trait InstallStore: Send + Sync {
    /// Installs atomically: when the user has no install of the agent, inserts
    /// it and increments the agent's install count (`created = true`); when
    /// they have one, only updates its pinned version (and `updated_at`) if it
    /// differs. Writes `audit` when something changed. The install count always
    /// equals the number of installs, under any concurrency.
    async fn install(
        &self,
        user: UserId,
        agent: AgentId,
        pinned_version: Option<&semver::Version>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<InstallOutcome>;

    /// Uninstalls atomically: removes the install and decrements the count,
    /// writing `audit`. Returns false (writing nothing) when not installed.
    async fn uninstall(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool>;

    /// The user's install of the agent, if any.
    async fn get_install(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Install>>;

    /// The user's installs, most recently installed first (then agent id
    /// ascending), strictly after `after` = `(installed_at, agent_id)` of the
    /// previous page's last item, at most `limit + 1` items so the caller can
    /// tell whether more follow.
    async fn list_user_installs(
        &self,
        user: UserId,
        after: Option<(DateTime<Utc>, AgentId)>,
        limit: u32,
    ) -> StorageResult<Vec<Install>>;
}
