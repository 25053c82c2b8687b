//! The public catalogue: listing with keyset pagination, filters, and search.
//!
//! Plan of a query:
//! - One term, relevance order, no filter: walk the term's ranked postings
//!   (`term | deprecated | weight desc | agent id`) from the cursor; a page
//!   reads `limit + 1` keys however many agents have the term.
//! - No terms and no filters: walk the sort index from the cursor (cost
//!   grows with the page size, not the page number).
//! - Some term or filter value selects few agents (fewer than
//!   [`SMALL_SET`]): take those, check the other terms and filters by point
//!   lookups, compute their sort keys and keep the next page.
//! - Otherwise every selector is common: walk the order's index (the sort
//!   index, or for a one-term relevance search the term's ranked postings) and
//!   keep the agents that pass point lookups; a common selector makes that walk short.
//! - Relevance over several common terms intersects their postings in full.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use agentmart_core::ids::AgentId;
use agentmart_core::model::{Agent, AgentVersion, CatalogEntry, UserRecord};
use agentmart_core::ranking::compare_keys;
use agentmart_core::storage::{
    CatalogPage, CatalogQuery, CatalogSort, CatalogStore, SortKey, SortValue, StorageResult,
};
use async_trait::async_trait;

use crate::SledStore;
use crate::caches::CachedEntry;
use crate::codec::{
    Listing, corrupt, dec_stats, f32_from_desc, from_micros, key, micros, sort_index_key, sort_tag, tail16,
};
use crate::tx::catalog_rows::{facet, facet_prefix, posting_key, ranked_posting_key};
use crate::tx::{T, sled_err};

/// A selector matching fewer agents than this is enumerated; a larger one is
/// only checked by point lookups while walking an index.
const SMALL_SET: usize = 512;

/// A search or filter hit: agent, relevance score, deprecated flag when known.
type Candidate = ([u8; 16], f64, Option<bool>);

/// The facet posting prefixes the query's filters select.
fn facet_filters(q: &CatalogQuery) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(o) = q.owner {
        out.push(facet_prefix(facet::OWNER, &o.to_bytes()));
    }
    if let Some(c) = &q.category {
        out.push(facet_prefix(facet::CATEGORY, c.as_bytes()));
    }
    if let Some(t) = &q.tag {
        out.push(facet_prefix(facet::TAG, t.as_bytes()));
    }
    if let Some(m) = &q.input_mode {
        out.push(facet_prefix(facet::INPUT_MODE, m.as_bytes()));
    }
    if let Some(m) = &q.output_mode {
        out.push(facet_prefix(facet::OUTPUT_MODE, m.as_bytes()));
    }
    out
}

fn posting_weight(v: &[u8]) -> StorageResult<f64> {
    match v {
        [a, b, c, d, _] => Ok(f64::from(f32::from_be_bytes([*a, *b, *c, *d]))),
        _ => Err(corrupt("search posting")),
    }
}

impl SledStore {
    /// The catalogue entry of a published, not deleted agent whose owner
    /// exists; the decoded records come from the [`Caches`] when current.
    ///
    /// [`Caches`]: crate::caches::Caches
    fn entry(&self, id: &[u8; 16]) -> StorageResult<Option<CatalogEntry>> {
        let read = || Ok(self.read_entry(id)?.map(Arc::new));
        let Some(cached) = self.caches().entries.read_through(*id, read)? else { return Ok(None) };
        let stats = dec_stats(self.tree(T::Stats).get(id).map_err(sled_err)?.as_deref())?;
        Ok(Some(CatalogEntry {
            agent: cached.agent.clone(),
            owner_handle: cached.owner_handle.clone(),
            definition: cached.definition.clone(),
            stats,
        }))
    }

    /// Reads the records of a catalogue entry (without its counters).
    fn read_entry(&self, id: &[u8; 16]) -> StorageResult<Option<CachedEntry>> {
        let Some(agent) = self.get_json::<Agent>(T::Agents, id)? else { return Ok(None) };
        if !agent.status.is_published() {
            return Ok(None);
        }
        let Some(latest) = &agent.latest_version else { return Ok(None) };
        let Some(version) = self.get_json::<AgentVersion>(T::Versions, &key(&[id, latest.to_string().as_bytes()]))?
        else {
            return Ok(None);
        };
        // The owner must exist (agents of deleted accounts are deleted too).
        let Some(owner) = self.get_json::<UserRecord>(T::Users, &agent.owner_id.to_bytes())? else {
            return Ok(None);
        };
        Ok(Some(CachedEntry {
            agent,
            owner_handle: owner.handle.into_string(),
            definition: Arc::new(version.definition),
        }))
    }

    /// The ids under `prefix` (keys `prefix | id`) when there are fewer than
    /// [`SMALL_SET`]; `None` when there are more.
    fn probe(&self, tree: T, prefix: &[u8]) -> StorageResult<Option<Vec<[u8; 16]>>> {
        let mut out = Vec::new();
        for k in self.tree(tree).scan_prefix(prefix).keys() {
            let k = k.map_err(sled_err)?;
            if k.len() == prefix.len() + 16 {
                out.push(tail16(&k)?);
                if out.len() >= SMALL_SET {
                    return Ok(None);
                }
            }
        }
        Ok(Some(out))
    }

    /// The relevance of the agent when it has every term and filter value, else `None`.
    /// Weights are summed in query order, like the reference model.
    fn matches(&self, id: &[u8; 16], terms: &[String], facets: &[Vec<u8>]) -> StorageResult<Option<f64>> {
        for prefix in facets {
            if self.tree(T::Facets).get(key(&[prefix, id])).map_err(sled_err)?.is_none() {
                return Ok(None);
            }
        }
        let mut score = 0.0_f64;
        for term in terms {
            match self.tree(T::Search).get(posting_key(term, id)).map_err(sled_err)? {
                Some(v) => score += posting_weight(&v)?,
                None => return Ok(None),
            }
        }
        Ok(Some(score))
    }

    /// Every agent having all the terms (full posting scans), with relevance and deprecated flag.
    fn intersect_terms(&self, terms: &[String]) -> StorageResult<Vec<Candidate>> {
        let mut hits: Vec<Candidate> = Vec::new();
        for (i, term) in terms.iter().enumerate() {
            let prefix = key(&[term.as_bytes(), &[0]]);
            let postings = self.tree(T::Search).scan_prefix(&prefix).map(|item| {
                let (k, v) = item.map_err(sled_err)?;
                let deprecated = v.get(4) == Some(&1);
                Ok((tail16(&k)?, posting_weight(&v)?, Some(deprecated)))
            });
            if i == 0 {
                hits = postings.collect::<StorageResult<_>>()?;
            } else {
                let mut weights: HashMap<[u8; 16], f64> = HashMap::with_capacity(hits.len());
                for p in postings {
                    let (id, w, _) = p?;
                    weights.insert(id, w);
                }
                hits.retain_mut(|(id, score, _)| match weights.get(id) {
                    Some(w) => {
                        *score += w;
                        true
                    }
                    None => false,
                });
            }
            if hits.is_empty() {
                break;
            }
        }
        Ok(hits)
    }

    /// Walks the sort index of a non-relevance order from the cursor, keeping matching agents.
    fn walk_sort_index(&self, q: &CatalogQuery, facets: &[Vec<u8>]) -> StorageResult<Vec<([u8; 16], f64)>> {
        let tag = sort_tag(q.sort);
        let start = match &q.after {
            Some(after) => key(&[&sort_index_key(q.sort, after), &[0]]),
            None => vec![tag],
        };
        let want = q.limit as usize + 1;
        let mut out = Vec::with_capacity(want);
        for item in self.tree(T::Sort).range(start..vec![tag + 1]) {
            let (k, _) = item.map_err(sled_err)?;
            let id = tail16(&k)?;
            if let Some(score) = self.matches(&id, &q.terms, facets)? {
                out.push((id, score));
                if out.len() == want {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Walks one term's ranked postings (a one-term relevance search) from the cursor.
    fn walk_ranked_postings(
        &self,
        q: &CatalogQuery,
        term: &str,
        facets: &[Vec<u8>],
    ) -> StorageResult<Vec<([u8; 16], f64)>> {
        let prefix = key(&[term.as_bytes(), &[0]]);
        let start = match &q.after {
            Some(after) => {
                let score = if let SortValue::Score(s) = after.value { s } else { 0.0 };
                key(&[&ranked_posting_key(term, after.deprecated, score as f32, &after.id.to_bytes()), &[0]])
            }
            None => prefix.clone(),
        };
        let mut end = prefix.clone();
        end.push(0xFF);
        let want = q.limit as usize + 1;
        let mut out = Vec::with_capacity(want);
        for item in self.tree(T::SearchRanked).range(start..end) {
            let (k, _) = item.map_err(sled_err)?;
            if k.len() != prefix.len() + 21 {
                return Err(corrupt("ranked search posting"));
            }
            let id = tail16(&k)?;
            if self.matches(&id, &[], facets)?.is_some() {
                let at = prefix.len() + 1;
                let weight = f32_from_desc([k[at], k[at + 1], k[at + 2], k[at + 3]]);
                out.push((id, f64::from(weight)));
                if out.len() == want {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Orders candidates by their sort keys, strictly after the cursor; at most `limit + 1`.
    fn rank(&self, q: &CatalogQuery, candidates: Vec<Candidate>) -> StorageResult<Vec<([u8; 16], f64)>> {
        let mut keyed: Vec<SortKey> = Vec::with_capacity(candidates.len());
        for (id, score, deprecated) in candidates {
            let agent = AgentId::from_bytes(id);
            let k = match (q.sort, deprecated) {
                (CatalogSort::Relevance, Some(deprecated)) => {
                    SortKey { deprecated, value: SortValue::Score(score), id: agent }
                }
                _ => {
                    let Some(raw) = self.tree(T::Listing).get(id).map_err(sled_err)? else { continue };
                    let listing = Listing::decode(&raw)?;
                    if q.sort == CatalogSort::Relevance {
                        SortKey { deprecated: listing.deprecated, value: SortValue::Score(score), id: agent }
                    } else {
                        let stats = dec_stats(self.tree(T::Stats).get(id).map_err(sled_err)?.as_deref())?;
                        listing.sort_key(agent, q.sort, &stats)
                    }
                }
            };
            if q.after.as_ref().is_some_and(|a| compare_keys(&k, a) != Ordering::Greater) {
                continue;
            }
            keyed.push(k);
        }
        let want = q.limit as usize + 1;
        if keyed.len() > want {
            keyed.select_nth_unstable_by(want - 1, compare_keys);
            keyed.truncate(want);
        }
        keyed.sort_by(compare_keys);
        Ok(keyed
            .into_iter()
            .map(|k| (k.id.to_bytes(), if let SortValue::Score(score) = k.value { score } else { 0.0 }))
            .collect())
    }

    /// The ids (with relevance) of the next page plus one.
    fn page_ids(&self, q: &CatalogQuery) -> StorageResult<Vec<([u8; 16], f64)>> {
        let facets = facet_filters(q);
        // One word, relevance order, no filter: the word's ranked postings are
        // the answer in order, so a page reads `limit + 1` keys after the
        // cursor whether the word is rare or in every agent (no probe).
        if let (CatalogSort::Relevance, [term], true) = (q.sort, q.terms.as_slice(), facets.is_empty()) {
            return self.walk_ranked_postings(q, term, &facets);
        }
        // The smallest selector that is small enough to enumerate.
        let mut small: Option<Vec<[u8; 16]>> = None;
        let selectors = q
            .terms
            .iter()
            .map(|t| (T::Search, key(&[t.as_bytes(), &[0]])))
            .chain(facets.iter().map(|f| (T::Facets, f.clone())));
        for (tree, prefix) in selectors {
            if let Some(ids) = self.probe(tree, &prefix)? {
                if small.as_ref().is_none_or(|s| ids.len() < s.len()) {
                    small = Some(ids);
                }
                if small.as_ref().is_some_and(Vec::is_empty) {
                    break;
                }
            }
        }
        if let Some(ids) = small {
            let mut candidates = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(score) = self.matches(&id, &q.terms, &facets)? {
                    candidates.push((id, score, None));
                }
            }
            return self.rank(q, candidates);
        }
        match (q.sort, q.terms.as_slice()) {
            (CatalogSort::Relevance, [term]) => self.walk_ranked_postings(q, term, &facets),
            (CatalogSort::Relevance, []) => {
                // No text to score: every listed agent scores 0 (order: deprecated last, then id).
                let mut all = Vec::new();
                for item in self.tree(T::Listing).iter() {
                    let (k, v) = item.map_err(sled_err)?;
                    let id = tail16(&k)?;
                    if self.matches(&id, &[], &facets)?.is_some() {
                        all.push((id, 0.0, Some(v.first() == Some(&1))));
                    }
                }
                self.rank(q, all)
            }
            (CatalogSort::Relevance, terms) => {
                let mut hits = self.intersect_terms(terms)?;
                if !facets.is_empty() {
                    let mut kept = Vec::with_capacity(hits.len());
                    for h in hits {
                        if self.matches(&h.0, &[], &facets)?.is_some() {
                            kept.push(h);
                        }
                    }
                    hits = kept;
                }
                self.rank(q, hits)
            }
            _ => self.walk_sort_index(q, &facets),
        }
    }
}

#[async_trait]
impl CatalogStore for SledStore {
    async fn list_catalog(&self, q: &CatalogQuery) -> StorageResult<CatalogPage> {
        let ids = self.page_ids(q)?;
        let has_more = ids.len() > q.limit as usize;
        let mut entries = Vec::with_capacity(ids.len().min(q.limit as usize));
        for (id, score) in ids.into_iter().take(q.limit as usize) {
            if let Some(entry) = self.entry(&id)? {
                let mut key = agentmart_core::ranking::sort_key(&entry, q.sort, score);
                // The sort index and the listing keep times in microseconds:
                // the cursor must name the position the index holds, or an
                // agent published within the same microsecond as a page's
                // last one would come again on the next page.
                if let SortValue::Published(t) = key.value {
                    key.value = SortValue::Published(from_micros(micros(t))?);
                }
                entries.push((entry, key));
            }
        }
        Ok(CatalogPage { entries, has_more })
    }

    async fn get_catalog_entry(&self, id: AgentId) -> StorageResult<Option<CatalogEntry>> {
        self.entry(&id.to_bytes())
    }
}
