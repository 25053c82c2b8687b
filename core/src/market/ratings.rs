//! Ratings and reviews.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::Serialize;
use serde_json::json;

use super::{ListReviews, MarketService, RateRequest, ReviewView, agent_target, review_view};
use crate::common::page_limit;
use crate::error::{Error, FieldError, Result};
use crate::ids::{AgentId, ReviewId, UserId};
use crate::limits::Write;
use crate::model::{AgentRef, AgentStatus, Page, Principal, Review, Stars, actions};
use crate::storage::{ReviewKey, ReviewSort};

/// Longest review title, in characters.
pub const MAX_REVIEW_TITLE: usize = 120;
/// Longest review body, in characters.
pub const MAX_REVIEW_BODY: usize = 5000;

/// Everything a review-list cursor is bound to.
#[derive(Serialize)]
struct ReviewsScope {
    list: &'static str,
    agent: AgentId,
    sort: ReviewSort,
}

/// Trims an optional text; blank counts as absent. Records an error when it is too long.
/// Refuses control characters (a multi-line text may keep newlines and tabs).
fn optional_text(
    field: &str,
    value: Option<String>,
    max: usize,
    multiline: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())?;
    errors.extend(crate::text::check_text(field, &value, max, multiline));
    Some(value)
}

impl MarketService {
    /// Rates an agent (1–5 stars, optional title and body) for the caller;
    /// one rating per user and agent, so rating again replaces the previous
    /// one (keeping its id and creation time). The review records the version
    /// the caller has pinned, or the latest one.
    ///
    /// Errors: `validation_failed` on `stars` (1..=5), `title` (≤ 120
    /// characters, one line), `body` (≤ 5000, multi-line), either with a
    /// control character (`invalid_format`); `forbidden` when the caller has not
    /// installed the agent, or owns it; `not_found` for unknown paths and
    /// drafts (and deleted agents the caller never installed); `conflict` for
    /// a deleted agent the caller still has installed.
    pub async fn rate(&self, principal: &Principal, agent: &AgentRef, request: RateRequest) -> Result<ReviewView> {
        let me = self.inner.active_user(principal).await?;
        let mut errors = Vec::new();
        let stars = Stars::parse_field("stars", request.stars).map_err(|e| errors.extend(e)).ok();
        let title = optional_text("title", request.title, MAX_REVIEW_TITLE, false, &mut errors);
        let body = optional_text("body", request.body, MAX_REVIEW_BODY, true, &mut errors);
        let Some(stars) = stars.filter(|_| errors.is_empty()) else {
            return Err(Error::Validation(errors));
        };
        let (_, found) = self.inner.resolve_agent(agent).await?;
        let store = &self.inner.store;
        let install = match found.status {
            AgentStatus::Draft => return Err(Error::NotFound(format!("agent `{agent}`"))),
            _ => store.get_install(principal.user_id, found.id).await?,
        };
        if found.status == AgentStatus::Deleted {
            return Err(match install {
                Some(_) => Error::Conflict("the agent is deleted and cannot be rated".into()),
                None => Error::NotFound(format!("agent `{agent}`")),
            });
        }
        if found.owner_id == principal.user_id {
            return Err(Error::Forbidden("you cannot rate your own agent".into()));
        }
        let Some(install) = install else {
            return Err(Error::Forbidden("install the agent before rating it".into()));
        };
        self.inner.count_write(principal.user_id, Write::Rating).await?;
        let now = self.inner.now();
        let review = Review {
            id: ReviewId::new(),
            agent_id: found.id,
            user_id: principal.user_id,
            stars,
            title,
            body,
            version: install.pinned_version.or_else(|| found.latest_version.clone()),
            created_at: now,
            updated_at: now,
        };
        let audit = self
            .inner
            .audit(actions::RATING_UPSERTED, Some(principal))
            .subject(principal.user_id)
            .target(agent_target(&found))
            .details(json!({ "stars": review.stars }));
        let outcome = store.upsert_rating(&review, &audit).await?;
        Ok(review_view(&outcome.review, Some(&me)))
    }

    /// Deletes the caller's rating of an agent. `Ok` also when there was none;
    /// works for deleted agents too. `not_found` for unknown paths.
    pub async fn delete_rating(&self, principal: &Principal, agent: &AgentRef) -> Result<()> {
        self.inner.active_user(principal).await?;
        let (_, found) = self.inner.resolve_agent(agent).await?;
        self.inner.count_write(principal.user_id, Write::Rating).await?;
        let audit = self
            .inner
            .audit(actions::RATING_DELETED, Some(principal))
            .subject(principal.user_id)
            .target(agent_target(&found));
        self.inner.store.delete_rating(principal.user_id, found.id, &audit).await?;
        Ok(())
    }

    /// The reviews of a published agent (listed, unlisted or deprecated),
    /// `newest` first (by last change) or by `stars`. `not_found` for drafts,
    /// deleted and unknown agents.
    pub async fn reviews(&self, agent: &AgentRef, request: ListReviews) -> Result<Page<ReviewView>> {
        let limit = page_limit(request.limit)?;
        let sort = request.sort.unwrap_or_default();
        let (_, found) = self.inner.resolve_agent(agent).await?;
        if !found.status.is_published() {
            return Err(Error::NotFound(format!("agent `{agent}`")));
        }
        let scope = ReviewsScope { list: "reviews", agent: found.id, sort };
        let after: Option<ReviewKey> = match &request.cursor {
            Some(cursor) => Some(self.inner.cursors.decode(&scope, cursor)?),
            None => None,
        };
        let store = &self.inner.store;
        let mut reviews = store.list_reviews(found.id, sort, after, limit).await?;
        let has_more = reviews.len() > limit as usize;
        reviews.truncate(limit as usize);
        let next_cursor = match (has_more, reviews.last()) {
            (true, Some(last)) => Some(self.inner.cursors.encode(&scope, &ReviewKey::of(last))?),
            _ => None,
        };
        let mut authors: HashMap<UserId, Option<crate::model::UserRecord>> = HashMap::new();
        let mut items = Vec::with_capacity(reviews.len());
        for review in &reviews {
            if let Entry::Vacant(slot) = authors.entry(review.user_id) {
                slot.insert(store.get_user(review.user_id).await?);
            }
            let author = authors.get(&review.user_id).and_then(Option::as_ref);
            items.push(review_view(review, author));
        }
        Ok(Page { items, next_cursor })
    }
}
