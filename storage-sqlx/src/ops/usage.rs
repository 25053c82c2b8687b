//! Usage events: day buckets and the trending score (`UsageStore`).

use agentmart_core::ids::AgentId;
use agentmart_core::model::*;
use agentmart_core::ranking;
use agentmart_core::storage::*;
use chrono::NaiveDate;
use sqlx::Row as _;

use super::shared::*;
use crate::util::*;

/// Day buckets grow by atomic `INSERT … ON CONFLICT DO UPDATE SET x = x + …`;
/// the distinct-user count by whether this (agent, day, user) row was new; the
/// trending score is a read-modify-write under the agent's row lock
/// (PostgreSQL `FOR UPDATE`).
pub(crate) async fn record_usage(pool: &Pool, event: &UsageEvent, increment: f64) -> R<()> {
    let day = day_text(event.occurred_at.date_naive());
    let mut tx = begin(pool).await?;
    let trending: f64 = sqlx::query(sql(format!("SELECT trending FROM agents WHERE id = $1{FOR_UPDATE}")))
        .bind(event.agent_id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::NotFound)?
        .try_get("trending")?;
    let new_user = sqlx::query(
        "INSERT INTO usage_users (agent_id, day, user_id) VALUES ($1, $2, $3) ON CONFLICT (agent_id, day, user_id) DO NOTHING",
    )
    .bind(event.agent_id.0)
    .bind(&day)
    .bind(event.user_id.0)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(
        "INSERT INTO usage_days (agent_id, day, events, units, users) VALUES ($1, $2, 1, $3, $4) \
         ON CONFLICT (agent_id, day) DO UPDATE SET events = usage_days.events + 1, \
           units = usage_days.units + EXCLUDED.units, users = usage_days.users + EXCLUDED.users",
    )
    .bind(event.agent_id.0)
    .bind(&day)
    .bind(signed(event.units))
    .bind(i64::from(new_user == 1))
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE agents SET usage_events = usage_events + 1, trending = $2 WHERE id = $1")
        .bind(event.agent_id.0)
        .bind(ranking::log2_add(trending, increment))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn usage_by_day(pool: &Pool, agent: AgentId, from: NaiveDate, to: NaiveDate) -> R<Vec<DailyUsage>> {
    let rows = sqlx::query(
        "SELECT day, events, units, users FROM usage_days WHERE agent_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
    )
    .bind(agent.0)
    .bind(day_text(from))
    .bind(day_text(to))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DailyUsage {
                date: parse_day(&row.try_get::<String, _>("day")?)?,
                events: count(row.try_get("events")?),
                units: count(row.try_get("units")?),
                users: count(row.try_get("users")?),
            })
        })
        .collect()
}
