//! Agent rows and the catalogue indexes kept in step with them: counters,
//! sort keys, search postings and facets. Agents' own writes and the
//! cascades of installs, ratings, usage and account deletion all move them
//! through these functions.

use agentmart_core::ids::{AgentId, UserId};
use agentmart_core::model::{Agent, AgentDefinition, AgentStats, AgentStatus, AgentVersion};
use agentmart_core::storage::{CatalogSort, StorageError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codec::{INDEXED_SORTS, Listing, dec_stats, enc_stats, key, sort_index_key};
use crate::tx::{T, TxResult, View, abort, tx_get_json, tx_put_json};

/// Trees touched when an agent enters or leaves the catalogue.
pub(crate) const CATALOG_TREES: [T; 9] =
    [T::Agents, T::Versions, T::Stats, T::Listing, T::CatFilter, T::Sort, T::Search, T::SearchRanked, T::Facets];

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

pub(crate) fn version_key(id: AgentId, v: &semver::Version) -> Vec<u8> {
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
        name_lower: agentmart_core::text::sort_name(&def.name),
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

pub(crate) fn latest_definition_tx(v: &View<'_>, agent: &Agent) -> TxResult<Option<AgentDefinition>> {
    let Some(latest) = &agent.latest_version else { return Ok(None) };
    let version: Option<AgentVersion> = tx_get_json(v.t(T::Versions)?, &version_key(agent.id, latest))?;
    Ok(version.map(|ver| ver.definition))
}

/// Sets the status (the caller checked the agent is not deleted) and updates the catalogue.
pub(crate) fn set_status_tx(
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
