//! Agents, drafts and versions (the catalogue indexes move through
//! `tx::catalog_rows`).

use agentmart_core::ids::{AgentId, UserId};
use agentmart_core::model::{
    Agent, AgentDefinition, AgentStats, AgentStatus, AgentVersion, AuditRecord, Draft, ModerationLock, Slug,
};
use agentmart_core::storage::{AgentStore, ConflictKind, PublishVersion, StorageError, StorageResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::SledStore;
use crate::codec::{corrupt, dec_stats, id16, key};
use crate::tx::catalog_rows::{
    CATALOG_TREES, catalog_insert_tx, catalog_remove_tx, get_agent_tx, set_status_tx, version_key,
};
use crate::tx::{AUDIT_TREES, T, abort, sled_err, tx_put_json, union};

#[async_trait]
impl AgentStore for SledStore {
    async fn create_agent(&self, agent: &Agent, draft: &Draft, audit: &AuditRecord) -> StorageResult<()> {
        let guard = self.user_lock(agent.owner_id);
        let trees = union(&[&[T::Agents, T::IdxSlug, T::OwnerAgents, T::Drafts], &AUDIT_TREES]);
        let committed = self.tx(&trees, |v| {
            let id = agent.id.to_bytes();
            let owner = agent.owner_id.to_bytes();
            let slug_key = key(&[&owner, agent.slug.as_bytes()]);
            if v.t(T::IdxSlug)?.get(&slug_key)?.is_some() {
                return Err(abort(StorageError::Conflict(ConflictKind::Slug)));
            }
            if v.t(T::Agents)?.get(id)?.is_some() {
                return Err(abort(StorageError::Conflict(ConflictKind::Other("agent id exists".into()))));
            }
            v.t(T::IdxSlug)?.insert(slug_key, &id)?;
            v.t(T::OwnerAgents)?.insert(key(&[&owner, &id]), &[])?;
            tx_put_json(v.t(T::Agents)?, &id, agent)?;
            tx_put_json(v.t(T::Drafts)?, &id, &Draft { agent_id: agent.id, ..draft.clone() })?;
            v.audit(audit)
        });
        drop(guard);
        committed.await
    }

    async fn get_agent(&self, id: AgentId) -> StorageResult<Option<Agent>> {
        self.get_json(T::Agents, &id.to_bytes())
    }

    async fn find_agent(&self, owner: UserId, slug: &Slug) -> StorageResult<Option<Agent>> {
        match self.tree(T::IdxSlug).get(key(&[&owner.to_bytes(), slug.as_bytes()])).map_err(sled_err)? {
            Some(id) => self.get_json(T::Agents, &id),
            None => Ok(None),
        }
    }

    async fn get_draft(&self, id: AgentId) -> StorageResult<Draft> {
        self.get_json(T::Drafts, &id.to_bytes())?.ok_or(StorageError::NotFound)
    }

    async fn update_draft(
        &self,
        id: AgentId,
        definition: &AgentDefinition,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Draft> {
        self.tx(&union(&[&[T::Agents, T::Drafts], &AUDIT_TREES]), |v| {
            let mut agent = get_agent_tx(v, id)?;
            if agent.status == AgentStatus::Deleted {
                return Err(abort(StorageError::Conflict(ConflictKind::AgentDeleted)));
            }
            agent.updated_at = now;
            let draft = Draft { agent_id: id, definition: definition.clone(), updated_at: now };
            tx_put_json(v.t(T::Agents)?, &id.to_bytes(), &agent)?;
            tx_put_json(v.t(T::Drafts)?, &id.to_bytes(), &draft)?;
            v.audit(audit)?;
            Ok(draft)
        })
        .await
    }

    async fn publish_version(&self, req: &PublishVersion) -> StorageResult<Agent> {
        let ver = &req.version;
        self.tx(&union(&[&CATALOG_TREES, &AUDIT_TREES]), |v| {
            let mut agent = get_agent_tx(v, ver.agent_id)?;
            let vkey = version_key(ver.agent_id, &ver.version);
            req.check(&agent, v.t(T::Versions)?.get(&vkey)?.is_some()).map_err(abort)?;
            catalog_remove_tx(v, agent.id)?;
            tx_put_json(v.t(T::Versions)?, &vkey, ver)?;
            agent.apply_publish(ver);
            tx_put_json(v.t(T::Agents)?, &agent.id.to_bytes(), &agent)?;
            if agent.status.is_public_listing() {
                catalog_insert_tx(v, &agent, &ver.definition)?;
            }
            v.audit(&req.audit)?;
            Ok(agent)
        })
        .await
    }

    async fn list_versions(&self, id: AgentId) -> StorageResult<Vec<AgentVersion>> {
        let mut out: Vec<AgentVersion> = self
            .tree(T::Versions)
            .scan_prefix(id.to_bytes())
            .values()
            .map(|r| r.map_err(sled_err).and_then(|b| crate::codec::dec(&b)))
            .collect::<StorageResult<_>>()?;
        out.sort_by(|a, b| b.version.cmp(&a.version));
        Ok(out)
    }

    async fn list_versions_page(
        &self,
        id: AgentId,
        before: Option<&semver::Version>,
        limit: u32,
    ) -> StorageResult<Vec<AgentVersion>> {
        // Keys sort by the version's text, not by semver: order the versions
        // parsed from the keys, then read only the page's rows.
        let mut versions = Vec::new();
        for k in self.tree(T::Versions).scan_prefix(id.to_bytes()).keys() {
            let k = k.map_err(sled_err)?;
            let text = k.get(16..).and_then(|b| std::str::from_utf8(b).ok()).ok_or_else(|| corrupt("version key"))?;
            versions.push(semver::Version::parse(text).map_err(|_| corrupt("version key"))?);
        }
        let versions = agentmart_core::storage::versions_page(versions, before, limit);
        let mut out = Vec::with_capacity(versions.len());
        for version in &versions {
            match self.get_json(T::Versions, &version_key(id, version))? {
                Some(row) => out.push(row),
                None => return Err(corrupt("version row")),
            }
        }
        Ok(out)
    }

    async fn get_version(&self, id: AgentId, version: &semver::Version) -> StorageResult<Option<AgentVersion>> {
        self.get_json(T::Versions, &version_key(id, version))
    }

    async fn set_agent_status(
        &self,
        id: AgentId,
        status: AgentStatus,
        message: Option<&str>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<Agent> {
        self.tx(&union(&[&CATALOG_TREES, &AUDIT_TREES]), |v| {
            let agent = get_agent_tx(v, id)?;
            agentmart_core::storage::check_status_change(&agent, status).map_err(abort)?;
            let agent = set_status_tx(v, agent, status, message, now)?;
            v.audit(audit)?;
            Ok(agent)
        })
        .await
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
        self.tx(&union(&[&CATALOG_TREES, &AUDIT_TREES]), |v| {
            let mut agent = get_agent_tx(v, id)?;
            if agent.status == AgentStatus::Deleted {
                return Err(abort(StorageError::Conflict(ConflictKind::AgentDeleted)));
            }
            agent.moderation = lock.cloned();
            let agent = set_status_tx(v, agent, status, message, now)?;
            v.audit(audit)?;
            Ok(agent)
        })
        .await
    }

    async fn list_owner_agents(&self, owner: UserId) -> StorageResult<Vec<Agent>> {
        let mut out = Vec::new();
        for k in self.scan_keys(T::OwnerAgents, &owner.to_bytes())? {
            if let Some(a) = self.get_json::<Agent>(T::Agents, &id16(&k, 16)?)? {
                out.push(a);
            }
        }
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    async fn get_stats(&self, id: AgentId) -> StorageResult<AgentStats> {
        dec_stats(self.tree(T::Stats).get(id.to_bytes()).map_err(sled_err)?.as_deref())
    }
}
