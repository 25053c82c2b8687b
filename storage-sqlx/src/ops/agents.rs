//! Agents, drafts and published versions (`AgentStore`).

use agentmart_core::ids::{AgentId, UserId};
use agentmart_core::model::*;
use agentmart_core::ranking;
use agentmart_core::storage::*;
use chrono::{DateTime, Utc};
use sqlx::Row as _;

use super::shared::*;
use crate::util::*;

async fn agent_by_id(conn: &mut Conn, id: AgentId, lock: bool) -> R<Option<Agent>> {
    let row = sqlx::query(sql(format!(
        "SELECT {AGENT_COLS} FROM agents a WHERE a.id = $1{}",
        if lock { FOR_UPDATE } else { "" }
    )))
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(agent_from_row).transpose()
}

/// The agent, locked (PostgreSQL), that must exist and not be deleted.
async fn live_agent(conn: &mut Conn, id: AgentId) -> R<Agent> {
    let agent = agent_by_id(conn, id, true).await?.ok_or(StorageError::NotFound)?;
    if agent.status == AgentStatus::Deleted {
        return Err(StorageError::Conflict(ConflictKind::AgentDeleted).into());
    }
    Ok(agent)
}

/// The slug is pre-checked inside the transaction; on PostgreSQL the unique
/// index `agents_owner_slug_key` backs it against concurrent creators.
/// The draft's row for `agent`, as stored, in `conn`.
pub(super) async fn insert_draft_row(conn: &mut Conn, agent: AgentId, draft: &Draft) -> R<()> {
    sqlx::query("INSERT INTO drafts (agent_id, definition, updated_at) VALUES ($1, $2, $3)")
        .bind(agent.0)
        .bind(definition_text(&draft.definition)?)
        .bind(ts(draft.updated_at)?)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The published version's row, as stored, in `conn`.
pub(super) async fn insert_version_row(conn: &mut Conn, v: &AgentVersion) -> R<()> {
    sqlx::query(
        "INSERT INTO agent_versions (agent_id, version, definition, changelog, published_at, published_by) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(v.agent_id.0)
    .bind(v.version.to_string())
    .bind(definition_text(&v.definition)?)
    .bind(&v.changelog)
    .bind(ts(v.published_at)?)
    .bind(v.published_by.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn create_agent(pool: &Pool, agent: &Agent, draft: &Draft, audit: &AuditRecord) -> R<()> {
    let mut tx = begin(pool).await?;
    if sqlx::query("SELECT 1 FROM agents WHERE owner_id = $1 AND slug = $2")
        .bind(agent.owner_id.0)
        .bind(&agent.slug)
        .fetch_optional(&mut *tx)
        .await?
        .is_some()
    {
        return Err(StorageError::Conflict(ConflictKind::Slug).into());
    }
    sqlx::query(
        "INSERT INTO agents (id, owner_id, slug, status, status_message, latest_version, created_at, updated_at, \
         published_at, damped_rating) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(agent.id.0)
    .bind(agent.owner_id.0)
    .bind(&agent.slug)
    .bind(agent.status.as_str())
    .bind(&agent.status_message)
    .bind(agent.latest_version.as_ref().map(|v| v.to_string()))
    .bind(ts(agent.created_at)?)
    .bind(ts(agent.updated_at)?)
    .bind(ts_opt(agent.published_at)?)
    .bind(ranking::damped_rating(&AgentStats::default()))
    .execute(&mut *tx)
    .await?;
    insert_draft_row(&mut tx, agent.id, draft).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn get_agent(pool: &Pool, id: AgentId) -> R<Option<Agent>> {
    let mut conn = pool.acquire().await?;
    agent_by_id(&mut conn, id, false).await
}

pub(crate) async fn find_agent(pool: &Pool, owner: UserId, slug: &str) -> R<Option<Agent>> {
    let row = sqlx::query(sql(format!("SELECT {AGENT_COLS} FROM agents a WHERE a.owner_id = $1 AND a.slug = $2")))
        .bind(owner.0)
        .bind(slug)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(agent_from_row).transpose()
}

pub(crate) async fn get_draft(pool: &Pool, id: AgentId) -> R<Draft> {
    let row = sqlx::query("SELECT definition, updated_at FROM drafts WHERE agent_id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await?
        .ok_or(StorageError::NotFound)?;
    Ok(Draft {
        agent_id: id,
        definition: definition_from(&row.try_get::<String, _>("definition")?)?,
        updated_at: from_ts(row.try_get("updated_at")?),
    })
}

/// PostgreSQL: the agent row is locked, so an edit and a concurrent delete are ordered.
pub(crate) async fn update_draft(
    pool: &Pool,
    id: AgentId,
    definition: &AgentDefinition,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<Draft> {
    let mut tx = begin(pool).await?;
    live_agent(&mut tx, id).await?;
    let n = ts(now)?;
    sqlx::query(
        "INSERT INTO drafts (agent_id, definition, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (agent_id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = EXCLUDED.updated_at",
    )
    .bind(id.0)
    .bind(definition_text(definition)?)
    .bind(n)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE agents SET updated_at = $2 WHERE id = $1").bind(id.0).bind(n).execute(&mut *tx).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(Draft { agent_id: id, definition: definition.clone(), updated_at: now })
}

/// Rewrites the catalogue columns of a published agent from a definition:
/// sort name, category, filters and the full-text document.
pub(super) async fn refresh_catalog(conn: &mut Conn, id: AgentId, def: &AgentDefinition) -> R<()> {
    sqlx::query("UPDATE agents SET lower_name = $2, category = $3, definition = $4 WHERE id = $1")
        .bind(id.0)
        .bind(agentmart_core::text::sort_name(&def.name))
        .bind(&def.category)
        .bind(definition_text(def)?)
        .execute(&mut *conn)
        .await?;
    let [name, high, skills, low] = agentmart_core::text::searchable_text(def).map(|t| normalised_words(&t));
    if PG {
        sqlx::query(
            "UPDATE agents SET search = \
               setweight(to_tsvector('simple', $2), 'A') || setweight(to_tsvector('simple', $3), 'B') || \
               setweight(to_tsvector('simple', $4), 'C') || setweight(to_tsvector('simple', $5), 'D') \
             WHERE id = $1",
        )
        .bind(id.0)
        .bind(name)
        .bind(high)
        .bind(skills)
        .bind(low)
        .execute(&mut *conn)
        .await?;
    } else {
        let seq: i64 = sqlx::query("SELECT seq FROM agents WHERE id = $1")
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await?
            .try_get("seq")?;
        sqlx::query("DELETE FROM agent_fts WHERE rowid = $1").bind(seq).execute(&mut *conn).await?;
        sqlx::query("INSERT INTO agent_fts (rowid, name, high, skills, low) VALUES ($1, $2, $3, $4, $5)")
            .bind(seq)
            .bind(name)
            .bind(high)
            .bind(skills)
            .bind(low)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM catalog_tags WHERE agent_id = $1").bind(id.0).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM catalog_modes WHERE agent_id = $1").bind(id.0).execute(&mut *conn).await?;
    let mut tags = def.tags.clone();
    tags.sort();
    tags.dedup();
    for tag in tags {
        sqlx::query("INSERT INTO catalog_tags (agent_id, tag) VALUES ($1, $2)")
            .bind(id.0)
            .bind(tag)
            .execute(&mut *conn)
            .await?;
    }
    for (direction, modes) in [("in", &def.input_modes), ("out", &def.output_modes)] {
        let mut modes = modes.clone();
        modes.sort();
        modes.dedup();
        for mode in modes {
            sqlx::query("INSERT INTO catalog_modes (agent_id, direction, mode) VALUES ($1, $2, $3)")
                .bind(id.0)
                .bind(direction)
                .bind(mode)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Compare-and-set on `expected_latest` under the agent's row lock
/// (PostgreSQL `FOR UPDATE`; SQLite's write lock): of concurrent publishers
/// expecting the same latest version, the first wins and the others get
/// `StaleVersion`. The primary key `agent_versions_agent_version_key` backs `Conflict(Version)`.
pub(crate) async fn publish_version(pool: &Pool, req: &PublishVersion) -> R<Agent> {
    let v = &req.version;
    let mut tx = begin(pool).await?;
    let mut agent = live_agent(&mut tx, v.agent_id).await?;
    let version_text = v.version.to_string();
    let exists = sqlx::query("SELECT 1 FROM agent_versions WHERE agent_id = $1 AND version = $2")
        .bind(v.agent_id.0)
        .bind(&version_text)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    req.check(&agent, exists)?;
    insert_version_row(&mut tx, v).await?;
    agent.apply_publish(v);
    sqlx::query(
        "UPDATE agents SET latest_version = $2, updated_at = $3, published_at = $4, status = $5, in_catalog = $6, \
         deprecated = $7 WHERE id = $1",
    )
    .bind(agent.id.0)
    .bind(&version_text)
    .bind(ts(agent.updated_at)?)
    .bind(ts_opt(agent.published_at)?)
    .bind(agent.status.as_str())
    .bind(agent.status.is_public_listing())
    .bind(agent.status == AgentStatus::Deprecated)
    .execute(&mut *tx)
    .await?;
    refresh_catalog(&mut tx, agent.id, &v.definition).await?;
    insert_audit(&mut tx, &req.audit).await?;
    tx.commit().await?;
    Ok(agent)
}

pub(super) fn version_from_row(row: &DbRow) -> R<AgentVersion> {
    Ok(AgentVersion {
        agent_id: AgentId(row.try_get("agent_id")?),
        version: parse_version(&row.try_get::<String, _>("version")?)?,
        definition: definition_from(&row.try_get::<String, _>("definition")?)?,
        changelog: row.try_get("changelog")?,
        published_at: from_ts(row.try_get("published_at")?),
        published_by: UserId(row.try_get("published_by")?),
    })
}

pub(crate) async fn list_versions(pool: &Pool, id: AgentId) -> R<Vec<AgentVersion>> {
    let rows = sqlx::query(
        "SELECT agent_id, version, definition, changelog, published_at, published_by FROM agent_versions WHERE agent_id = $1",
    )
    .bind(id.0)
    .fetch_all(pool)
    .await?;
    let mut out = rows.iter().map(version_from_row).collect::<R<Vec<_>>>()?;
    out.sort_by(|a, b| b.version.cmp(&a.version));
    Ok(out)
}

/// SQL cannot order semver: the version strings are sorted here, and only
/// the page's rows are read in full.
pub(crate) async fn list_versions_page(
    pool: &Pool,
    id: AgentId,
    before: Option<&semver::Version>,
    limit: u32,
) -> R<Vec<AgentVersion>> {
    let rows = sqlx::query("SELECT version FROM agent_versions WHERE agent_id = $1").bind(id.0).fetch_all(pool).await?;
    let mut versions = Vec::with_capacity(rows.len());
    for row in &rows {
        let text: String = row.try_get("version")?;
        versions.push(semver::Version::parse(&text).map_err(|_| corrupt(format!("version `{text}`")))?);
    }
    let versions = versions_page(versions, before, limit);
    let mut out = Vec::with_capacity(versions.len());
    for version in &versions {
        match get_version(pool, id, version).await? {
            Some(row) => out.push(row),
            None => return Err(corrupt(format!("version `{version}` vanished"))),
        }
    }
    Ok(out)
}

pub(crate) async fn get_version(pool: &Pool, id: AgentId, version: &semver::Version) -> R<Option<AgentVersion>> {
    let row = sqlx::query(
        "SELECT agent_id, version, definition, changelog, published_at, published_by FROM agent_versions \
         WHERE agent_id = $1 AND version = $2",
    )
    .bind(id.0)
    .bind(version.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(version_from_row).transpose()
}

/// PostgreSQL: under the agent's row lock.
pub(crate) async fn set_agent_status(
    pool: &Pool,
    id: AgentId,
    status: AgentStatus,
    message: Option<&str>,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<Agent> {
    write_status(pool, id, status, message, None, now, audit).await
}

/// PostgreSQL: under the agent's row lock.
pub(crate) async fn moderate_agent_status(
    pool: &Pool,
    id: AgentId,
    status: AgentStatus,
    message: Option<&str>,
    lock: Option<&ModerationLock>,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<Agent> {
    write_status(pool, id, status, message, Some(lock), now, audit).await
}

/// The status change of both: `lock` is `None` for the owner's change (the
/// lock is checked and kept), `Some(new lock)` for an administrator's.
async fn write_status(
    pool: &Pool,
    id: AgentId,
    status: AgentStatus,
    message: Option<&str>,
    lock: Option<Option<&ModerationLock>>,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<Agent> {
    let mut tx = begin(pool).await?;
    let mut agent = live_agent(&mut tx, id).await?;
    match lock {
        None => check_status_change(&agent, status)?,
        Some(lock) => agent.moderation = lock.cloned(),
    }
    agent.status = status;
    agent.status_message = message.map(str::to_string);
    agent.updated_at = now;
    sqlx::query(
        "UPDATE agents SET status = $2, status_message = $3, updated_at = $4, in_catalog = $5, deprecated = $6, \
         moderated_at = $7, moderation_reason = $8 WHERE id = $1",
    )
    .bind(id.0)
    .bind(status.as_str())
    .bind(message)
    .bind(ts(now)?)
    .bind(status.is_public_listing() && agent.latest_version.is_some())
    .bind(status == AgentStatus::Deprecated)
    .bind(ts_opt(agent.moderation.as_ref().map(|m| m.at))?)
    .bind(agent.moderation.as_ref().and_then(|m| m.reason.clone()))
    .execute(&mut *tx)
    .await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(agent)
}

pub(crate) async fn list_owner_agents(pool: &Pool, owner: UserId) -> R<Vec<Agent>> {
    let rows = sqlx::query(sql(format!(
        "SELECT {AGENT_COLS} FROM agents a WHERE a.owner_id = $1 ORDER BY a.created_at DESC, a.id DESC"
    )))
    .bind(owner.0)
    .fetch_all(pool)
    .await?;
    rows.iter().map(agent_from_row).collect()
}

pub(crate) async fn get_stats(pool: &Pool, id: AgentId) -> R<AgentStats> {
    let row = sqlx::query(sql(format!("SELECT {STATS_COLS} FROM agents a WHERE a.id = $1")))
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => stats_from_row(&row),
        None => Ok(AgentStats::default()),
    }
}
