//! Agents, drafts, versions, and keeping the catalogue indexes in step.

use agentmart_core::ids::{AgentId, UserId};
use agentmart_core::model::{Agent, AgentDefinition, AgentStats, AgentStatus, AgentVersion, AuditRecord, Draft};
use agentmart_core::storage::{AgentStore, CatalogSort, ConflictKind, PublishVersion, StorageError, StorageResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codec::{INDEXED_SORTS, Listing, dec_stats, enc_stats, id16, key, sort_index_key};
use crate::users::union;
use crate::{SledStore, T, TxResult, View, abort, tx_get_json, tx_put_json};

/// Trees touched when an agent enters or leaves the catalogue.
pub(crate) const CATALOG_TREES: [T; 9] =
    [T::Agents, T::Versions, T::Stats, T::Listing, T::CatFilter, T::Sort, T::Search, T::SearchRanked, T::Facets];
const AUDIT_TREES: [T; 2] = [T::Audit, T::AuditSubject];

/// What list filters need of a listed agent, and the terms it is indexed under.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CatalogFilter {
    pub owner: UserId,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub input_modes: Vec<String>,
    pub output_modes: Vec<String>,
    pub terms: Vec<(String, f32)>,
}

/// Facet kinds of the list filters.
pub(crate) mod facet {
    pub(crate) const OWNER: u8 = 1;
    pub(crate) const CATEGORY: u8 = 2;
    pub(crate) const TAG: u8 = 3;
    pub(crate) const INPUT_MODE: u8 = 4;
    pub(crate) const OUTPUT_MODE: u8 = 5;
}

/// The prefix of a facet value's postings: kind | value | 0x00.
pub(crate) fn facet_prefix(kind: u8, value: &[u8]) -> Vec<u8> {
    key(&[&[kind], value, &[0]])
}

impl CatalogFilter {
    /// Every facet posting prefix of the agent.
    fn facets(&self) -> Vec<Vec<u8>> {
        let mut out = vec![facet_prefix(facet::OWNER, &self.owner.to_bytes())];
        if let Some(c) = &self.category {
            out.push(facet_prefix(facet::CATEGORY, c.as_bytes()));
        }
        out.extend(self.tags.iter().map(|t| facet_prefix(facet::TAG, t.as_bytes())));
        out.extend(self.input_modes.iter().map(|m| facet_prefix(facet::INPUT_MODE, m.as_bytes())));
        out.extend(self.output_modes.iter().map(|m| facet_prefix(facet::OUTPUT_MODE, m.as_bytes())));
        out
    }
}

/// The search posting key: term | 0x00 | agent id.
pub(crate) fn posting_key(term: &str, id: &[u8; 16]) -> Vec<u8> {
    key(&[term.as_bytes(), &[0], id])
}

/// The ranked posting key: term | 0x00 | deprecated | weight desc | agent id,
/// whose byte order is the relevance order of a one-term search.
pub(crate) fn ranked_posting_key(term: &str, deprecated: bool, weight: f32, id: &[u8; 16]) -> Vec<u8> {
    key(&[term.as_bytes(), &[0, u8::from(deprecated)], &crate::codec::f32_desc(weight), id])
}

fn version_key(id: AgentId, v: &semver::Version) -> Vec<u8> {
    key(&[&id.to_bytes(), v.to_string().as_bytes()])
}

pub(crate) fn get_agent_tx(v: &View<'_>, id: AgentId) -> TxResult<Agent> {
    tx_get_json(v.t(T::Agents)?, &id.to_bytes())?.ok_or_else(|| abort(StorageError::NotFound))
}

/// Reads the agent's counters in a transaction.
pub(crate) fn stats_tx(v: &View<'_>, id: &[u8; 16]) -> TxResult<AgentStats> {
    dec_stats(v.t(T::Stats)?.get(id)?.as_deref()).map_err(abort)
}

/// Removes the agent from lists and search, if it is there.
pub(crate) fn catalog_remove_tx(v: &View<'_>, id: AgentId) -> TxResult<()> {
    let idb = id.to_bytes();
    let Some(raw) = v.t(T::Listing)?.get(idb)? else { return Ok(()) };
    let listing = Listing::decode(&raw).map_err(abort)?;
    let stats = stats_tx(v, &idb)?;
    for sort in INDEXED_SORTS {
        v.t(T::Sort)?.remove(sort_index_key(sort, &listing.sort_key(id, sort, &stats)))?;
    }
    if let Some(filter) = tx_get_json::<CatalogFilter>(v.t(T::CatFilter)?, &idb)? {
        for (term, weight) in &filter.terms {
            v.t(T::Search)?.remove(posting_key(term, &idb))?;
            v.t(T::SearchRanked)?.remove(ranked_posting_key(term, listing.deprecated, *weight, &idb))?;
        }
        for prefix in filter.facets() {
            v.t(T::Facets)?.remove(key(&[&prefix, &idb]))?;
        }
    }
    v.t(T::Listing)?.remove(&idb)?;
    v.t(T::CatFilter)?.remove(&idb)?;
    Ok(())
}

/// Adds the agent (listed or deprecated, with `def` its latest version) to lists and search.
pub(crate) fn catalog_insert_tx(v: &View<'_>, agent: &Agent, def: &AgentDefinition) -> TxResult<()> {
    let idb = agent.id.to_bytes();
    let deprecated = agent.status == AgentStatus::Deprecated;
    let listing = Listing {
        deprecated,
        published_at: agent.published_at.unwrap_or(agent.created_at),
        name_lower: def.name.to_lowercase(),
    };
    let stats = stats_tx(v, &idb)?;
    for sort in INDEXED_SORTS {
        v.t(T::Sort)?.insert(sort_index_key(sort, &listing.sort_key(agent.id, sort, &stats)), &[])?;
    }
    let terms = agentmart_core::text::index_terms(def);
    for (term, weight) in &terms {
        let mut val = weight.to_be_bytes().to_vec();
        val.push(u8::from(deprecated));
        v.t(T::Search)?.insert(posting_key(term, &idb), val)?;
        v.t(T::SearchRanked)?.insert(ranked_posting_key(term, deprecated, *weight, &idb), &[])?;
    }
    let filter = CatalogFilter {
        owner: agent.owner_id,
        category: def.category.clone(),
        tags: def.tags.clone(),
        input_modes: def.input_modes.clone(),
        output_modes: def.output_modes.clone(),
        terms: terms.into_iter().collect(),
    };
    for prefix in filter.facets() {
        v.t(T::Facets)?.insert(key(&[&prefix, &idb]), &[])?;
    }
    tx_put_json(v.t(T::CatFilter)?, &idb, &filter)?;
    v.t(T::Listing)?.insert(&idb, listing.encode())?;
    Ok(())
}

/// Stores new counters and moves the agent's sort keys of `sorts` when it is listed.
pub(crate) fn put_stats_tx(
    v: &View<'_>,
    id: AgentId,
    old: &AgentStats,
    new: &AgentStats,
    sorts: &[CatalogSort],
) -> TxResult<()> {
    let idb = id.to_bytes();
    v.t(T::Stats)?.insert(&idb, &enc_stats(new)[..])?;
    let Some(raw) = v.t(T::Listing)?.get(idb)? else { return Ok(()) };
    let listing = Listing::decode(&raw).map_err(abort)?;
    for sort in sorts {
        let before = sort_index_key(*sort, &listing.sort_key(id, *sort, old));
        let after = sort_index_key(*sort, &listing.sort_key(id, *sort, new));
        if before != after {
            v.t(T::Sort)?.remove(before)?;
            v.t(T::Sort)?.insert(after, &[])?;
        }
    }
    Ok(())
}

fn latest_definition_tx(v: &View<'_>, agent: &Agent) -> TxResult<Option<AgentDefinition>> {
    let Some(latest) = &agent.latest_version else { return Ok(None) };
    let version: Option<AgentVersion> = tx_get_json(v.t(T::Versions)?, &version_key(agent.id, latest))?;
    Ok(version.map(|ver| ver.definition))
}

/// Sets the status (the caller checked the agent is not deleted) and updates the catalogue.
fn set_status_tx(
    v: &View<'_>,
    mut agent: Agent,
    status: AgentStatus,
    message: Option<&str>,
    now: DateTime<Utc>,
) -> TxResult<Agent> {
    catalog_remove_tx(v, agent.id)?;
    agent.status = status;
    agent.status_message = message.map(str::to_string);
    agent.updated_at = now;
    tx_put_json(v.t(T::Agents)?, &agent.id.to_bytes(), &agent)?;
    if status.is_public_listing()
        && let Some(def) = latest_definition_tx(v, &agent)?
    {
        catalog_insert_tx(v, &agent, &def)?;
    }
    Ok(agent)
}

/// Soft-deletes an agent unless it already is (account deletion).
pub(crate) fn soft_delete_tx(v: &View<'_>, id: AgentId, now: DateTime<Utc>) -> TxResult<()> {
    let Some(agent): Option<Agent> = tx_get_json(v.t(T::Agents)?, &id.to_bytes())? else { return Ok(()) };
    if agent.status != AgentStatus::Deleted {
        // The status message stays as it was.
        let message = agent.status_message.clone();
        set_status_tx(v, agent, AgentStatus::Deleted, message.as_deref(), now)?;
    }
    Ok(())
}

#[async_trait]
impl AgentStore for SledStore {
    async fn create_agent(&self, agent: &Agent, draft: &Draft, audit: &AuditRecord) -> StorageResult<()> {
        let _guard = self.user_lock(agent.owner_id);
        let trees = union(&[&[T::Agents, T::IdxSlug, T::OwnerAgents, T::Drafts], &AUDIT_TREES]);
        self.tx(&trees, |v| {
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
        })
    }

    async fn get_agent(&self, id: AgentId) -> StorageResult<Option<Agent>> {
        self.get_json(T::Agents, &id.to_bytes())
    }

    async fn find_agent(&self, owner: UserId, slug: &str) -> StorageResult<Option<Agent>> {
        match self.tree(T::IdxSlug).get(key(&[&owner.to_bytes(), slug.as_bytes()])).map_err(crate::sled_err)? {
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
    }

    async fn list_versions(&self, id: AgentId) -> StorageResult<Vec<AgentVersion>> {
        let mut out: Vec<AgentVersion> = self
            .tree(T::Versions)
            .scan_prefix(id.to_bytes())
            .values()
            .map(|r| r.map_err(crate::sled_err).and_then(|b| crate::codec::dec(&b)))
            .collect::<StorageResult<_>>()?;
        out.sort_by(|a, b| b.version.cmp(&a.version));
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
            if agent.status == AgentStatus::Deleted {
                return Err(abort(StorageError::Conflict(ConflictKind::AgentDeleted)));
            }
            let agent = set_status_tx(v, agent, status, message, now)?;
            v.audit(audit)?;
            Ok(agent)
        })
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
        dec_stats(self.tree(T::Stats).get(id.to_bytes()).map_err(crate::sled_err)?.as_deref())
    }
}
