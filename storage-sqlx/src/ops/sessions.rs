//! Sessions and rotating refresh tokens (`SessionStore`).

use agentmart_core::ids::{SessionId, UserId};
use agentmart_core::model::*;
use agentmart_core::storage::*;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row as _};
use uuid::Uuid;

use super::shared::*;
use crate::util::*;

const SESSION_COLS: &str =
    "s.id, s.user_id, s.created_at, s.last_used_at, s.expires_at, s.user_agent, s.ip, s.revoked_at";

pub(super) fn session_from_row(row: &DbRow) -> R<Session> {
    Ok(Session {
        id: SessionId(row.try_get("id")?),
        user_id: UserId(row.try_get("user_id")?),
        created_at: from_ts(row.try_get("created_at")?),
        last_used_at: from_ts(row.try_get("last_used_at")?),
        expires_at: from_ts(row.try_get("expires_at")?),
        user_agent: row.try_get("user_agent")?,
        ip: row.try_get("ip")?,
        revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(from_ts),
    })
}

/// The session row and its first (current) refresh-token hash, in `conn`.
async fn insert_session(conn: &mut Conn, session: &Session, refresh: &TokenHash) -> R<()> {
    insert_session_row(conn, session).await?;
    insert_refresh_token(conn, refresh, session.id, true).await
}

/// The session's row, as stored, in `conn`.
pub(super) async fn insert_session_row(conn: &mut Conn, session: &Session) -> R<()> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, user_agent, ip, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(session.id.0)
    .bind(session.user_id.0)
    .bind(ts(session.created_at)?)
    .bind(ts(session.last_used_at)?)
    .bind(ts(session.expires_at)?)
    .bind(&session.user_agent)
    .bind(&session.ip)
    .bind(ts_opt(session.revoked_at)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One refresh-token hash of a session (`current` = the one that redeems), in `conn`.
pub(super) async fn insert_refresh_token(
    conn: &mut Conn,
    hash: &TokenHash,
    session: SessionId,
    current: bool,
) -> R<()> {
    sqlx::query("INSERT INTO refresh_tokens (hash, session_id, current) VALUES ($1, $2, $3)")
        .bind(&hash.0[..])
        .bind(session.0)
        .bind(current)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn create_session(pool: &Pool, session: &Session, refresh: &TokenHash, audit: &AuditRecord) -> R<()> {
    let mut tx = begin(pool).await?;
    insert_session(&mut tx, session, refresh).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

async fn session_by_id(conn: &mut Conn, id: Uuid, lock: bool) -> R<Option<Session>> {
    let row = sqlx::query(sql(format!(
        "SELECT {SESSION_COLS} FROM sessions s WHERE s.id = $1{}",
        if lock { FOR_UPDATE } else { "" }
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(session_from_row).transpose()
}

pub(crate) async fn get_session(pool: &Pool, id: SessionId) -> R<Option<Session>> {
    let mut conn = pool.acquire().await?;
    session_by_id(&mut conn, id.0, false).await
}

pub(crate) async fn session_auth(pool: &Pool, id: SessionId) -> R<Option<SessionAuth>> {
    let row = sqlx::query(
        "SELECT s.user_id, s.revoked_at, s.expires_at, u.role, u.disabled FROM sessions s \
         JOIN users u ON u.id = s.user_id WHERE s.id = $1",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role: String = row.try_get("role")?;
    Ok(Some(SessionAuth {
        user_id: UserId(row.try_get("user_id")?),
        role: role.parse().map_err(|_| corrupt(format!("role `{role}`")))?,
        user_disabled: row.try_get("disabled")?,
        revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(from_ts),
        expires_at: from_ts(row.try_get("expires_at")?),
    }))
}

pub(crate) async fn find_session_by_refresh(pool: &Pool, presented: &TokenHash) -> R<Option<Session>> {
    let row = sqlx::query(sql(format!(
        "SELECT {SESSION_COLS} FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.hash = $1"
    )))
    .bind(&presented.0[..])
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(session_from_row).transpose()
}

/// Exactly once. PostgreSQL: the session row is locked (`FOR UPDATE`) before
/// the token's state is read, so every redemption of the session's tokens is
/// serialized: the first sees `current` and rotates, the others then see the
/// token superseded and revoke the session.
pub(crate) async fn redeem_refresh_token(pool: &Pool, req: &RedeemRefresh) -> R<RedeemOutcome> {
    let mut tx = begin(pool).await?;
    let Some(row) = sqlx::query("SELECT session_id FROM refresh_tokens WHERE hash = $1")
        .bind(&req.presented.0[..])
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(RedeemOutcome::Unknown);
    };
    let sid: Uuid = row.try_get("session_id")?;
    let Some(mut session) = session_by_id(&mut tx, sid, true).await? else {
        return Ok(RedeemOutcome::Unknown);
    };
    // Re-read under the session lock.
    let Some(row) = sqlx::query("SELECT current FROM refresh_tokens WHERE hash = $1")
        .bind(&req.presented.0[..])
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(RedeemOutcome::Unknown);
    };
    let current: bool = row.try_get("current")?;
    let now = ts(req.now)?;
    if !current {
        if session.revoked_at.is_none() {
            sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE id = $1")
                .bind(sid)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            session.revoked_at = Some(req.now);
        }
        let mut audit = req.reuse_audit.clone();
        audit.actor = Some(session.user_id);
        audit.subject = Some(session.user_id);
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        return Ok(RedeemOutcome::Reused(session));
    }
    if !session.is_active(req.now) {
        return Ok(RedeemOutcome::SessionEnded(session));
    }
    sqlx::query("UPDATE refresh_tokens SET current = $2 WHERE hash = $1")
        .bind(&req.presented.0[..])
        .bind(false)
        .execute(&mut *tx)
        .await?;
    insert_refresh_token(&mut tx, &req.replacement, SessionId(sid), true).await?;
    sqlx::query("UPDATE sessions SET last_used_at = $2 WHERE id = $1").bind(sid).bind(now).execute(&mut *tx).await?;
    session.last_used_at = req.now;
    insert_audit(&mut tx, &req.rotated_audit).await?;
    tx.commit().await?;
    Ok(RedeemOutcome::Rotated(session))
}

pub(crate) async fn list_active_sessions(pool: &Pool, user: UserId, now: DateTime<Utc>) -> R<Vec<Session>> {
    let rows = sqlx::query(sql(format!(
        "SELECT {SESSION_COLS} FROM sessions s WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 \
         ORDER BY s.created_at DESC, s.id DESC"
    )))
    .bind(user.0)
    .bind(ts(now)?)
    .fetch_all(pool)
    .await?;
    rows.iter().map(session_from_row).collect()
}

/// A conditional update (`WHERE revoked_at IS NULL`): of concurrent revokers exactly one sees a changed row.
pub(crate) async fn revoke_session(
    pool: &Pool,
    user: UserId,
    id: SessionId,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<bool> {
    let mut tx = begin(pool).await?;
    let done = sqlx::query("UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
        .bind(id.0)
        .bind(user.0)
        .bind(ts(now)?)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn revoke_user_sessions(
    pool: &Pool,
    user: UserId,
    except: Option<SessionId>,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<u64> {
    let mut tx = begin(pool).await?;
    let n = ts(now)?;
    let done = match except {
        Some(sid) => sqlx::query(
            "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
             AND id <> $3",
        )
        .bind(user.0)
        .bind(n)
        .bind(sid.0)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        None => sqlx::query(
            "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(user.0)
        .bind(n)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
    };
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(done)
}

/// PostgreSQL: the user's row is locked (`FOR UPDATE`) first, so concurrent
/// sign-ins of one user are serialized and the cap holds; SQLite's
/// `BEGIN IMMEDIATE` serializes every writer.
pub(crate) async fn create_session_capped(
    pool: &Pool,
    session: &Session,
    refresh: &TokenHash,
    audit: &AuditRecord,
    cap: &SessionCap,
) -> R<u64> {
    let mut tx = begin(pool).await?;
    sqlx::query(sql(format!("SELECT id FROM users WHERE id = $1{FOR_UPDATE}")))
        .bind(session.user_id.0)
        .fetch_optional(&mut *tx)
        .await?;
    let rows = sqlx::query(
        "SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_used_at > $3 \
         ORDER BY created_at, id",
    )
    .bind(session.user_id.0)
    .bind(ts(cap.active.now)?)
    .bind(ts(cap.active.idle_since)?)
    .fetch_all(&mut *tx)
    .await?;
    let keep = usize::try_from(cap.max_active.saturating_sub(1)).unwrap_or(usize::MAX);
    let evict = rows.len().saturating_sub(keep);
    for row in &rows[..evict] {
        let id: Uuid = row.try_get("id")?;
        sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE id = $1")
            .bind(id)
            .bind(ts(cap.active.now)?)
            .execute(&mut *tx)
            .await?;
    }
    insert_session(&mut tx, session, refresh).await?;
    insert_audit(&mut tx, audit).await?;
    if evict > 0 {
        insert_audit(&mut tx, &cap.evicted_audit).await?;
    }
    tx.commit().await?;
    Ok(evict as u64)
}

pub(crate) async fn list_sessions_page(
    pool: &Pool,
    user: UserId,
    active: ActiveAt,
    after: Option<(DateTime<Utc>, SessionId)>,
    limit: u32,
) -> R<Vec<Session>> {
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {SESSION_COLS} FROM sessions s WHERE s.user_id = "));
    q.push_bind(user.0);
    q.push(" AND s.revoked_at IS NULL AND s.expires_at > ").push_bind(ts(active.now)?);
    q.push(" AND s.last_used_at > ").push_bind(ts(active.idle_since)?);
    if let Some((at, id)) = after {
        q.push(" AND (s.created_at, s.id) < (").push_bind(ts(at)?).push(", ").push_bind(id.0).push(")");
    }
    q.push(" ORDER BY s.created_at DESC, s.id DESC LIMIT ").push_bind(i64::from(limit) + 1);
    let rows = q.build().fetch_all(pool).await?;
    rows.iter().map(session_from_row).collect()
}
