//! The marketplace: listing, search, detail, installs, ratings, reviews and usage.
//!
//! Get a [`MarketService`] from [`crate::Agentmart::market`]. Calls that act
//! for a user take a [`Principal`](crate::Principal); lists answer a [`crate::Page`] whose
//! `next_cursor` is opaque and bound to the list, its sort and its filters
//! (a tampered or foreign cursor is `malformed_request`).
//!
//! Rules worth knowing:
//! - Lists and search show published agents whose status is `listed` or
//!   `deprecated` (deprecated ones last, with their message). `unlisted`
//!   agents are reachable by path only; drafts are never visible here (their
//!   owner uses the builder); deleted agents are `not_found`, except to a user
//!   who still has them installed.
//! - Installing and uninstalling are idempotent; the install count always
//!   equals the number of installing users.
//! - Rating needs an install (`forbidden` otherwise) and is refused on your own
//!   agent (`forbidden`); one rating per user and agent, upserted.
//! - Usage is recorded by installing users only; per-day usage is readable by
//!   the owner and administrators.

use std::sync::Arc;

use crate::context::Inner;
use crate::error::Result;
use crate::ids::UserId;
use crate::model::{Agent, AgentDefinition, AgentStats, CatalogEntry, Review, UserRecord};

mod catalog;
mod installs;
mod ratings;
mod types;
mod usage;

pub use crate::ranking::{damped_rating, trending_increment};
pub use ratings::{MAX_REVIEW_BODY, MAX_REVIEW_TITLE};
pub use types::*;
pub use usage::{
    DEFAULT_USAGE_EVENT, MAX_USAGE_EVENT_LEN, MAX_USAGE_UNITS, USAGE_DEFAULT_DAYS, USAGE_MAX_AGE_DAYS,
    USAGE_MAX_FUTURE_MINUTES, USAGE_MAX_RANGE_DAYS, USAGE_QUERY_MAX_FUTURE_DAYS, USAGE_QUERY_MAX_PAST_DAYS,
};

/// Listing, search, detail, installs, ratings, reviews and usage.
///
/// Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct MarketService {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for MarketService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MarketService").finish_non_exhaustive()
    }
}

/// The audit target of an agent.
pub(crate) fn agent_target(agent: &Agent) -> String {
    format!("agent:{}", agent.id)
}

fn rating_summary(stats: &AgentStats) -> RatingSummary {
    RatingSummary { mean: stats.mean(), count: stats.rating_count }
}

/// Builds a list item from an agent, its owner's handle, the definition of its
/// latest version and its counters.
pub(crate) fn list_item(agent: &Agent, owner: &str, def: &AgentDefinition, stats: &AgentStats) -> AgentListItem {
    AgentListItem {
        id: agent.id,
        owner: owner.to_string(),
        slug: agent.slug.clone(),
        name: def.name.clone(),
        tagline: def.tagline.clone(),
        category: def.category.clone(),
        tags: def.tags.clone(),
        input_modes: def.input_modes.clone(),
        output_modes: def.output_modes.clone(),
        latest_version: agent.latest_version.clone(),
        install_count: stats.install_count,
        rating: rating_summary(stats),
        updated_at: agent.updated_at,
        status: agent.status,
        status_message: agent.status_message.clone(),
    }
}

fn entry_item(entry: &CatalogEntry) -> AgentListItem {
    list_item(&entry.agent, &entry.owner_handle, &entry.definition, &entry.stats)
}

/// The public view of a review by `author` (`None` when the account is gone).
pub(crate) fn review_view(review: &Review, author: Option<&UserRecord>) -> ReviewView {
    ReviewView {
        id: review.id,
        user: ReviewAuthor {
            handle: author.map_or_else(|| DELETED_OWNER.to_string(), |u| u.handle.to_string()),
            display_name: author.and_then(|u| u.display_name.clone()),
        },
        stars: review.stars.get(),
        title: review.title.clone(),
        body: review.body.clone(),
        version: review.version.clone(),
        created_at: review.created_at,
        updated_at: review.updated_at,
    }
}

impl MarketService {
    /// The handle of a user, or [`DELETED_OWNER`] when the account is gone.
    async fn handle_of(&self, user: UserId) -> Result<String> {
        Ok(self.inner.store.get_user(user).await?.map_or_else(|| DELETED_OWNER.to_string(), |u| u.handle.into_string()))
    }
}
