//! The sweeper's bounded purges (`SweepStore`).
//!
//! Each purge is one `DELETE … WHERE key IN (SELECT … LIMIT n) AND <rule>`
//! statement: atomic on both databases, bounded by `n`, and the repeated
//! rule re-checks every row at delete time (PostgreSQL re-evaluates it on
//! rows changed concurrently), so a counter hit or a session refreshed
//! meanwhile is kept. A session's refresh-token hashes go with it through
//! the `ON DELETE CASCADE` foreign key (enabled on SQLite connections).

use agentmart_core::storage::SessionSweep;
use chrono::{DateTime, NaiveDate, Utc};

use super::shared::*;
use crate::util::*;

/// A cutoff as stored nanoseconds, clamped to the storable range (a cutoff
/// before 1677 purges nothing, one after 2262 everything).
fn cutoff(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() < 0 { i64::MIN } else { i64::MAX })
}

const SESSION_RULE: &str = "((revoked_at IS NOT NULL AND revoked_at <= $1) OR expires_at <= $1 OR last_used_at <= $2)";

pub(crate) async fn sweep_sessions(pool: &Pool, rule: SessionSweep, limit: u32) -> R<u64> {
    let done = sqlx::query(sql(format!(
        "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE {SESSION_RULE} LIMIT $3) AND {SESSION_RULE}"
    )))
    .bind(cutoff(rule.ended_before))
    .bind(cutoff(rule.idle_before))
    .bind(i64::from(limit))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn sweep_counters(
    pool: &Pool,
    idle_before: DateTime<Utc>,
    keep_prefix: Option<&str>,
    limit: u32,
) -> R<u64> {
    let done = match keep_prefix {
        Some(prefix) => {
            // `substr(key, 1, n) <> prefix`: exact and collation-free (LIKE is
            // case-insensitive on SQLite). `n` bound as INT4 for PostgreSQL's substr.
            let rule = "last_hit_at <= $1 AND substr(key, 1, $2) <> $3";
            let n = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
            sqlx::query(sql(format!(
                "DELETE FROM counters WHERE key IN (SELECT key FROM counters WHERE {rule} LIMIT $4) AND {rule}"
            )))
            .bind(cutoff(idle_before))
            .bind(n)
            .bind(prefix)
            .bind(i64::from(limit))
            .execute(pool)
            .await?
        }
        None => {
            sqlx::query(
                "DELETE FROM counters WHERE key IN (SELECT key FROM counters WHERE last_hit_at <= $1 LIMIT $2) \
                 AND last_hit_at <= $1",
            )
            .bind(cutoff(idle_before))
            .bind(i64::from(limit))
            .execute(pool)
            .await?
        }
    };
    Ok(done.rows_affected())
}

pub(crate) async fn sweep_one_time_tokens(pool: &Pool, expired_before: DateTime<Utc>, limit: u32) -> R<u64> {
    let done = sqlx::query(
        "DELETE FROM one_time_tokens WHERE hash IN \
           (SELECT hash FROM one_time_tokens WHERE expires_at <= $1 LIMIT $2) \
         AND expires_at <= $1",
    )
    .bind(cutoff(expired_before))
    .bind(i64::from(limit))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn sweep_usage_users(pool: &Pool, before: NaiveDate, limit: u32) -> R<u64> {
    let done = sqlx::query(
        "DELETE FROM usage_users WHERE (agent_id, day, user_id) IN \
           (SELECT agent_id, day, user_id FROM usage_users WHERE day < $1 LIMIT $2)",
    )
    .bind(day_text(before))
    .bind(i64::from(limit))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
