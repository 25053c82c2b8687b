//! Listing, search and detail.

use chrono::Duration;
use serde::Serialize;

use super::{AgentDetail, AgentListItem, ListAgents, MarketService, RatingDetail, entry_item, review_view};
use crate::common::page_limit;
use crate::error::{Error, Result};
use crate::model::{AgentRef, AgentStatus, Handle, Page, Principal};
use crate::storage::{CatalogQuery, CatalogSort, SortKey, SortValue};
use crate::text::{MAX_FILTER_LEN, MAX_QUERY_LEN, check_filter, query_terms};

/// Everything a catalogue cursor is bound to.
#[derive(Serialize)]
struct ListScope<'a> {
    list: &'static str,
    sort: CatalogSort,
    terms: &'a [String],
    category: Option<&'a str>,
    tag: Option<&'a str>,
    input_mode: Option<&'a str>,
    output_mode: Option<&'a str>,
    owner: Option<&'a str>,
}

/// Trims and lower-cases a filter value; blank means no filter.
fn normalize(value: Option<&String>) -> Option<String> {
    value.map(|v| v.trim().to_lowercase()).filter(|v| !v.is_empty())
}

/// Refuses a query or filter longer than its cap or holding a control
/// character (`validation_failed`), before any of it reaches a store.
fn check_list_filters(request: &ListAgents) -> Result<()> {
    let mut errors = Vec::new();
    check_filter("q", request.q.as_deref(), MAX_QUERY_LEN, &mut errors);
    for (field, value) in [
        ("category", &request.category),
        ("tag", &request.tag),
        ("input_mode", &request.input_mode),
        ("output_mode", &request.output_mode),
        ("owner", &request.owner),
    ] {
        check_filter(field, value.as_deref(), MAX_FILTER_LEN, &mut errors);
    }
    if errors.is_empty() { Ok(()) } else { Err(Error::Validation(errors)) }
}

/// True when the key's value is of the kind the sort uses.
fn key_matches_sort(key: &SortKey, sort: CatalogSort) -> bool {
    matches!(
        (sort, &key.value),
        (CatalogSort::Popular, SortValue::Installs(_))
            | (CatalogSort::Rating, SortValue::Rating(_))
            | (CatalogSort::Newest, SortValue::Published(_))
            | (CatalogSort::Trending, SortValue::Trending(_))
            | (CatalogSort::Name, SortValue::Name(_))
            | (CatalogSort::Relevance, SortValue::Score(_))
    )
}

/// Number of days `usage_30d` covers, today included.
const USAGE_DAYS: i64 = 30;

impl MarketService {
    /// Lists and searches the marketplace: published agents whose status is
    /// `listed` or `deprecated` (deprecated ones after all others).
    ///
    /// `q` is split into words ([`crate::text::query_terms`]); every word must
    /// occur in the name, tagline, description, skills or tags. The default
    /// sort is `relevance` when `q` has words, else `popular`; `relevance`
    /// without words is a validation error on `sort`. Filters are compared
    /// case-insensitively; an unknown `owner` handle gives an empty page.
    /// The answer does not depend on the viewer today; `viewer` is accepted so
    /// adapters pass it uniformly.
    ///
    /// Errors: `validation_failed` (`limit`, `sort`; `q` longer than
    /// [`MAX_QUERY_LEN`], a filter longer than
    /// [`MAX_FILTER_LEN`], either with a control
    /// character), `malformed_request` for a
    /// cursor that is tampered or was issued for another sort or filters.
    pub async fn list(&self, viewer: Option<&Principal>, request: ListAgents) -> Result<Page<AgentListItem>> {
        let _ = viewer;
        let limit = page_limit(request.limit)?;
        check_list_filters(&request)?;
        let terms = request.q.as_deref().map(query_terms).unwrap_or_default();
        let sort = match request.sort {
            Some(CatalogSort::Relevance) if terms.is_empty() => {
                return Err(Error::invalid("sort", "requires_query", "sort `relevance` needs a search query `q`"));
            }
            Some(sort) => sort,
            None if terms.is_empty() => CatalogSort::Popular,
            None => CatalogSort::Relevance,
        };
        let category = normalize(request.category.as_ref());
        let tag = normalize(request.tag.as_ref());
        let input_mode = normalize(request.input_mode.as_ref());
        let output_mode = normalize(request.output_mode.as_ref());
        let owner_handle = normalize(request.owner.as_ref());
        let scope = ListScope {
            list: "agents",
            sort,
            terms: &terms,
            category: category.as_deref(),
            tag: tag.as_deref(),
            input_mode: input_mode.as_deref(),
            output_mode: output_mode.as_deref(),
            owner: owner_handle.as_deref(),
        };
        let after: Option<SortKey> = match &request.cursor {
            Some(cursor) => {
                let key: SortKey = self.inner.cursors.decode(&scope, cursor)?;
                if !key_matches_sort(&key, sort) {
                    return Err(Error::MalformedRequest("invalid cursor: it belongs to another sort".into()));
                }
                Some(key)
            }
            None => None,
        };
        let owner = match &owner_handle {
            // `normalize` trimmed and lower-cased it; anything but a valid handle names nobody.
            Some(handle) => match Handle::lookup(handle) {
                Some(handle) => match self.inner.store.find_user_by_handle(&handle).await? {
                    Some(user) => Some(user.id),
                    None => return Ok(Page { items: Vec::new(), next_cursor: None }),
                },
                None => return Ok(Page { items: Vec::new(), next_cursor: None }),
            },
            None => None,
        };
        let query = CatalogQuery {
            terms: terms.clone(),
            category: category.clone(),
            tag: tag.clone(),
            input_mode: input_mode.clone(),
            output_mode: output_mode.clone(),
            owner,
            sort,
            after,
            limit,
        };
        let page = self.inner.store.list_catalog(&query).await?;
        let next_cursor = match (page.has_more, page.entries.last()) {
            (true, Some((_, key))) => Some(self.inner.cursors.encode(&scope, key)?),
            _ => None,
        };
        Ok(Page { items: page.entries.iter().map(|(entry, _)| entry_item(entry)).collect(), next_cursor })
    }

    /// The public detail of an agent by path: its latest published version,
    /// counters, rating histogram and 30-day usage, never the system prompt.
    ///
    /// `unlisted` agents are visible by path. Drafts are `not_found` (also to
    /// their owner, who uses the builder). Deleted agents are `not_found`
    /// except to a viewer who still has them installed. For an authenticated
    /// viewer, `installed` and `my_rating` are filled.
    pub async fn detail(&self, viewer: Option<&Principal>, agent: &AgentRef) -> Result<AgentDetail> {
        let not_found = || Error::NotFound(format!("agent `{agent}`"));
        let (owner, found) = self.inner.resolve_agent(agent).await?;
        if found.status == AgentStatus::Draft {
            return Err(not_found());
        }
        let store = &self.inner.store;
        let install = match viewer {
            Some(p) => store.get_install(p.user_id, found.id).await?,
            None => None,
        };
        let (agent_meta, owner_handle, definition, stats) = if found.status == AgentStatus::Deleted {
            if install.is_none() {
                return Err(not_found());
            }
            let version = match &found.latest_version {
                Some(v) => store.get_version(found.id, v).await?.ok_or_else(not_found)?,
                None => return Err(not_found()),
            };
            let stats = store.get_stats(found.id).await?;
            (found, owner.handle.into_string(), std::sync::Arc::new(version.definition), stats)
        } else {
            let entry = store.get_catalog_entry(found.id).await?.ok_or_else(not_found)?;
            (entry.agent, entry.owner_handle, entry.definition, entry.stats)
        };
        let definition = std::sync::Arc::unwrap_or_clone(definition);

        let today = self.inner.now().date_naive();
        let from = today - Duration::days(USAGE_DAYS - 1);
        let usage_30d = store.usage_by_day(agent_meta.id, from, today).await?.iter().map(|d| d.events).sum();

        let my_rating = match viewer {
            Some(p) => match store.get_rating(p.user_id, agent_meta.id).await? {
                Some(review) => {
                    let me = store.get_user(p.user_id).await?;
                    Some(review_view(&review, me.as_ref()))
                }
                None => None,
            },
            None => None,
        };

        Ok(AgentDetail {
            id: agent_meta.id,
            owner: owner_handle,
            slug: agent_meta.slug,
            name: definition.name,
            tagline: definition.tagline,
            description: definition.description,
            category: definition.category,
            tags: definition.tags,
            skills: definition.skills,
            input_modes: definition.input_modes,
            output_modes: definition.output_modes,
            conversation_starters: definition.conversation_starters,
            icon_url: definition.icon_url,
            documentation_url: definition.documentation_url,
            latest_version: agent_meta.latest_version,
            install_count: stats.install_count,
            rating: RatingDetail { mean: stats.mean(), count: stats.rating_count, histogram: stats.histogram },
            usage_30d,
            status: agent_meta.status,
            status_message: agent_meta.status_message,
            created_at: agent_meta.created_at,
            updated_at: agent_meta.updated_at,
            published_at: agent_meta.published_at,
            installed: viewer.map(|_| install.is_some()),
            my_rating,
        })
    }
}
