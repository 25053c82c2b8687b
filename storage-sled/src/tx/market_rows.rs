//! Install and rating rows with their indexes and their share of the
//! agent's counters (also removed by account deletion).

use agentmart_core::ids::{AgentId, UserId};
use agentmart_core::model::{Install, Review};
use agentmart_core::storage::{CatalogSort, ReviewKey};
use chrono::{DateTime, Utc};

use crate::codec::{i64_desc, key, micros};
use crate::tx::catalog_rows::{put_stats_tx, stats_tx};
use crate::tx::{T, TxResult, View, tx_get_json, tx_put_json};

/// Trees an install change touches.
pub(crate) const INSTALL_TREES: [T; 5] = [T::Installs, T::UserInstalls, T::Stats, T::Listing, T::Sort];
/// Trees a rating change touches.
pub(crate) const RATING_TREES: [T; 7] =
    [T::Reviews, T::RatingByUser, T::ReviewsNewest, T::ReviewsStars, T::Stats, T::Listing, T::Sort];

pub(crate) fn user_install_key(user: UserId, at: DateTime<Utc>, agent: AgentId) -> Vec<u8> {
    key(&[&user.to_bytes(), &i64_desc(micros(at)), &agent.to_bytes()])
}

pub(crate) fn review_newest_key(r: &ReviewKey, agent: AgentId) -> Vec<u8> {
    key(&[&agent.to_bytes(), &i64_desc(micros(r.at)), &r.id.to_bytes()])
}

pub(crate) fn review_stars_key(r: &ReviewKey, agent: AgentId) -> Vec<u8> {
    key(&[&agent.to_bytes(), &[!r.stars.get()], &i64_desc(micros(r.at)), &r.id.to_bytes()])
}

/// Removes an install and decrements the count. Returns whether there was one.
pub(crate) fn remove_install_tx(v: &View<'_>, user: UserId, agent: AgentId) -> TxResult<bool> {
    let k = key(&[&user.to_bytes(), &agent.to_bytes()]);
    let Some(install): Option<Install> = tx_get_json(v.t(T::Installs)?, &k)? else { return Ok(false) };
    v.t(T::Installs)?.remove(k)?;
    v.t(T::UserInstalls)?.remove(user_install_key(user, install.installed_at, agent))?;
    let old = stats_tx(v, &agent.to_bytes())?;
    let mut new = old;
    new.install_count = new.install_count.saturating_sub(1);
    put_stats_tx(v, agent, &old, &new, &[CatalogSort::Popular])?;
    Ok(true)
}

/// Removes a stored review, its indexes, and its share of the aggregate.
pub(crate) fn remove_rating_tx(v: &View<'_>, review: &Review) -> TxResult<()> {
    let rk = ReviewKey::of(review);
    v.t(T::Reviews)?.remove(&review.id.to_bytes())?;
    v.t(T::RatingByUser)?.remove(key(&[&review.user_id.to_bytes(), &review.agent_id.to_bytes()]))?;
    v.t(T::ReviewsNewest)?.remove(review_newest_key(&rk, review.agent_id))?;
    v.t(T::ReviewsStars)?.remove(review_stars_key(&rk, review.agent_id))?;
    let old = stats_tx(v, &review.agent_id.to_bytes())?;
    let mut new = old;
    new.remove_rating(review.stars);
    put_stats_tx(v, review.agent_id, &old, &new, &[CatalogSort::Rating])
}

pub(crate) fn put_rating_tx(v: &View<'_>, review: &Review) -> TxResult<()> {
    let rk = ReviewKey::of(review);
    tx_put_json(v.t(T::Reviews)?, &review.id.to_bytes(), review)?;
    v.t(T::RatingByUser)?
        .insert(key(&[&review.user_id.to_bytes(), &review.agent_id.to_bytes()]), &review.id.to_bytes())?;
    v.t(T::ReviewsNewest)?.insert(review_newest_key(&rk, review.agent_id), &[])?;
    v.t(T::ReviewsStars)?.insert(review_stars_key(&rk, review.agent_id), &[])?;
    let old = stats_tx(v, &review.agent_id.to_bytes())?;
    let mut new = old;
    new.add_rating(review.stars);
    put_stats_tx(v, review.agent_id, &old, &new, &[CatalogSort::Rating])
}
