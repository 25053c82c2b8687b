//! Marketplace data: catalogue entries, installs, reviews, usage.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, ReviewId, UserId};
use crate::model::{Agent, AgentDefinition, AgentStats, STARS_RANGE, Stars};

/// Fewest stars of a rating (see [`Stars`]).
pub const MIN_STARS: u8 = *STARS_RANGE.start();
/// Most stars of a rating (the histograms have this many slots; see [`Stars`]).
pub const MAX_STARS: u8 = *STARS_RANGE.end();

/// What the store returns for a published agent in lists and search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// Agent metadata.
    pub agent: Agent,
    /// The owner's current handle.
    pub owner_handle: String,
    /// Definition of the latest published version (shared: a store may hand
    /// out the same decoded definition to many listings without copying it).
    pub definition: Arc<AgentDefinition>,
    /// Counters.
    pub stats: AgentStats,
}

/// A user's install of an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Install {
    /// Who installed it.
    pub user_id: UserId,
    /// Which agent.
    pub agent_id: AgentId,
    /// Pinned version; `None` follows the latest.
    pub pinned_version: Option<semver::Version>,
    /// First install time.
    pub installed_at: DateTime<Utc>,
    /// Last change of the pin.
    pub updated_at: DateTime<Utc>,
}

/// A rating (1–5 stars) with an optional review text. One per user and agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Review id (kept across upserts).
    pub id: ReviewId,
    /// Rated agent.
    pub agent_id: AgentId,
    /// Author.
    pub user_id: UserId,
    /// 1..=5 (in range by construction).
    pub stars: Stars,
    /// Optional title, ≤ 120 characters.
    pub title: Option<String>,
    /// Optional body, ≤ 5000 characters.
    pub body: Option<String>,
    /// The version the author had installed (pinned, or latest at the time).
    pub version: Option<semver::Version>,
    /// First rating time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// One recorded usage event.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageEvent {
    /// Used agent.
    pub agent_id: AgentId,
    /// Using user.
    pub user_id: UserId,
    /// Event name, e.g. `run` (≤ 64 chars).
    pub event: String,
    /// Units consumed (e.g. tokens), ≥ 0.
    pub units: u64,
    /// When it happened (UTC); its date is the day bucket.
    pub occurred_at: DateTime<Utc>,
}

/// Usage of one agent on one UTC day.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyUsage {
    /// The UTC day.
    pub date: NaiveDate,
    /// Number of events.
    pub events: u64,
    /// Sum of units.
    pub units: u64,
    /// Distinct users.
    pub users: u64,
}
