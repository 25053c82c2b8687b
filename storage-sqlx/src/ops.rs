// Every storage operation, written once and compiled once per database: the
// parent module defines `Db` (the sqlx database) and `PG` (true on
// PostgreSQL). SQL uses `$N` placeholders, which both databases accept.
//
// Concurrency, per database:
// - SQLite: every writing transaction starts with `BEGIN IMMEDIATE`, taking
//   the database's single write lock up front, so read-check-write sequences
//   inside it are serialized and the pre-checks below are race-free.
// - PostgreSQL (READ COMMITTED): each operation says how it avoids lost
//   updates — a row lock (`SELECT … FOR UPDATE`) on the row that guards the
//   invariant, an atomic single-statement update (`x = x + 1`, `INSERT … ON
//   CONFLICT`), or a conditional `UPDATE/DELETE … WHERE` whose affected-row
//   count decides. Deadlocks and serialization failures are retried by the
//   caller (see `SqlxStore`), rerunning the whole transaction.

use agentmart_core::ids::{AgentId, AuditId, ReviewId, SessionId, UserId};
use agentmart_core::model::*;
use agentmart_core::ranking;
use agentmart_core::storage::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{Connection as _, QueryBuilder, Row as _};
use uuid::Uuid;

use super::{Db, PG};
use crate::util::*;

type Pool = sqlx::Pool<Db>;
type Tx = sqlx::Transaction<'static, Db>;
type Conn = <Db as sqlx::Database>::Connection;
type DbRow = <Db as sqlx::Database>::Row;

/// `FOR UPDATE` on PostgreSQL; nothing on SQLite, where the transaction already holds the write lock.
const FOR_UPDATE: &str = if PG { " FOR UPDATE" } else { "" };

fn sql(s: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(s)
}

/// Starts a writing transaction (`BEGIN IMMEDIATE` on SQLite).
async fn begin(pool: &Pool) -> R<Tx> {
    if PG { Ok(pool.begin().await?) } else { Ok(pool.begin_with("BEGIN IMMEDIATE").await?) }
}

/// Checks the connection (`ping`).
pub(crate) async fn ping(pool: &Pool) -> R<()> {
    let mut conn = pool.acquire().await?;
    conn.ping().await?;
    Ok(())
}

/// Makes acknowledged writes durable: a full WAL checkpoint on SQLite
/// (PostgreSQL commits are durable already).
pub(crate) async fn flush(pool: &Pool) -> R<()> {
    if !PG {
        sqlx::query("PRAGMA wal_checkpoint(FULL)").execute(pool).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- audit

async fn insert_audit(conn: &mut Conn, r: &AuditRecord) -> R<()> {
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

fn audit_from_row(row: &DbRow) -> R<AuditRecord> {
    let details: String = row.try_get("details")?;
    Ok(AuditRecord {
        id: AuditId(row.try_get("id")?),
        at: from_ts(row.try_get("at")?),
        actor: row.try_get::<Option<Uuid>, _>("actor")?.map(UserId),
        subject: row.try_get::<Option<Uuid>, _>("subject")?.map(UserId),
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        ip: row.try_get("ip")?,
        details: serde_json::from_str(&details).map_err(|e| corrupt(format!("audit details: {e}")))?,
    })
}

pub(crate) async fn append_audit(pool: &Pool, record: &AuditRecord) -> R<()> {
    let mut conn = pool.acquire().await?;
    insert_audit(&mut conn, record).await
}

pub(crate) async fn list_audit(
    pool: &Pool,
    filter: &AuditFilter,
    before: Option<AuditId>,
    limit: u32,
) -> R<Vec<AuditRecord>> {
    let mut q =
        QueryBuilder::<Db>::new("SELECT id, at, actor, subject, action, target, ip, details FROM audit WHERE 1=1");
    if let Some(a) = filter.actor {
        q.push(" AND actor = ").push_bind(a.0);
    }
    if let Some(s) = filter.subject {
        q.push(" AND subject = ").push_bind(s.0);
    }
    if let Some(a) = &filter.action {
        q.push(" AND action = ").push_bind(a.clone());
    }
    if let Some(t) = &filter.target {
        q.push(" AND target = ").push_bind(t.clone());
    }
    if let Some(f) = filter.from {
        q.push(" AND at >= ").push_bind(ts(f)?);
    }
    if let Some(t) = filter.to {
        q.push(" AND at < ").push_bind(ts(t)?);
    }
    if let Some(b) = before {
        q.push(" AND id < ").push_bind(b.0);
    }
    q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(limit) + 1);
    let rows = q.build().fetch_all(pool).await?;
    rows.iter().map(audit_from_row).collect()
}

// ---------------------------------------------------------------- users

const USER_COLS: &str = "id, email, email_verified, handle, display_name, bio, avatar_url, role, disabled, \
                         password_hash, external_id, created_at, updated_at";

fn user_from_row(row: &DbRow) -> R<UserRecord> {
    let role: String = row.try_get("role")?;
    Ok(UserRecord {
        id: UserId(row.try_get("id")?),
        email: row.try_get("email")?,
        email_verified: row.try_get("email_verified")?,
        handle: row.try_get("handle")?,
        display_name: row.try_get("display_name")?,
        bio: row.try_get("bio")?,
        avatar_url: row.try_get("avatar_url")?,
        role: role.parse().map_err(|_| corrupt(format!("role `{role}`")))?,
        disabled: row.try_get("disabled")?,
        password_hash: row.try_get("password_hash")?,
        external_id: row.try_get("external_id")?,
        created_at: from_ts(row.try_get("created_at")?),
        updated_at: from_ts(row.try_get("updated_at")?),
    })
}

async fn user_by(conn: &mut Conn, column: &str, value: impl UserKey, lock: bool) -> R<Option<UserRecord>> {
    let text = format!("SELECT {USER_COLS} FROM users WHERE {column} = $1{}", if lock { FOR_UPDATE } else { "" });
    let row = value.bind_to(sqlx::query(sql(text))).fetch_optional(&mut *conn).await?;
    row.as_ref().map(user_from_row).transpose()
}

/// A value users can be looked up by.
trait UserKey {
    fn bind_to<'q>(
        self,
        q: sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>,
    ) -> sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>;
}
impl UserKey for Uuid {
    fn bind_to<'q>(
        self,
        q: sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>,
    ) -> sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments> {
        q.bind(self)
    }
}
impl UserKey for &str {
    fn bind_to<'q>(
        self,
        q: sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>,
    ) -> sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments> {
        q.bind(self)
    }
}

async fn exists(conn: &mut Conn, text: &'static str, a: impl UserKey, b: Option<Uuid>) -> R<bool> {
    let mut q = a.bind_to(sqlx::query(text));
    if let Some(b) = b {
        q = q.bind(b);
    }
    Ok(q.fetch_optional(&mut *conn).await?.is_some())
}

/// Uniqueness: pre-checked inside the transaction (race-free on SQLite, whose
/// constraint errors do not carry the index name); on PostgreSQL a concurrent
/// insert that slips past the check hits the unique index, mapped by its name.
pub(crate) async fn create_user(pool: &Pool, user: &UserRecord, audit: &AuditRecord) -> R<()> {
    let mut tx = begin(pool).await?;
    if let Some(email) = &user.email
        && exists(&mut tx, "SELECT 1 FROM users WHERE email_key = $1", email.to_lowercase().as_str(), None).await?
    {
        return Err(StorageError::Conflict(ConflictKind::Email).into());
    }
    if exists(&mut tx, "SELECT 1 FROM users WHERE handle = $1", user.handle.as_str(), None).await? {
        return Err(StorageError::Conflict(ConflictKind::Handle).into());
    }
    if let Some(ext) = &user.external_id
        && exists(&mut tx, "SELECT 1 FROM users WHERE external_id = $1", ext.as_str(), None).await?
    {
        return Err(StorageError::Conflict(ConflictKind::ExternalId).into());
    }
    sqlx::query(
        "INSERT INTO users (id, email, email_verified, handle, display_name, bio, avatar_url, role, disabled, \
         password_hash, external_id, created_at, updated_at, email_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(user.id.0)
    .bind(&user.email)
    .bind(user.email_verified)
    .bind(&user.handle)
    .bind(&user.display_name)
    .bind(&user.bio)
    .bind(&user.avatar_url)
    .bind(user.role.as_str())
    .bind(user.disabled)
    .bind(&user.password_hash)
    .bind(&user.external_id)
    .bind(ts(user.created_at)?)
    .bind(ts(user.updated_at)?)
    .bind(user.email.as_ref().map(|e| e.to_lowercase()))
    .execute(&mut *tx)
    .await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn get_user(pool: &Pool, id: UserId) -> R<Option<UserRecord>> {
    let mut conn = pool.acquire().await?;
    user_by(&mut conn, "id", id.0, false).await
}

/// By `email` (case-insensitive, through `email_key`), `handle` or `external_id`.
pub(crate) async fn find_user(pool: &Pool, column: &'static str, value: &str) -> R<Option<UserRecord>> {
    let mut conn = pool.acquire().await?;
    if column == "email" {
        return user_by(&mut conn, "email_key", value.to_lowercase().as_str(), false).await;
    }
    user_by(&mut conn, column, value, false).await
}

/// PostgreSQL: the user row is locked, so concurrent patches apply one after the other.
pub(crate) async fn update_profile(
    pool: &Pool,
    id: UserId,
    patch: &ProfilePatch,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<UserRecord> {
    let mut tx = begin(pool).await?;
    let mut user = user_by(&mut tx, "id", id.0, true).await?.ok_or(StorageError::NotFound)?;
    if let Some(handle) = &patch.handle {
        if *handle != user.handle
            && exists(&mut tx, "SELECT 1 FROM users WHERE handle = $1 AND id <> $2", handle.as_str(), Some(id.0))
                .await?
        {
            return Err(StorageError::Conflict(ConflictKind::Handle).into());
        }
        user.handle = handle.clone();
    }
    if let Some(v) = &patch.display_name {
        user.display_name = v.clone();
    }
    if let Some(v) = &patch.bio {
        user.bio = v.clone();
    }
    if let Some(v) = &patch.avatar_url {
        user.avatar_url = v.clone();
    }
    user.updated_at = now;
    sqlx::query(
        "UPDATE users SET handle = $2, display_name = $3, bio = $4, avatar_url = $5, updated_at = $6 WHERE id = $1",
    )
    .bind(id.0)
    .bind(&user.handle)
    .bind(&user.display_name)
    .bind(&user.bio)
    .bind(&user.avatar_url)
    .bind(ts(now)?)
    .execute(&mut *tx)
    .await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(user)
}

async fn end_sessions(conn: &mut Conn, user: UserId, except: Option<SessionId>, now: DateTime<Utc>) -> R<u64> {
    let done = match except {
        Some(sid) => {
            sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND id <> $3")
                .bind(user.0)
                .bind(ts(now)?)
                .bind(sid.0)
                .execute(&mut *conn)
                .await?
        }
        None => {
            sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user.0)
                .bind(ts(now)?)
                .execute(&mut *conn)
                .await?
        }
    };
    Ok(done.rows_affected())
}

pub(crate) async fn set_password_hash(
    pool: &Pool,
    id: UserId,
    password_hash: &str,
    end: EndSessions,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<()> {
    let mut tx = begin(pool).await?;
    let done = sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id.0)
        .bind(password_hash)
        .bind(ts(now)?)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StorageError::NotFound.into());
    }
    match end {
        EndSessions::None => {}
        EndSessions::All => {
            end_sessions(&mut tx, id, None, now).await?;
        }
        EndSessions::AllExcept(sid) => {
            end_sessions(&mut tx, id, Some(sid), now).await?;
        }
    }
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn set_role(
    pool: &Pool,
    id: UserId,
    role: Role,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<UserRecord> {
    let mut tx = begin(pool).await?;
    let row =
        sqlx::query(sql(format!("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1 RETURNING {USER_COLS}")))
            .bind(id.0)
            .bind(role.as_str())
            .bind(ts(now)?)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StorageError::NotFound)?;
    let user = user_from_row(&row)?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(user)
}

pub(crate) async fn set_disabled(
    pool: &Pool,
    id: UserId,
    disabled: bool,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<UserRecord> {
    let mut tx = begin(pool).await?;
    let row = sqlx::query(sql(format!(
        "UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1 RETURNING {USER_COLS}"
    )))
    .bind(id.0)
    .bind(disabled)
    .bind(ts(now)?)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StorageError::NotFound)?;
    let user = user_from_row(&row)?;
    if disabled {
        end_sessions(&mut tx, id, None, now).await?;
    }
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(user)
}

/// One transaction. PostgreSQL: the user row is locked first; install counts
/// are decremented atomically and rating aggregates recomputed under each
/// agent's row lock, agents taken in id order to avoid deadlocks.
pub(crate) async fn delete_user(pool: &Pool, id: UserId, now: DateTime<Utc>, audit: &AuditRecord) -> R<()> {
    let mut tx = begin(pool).await?;
    user_by(&mut tx, "id", id.0, true).await?.ok_or(StorageError::NotFound)?;
    end_sessions(&mut tx, id, None, now).await?;
    sqlx::query("DELETE FROM one_time_tokens WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
    let mut installed: Vec<Uuid> = sqlx::query("DELETE FROM installs WHERE user_id = $1 RETURNING agent_id")
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<Uuid, _>("agent_id"))
        .collect::<Result<_, _>>()?;
    installed.sort();
    for agent in installed {
        sqlx::query("UPDATE agents SET install_count = install_count - 1 WHERE id = $1")
            .bind(agent)
            .execute(&mut *tx)
            .await?;
    }
    let mut rated: Vec<(Uuid, Uuid, i16)> = sqlx::query("SELECT id, agent_id, stars FROM reviews WHERE user_id = $1")
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("agent_id")?, r.try_get("id")?, r.try_get("stars")?)))
        .collect::<Result<_, _>>()?;
    rated.sort();
    for (agent, review, _) in rated {
        let mut stats = lock_stats(&mut tx, AgentId(agent)).await?;
        if let Some(row) = sqlx::query("DELETE FROM reviews WHERE id = $1 RETURNING stars")
            .bind(review)
            .fetch_optional(&mut *tx)
            .await?
        {
            remove_stars(&mut stats, row.try_get("stars")?);
            write_rating_stats(&mut tx, AgentId(agent), &stats).await?;
        }
    }
    sqlx::query(
        "UPDATE agents SET status = 'deleted', in_catalog = FALSE, deprecated = FALSE, updated_at = $2 \
         WHERE owner_id = $1 AND status <> 'deleted'",
    )
    .bind(id.0)
    .bind(ts(now)?)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM users WHERE id = $1").bind(id.0).execute(&mut *tx).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

fn kind_str(k: OneTimeTokenKind) -> &'static str {
    k.as_str()
}

pub(crate) async fn put_one_time_token(pool: &Pool, token: &OneTimeToken, audit: &AuditRecord) -> R<()> {
    let mut tx = begin(pool).await?;
    sqlx::query("DELETE FROM one_time_tokens WHERE user_id = $1 AND kind = $2")
        .bind(token.user_id.0)
        .bind(kind_str(token.kind))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO one_time_tokens (hash, kind, user_id, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token.hash.0[..])
    .bind(kind_str(token.kind))
    .bind(token.user_id.0)
    .bind(&token.email)
    .bind(ts(token.created_at)?)
    .bind(ts(token.expires_at)?)
    .execute(&mut *tx)
    .await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

/// Exactly once: the token row is deleted with `DELETE … RETURNING`; of
/// concurrent callers only the one whose delete removed the row goes on
/// (PostgreSQL re-checks the row after the first deleter commits).
pub(crate) async fn reset_password_with_token(
    pool: &Pool,
    hash: &TokenHash,
    password_hash: &str,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<ConsumeOutcome> {
    let mut tx = begin(pool).await?;
    let Some(row) =
        sqlx::query("DELETE FROM one_time_tokens WHERE hash = $1 AND kind = $2 RETURNING user_id, expires_at")
            .bind(&hash.0[..])
            .bind(kind_str(OneTimeTokenKind::PasswordReset))
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok(ConsumeOutcome::Unknown);
    };
    let user_id = UserId(row.try_get("user_id")?);
    if ts(now)? >= row.try_get::<i64, _>("expires_at")? {
        tx.commit().await?;
        return Ok(ConsumeOutcome::Expired);
    }
    let row = sqlx::query(sql(format!(
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1 RETURNING {USER_COLS}"
    )))
    .bind(user_id.0)
    .bind(password_hash)
    .bind(ts(now)?)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StorageError::NotFound)?;
    let user = user_from_row(&row)?;
    end_sessions(&mut tx, user_id, None, now).await?;
    let mut audit = audit.clone();
    audit.actor = Some(user_id);
    audit.subject = Some(user_id);
    insert_audit(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(ConsumeOutcome::Applied(user))
}

/// The token row is locked (PostgreSQL) and deleted in the same transaction.
pub(crate) async fn verify_email_with_token(
    pool: &Pool,
    hash: &TokenHash,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<ConsumeOutcome> {
    let mut tx = begin(pool).await?;
    let Some(row) = sqlx::query(sql(format!(
        "SELECT user_id, email, expires_at FROM one_time_tokens WHERE hash = $1 AND kind = $2{FOR_UPDATE}"
    )))
    .bind(&hash.0[..])
    .bind(kind_str(OneTimeTokenKind::EmailVerification))
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(ConsumeOutcome::Unknown);
    };
    let user_id = UserId(row.try_get("user_id")?);
    let token_email: Option<String> = row.try_get("email")?;
    if ts(now)? >= row.try_get::<i64, _>("expires_at")? {
        sqlx::query("DELETE FROM one_time_tokens WHERE hash = $1").bind(&hash.0[..]).execute(&mut *tx).await?;
        tx.commit().await?;
        return Ok(ConsumeOutcome::Expired);
    }
    let Some(mut user) = user_by(&mut tx, "id", user_id.0, true).await? else {
        return Ok(ConsumeOutcome::Unknown);
    };
    if token_email.is_none() || token_email != user.email {
        return Ok(ConsumeOutcome::Unknown);
    }
    sqlx::query("DELETE FROM one_time_tokens WHERE hash = $1").bind(&hash.0[..]).execute(&mut *tx).await?;
    sqlx::query("UPDATE users SET email_verified = $2, updated_at = $3 WHERE id = $1")
        .bind(user_id.0)
        .bind(true)
        .bind(ts(now)?)
        .execute(&mut *tx)
        .await?;
    user.email_verified = true;
    user.updated_at = now;
    let mut audit = audit.clone();
    audit.actor = Some(user_id);
    audit.subject = Some(user_id);
    insert_audit(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(ConsumeOutcome::Applied(user))
}

pub(crate) async fn count_one_time_tokens(pool: &Pool, user: UserId, kind: OneTimeTokenKind) -> R<u64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM one_time_tokens WHERE user_id = $1 AND kind = $2")
        .bind(user.0)
        .bind(kind_str(kind))
        .fetch_one(pool)
        .await?;
    Ok(count(row.try_get("n")?))
}

// ---------------------------------------------------------------- sessions

const SESSION_COLS: &str =
    "s.id, s.user_id, s.created_at, s.last_used_at, s.expires_at, s.user_agent, s.ip, s.revoked_at";

fn session_from_row(row: &DbRow) -> R<Session> {
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

pub(crate) async fn create_session(pool: &Pool, session: &Session, refresh: &TokenHash, audit: &AuditRecord) -> R<()> {
    let mut tx = begin(pool).await?;
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
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO refresh_tokens (hash, session_id, current) VALUES ($1, $2, $3)")
        .bind(&refresh.0[..])
        .bind(session.id.0)
        .bind(true)
        .execute(&mut *tx)
        .await?;
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
    sqlx::query("INSERT INTO refresh_tokens (hash, session_id, current) VALUES ($1, $2, $3)")
        .bind(&req.replacement.0[..])
        .bind(sid)
        .bind(true)
        .execute(&mut *tx)
        .await?;
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

// ---------------------------------------------------------------- throttle

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

pub(crate) async fn clear_counter(pool: &Pool, key: &str) -> R<()> {
    sqlx::query("DELETE FROM counters WHERE key = $1").bind(key).execute(pool).await?;
    Ok(())
}

// ---------------------------------------------------------------- agents

const AGENT_COLS: &str = "a.id, a.owner_id, a.slug, a.status, a.status_message, a.latest_version, a.created_at, a.updated_at, a.published_at";
const STATS_COLS: &str = "a.install_count, a.rating_count, a.rating_sum, a.stars_1, a.stars_2, a.stars_3, a.stars_4, \
                          a.stars_5, a.usage_events, a.trending";

fn agent_from_row(row: &DbRow) -> R<Agent> {
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
    })
}

fn stats_from_row(row: &DbRow) -> R<AgentStats> {
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

fn definition_from(text: &str) -> R<AgentDefinition> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("definition: {e}")))
}

fn definition_text(def: &AgentDefinition) -> R<String> {
    serde_json::to_string(def).map_err(|e| Fail::Storage(StorageError::backend(e)))
}

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
    sqlx::query("INSERT INTO drafts (agent_id, definition, updated_at) VALUES ($1, $2, $3)")
        .bind(agent.id.0)
        .bind(definition_text(&draft.definition)?)
        .bind(ts(draft.updated_at)?)
        .execute(&mut *tx)
        .await?;
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
async fn refresh_catalog(conn: &mut Conn, id: AgentId, def: &AgentDefinition) -> R<()> {
    sqlx::query("UPDATE agents SET lower_name = $2, category = $3, definition = $4 WHERE id = $1")
        .bind(id.0)
        .bind(def.name.to_lowercase())
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
    sqlx::query(
        "INSERT INTO agent_versions (agent_id, version, definition, changelog, published_at, published_by) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(v.agent_id.0)
    .bind(&version_text)
    .bind(definition_text(&v.definition)?)
    .bind(&v.changelog)
    .bind(ts(v.published_at)?)
    .bind(v.published_by.0)
    .execute(&mut *tx)
    .await?;
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

fn version_from_row(row: &DbRow) -> R<AgentVersion> {
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
    let mut tx = begin(pool).await?;
    let mut agent = live_agent(&mut tx, id).await?;
    agent.status = status;
    agent.status_message = message.map(str::to_string);
    agent.updated_at = now;
    sqlx::query(
        "UPDATE agents SET status = $2, status_message = $3, updated_at = $4, in_catalog = $5, deprecated = $6 WHERE id = $1",
    )
    .bind(id.0)
    .bind(status.as_str())
    .bind(message)
    .bind(ts(now)?)
    .bind(status.is_public_listing() && agent.latest_version.is_some())
    .bind(status == AgentStatus::Deprecated)
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

// ---------------------------------------------------------------- catalogue

fn entry_from_row(row: &DbRow) -> R<CatalogEntry> {
    let def: Option<String> = row.try_get("definition")?;
    let def = def.ok_or_else(|| corrupt("published agent without a definition"))?;
    Ok(CatalogEntry {
        agent: agent_from_row(row)?,
        owner_handle: row.try_get::<Option<String>, _>("owner_handle")?.unwrap_or_default(),
        definition: std::sync::Arc::new(definition_from(&def)?),
        stats: stats_from_row(row)?,
    })
}

/// FTS5 query: every term as a quoted string, implicitly AND-ed.
fn fts5_query(terms: &[String]) -> String {
    terms.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

/// Keyset pagination: `(deprecated, key, id) > (…)` as a row comparison over
/// the same expressions the per-sort indexes are built on (descending sorts
/// are stored negated in the index), so each page is an index range scan.
pub(crate) async fn list_catalog(pool: &Pool, query: &CatalogQuery) -> R<CatalogPage> {
    let search = !query.terms.is_empty();
    let relevance = query.sort == CatalogSort::Relevance;
    let joined = query.terms.join(" ");
    let mut q = QueryBuilder::<Db>::new("SELECT * FROM (SELECT ");
    q.push(AGENT_COLS).push(", ").push(STATS_COLS);
    q.push(
        ", a.definition, a.deprecated, a.lower_name, a.neg_installs, a.neg_rating, a.neg_published, a.neg_trending, \
         u.handle AS owner_handle, ",
    );
    if relevance && search {
        if PG {
            q.push(format!("ts_rank('{}', a.search, plainto_tsquery('simple', ", pg_rank_weights()))
                .push_bind(joined.clone())
                .push("))::float8");
        } else {
            q.push(format!("-bm25(agent_fts, {})", sqlite_bm25_weights()));
        }
    } else {
        q.push("CAST(0 AS DOUBLE PRECISION)");
    }
    q.push(" AS score FROM agents a JOIN users u ON u.id = a.owner_id");
    if search && !PG {
        q.push(" JOIN agent_fts ON agent_fts.rowid = a.seq");
    }
    q.push(" WHERE a.in_catalog");
    if search {
        if PG {
            q.push(" AND a.search @@ plainto_tsquery('simple', ").push_bind(joined).push(")");
        } else {
            q.push(" AND agent_fts MATCH ").push_bind(fts5_query(&query.terms));
        }
    }
    if let Some(c) = &query.category {
        q.push(" AND a.category = ").push_bind(c.clone());
    }
    if let Some(t) = &query.tag {
        q.push(" AND EXISTS (SELECT 1 FROM catalog_tags t WHERE t.agent_id = a.id AND t.tag = ")
            .push_bind(t.clone())
            .push(")");
    }
    if let Some(m) = &query.input_mode {
        q.push(
            " AND EXISTS (SELECT 1 FROM catalog_modes m WHERE m.agent_id = a.id AND m.direction = 'in' AND m.mode = ",
        )
        .push_bind(m.clone())
        .push(")");
    }
    if let Some(m) = &query.output_mode {
        q.push(
            " AND EXISTS (SELECT 1 FROM catalog_modes m WHERE m.agent_id = a.id AND m.direction = 'out' AND m.mode = ",
        )
        .push_bind(m.clone())
        .push(")");
    }
    if let Some(o) = query.owner {
        q.push(" AND a.owner_id = ").push_bind(o.0);
    }
    q.push(") c");
    let key = match query.sort {
        CatalogSort::Popular => "c.neg_installs",
        CatalogSort::Rating => "c.neg_rating",
        CatalogSort::Newest => "c.neg_published",
        CatalogSort::Trending => "c.neg_trending",
        CatalogSort::Name => "c.lower_name",
        CatalogSort::Relevance => "-c.score",
    };
    if let Some(after) = &query.after {
        q.push(" WHERE (c.deprecated, ").push(key).push(", c.id) > (").push_bind(after.deprecated).push(", ");
        match (&after.value, query.sort) {
            (SortValue::Installs(n), CatalogSort::Popular) => {
                q.push_bind(-signed(*n));
            }
            (SortValue::Rating(x), CatalogSort::Rating)
            | (SortValue::Trending(x), CatalogSort::Trending)
            | (SortValue::Score(x), CatalogSort::Relevance) => {
                q.push_bind(-*x);
            }
            (SortValue::Published(t), CatalogSort::Newest) => {
                q.push_bind(-ts(*t)?);
            }
            (SortValue::Name(n), CatalogSort::Name) => {
                q.push_bind(n.clone());
            }
            _ => {
                return Err(StorageError::backend("the cursor's sort value does not match the query's sort").into());
            }
        }
        q.push(", ").push_bind(after.id.0).push(")");
    }
    q.push(" ORDER BY c.deprecated, ").push(key).push(", c.id LIMIT ").push_bind(i64::from(query.limit) + 1);
    let rows = q.build().fetch_all(pool).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        let entry = entry_from_row(row)?;
        let score: f64 = row.try_get("score")?;
        let key = ranking::sort_key(&entry, query.sort, score);
        entries.push((entry, key));
    }
    let has_more = entries.len() > query.limit as usize;
    entries.truncate(query.limit as usize);
    Ok(CatalogPage { entries, has_more })
}

pub(crate) async fn get_catalog_entry(pool: &Pool, id: AgentId) -> R<Option<CatalogEntry>> {
    let row = sqlx::query(sql(format!(
        "SELECT {AGENT_COLS}, {STATS_COLS}, a.definition, u.handle AS owner_handle FROM agents a \
         JOIN users u ON u.id = a.owner_id \
         WHERE a.id = $1 AND a.status IN ('listed', 'unlisted', 'deprecated') AND a.latest_version IS NOT NULL"
    )))
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(entry_from_row).transpose()
}

// ---------------------------------------------------------------- installs

fn install_from_row(row: &DbRow) -> R<Install> {
    Ok(Install {
        user_id: UserId(row.try_get("user_id")?),
        agent_id: AgentId(row.try_get("agent_id")?),
        pinned_version: parse_version_opt(row.try_get("pinned_version")?)?,
        installed_at: from_ts(row.try_get("installed_at")?),
        updated_at: from_ts(row.try_get("updated_at")?),
    })
}

const INSTALL_COLS: &str = "user_id, agent_id, pinned_version, installed_at, updated_at";

/// `INSERT … ON CONFLICT DO NOTHING` decides whether the install is new; the
/// count moves by an atomic `install_count + 1` in the same transaction, so
/// the count equals the number of install rows under any concurrency.
pub(crate) async fn install(
    pool: &Pool,
    user: UserId,
    agent: AgentId,
    pinned: Option<&semver::Version>,
    now: DateTime<Utc>,
    audit: &AuditRecord,
) -> R<InstallOutcome> {
    let pinned_text = pinned.map(|v| v.to_string());
    let n = ts(now)?;
    let mut tx = begin(pool).await?;
    let inserted = sqlx::query(
        "INSERT INTO installs (user_id, agent_id, pinned_version, installed_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (user_id, agent_id) DO NOTHING",
    )
    .bind(user.0)
    .bind(agent.0)
    .bind(&pinned_text)
    .bind(n)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        sqlx::query("UPDATE agents SET install_count = install_count + 1 WHERE id = $1")
            .bind(agent.0)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        let install = Install {
            user_id: user,
            agent_id: agent,
            pinned_version: pinned.cloned(),
            installed_at: now,
            updated_at: now,
        };
        return Ok(InstallOutcome { created: true, install });
    }
    let row = sqlx::query(sql(format!(
        "SELECT {INSTALL_COLS} FROM installs WHERE user_id = $1 AND agent_id = $2{FOR_UPDATE}"
    )))
    .bind(user.0)
    .bind(agent.0)
    .fetch_optional(&mut *tx)
    .await?;
    // A concurrent uninstall removed it between the two statements: report a
    // serialization-style failure so the whole operation runs again.
    let Some(row) = row else {
        return Err(Fail::Retry("install raced with an uninstall"));
    };
    let mut existing = install_from_row(&row)?;
    if existing.pinned_version.as_ref() == pinned {
        return Ok(InstallOutcome { created: false, install: existing });
    }
    sqlx::query("UPDATE installs SET pinned_version = $3, updated_at = $4 WHERE user_id = $1 AND agent_id = $2")
        .bind(user.0)
        .bind(agent.0)
        .bind(&pinned_text)
        .bind(n)
        .execute(&mut *tx)
        .await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    existing.pinned_version = pinned.cloned();
    existing.updated_at = now;
    Ok(InstallOutcome { created: false, install: existing })
}

/// A conditional `DELETE`: only the caller whose delete removed the row decrements the count.
pub(crate) async fn uninstall(pool: &Pool, user: UserId, agent: AgentId, audit: &AuditRecord) -> R<bool> {
    let mut tx = begin(pool).await?;
    let removed = sqlx::query("DELETE FROM installs WHERE user_id = $1 AND agent_id = $2")
        .bind(user.0)
        .bind(agent.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE agents SET install_count = install_count - 1 WHERE id = $1")
        .bind(agent.0)
        .execute(&mut *tx)
        .await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn get_install(pool: &Pool, user: UserId, agent: AgentId) -> R<Option<Install>> {
    let row = sqlx::query(sql(format!("SELECT {INSTALL_COLS} FROM installs WHERE user_id = $1 AND agent_id = $2")))
        .bind(user.0)
        .bind(agent.0)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(install_from_row).transpose()
}

pub(crate) async fn list_user_installs(
    pool: &Pool,
    user: UserId,
    after: Option<(DateTime<Utc>, AgentId)>,
    limit: u32,
) -> R<Vec<Install>> {
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {INSTALL_COLS} FROM installs WHERE user_id = "));
    q.push_bind(user.0);
    if let Some((at, id)) = after {
        q.push(" AND (-installed_at, agent_id) > (").push_bind(-ts(at)?).push(", ").push_bind(id.0).push(")");
    }
    q.push(" ORDER BY -installed_at, agent_id LIMIT ").push_bind(i64::from(limit) + 1);
    let rows = q.build().fetch_all(pool).await?;
    rows.iter().map(install_from_row).collect()
}

// ---------------------------------------------------------------- ratings

/// The rating aggregate of an agent, read under its row lock (PostgreSQL
/// `FOR UPDATE`): every rating change of one agent is serialized on it, so
/// aggregates never lose an update.
async fn lock_stats(conn: &mut Conn, agent: AgentId) -> R<AgentStats> {
    let row = sqlx::query(sql(format!("SELECT {STATS_COLS} FROM agents a WHERE a.id = $1{FOR_UPDATE}")))
        .bind(agent.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StorageError::NotFound)?;
    stats_from_row(&row)
}

/// The stars as a rating value, when they are 1..=5.
fn check_stars(stars: i16) -> R<u8> {
    match stars {
        1..=5 => Ok(stars as u8),
        other => Err(Fail::Storage(StorageError::Conflict(ConflictKind::Other(format!(
            "stars must be between 1 and 5, got {other}"
        ))))),
    }
}

fn remove_stars(stats: &mut AgentStats, stars: i16) {
    if let Ok(stars) = check_stars(stars) {
        stats.remove_rating(stars);
    }
}

fn add_stars(stats: &mut AgentStats, stars: i16) -> R<()> {
    stats.add_rating(check_stars(stars)?);
    Ok(())
}

async fn write_rating_stats(conn: &mut Conn, agent: AgentId, s: &AgentStats) -> R<()> {
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

const REVIEW_COLS: &str = "id, agent_id, user_id, stars, title, body, version, created_at, updated_at";

fn review_from_row(row: &DbRow) -> R<Review> {
    let stars: i16 = row.try_get("stars")?;
    Ok(Review {
        id: ReviewId(row.try_get("id")?),
        agent_id: AgentId(row.try_get("agent_id")?),
        user_id: UserId(row.try_get("user_id")?),
        stars: u8::try_from(stars).map_err(|_| corrupt(format!("stars {stars}")))?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        version: parse_version_opt(row.try_get("version")?)?,
        created_at: from_ts(row.try_get("created_at")?),
        updated_at: from_ts(row.try_get("updated_at")?),
    })
}

/// Under the agent's row lock (see `lock_stats`).
pub(crate) async fn upsert_rating(pool: &Pool, review: &Review, audit: &AuditRecord) -> R<RatingOutcome> {
    let stars = i16::from(review.stars);
    check_stars(stars)?;
    let mut tx = begin(pool).await?;
    let mut stats = lock_stats(&mut tx, review.agent_id).await?;
    let existing = sqlx::query(sql(format!("SELECT {REVIEW_COLS} FROM reviews WHERE agent_id = $1 AND user_id = $2")))
        .bind(review.agent_id.0)
        .bind(review.user_id.0)
        .fetch_optional(&mut *tx)
        .await?;
    let version = review.version.as_ref().map(|v| v.to_string());
    let (created, stored) = match existing {
        Some(row) => {
            let old = review_from_row(&row)?;
            remove_stars(&mut stats, i16::from(old.stars));
            sqlx::query(
                "UPDATE reviews SET stars = $2, title = $3, body = $4, version = $5, updated_at = $6 WHERE id = $1",
            )
            .bind(old.id.0)
            .bind(stars)
            .bind(&review.title)
            .bind(&review.body)
            .bind(&version)
            .bind(ts(review.updated_at)?)
            .execute(&mut *tx)
            .await?;
            let stored = Review { id: old.id, created_at: old.created_at, ..review.clone() };
            (false, stored)
        }
        None => {
            sqlx::query(
                "INSERT INTO reviews (id, agent_id, user_id, stars, title, body, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(review.id.0)
            .bind(review.agent_id.0)
            .bind(review.user_id.0)
            .bind(stars)
            .bind(&review.title)
            .bind(&review.body)
            .bind(&version)
            .bind(ts(review.created_at)?)
            .bind(ts(review.updated_at)?)
            .execute(&mut *tx)
            .await?;
            (true, review.clone())
        }
    };
    add_stars(&mut stats, stars)?;
    write_rating_stats(&mut tx, review.agent_id, &stats).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(RatingOutcome { created, review: stored })
}

/// Under the agent's row lock (see `lock_stats`).
pub(crate) async fn delete_rating(pool: &Pool, user: UserId, agent: AgentId, audit: &AuditRecord) -> R<bool> {
    let mut tx = begin(pool).await?;
    let mut stats = match lock_stats(&mut tx, agent).await {
        Ok(s) => s,
        Err(Fail::Storage(StorageError::NotFound)) => return Ok(false),
        Err(e) => return Err(e),
    };
    let Some(row) = sqlx::query("DELETE FROM reviews WHERE agent_id = $1 AND user_id = $2 RETURNING stars")
        .bind(agent.0)
        .bind(user.0)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(false);
    };
    remove_stars(&mut stats, row.try_get("stars")?);
    write_rating_stats(&mut tx, agent, &stats).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

/// Under the agent's row lock (see `lock_stats`).
pub(crate) async fn delete_review(pool: &Pool, id: ReviewId, audit: &AuditRecord) -> R<bool> {
    let mut tx = begin(pool).await?;
    let Some(row) =
        sqlx::query("SELECT agent_id FROM reviews WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?
    else {
        return Ok(false);
    };
    let agent = AgentId(row.try_get("agent_id")?);
    let mut stats = lock_stats(&mut tx, agent).await?;
    let Some(row) =
        sqlx::query("DELETE FROM reviews WHERE id = $1 RETURNING stars").bind(id.0).fetch_optional(&mut *tx).await?
    else {
        return Ok(false);
    };
    remove_stars(&mut stats, row.try_get("stars")?);
    write_rating_stats(&mut tx, agent, &stats).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn get_rating(pool: &Pool, user: UserId, agent: AgentId) -> R<Option<Review>> {
    let row = sqlx::query(sql(format!("SELECT {REVIEW_COLS} FROM reviews WHERE agent_id = $1 AND user_id = $2")))
        .bind(agent.0)
        .bind(user.0)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(review_from_row).transpose()
}

pub(crate) async fn get_review(pool: &Pool, id: ReviewId) -> R<Option<Review>> {
    let row = sqlx::query(sql(format!("SELECT {REVIEW_COLS} FROM reviews WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(review_from_row).transpose()
}

pub(crate) async fn list_reviews(
    pool: &Pool,
    agent: AgentId,
    sort: ReviewSort,
    after: Option<ReviewKey>,
    limit: u32,
) -> R<Vec<Review>> {
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {REVIEW_COLS} FROM reviews WHERE agent_id = "));
    q.push_bind(agent.0);
    let order = match sort {
        ReviewSort::Newest => "-updated_at, id",
        ReviewSort::Stars => "-stars, -updated_at, id",
    };
    if let Some(k) = after {
        q.push(" AND (").push(order).push(") > (");
        if sort == ReviewSort::Stars {
            q.push_bind(-i16::from(k.stars)).push(", ");
        }
        q.push_bind(-ts(k.at)?).push(", ").push_bind(k.id.0).push(")");
    }
    q.push(" ORDER BY ").push(order).push(" LIMIT ").push_bind(i64::from(limit) + 1);
    let rows = q.build().fetch_all(pool).await?;
    rows.iter().map(review_from_row).collect()
}

// ---------------------------------------------------------------- usage

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

/// PostgreSQL `ts_rank` weights from core's class weights: an array literal
/// ordered D, C, B, A (the `setweight` labels of name = A .. descriptions = D).
fn pg_rank_weights() -> String {
    let [a, b, c, d] = agentmart_core::text::weights::classes_relative();
    format!("{{{d}, {c}, {b}, {a}}}")
}

/// SQLite FTS5 `bm25` column weights from core's class weights, in the
/// column order of `agent_fts` (name, high, skills, low).
fn sqlite_bm25_weights() -> String {
    agentmart_core::text::weights::CLASSES.map(|w| format!("{w:?}")).join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn rank_weights_come_from_core_in_each_dialects_order() {
        assert_eq!(super::pg_rank_weights(), "{0.125, 0.25, 0.5, 1}");
        assert_eq!(super::sqlite_bm25_weights(), "8.0, 4.0, 2.0, 1.0");
    }
}
