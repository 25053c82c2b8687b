//! Fixed-window counters (`ThrottleStore`).

use agentmart_core::model::*;
use chrono::{DateTime, Duration, Utc};
use sqlx::Row as _;

use super::shared::*;
use crate::util::*;

fn counter_from_row(row: &DbRow) -> R<Counter> {
    Ok(Counter {
        count: u32::try_from(row.try_get::<i64, _>("count")?).unwrap_or(u32::MAX),
        window_started_at: from_ts(row.try_get("window_started_at")?),
        last_hit_at: from_ts(row.try_get("last_hit_at")?),
    })
}

/// One atomic `INSERT … ON CONFLICT DO UPDATE` (both databases): concurrent
/// hits from any number of processes are each counted.
pub(crate) async fn hit_counter(pool: &Pool, key: &str, now: DateTime<Utc>, window: Duration) -> R<Counter> {
    let n = ts(now)?;
    let threshold = n.saturating_sub(window.num_nanoseconds().unwrap_or(i64::MAX));
    let row = sqlx::query(
        "INSERT INTO counters (key, count, window_started_at, last_hit_at) VALUES ($1, 1, $2, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN counters.window_started_at <= $3 THEN 1 ELSE counters.count + 1 END, \
           window_started_at = CASE WHEN counters.window_started_at <= $3 THEN $2 ELSE counters.window_started_at END, \
           last_hit_at = $2 \
         RETURNING count, window_started_at, last_hit_at",
    )
    .bind(key)
    .bind(n)
    .bind(threshold)
    .fetch_one(pool)
    .await?;
    counter_from_row(&row)
}

pub(crate) async fn get_counter(pool: &Pool, key: &str) -> R<Option<Counter>> {
    let row = sqlx::query("SELECT count, window_started_at, last_hit_at FROM counters WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(counter_from_row).transpose()
}

/// One atomic `UPDATE` (both databases); the count never goes below zero.
pub(crate) async fn release_counter(pool: &Pool, key: &str) -> R<()> {
    sqlx::query("UPDATE counters SET count = count - 1 WHERE key = $1 AND count > 0").bind(key).execute(pool).await?;
    Ok(())
}

pub(crate) async fn clear_counter(pool: &Pool, key: &str) -> R<()> {
    sqlx::query("DELETE FROM counters WHERE key = $1").bind(key).execute(pool).await?;
    Ok(())
}
