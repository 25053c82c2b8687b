//! The shapes of `mart.market`: listings, details, installs, reviews, usage.

#![allow(missing_docs)] // fields mirror documented core types; see the core docs

use napi_derive::napi;
use serde::{Deserialize, Serialize};

use super::{AgentStatus, CatalogSort, ReviewSort, Skill};

/// `market.list`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct ListAgents {
    /// Full-text query over name, tagline, description, skills and tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_mode: Option<String>,
    /// An owner's handle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<CatalogSort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Rating of a list item.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct RatingSummary {
    pub mean: f64,
    pub count: i64,
}

/// Rating of an agent's detail.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct RatingDetail {
    pub mean: f64,
    pub count: i64,
    /// Counts of 1 to 5 stars.
    pub histogram: Vec<i64>,
}

/// One agent of a listing.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AgentListItem {
    pub id: String,
    pub owner: String,
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub input_modes: Vec<String>,
    pub output_modes: Vec<String>,
    pub latest_version: Option<String>,
    pub install_count: i64,
    pub rating: RatingSummary,
    pub updated_at: String,
    pub status: AgentStatus,
    pub status_message: Option<String>,
}

/// A page of agents.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AgentListPage {
    pub items: Vec<AgentListItem>,
    pub next_cursor: Option<String>,
}

/// Who wrote a review.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct ReviewAuthor {
    pub handle: String,
    pub display_name: Option<String>,
}

/// A review.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct Review {
    pub id: String,
    pub user: ReviewAuthor,
    pub stars: u32,
    pub title: Option<String>,
    pub body: Option<String>,
    pub version: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A page of reviews.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct ReviewPage {
    pub items: Vec<Review>,
    pub next_cursor: Option<String>,
}

/// An agent's marketplace page.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct AgentDetail {
    pub id: String,
    pub owner: String,
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub description: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub skills: Vec<Skill>,
    pub input_modes: Vec<String>,
    pub output_modes: Vec<String>,
    pub conversation_starters: Vec<String>,
    pub icon_url: Option<String>,
    pub documentation_url: Option<String>,
    pub latest_version: Option<String>,
    pub install_count: i64,
    pub rating: RatingDetail,
    #[napi(js_name = "usage30d")]
    pub usage_30d: i64,
    pub status: AgentStatus,
    pub status_message: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
    /// Only when a viewer was given.
    pub installed: Option<bool>,
    /// Only when a viewer was given.
    pub my_rating: Option<Review>,
}

/// `market.install`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct InstallRequest {
    /// Pin this published version; follow the latest when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// An installed agent.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct InstalledAgent {
    pub agent: AgentListItem,
    pub pinned_version: Option<String>,
    pub installed_at: String,
    pub updated_at: String,
    /// True when the agent was deleted after the install.
    pub deleted: bool,
}

/// A page of installed agents.
#[napi(object, use_nullable = true)]
#[derive(Debug, Deserialize)]
pub struct InstalledAgentPage {
    pub items: Vec<InstalledAgent>,
    pub next_cursor: Option<String>,
}

/// `market.install`'s answer.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct InstallResult {
    /// False when the agent was already installed.
    pub created: bool,
    pub install: InstalledAgent,
}

/// `market.rate`.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct RateRequest {
    /// 1 to 5.
    pub stars: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// `market.reviews`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct ListReviews {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<ReviewSort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `market.recordUsage`.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct UsageRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<i64>,
    /// RFC 3339 time; now when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<String>,
}

/// A recorded usage event.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct UsageEvent {
    pub agent_id: String,
    pub user_id: String,
    pub event: String,
    pub units: i64,
    pub occurred_at: String,
}

/// `market.usage`: an inclusive range of `YYYY-MM-DD` days.
#[napi(object)]
#[derive(Debug, Default, Serialize)]
pub struct UsageQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Usage of one day.
#[napi(object)]
#[derive(Debug, Deserialize)]
pub struct DailyUsage {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub events: i64,
    pub units: i64,
    pub users: i64,
}
