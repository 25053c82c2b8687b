use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StorageResult;
use crate::ids::{AgentId, ReviewId, UserId};
use crate::model::{AuditRecord, Review, Stars};

/// Orders of an agent's reviews.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReviewSort {
    /// Most recently changed first (`updated_at` desc, then id asc).
    #[default]
    Newest,
    /// Most stars first, then most recently changed, then id asc.
    Stars,
}

impl std::str::FromStr for ReviewSort {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "newest" => Ok(ReviewSort::Newest),
            "stars" => Ok(ReviewSort::Stars),
            other => Err(crate::Error::invalid(
                "sort",
                "invalid_choice",
                format!("unknown review sort `{other}`; expected newest or stars"),
            )),
        }
    }
}

/// Position of a review in a sorted list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewKey {
    /// Stars (used by `Stars`).
    pub stars: Stars,
    /// `updated_at`.
    pub at: DateTime<Utc>,
    /// Tie-breaker.
    pub id: ReviewId,
}

impl ReviewKey {
    /// The key of a review.
    pub fn of(review: &Review) -> Self {
        Self { stars: review.stars, at: review.updated_at, id: review.id }
    }
}

/// What [`RatingStore::upsert_rating`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingOutcome {
    /// True when this is the user's first rating of the agent.
    pub created: bool,
    /// The review as stored now.
    pub review: Review,
}

/// Ratings, reviews and their aggregates.
#[async_trait]
pub trait RatingStore: Send + Sync {
    /// Inserts or replaces the user's rating of the agent atomically with the
    /// agent's aggregate (count, sum, histogram). On replace, the stored review
    /// keeps its `id` and `created_at`; stars, title, body, version and
    /// `updated_at` come from `review`. Writes `audit`.
    async fn upsert_rating(&self, review: &Review, audit: &AuditRecord) -> StorageResult<RatingOutcome>;

    /// Deletes the user's rating of the agent and updates the aggregate,
    /// writing `audit`. Returns false (writing nothing) when there was none.
    async fn delete_rating(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool>;

    /// Deletes a review by id (moderation) and updates the aggregate, writing
    /// `audit`. Returns false when there was none.
    async fn delete_review(&self, id: ReviewId, audit: &AuditRecord) -> StorageResult<bool>;

    /// The user's rating of the agent, if any.
    async fn get_rating(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Review>>;

    /// A review by id, if any.
    async fn get_review(&self, id: ReviewId) -> StorageResult<Option<Review>>;

    /// The agent's reviews in the given order, strictly after `after`, at most
    /// `limit + 1` items so the caller can tell whether more follow.
    async fn list_reviews(
        &self,
        agent: AgentId,
        sort: ReviewSort,
        after: Option<ReviewKey>,
        limit: u32,
    ) -> StorageResult<Vec<Review>>;
}
