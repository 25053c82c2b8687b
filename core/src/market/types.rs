//! Request and answer types of the marketplace.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, ReviewId};
use crate::model::{AgentStatus, Skill};
use crate::storage::{CatalogSort, ReviewSort};

/// The owner shown for an agent whose owner account no longer exists.
pub const DELETED_OWNER: &str = "[deleted]";

/// A marketplace list or search request (`GET /v1/agents`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListAgents {
    /// Full-text query over name, tagline, description, skills and tags;
    /// every word must match. Empty or absent: no text filter.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::text::MAX_QUERY_LEN)))]
    pub q: Option<String>,
    /// Only this category.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::text::MAX_FILTER_LEN)))]
    pub category: Option<String>,
    /// Only agents with this tag.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::text::MAX_FILTER_LEN)))]
    pub tag: Option<String>,
    /// Only agents accepting this MIME type.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::text::MAX_FILTER_LEN)))]
    pub input_mode: Option<String>,
    /// Only agents producing this MIME type.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::text::MAX_FILTER_LEN)))]
    pub output_mode: Option<String>,
    /// Only agents of the user with this handle (unknown handle: empty page).
    #[cfg_attr(feature = "schema", schemars(length(max = crate::text::MAX_FILTER_LEN)))]
    pub owner: Option<String>,
    /// The order; default `relevance` when `q` has words, else `popular`.
    /// `relevance` needs `q`.
    pub sort: Option<CatalogSort>,
    /// Page size, default 20, at most 100.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = crate::model::MAX_PAGE_SIZE)))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (same sort and filters).
    pub cursor: Option<String>,
}

/// A rating summary: arithmetic mean of the stars (0 when unrated) and count.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatingSummary {
    /// Mean stars, 0 when unrated.
    pub mean: f64,
    /// Number of ratings.
    pub count: u64,
}

/// A rating summary with the 1–5 histogram.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatingDetail {
    /// Mean stars, 0 when unrated.
    pub mean: f64,
    /// Number of ratings.
    pub count: u64,
    /// Ratings per star count; index 0 is one star.
    pub histogram: [u64; 5],
}

/// One agent in a marketplace list.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentListItem {
    /// Agent id.
    pub id: AgentId,
    /// The owner's handle ([`DELETED_OWNER`] when the account is gone).
    pub owner: String,
    /// The agent's slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// One-line pitch.
    pub tagline: String,
    /// Category, if any.
    pub category: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Accepted MIME types.
    pub input_modes: Vec<String>,
    /// Produced MIME types.
    pub output_modes: Vec<String>,
    /// Newest published version.
    pub latest_version: Option<semver::Version>,
    /// Number of users who have it installed.
    pub install_count: u64,
    /// Rating mean and count.
    pub rating: RatingSummary,
    /// Last change of the agent.
    pub updated_at: DateTime<Utc>,
    /// Lifecycle state (`listed` or `deprecated` in lists).
    pub status: AgentStatus,
    /// The status message (e.g. why it is deprecated).
    pub status_message: Option<String>,
}

/// The public detail of a published agent (`GET /v1/agents/{owner}/{slug}`).
/// Never contains the system prompt.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentDetail {
    /// Agent id.
    pub id: AgentId,
    /// The owner's handle.
    pub owner: String,
    /// The agent's slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// One-line pitch.
    pub tagline: String,
    /// Long description.
    pub description: String,
    /// Category, if any.
    pub category: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Capabilities.
    pub skills: Vec<Skill>,
    /// Accepted MIME types.
    pub input_modes: Vec<String>,
    /// Produced MIME types.
    pub output_modes: Vec<String>,
    /// Suggested first messages.
    pub conversation_starters: Vec<String>,
    /// Icon URL.
    pub icon_url: Option<String>,
    /// Documentation URL.
    pub documentation_url: Option<String>,
    /// Newest published version (the one described here).
    pub latest_version: Option<semver::Version>,
    /// Number of users who have it installed.
    pub install_count: u64,
    /// Rating mean, count and histogram.
    pub rating: RatingDetail,
    /// Usage events over the last 30 days, today included (UTC days).
    pub usage_30d: u64,
    /// Lifecycle state.
    pub status: AgentStatus,
    /// The status message.
    pub status_message: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First publish time.
    pub published_at: Option<DateTime<Utc>>,
    /// For an authenticated caller: whether they have it installed. `None` when anonymous.
    pub installed: Option<bool>,
    /// For an authenticated caller: their rating, if they rated it.
    pub my_rating: Option<ReviewView>,
}

/// What [`crate::MarketService::install`] takes.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstallRequest {
    /// Pin this published version (semver); absent: follow the latest.
    pub version: Option<String>,
}

/// One of the caller's installed agents.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstalledAgent {
    /// The agent (its latest published version).
    pub agent: AgentListItem,
    /// The pinned version; `None` follows the latest.
    pub pinned_version: Option<semver::Version>,
    /// First install time.
    pub installed_at: DateTime<Utc>,
    /// Last change of the pin.
    pub updated_at: DateTime<Utc>,
    /// True when the agent was deleted since (it stays readable to its users).
    pub deleted: bool,
}

/// What [`crate::MarketService::install`] did.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstallResult {
    /// True for a new install (HTTP 201), false when it was already installed (200).
    pub created: bool,
    /// The install as it is now.
    pub install: InstalledAgent,
}

/// What [`crate::MarketService::rate`] takes.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateRequest {
    /// 1 to 5.
    #[cfg_attr(feature = "schema", schemars(range(min = crate::model::MIN_STARS, max = crate::model::MAX_STARS)))]
    pub stars: u8,
    /// Optional title, at most 120 characters (blank counts as absent).
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_REVIEW_TITLE)))]
    #[serde(default)]
    pub title: Option<String>,
    /// Optional text, at most 5000 characters (blank counts as absent).
    #[cfg_attr(feature = "schema", schemars(length(max = super::MAX_REVIEW_BODY)))]
    #[serde(default)]
    pub body: Option<String>,
}

/// The author of a review, as shown publicly.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewAuthor {
    /// Handle ([`DELETED_OWNER`] when the account is gone).
    pub handle: String,
    /// Display name.
    pub display_name: Option<String>,
}

/// A review as shown publicly.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    /// Review id.
    pub id: ReviewId,
    /// Author.
    pub user: ReviewAuthor,
    /// 1 to 5.
    #[cfg_attr(feature = "schema", schemars(range(min = crate::model::MIN_STARS, max = crate::model::MAX_STARS)))]
    pub stars: u8,
    /// Title.
    pub title: Option<String>,
    /// Text.
    pub body: Option<String>,
    /// The version the author had installed when rating.
    pub version: Option<semver::Version>,
    /// First rating time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// What [`crate::MarketService::reviews`] takes.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListReviews {
    /// `newest` (default) or `stars`.
    pub sort: Option<ReviewSort>,
    /// Page size, default 20, at most 100.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = crate::model::MAX_PAGE_SIZE)))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (same sort).
    pub cursor: Option<String>,
}

/// What [`crate::MarketService::record_usage`] takes.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsageRequest {
    /// Event name, `^[a-z0-9][a-z0-9._-]{0,63}$`; default `run`.
    #[cfg_attr(feature = "schema", schemars(pattern(crate::schema::usage_event_pattern())))]
    pub event: Option<String>,
    /// Units consumed (e.g. tokens), at most 10^12; default 0.
    #[cfg_attr(feature = "schema", schemars(range(max = super::MAX_USAGE_UNITS)))]
    pub units: Option<u64>,
    /// When it happened; default now. At most 5 minutes ahead, at most 90 days ago.
    #[cfg_attr(feature = "schema", schemars(pattern(crate::schema::RFC3339_PATTERN)))]
    pub occurred_at: Option<DateTime<Utc>>,
}

/// What [`crate::MarketService::usage`] takes. Dates are UTC days, both inclusive.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsageQuery {
    /// First day; default 29 days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day; default today.
    pub to: Option<NaiveDate>,
}

/// What [`crate::AdminService::moderate_agent`] takes.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moderation {
    /// `listed`, `unlisted`, `deprecated` or `deleted`.
    pub status: AgentStatus,
    /// Message shown with the status, at most 500 characters.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::agents::MAX_STATUS_MESSAGE_LEN)))]
    #[serde(default)]
    pub status_message: Option<String>,
}
