use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StorageResult;
use crate::ids::{AgentId, UserId};
use crate::model::CatalogEntry;

/// Orders of the marketplace list. Within every order, deprecated agents come
/// after all others, and ties are broken by agent id ascending.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CatalogSort {
    /// Most installs first.
    #[default]
    Popular,
    /// Highest damped mean rating first (see [`crate::market::damped_rating`]).
    Rating,
    /// Most recently first published first.
    Newest,
    /// Highest trending score (recent usage) first.
    Trending,
    /// Name, case-insensitive, A to Z.
    Name,
    /// Best text match first; only with search terms.
    Relevance,
}

impl CatalogSort {
    /// Wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogSort::Popular => "popular",
            CatalogSort::Rating => "rating",
            CatalogSort::Newest => "newest",
            CatalogSort::Trending => "trending",
            CatalogSort::Name => "name",
            CatalogSort::Relevance => "relevance",
        }
    }
}

impl std::str::FromStr for CatalogSort {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "popular" => CatalogSort::Popular,
            "rating" => CatalogSort::Rating,
            "newest" => CatalogSort::Newest,
            "trending" => CatalogSort::Trending,
            "name" => CatalogSort::Name,
            "relevance" => CatalogSort::Relevance,
            other => {
                return Err(crate::Error::invalid(
                    "sort",
                    "invalid_choice",
                    format!("unknown sort `{other}`; expected popular, rating, newest, trending, name or relevance"),
                ));
            }
        })
    }
}

/// The primary value an entry is ordered by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortValue {
    /// Install count (popular), descending.
    Installs(u64),
    /// Damped rating (rating), descending.
    Rating(f64),
    /// First publish time (newest), descending.
    Published(DateTime<Utc>),
    /// Trending score, descending.
    Trending(f64),
    /// Lower-cased name, ascending.
    Name(String),
    /// Relevance score, descending.
    Score(f64),
}

/// The position of an entry in a sorted list: what keyset pagination resumes after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SortKey {
    /// Deprecated agents sort after all others.
    pub deprecated: bool,
    /// The sort's value.
    pub value: SortValue,
    /// Tie-breaker, ascending.
    pub id: AgentId,
}

/// A marketplace list or search request, already validated by core.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogQuery {
    /// Search terms as produced by [`crate::text::query_terms`]; every term must
    /// match a word of the name, tagline, description, skills (name,
    /// description, tags) or tags. Empty: no text filter.
    pub terms: Vec<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Only agents with this tag.
    pub tag: Option<String>,
    /// Only agents accepting this MIME type.
    pub input_mode: Option<String>,
    /// Only agents producing this MIME type.
    pub output_mode: Option<String>,
    /// Only this owner's agents.
    pub owner: Option<UserId>,
    /// The order.
    pub sort: CatalogSort,
    /// Resume strictly after this position.
    pub after: Option<SortKey>,
    /// At most this many entries (1..=100).
    pub limit: u32,
}

/// One page from [`CatalogStore::list_catalog`].
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogPage {
    /// Entries with their sort positions, in order.
    pub entries: Vec<(CatalogEntry, SortKey)>,
    /// True when more entries follow the last one.
    pub has_more: bool,
}

/// The public catalogue: published agents whose status is `listed` or `deprecated`.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Lists catalogue entries matching the query, in the query's order,
    /// strictly after `after`, at most `limit` of them. Drafts, unlisted and
    /// deleted agents never appear. The definition in each entry is the latest
    /// published version's. Keyset pagination: cost must not grow with how deep
    /// the page is for the un-filtered sorts.
    async fn list_catalog(&self, query: &CatalogQuery) -> StorageResult<CatalogPage>;

    /// The catalogue entry of one published agent regardless of listing status
    /// (unlisted included, deleted and never-published excluded).
    async fn get_catalog_entry(&self, id: AgentId) -> StorageResult<Option<CatalogEntry>>;
}
