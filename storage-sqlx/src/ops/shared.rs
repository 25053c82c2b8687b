//! The layer every domain module builds on: the database's type aliases,
//! transaction start, and the pieces more than one domain's operation needs
//! (the audit insert every write ends with, the agent row decoding the
//! catalogue shares, and the rating aggregate that deleting a user also
//! rewrites). Domain modules import this module, never each other.

use agentmart_core::ids::{AgentId, UserId};
use agentmart_core::model::*;
use agentmart_core::ranking;
use agentmart_core::storage::*;
use sqlx::Row as _;

pub(super) use super::super::{Db, PG};
use crate::util::*;

pub(super) type Pool = sqlx::Pool<Db>;
pub(super) type Tx = sqlx::Transaction<'static, Db>;
pub(super) type Conn = <Db as sqlx::Database>::Connection;
pub(super) type DbRow = <Db as sqlx::Database>::Row;

/// `FOR UPDATE` on PostgreSQL; nothing on SQLite, where the transaction already holds the write lock.
pub(super) const FOR_UPDATE: &str = if PG { " FOR UPDATE" } else { "" };

pub(super) fn sql(s: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(s)
}

/// Starts a writing transaction (`BEGIN IMMEDIATE` on SQLite).
pub(super) async fn begin(pool: &Pool) -> R<Tx> {
    if PG { Ok(pool.begin().await?) } else { Ok(pool.begin_with("BEGIN IMMEDIATE").await?) }
}

// ---------------------------------------------------------------- audit

pub(super) async fn insert_audit(conn: &mut Conn, r: &AuditRecord) -> R<()> {
    sqlx::query(
        "INSERT INTO audit (id, at, actor, subject, action, target, ip, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(r.id.0)
    .bind(ts(r.at)?)
    .bind(r.actor.map(|u| u.0))
    .bind(r.subject.map(|u| u.0))
    .bind(&r.action)
    .bind(&r.target)
    .bind(&r.ip)
    .bind(r.details.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- agent rows

pub(super) const AGENT_COLS: &str = "a.id, a.owner_id, a.slug, a.status, a.status_message, a.latest_version, a.created_at, a.updated_at, a.published_at, \
                          a.moderated_at, a.moderation_reason";
pub(super) const STATS_COLS: &str = "a.install_count, a.rating_count, a.rating_sum, a.stars_1, a.stars_2, a.stars_3, a.stars_4, \
                          a.stars_5, a.usage_events, a.trending";

pub(super) fn agent_from_row(row: &DbRow) -> R<Agent> {
    let status: String = row.try_get("status")?;
    Ok(Agent {
        id: AgentId(row.try_get("id")?),
        owner_id: UserId(row.try_get("owner_id")?),
        slug: row.try_get("slug")?,
        status: status.parse().map_err(|_| corrupt(format!("status `{status}`")))?,
        status_message: row.try_get("status_message")?,
        latest_version: parse_version_opt(row.try_get("latest_version")?)?,
        created_at: from_ts(row.try_get("created_at")?),
        updated_at: from_ts(row.try_get("updated_at")?),
        published_at: row.try_get::<Option<i64>, _>("published_at")?.map(from_ts),
        moderation: row
            .try_get::<Option<i64>, _>("moderated_at")?
            .map(|at| Ok::<_, Fail>(ModerationLock::new(from_ts(at), row.try_get("moderation_reason")?)))
            .transpose()?,
    })
}

pub(super) fn stats_from_row(row: &DbRow) -> R<AgentStats> {
    let mut histogram = [0u64; 5];
    for (i, h) in histogram.iter_mut().enumerate() {
        *h = count(row.try_get(format!("stars_{}", i + 1).as_str())?);
    }
    Ok(AgentStats {
        install_count: count(row.try_get("install_count")?),
        rating_count: count(row.try_get("rating_count")?),
        rating_sum: count(row.try_get("rating_sum")?),
        histogram,
        usage_events: count(row.try_get("usage_events")?),
        trending: row.try_get("trending")?,
    })
}

pub(super) fn definition_from(text: &str) -> R<AgentDefinition> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("definition: {e}")))
}

pub(super) fn definition_text(def: &AgentDefinition) -> R<String> {
    serde_json::to_string(def).map_err(|e| Fail::Storage(StorageError::backend(e)))
}

// ---------------------------------------------------------------- rating aggregate

/// The rating aggregate of an agent, read under its row lock (PostgreSQL
/// `FOR UPDATE`): every rating change of one agent is serialized on it, so
/// aggregates never lose an update.
pub(super) async fn lock_stats(conn: &mut Conn, agent: AgentId) -> R<AgentStats> {
    let row = sqlx::query(sql(format!("SELECT {STATS_COLS} FROM agents a WHERE a.id = $1{FOR_UPDATE}")))
        .bind(agent.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StorageError::NotFound)?;
    stats_from_row(&row)
}

/// Decodes a stored `stars` column. Only [`Stars`] are ever written, so
/// anything else is a corrupt row, not a rule to enforce here.
pub(super) fn stars_from_db(stars: i16) -> R<Stars> {
    u8::try_from(stars).ok().and_then(|s| Stars::new(s).ok()).ok_or_else(|| corrupt(format!("stars {stars}")))
}

pub(super) async fn write_rating_stats(conn: &mut Conn, agent: AgentId, s: &AgentStats) -> R<()> {
    sqlx::query(
        "UPDATE agents SET rating_count = $2, rating_sum = $3, stars_1 = $4, stars_2 = $5, stars_3 = $6, stars_4 = $7, \
         stars_5 = $8, damped_rating = $9 WHERE id = $1",
    )
    .bind(agent.0)
    .bind(signed(s.rating_count))
    .bind(signed(s.rating_sum))
    .bind(signed(s.histogram[0]))
    .bind(signed(s.histogram[1]))
    .bind(signed(s.histogram[2]))
    .bind(signed(s.histogram[3]))
    .bind(signed(s.histogram[4]))
    .bind(ranking::damped_rating(s))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
