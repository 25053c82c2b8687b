//! [`AgentStore`] for [`MemoryStore`]: agents, drafts and published versions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{MemoryStore, conflict};
use crate::ids::{AgentId, UserId};
use crate::model::{
    Agent, AgentDefinition, AgentStats, AgentStatus, AgentVersion, AuditRecord, Draft, ModerationLock, Slug,
};
use crate::storage::{AgentStore, ConflictKind, PublishVersion, StorageError, StorageResult};

#[async_trait]
impl AgentStore for MemoryStore {
    async fn create_agent(&self, agent: &Agent, draft: &Draft, audit: &AuditRecord) -> StorageResult<()> {
        let mut st = self.lock();
        if st.agents.values().any(|a| a.owner_id == agent.owner_id && a.slug == agent.slug) {
            return Err(conflict(ConflictKind::Slug));
        }
        if st.agents.contains_key(&agent.id) {
            return Err(conflict(ConflictKind::Other("agent id already exists".into())));
        }
        st.agents.insert(agent.id, agent.clone());
        st.drafts.insert(agent.id, Draft { agent_id: agent.id, ..draft.clone() });
        st.write_audit(audit);
        Ok(())
    }

    async fn get_agent(&self, id: AgentId) -> StorageResult<Option<Agent>> {
        Ok(self.lock().agents.get(&id).cloned())
    }

    async fn find_agent(&self, owner: UserId, slug: &Slug) -> StorageResult<Option<Agent>> {
        Ok(self.lock().agents.values().find(|a| a.owner_id == owner && a.slug == slug.as_str()).cloned())
    }

    async fn get_draft(&self, id: AgentId) -> StorageResult<Draft> {
        self.lock().drafts.get(&id).cloned().ok_or(StorageError::NotFound)
    }

    async fn update_draft(
        &self,
        id: AgentId,
        definition: &AgentDefinition,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Draft> {
        let mut st = self.lock();
        st.live_agent_mut(id)?.updated_at = now;
        let draft = Draft { agent_id: id, definition: definition.clone(), updated_at: now };
        st.drafts.insert(id, draft.clone());
        st.write_audit(audit);
        Ok(draft)
    }

    async fn publish_version(&self, request: &PublishVersion) -> StorageResult<Agent> {
        let mut st = self.lock();
        let version = &request.version;
        let id = version.agent_id;
        let exists = st.versions.get(&id).is_some_and(|v| v.contains_key(&version.version));
        request.check(st.live_agent_mut(id)?, exists)?;
        st.versions.entry(id).or_default().insert(version.version.clone(), version.clone());
        st.stats.entry(id).or_default();
        let agent = st.live_agent_mut(id)?;
        agent.apply_publish(version);
        let out = agent.clone();
        st.write_audit(&request.audit);
        Ok(out)
    }

    async fn list_versions(&self, id: AgentId) -> StorageResult<Vec<AgentVersion>> {
        Ok(self.lock().versions.get(&id).map(|v| v.values().rev().cloned().collect()).unwrap_or_default())
    }

    async fn list_versions_page(
        &self,
        id: AgentId,
        before: Option<&semver::Version>,
        limit: u32,
    ) -> StorageResult<Vec<AgentVersion>> {
        let st = self.lock();
        let Some(versions) = st.versions.get(&id) else { return Ok(Vec::new()) };
        let take = usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1);
        Ok(versions.values().rev().filter(|v| before.is_none_or(|b| v.version < *b)).take(take).cloned().collect())
    }

    async fn get_version(&self, id: AgentId, version: &semver::Version) -> StorageResult<Option<AgentVersion>> {
        Ok(self.lock().versions.get(&id).and_then(|v| v.get(version)).cloned())
    }

    async fn set_agent_status(
        &self,
        id: AgentId,
        status: AgentStatus,
        message: Option<&str>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Agent> {
        let mut st = self.lock();
        let agent = st.live_agent_mut(id)?;
        crate::storage::check_status_change(agent, status)?;
        agent.status = status;
        agent.status_message = message.map(str::to_string);
        agent.updated_at = now;
        let out = agent.clone();
        st.write_audit(audit);
        Ok(out)
    }

    async fn moderate_agent_status(
        &self,
        id: AgentId,
        status: AgentStatus,
        message: Option<&str>,
        lock: Option<&ModerationLock>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Agent> {
        let mut st = self.lock();
        let agent = st.live_agent_mut(id)?;
        agent.status = status;
        agent.status_message = message.map(str::to_string);
        agent.moderation = lock.cloned();
        agent.updated_at = now;
        let out = agent.clone();
        st.write_audit(audit);
        Ok(out)
    }

    async fn list_owner_agents(&self, owner: UserId) -> StorageResult<Vec<Agent>> {
        let st = self.lock();
        let mut out: Vec<Agent> = st.agents.values().filter(|a| a.owner_id == owner).cloned().collect();
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    async fn get_stats(&self, id: AgentId) -> StorageResult<AgentStats> {
        Ok(self.lock().stats.get(&id).copied().unwrap_or_default())
    }
}
