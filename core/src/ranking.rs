//! The numbers the marketplace sorts by, shared by every backend.

use chrono::{DateTime, TimeZone, Utc};

use crate::model::{AgentStats, CatalogEntry};
use crate::storage::{CatalogSort, SortKey, SortValue};

/// Weight of the prior in the damped mean (as if every agent had this many extra ratings).
pub const RATING_PRIOR_WEIGHT: f64 = 5.0;
/// The prior mean rating.
pub const RATING_PRIOR_MEAN: f64 = 3.0;

/// Damped (Bayesian) mean: `(C·m + sum) / (C + n)`. An agent with one 5-star
/// rating does not outrank one with a hundred 4.8-star ratings.
pub fn damped_rating(stats: &AgentStats) -> f64 {
    (RATING_PRIOR_WEIGHT * RATING_PRIOR_MEAN + stats.rating_sum as f64)
        / (RATING_PRIOR_WEIGHT + stats.rating_count as f64)
}

/// Half-life of a usage event's weight in the trending score.
pub const TRENDING_HALF_LIFE_HOURS: f64 = 48.0;

fn trending_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().unwrap_or_default()
}

/// The trending score is `log2(Σ 2^((tᵢ − epoch)/half_life))` over all usage
/// events `tᵢ`. Comparing these is the same as comparing exponentially
/// decayed event counts at any common instant, yet a stored score only
/// changes when an event arrives, so it can be indexed. A score of 0 means
/// no usage.
///
/// This returns the exponent one event at `at` contributes.
pub fn trending_increment(at: DateTime<Utc>) -> f64 {
    let hours = (at - trending_epoch()).num_seconds() as f64 / 3600.0;
    (hours / TRENDING_HALF_LIFE_HOURS).max(0.0)
}

/// `log2(2^a + 2^b)`, computed without overflow. `0.0` stands for "no usage"
/// and is treated as an empty sum.
pub fn log2_add(a: f64, b: f64) -> f64 {
    if a == 0.0 {
        return b;
    }
    if b == 0.0 {
        return a;
    }
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    hi + (1.0 + (lo - hi).exp2()).log2()
}

/// The position of a catalogue entry in the given order. `score` is the
/// relevance score and only used by [`CatalogSort::Relevance`].
pub fn sort_key(entry: &CatalogEntry, sort: CatalogSort, score: f64) -> SortKey {
    let value = match sort {
        CatalogSort::Popular => SortValue::Installs(entry.stats.install_count),
        CatalogSort::Rating => SortValue::Rating(damped_rating(&entry.stats)),
        CatalogSort::Newest => SortValue::Published(entry.agent.published_at.unwrap_or(entry.agent.created_at)),
        CatalogSort::Trending => SortValue::Trending(entry.stats.trending),
        CatalogSort::Name => SortValue::Name(crate::text::sort_name(&entry.definition.name)),
        CatalogSort::Relevance => SortValue::Score(score),
    };
    SortKey { deprecated: entry.agent.status == crate::model::AgentStatus::Deprecated, value, id: entry.agent.id }
}

/// Total order of sort keys: `Less` means "comes first in the list".
/// Keys of different sorts compare by their sort's rules only when the values are of the same kind.
pub fn compare_keys(a: &SortKey, b: &SortKey) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let by_value = match (&a.value, &b.value) {
        (SortValue::Installs(x), SortValue::Installs(y)) => y.cmp(x),
        (SortValue::Rating(x), SortValue::Rating(y))
        | (SortValue::Trending(x), SortValue::Trending(y))
        | (SortValue::Score(x), SortValue::Score(y)) => y.total_cmp(x),
        (SortValue::Published(x), SortValue::Published(y)) => y.cmp(x),
        (SortValue::Name(x), SortValue::Name(y)) => x.cmp(y),
        _ => Ordering::Equal,
    };
    a.deprecated.cmp(&b.deprecated).then(by_value).then(a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damped_rating_prefers_many_good_ratings() {
        let one_five = AgentStats { rating_count: 1, rating_sum: 5, ..Default::default() };
        let many = AgentStats { rating_count: 100, rating_sum: 480, ..Default::default() };
        assert!(damped_rating(&many) > damped_rating(&one_five));
        assert_eq!(damped_rating(&AgentStats::default()), RATING_PRIOR_MEAN);
    }

    #[test]
    fn log2_add_matches_direct_sum() {
        let (a, b) = (10.0_f64, 12.5_f64);
        assert!((log2_add(a, b) - (a.exp2() + b.exp2()).log2()).abs() < 1e-9);
        assert_eq!(log2_add(0.0, 7.0), 7.0);
        // Huge exponents do not overflow.
        assert!(log2_add(5000.0, 5000.0).is_finite());
        assert!((log2_add(5000.0, 5000.0) - 5001.0).abs() < 1e-9);
    }

    #[test]
    fn recent_events_weigh_more() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let later = t0 + chrono::Duration::hours(48);
        assert!((trending_increment(later) - trending_increment(t0) - 1.0).abs() < 1e-9);
    }
}
