use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{ConflictKind, StorageError, StorageResult};
use crate::ids::{AgentId, UserId};
use crate::model::{
    Agent, AgentDefinition, AgentStats, AgentStatus, AgentVersion, AuditRecord, Draft, ModerationLock, Slug,
};

/// The request of [`AgentStore::publish_version`].
#[derive(Debug, Clone)]
pub struct PublishVersion {
    /// The version to store (immutable from now on).
    pub version: AgentVersion,
    /// The agent's latest version as the caller read it; the publish only
    /// happens when it is still the latest (compare-and-set), so versions rise
    /// strictly even under concurrent publishes.
    pub expected_latest: Option<semver::Version>,
    /// Written with the version.
    pub audit: AuditRecord,
}

impl PublishVersion {
    /// The publish preconditions every backend enforces, in order, against
    /// the agent as read inside its transaction: `Conflict(AgentDeleted)` for
    /// a deleted agent, `Conflict(Version)` when `version_exists` (that version
    /// was published before), `Conflict(StaleVersion)` when the latest version
    /// is no longer [`expected_latest`](Self::expected_latest).
    pub fn check(&self, agent: &Agent, version_exists: bool) -> StorageResult<()> {
        if agent.status == AgentStatus::Deleted {
            return Err(StorageError::Conflict(ConflictKind::AgentDeleted));
        }
        if version_exists {
            return Err(StorageError::Conflict(ConflictKind::Version));
        }
        if agent.latest_version != self.expected_latest {
            return Err(StorageError::Conflict(ConflictKind::StaleVersion));
        }
        Ok(())
    }
}

/// The preconditions of [`AgentStore::set_agent_status`] every backend
/// enforces against the agent as read inside its transaction:
/// `Conflict(AgentDeleted)` for a deleted agent, `Conflict(ModerationLocked)`
/// when an administrator's lock is set and the new status is not `Deleted`
/// (an owner may still delete a moderated agent; the lock stays).
pub fn check_status_change(agent: &Agent, status: AgentStatus) -> StorageResult<()> {
    if agent.status == AgentStatus::Deleted {
        return Err(StorageError::Conflict(ConflictKind::AgentDeleted));
    }
    if agent.moderation.is_some() && status != AgentStatus::Deleted {
        return Err(StorageError::Conflict(ConflictKind::ModerationLocked));
    }
    Ok(())
}

/// The versions of one page of [`AgentStore::list_versions_page`], in page
/// order: newest (highest semver) first, strictly below `before`, at most
/// `limit + 1`. For backends that cannot order semver themselves (SQL
/// compares text, sled's keys are text) and so read every version string of
/// the agent, then fetch only the page's rows.
pub fn versions_page(
    versions: impl IntoIterator<Item = semver::Version>,
    before: Option<&semver::Version>,
    limit: u32,
) -> Vec<semver::Version> {
    let mut page: Vec<semver::Version> = versions.into_iter().filter(|v| before.is_none_or(|b| v < b)).collect();
    page.sort_by(|a, b| b.cmp(a));
    page.truncate(usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1));
    page
}

/// Agents, drafts and versions (the builder's side).
#[async_trait]
pub trait AgentStore: Send + Sync {
    /// Inserts a new agent (status `draft`) with its draft, writing `audit`.
    /// `Conflict(Slug)` when the owner already has an agent with this slug
    /// (deleted agents keep their slug reserved).
    async fn create_agent(&self, agent: &Agent, draft: &Draft, audit: &AuditRecord) -> StorageResult<()>;

    /// The agent with this id, if any (deleted ones included).
    async fn get_agent(&self, id: AgentId) -> StorageResult<Option<Agent>>;

    /// The agent of this owner with this slug, if any (deleted ones included; compared exactly).
    async fn find_agent(&self, owner: UserId, slug: &Slug) -> StorageResult<Option<Agent>>;

    /// The agent's draft. `NotFound` for an unknown agent.
    async fn get_draft(&self, id: AgentId) -> StorageResult<Draft>;

    /// Replaces the draft's definition, sets the draft's and the agent's
    /// `updated_at = now`, writes `audit`, returns the new draft.
    /// `NotFound` for an unknown agent, `Conflict(AgentDeleted)` for a deleted one.
    async fn update_draft(
        &self,
        id: AgentId,
        definition: &AgentDefinition,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Draft>;

    /// Publishes a version atomically: checks the agent exists and is not
    /// deleted (`NotFound` / `Conflict(AgentDeleted)`), that the version does not
    /// exist yet (`Conflict(Version)`), and that the agent's `latest_version`
    /// equals `expected_latest` (`Conflict(StaleVersion)`). Then stores the
    /// version, sets `latest_version`, `updated_at = published_at`, sets
    /// `published_at` if it was unset (first publish), moves a `draft` agent to
    /// `listed`, refreshes the catalogue (search index, sort keys), and writes the
    /// audit record. Returns the updated agent.
    async fn publish_version(&self, request: &PublishVersion) -> StorageResult<Agent>;

    /// Published versions, newest (highest semver) first. Empty for unknown agents.
    async fn list_versions(&self, id: AgentId) -> StorageResult<Vec<AgentVersion>>;

    /// One published version, if it exists.
    async fn get_version(&self, id: AgentId, version: &semver::Version) -> StorageResult<Option<AgentVersion>>;

    /// Sets the status and its message, `updated_at = now`, updates the
    /// catalogue (listed/deprecated appear in lists and search, others do not),
    /// writes `audit`, returns the agent. `NotFound` for an unknown agent;
    /// [`check_status_change`] inside the transaction: `Conflict(AgentDeleted)`
    /// when the agent is already deleted, `Conflict(ModerationLocked)` when it
    /// carries a moderation lock and `status` is not `Deleted`. The lock
    /// itself is never changed here. Setting `Deleted` is the soft delete. The
    /// caller checks transitions are allowed.
    async fn set_agent_status(
        &self,
        id: AgentId,
        status: AgentStatus,
        message: Option<&str>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Agent>;

    /// An administrator's status change: as [`AgentStore::set_agent_status`]
    /// (`NotFound`, `Conflict(AgentDeleted)`, catalogue, audit), but never
    /// refused for a lock, and the agent's moderation lock becomes `lock` in
    /// the same transaction (`None` lifts it).
    async fn moderate_agent_status(
        &self,
        id: AgentId,
        status: AgentStatus,
        message: Option<&str>,
        lock: Option<&ModerationLock>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Agent>;

    /// Every agent of the owner, drafts and deleted included, newest first.
    async fn list_owner_agents(&self, owner: UserId) -> StorageResult<Vec<Agent>>;

    /// The agent's counters (zeros for an agent with none yet).
    async fn get_stats(&self, id: AgentId) -> StorageResult<AgentStats>;

    /// One page of the agent's published versions, newest (highest semver)
    /// first, strictly below `before` (the previous page's last version) in
    /// `semver::Version` order (as [`AgentStore::list_versions`]), at most `limit + 1` items so the caller can tell
    /// whether more follow. Empty for unknown agents.
    async fn list_versions_page(
        &self,
        id: AgentId,
        before: Option<&semver::Version>,
        limit: u32,
    ) -> StorageResult<Vec<AgentVersion>>;
}
