//! Usage events and per-day usage.

use chrono::{Duration, NaiveDate};

use super::{MarketService, UsageQuery, UsageRequest};
use crate::error::{Error, FieldError, Result};
use crate::limits::Write;
use crate::model::{AgentRef, AgentStatus, DailyUsage, Principal, UsageEvent};
use crate::ranking::trending_increment;

/// The event name used when none is given.
pub const DEFAULT_USAGE_EVENT: &str = "run";
/// Longest event name (`^[a-z0-9][a-z0-9._-]{0,63}$`), in characters.
pub const MAX_USAGE_EVENT_LEN: usize = 64;
/// Largest `units` of one event.
pub const MAX_USAGE_UNITS: u64 = 1_000_000_000_000;
/// How far in the future an event may be stamped (clock skew), in minutes.
pub const USAGE_MAX_FUTURE_MINUTES: i64 = 5;
/// How old an event may be, in days.
pub const USAGE_MAX_AGE_DAYS: i64 = 90;
/// Longest range of [`MarketService::usage`], in days.
pub const USAGE_MAX_RANGE_DAYS: i64 = 366;
/// Days covered by default by [`MarketService::usage`], today included.
pub const USAGE_DEFAULT_DAYS: i64 = 30;
/// How far back a [`MarketService::usage`] date may lie, in days (about ten years).
pub const USAGE_QUERY_MAX_PAST_DAYS: i64 = 3660;
/// How far ahead of today (UTC) a [`MarketService::usage`] date may lie, in
/// days: one, for callers whose local day is already tomorrow in UTC.
pub const USAGE_QUERY_MAX_FUTURE_DAYS: i64 = 1;

/// True for `^[a-z0-9][a-z0-9._-]{0,63}$`.
fn valid_event_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_USAGE_EVENT_LEN
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}

impl MarketService {
    /// Records one usage event of an agent by a user who has it installed
    /// (deleted agents included: installs stay usable). The event feeds the
    /// per-day totals and the trending score.
    ///
    /// Defaults: `event = "run"`, `units = 0`, `occurred_at = now`.
    /// Errors: `validation_failed` on `event` (`^[a-z0-9][a-z0-9._-]{0,63}$`),
    /// `units` (≤ 10^12), `occurred_at` (at most 5 minutes ahead, at most 90
    /// days ago); `forbidden` when the caller has not installed the agent;
    /// `not_found` for unknown paths and drafts.
    pub async fn record_usage(
        &self,
        principal: &Principal,
        agent: &AgentRef,
        request: UsageRequest,
    ) -> Result<UsageEvent> {
        self.inner.active_user(principal).await?;
        let now = self.inner.now();
        let event = request.event.unwrap_or_else(|| DEFAULT_USAGE_EVENT.to_string());
        let units = request.units.unwrap_or(0);
        let occurred_at = request.occurred_at.unwrap_or(now);
        let mut errors = Vec::new();
        if !valid_event_name(&event) {
            errors.push(FieldError::new("event", "invalid_format", "event must match ^[a-z0-9][a-z0-9._-]{0,63}$"));
        }
        if units > MAX_USAGE_UNITS {
            errors.push(FieldError::new("units", "out_of_range", "units must be at most 1000000000000"));
        }
        if occurred_at > now + Duration::minutes(USAGE_MAX_FUTURE_MINUTES) {
            errors.push(FieldError::new("occurred_at", "in_future", "occurred_at is in the future"));
        } else if occurred_at < now - Duration::days(USAGE_MAX_AGE_DAYS) {
            errors.push(FieldError::new("occurred_at", "too_old", "occurred_at is more than 90 days ago"));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let (_, found) = self.inner.resolve_agent(agent).await?;
        if found.status == AgentStatus::Draft {
            return Err(Error::NotFound(format!("agent `{agent}`")));
        }
        if self.inner.store.get_install(principal.user_id, found.id).await?.is_none() {
            return Err(if found.status == AgentStatus::Deleted {
                Error::NotFound(format!("agent `{agent}`"))
            } else {
                Error::Forbidden("only users who installed the agent can record its usage".into())
            });
        }
        self.inner.count_write(principal.user_id, Write::Usage(found.id)).await?;
        let usage = UsageEvent { agent_id: found.id, user_id: principal.user_id, event, units, occurred_at };
        self.inner.store.record_usage(&usage, trending_increment(occurred_at)).await?;
        Ok(usage)
    }

    /// Per-day usage of an agent (`events`, `units`, distinct `users`), one
    /// entry for every UTC day from `from` to `to` inclusive, days without
    /// events as zeros. Default: the last 30 days, today included.
    ///
    /// Only the owner and administrators may read it (`forbidden`; `not_found`
    /// for drafts and deleted agents of others). `validation_failed`
    /// (`out_of_range`) on `from` or `to` outside the window of
    /// [`USAGE_QUERY_MAX_PAST_DAYS`] before today to
    /// [`USAGE_QUERY_MAX_FUTURE_DAYS`] after it (an extreme date such as
    /// `-262143-01-01` is refused, never computed with); on `to` when it is
    /// before `from`, or when the range exceeds 366 days.
    pub async fn usage(&self, principal: &Principal, agent: &AgentRef, query: UsageQuery) -> Result<Vec<DailyUsage>> {
        let caller = self.inner.active_user(principal).await?;
        let (_, found) = self.inner.resolve_agent(agent).await?;
        let admin = principal.is_admin() && caller.role == crate::model::Role::Admin;
        if found.owner_id != principal.user_id && !admin {
            return Err(if found.status.is_published() {
                Error::Forbidden("only the owner or an administrator can read usage".into())
            } else {
                Error::NotFound(format!("agent `{agent}`"))
            });
        }
        let today = self.inner.now().date_naive();
        check_usage_window(today, &query)?;
        let to = query.to.unwrap_or(today);
        // `to` is inside the window, far from the calendar's ends: no overflow.
        let from = query
            .from
            .unwrap_or_else(|| to.checked_sub_signed(Duration::days(USAGE_DEFAULT_DAYS - 1)).unwrap_or(NaiveDate::MIN));
        if to < from {
            return Err(Error::invalid("to", "before_from", "to must not be before from"));
        }
        let days = (to - from).num_days() + 1;
        if days > USAGE_MAX_RANGE_DAYS {
            return Err(Error::invalid("to", "range_too_long", "the range must cover at most 366 days"));
        }
        let buckets = self.inner.store.usage_by_day(found.id, from, to).await?;
        Ok(fill_days(from, to, &buckets))
    }
}

/// `out_of_range` on each of `from` and `to` that lies outside the window
/// around `today` (see [`USAGE_QUERY_MAX_PAST_DAYS`]).
fn check_usage_window(today: NaiveDate, query: &UsageQuery) -> Result<()> {
    let earliest = today.checked_sub_signed(Duration::days(USAGE_QUERY_MAX_PAST_DAYS)).unwrap_or(NaiveDate::MIN);
    let latest = today.checked_add_signed(Duration::days(USAGE_QUERY_MAX_FUTURE_DAYS)).unwrap_or(NaiveDate::MAX);
    let errors: Vec<FieldError> = [("from", query.from), ("to", query.to)]
        .into_iter()
        .filter_map(|(field, date)| {
            let date = date?;
            (date < earliest || date > latest).then(|| {
                FieldError::new(field, "out_of_range", format!("{field} must lie between {earliest} and {latest}"))
            })
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(Error::Validation(errors)) }
}

/// One entry per day in `from..=to`, taken from `buckets` (ascending) or zero.
fn fill_days(from: NaiveDate, to: NaiveDate, buckets: &[DailyUsage]) -> Vec<DailyUsage> {
    let mut out = Vec::new();
    let mut stored = buckets.iter().peekable();
    let mut day = from;
    while day <= to {
        while stored.next_if(|b| b.date < day).is_some() {}
        let entry = match stored.next_if(|b| b.date == day) {
            Some(b) => *b,
            None => DailyUsage { date: day, events: 0, units: 0, users: 0 },
        };
        out.push(entry);
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names() {
        for ok in ["run", "0", "chat.turn", "a-b_c", &"a".repeat(64)] {
            assert!(valid_event_name(ok), "{ok}");
        }
        for bad in ["", "Run", ".run", "-x", "a b", "é", &"a".repeat(65)] {
            assert!(!valid_event_name(bad), "{bad}");
        }
    }

    #[test]
    fn usage_dates_outside_the_window_are_out_of_range_even_at_the_calendars_ends() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let query = |from: Option<NaiveDate>, to: Option<NaiveDate>| UsageQuery { from, to };
        let fields = |q: UsageQuery| match check_usage_window(today, &q) {
            Ok(()) => Vec::new(),
            Err(err) => {
                assert!(err.field_errors().iter().all(|f| f.code == "out_of_range"));
                err.field_errors().iter().map(|f| f.field.clone()).collect()
            }
        };
        assert!(fields(query(None, None)).is_empty());
        let earliest = today - Duration::days(USAGE_QUERY_MAX_PAST_DAYS);
        let latest = today + Duration::days(USAGE_QUERY_MAX_FUTURE_DAYS);
        assert!(fields(query(Some(earliest), Some(latest))).is_empty(), "the bounds are inside");
        assert_eq!(fields(query(Some(earliest - Duration::days(1)), None)), ["from"]);
        assert_eq!(fields(query(None, Some(latest + Duration::days(1)))), ["to"]);
        assert_eq!(fields(query(Some(NaiveDate::MIN), Some(NaiveDate::MAX))), ["from", "to"]);
        assert_eq!(fields(query(None, Some(NaiveDate::MIN))), ["to"]);
        // Near the calendar's ends the window itself does not overflow.
        assert!(check_usage_window(NaiveDate::MIN, &query(Some(NaiveDate::MIN), None)).is_ok());
        assert!(check_usage_window(NaiveDate::MAX, &query(None, Some(NaiveDate::MAX))).is_ok());
    }

    #[test]
    fn fill_days_fills_gaps_and_ignores_out_of_range() {
        let d = |n: u32| NaiveDate::from_ymd_opt(2026, 3, n).unwrap();
        let buckets = [
            DailyUsage { date: d(1), events: 9, units: 9, users: 9 },
            DailyUsage { date: d(3), events: 2, units: 5, users: 1 },
        ];
        let got = fill_days(d(2), d(4), &buckets);
        assert_eq!(got.iter().map(|u| (u.date, u.events)).collect::<Vec<_>>(), [(d(2), 0), (d(3), 2), (d(4), 0)]);
    }
}
