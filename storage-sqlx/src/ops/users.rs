//! Users and their one-time tokens (`UserStore`).

use agentmart_core::ids::{AgentId, SessionId, UserId};
use agentmart_core::model::*;
use agentmart_core::storage::*;
use chrono::{DateTime, Utc};
use sqlx::Row as _;
use uuid::Uuid;

use super::shared::*;
use crate::util::*;

pub(super) const USER_COLS: &str = "id, email, email_verified, handle, display_name, bio, avatar_url, role, disabled, \
                         password_hash, external_id, created_at, updated_at";

pub(super) fn user_from_row(row: &DbRow) -> R<UserRecord> {
    let role: String = row.try_get("role")?;
    Ok(UserRecord {
        id: UserId(row.try_get("id")?),
        email: row.try_get::<Option<String>, _>("email")?.map(Email::from_stored),
        email_verified: row.try_get("email_verified")?,
        handle: Handle::from_stored(row.try_get("handle")?),
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
        && exists(&mut tx, "SELECT 1 FROM users WHERE email_key = $1", email.key(), None).await?
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
    insert_user_row(&mut tx, user).await?;
    // After the insert: on PostgreSQL the unique handle index made it wait
    // for a concurrent deletion of the handle's holder, whose retirement
    // record this statement's fresh snapshot then sees.
    if handle_retired(&mut tx, user.handle.as_str()).await? {
        return Err(StorageError::Conflict(ConflictKind::Handle).into());
    }
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

async fn handle_retired(conn: &mut Conn, handle: &str) -> R<bool> {
    exists(conn, "SELECT 1 FROM retired_handles WHERE handle = $1", handle, None).await
}

pub(crate) async fn retired_handle(pool: &Pool, handle: &Handle) -> R<Option<RetiredHandle>> {
    let row = sqlx::query("SELECT handle, user_id, retired_at FROM retired_handles WHERE handle = $1")
        .bind(handle.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(retired_from_row).transpose()
}

pub(super) fn retired_from_row(row: &DbRow) -> R<RetiredHandle> {
    Ok(RetiredHandle {
        handle: Handle::from_stored(row.try_get("handle")?),
        user_id: UserId(row.try_get("user_id")?),
        retired_at: from_ts(row.try_get("retired_at")?),
    })
}

pub(super) async fn insert_retired_row(conn: &mut Conn, r: &RetiredHandle) -> R<()> {
    sqlx::query("INSERT INTO retired_handles (handle, user_id, retired_at) VALUES ($1, $2, $3)")
        .bind(r.handle.as_str())
        .bind(r.user_id.0)
        .bind(ts(r.retired_at)?)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn release_retired_handle(pool: &Pool, handle: &Handle, retired_before: DateTime<Utc>) -> R<bool> {
    let done = sqlx::query("DELETE FROM retired_handles WHERE handle = $1 AND retired_at <= $2")
        .bind(handle.as_str())
        .bind(ts(retired_before)?)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The user's row, as stored (its lookup key derived from the email), in `conn`.
pub(super) async fn insert_user_row(conn: &mut Conn, user: &UserRecord) -> R<()> {
    sqlx::query(
        "INSERT INTO users (id, email, email_verified, handle, display_name, bio, avatar_url, role, disabled, \
         password_hash, external_id, created_at, updated_at, email_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(user.id.0)
    .bind(user.email.as_deref())
    .bind(user.email_verified)
    .bind(user.handle.as_str())
    .bind(&user.display_name)
    .bind(&user.bio)
    .bind(&user.avatar_url)
    .bind(user.role.as_str())
    .bind(user.disabled)
    .bind(&user.password_hash)
    .bind(&user.external_id)
    .bind(ts(user.created_at)?)
    .bind(ts(user.updated_at)?)
    .bind(user.email.as_ref().map(Email::key))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The one-time token's row, as stored, in `conn`.
pub(super) async fn insert_one_time_token_row(conn: &mut Conn, token: &OneTimeToken) -> R<()> {
    sqlx::query(
        "INSERT INTO one_time_tokens (hash, kind, user_id, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token.hash.0[..])
    .bind(kind_str(token.kind))
    .bind(token.user_id.0)
    .bind(token.email.as_deref())
    .bind(ts(token.created_at)?)
    .bind(ts(token.expires_at)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn get_user(pool: &Pool, id: UserId) -> R<Option<UserRecord>> {
    let mut conn = pool.acquire().await?;
    user_by(&mut conn, "id", id.0, false).await
}

/// By `email_key` (the [`Email::key`], already case-folded by core), `handle` or `external_id`.
pub(crate) async fn find_user(pool: &Pool, column: &'static str, value: &str) -> R<Option<UserRecord>> {
    let mut conn = pool.acquire().await?;
    user_by(&mut conn, column, value, false).await
}

/// PostgreSQL: the user row is locked, so concurrent patches apply one after the other.
pub(crate) async fn update_profile(
    pool: &Pool,
    id: UserId,
    patch: &ProfileChange,
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
    let changes_handle = patch.handle.is_some();
    patch.apply_except_handle(&mut user, now);
    sqlx::query(
        "UPDATE users SET handle = $2, display_name = $3, bio = $4, avatar_url = $5, updated_at = $6 WHERE id = $1",
    )
    .bind(id.0)
    .bind(user.handle.as_str())
    .bind(&user.display_name)
    .bind(&user.bio)
    .bind(&user.avatar_url)
    .bind(ts(now)?)
    .execute(&mut *tx)
    .await?;
    // After the update, for the reason given in `create_user`.
    if changes_handle && handle_retired(&mut tx, user.handle.as_str()).await? {
        return Err(StorageError::Conflict(ConflictKind::Handle).into());
    }
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
    let user = user_by(&mut tx, "id", id.0, true).await?.ok_or(StorageError::NotFound)?;
    // Sessions go with every refresh-token hash (ON DELETE CASCADE).
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
    let pattern = format!("%{id}%");
    sqlx::query("DELETE FROM counters WHERE key LIKE $1").bind(&pattern).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM usage_users WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
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
            stats.remove_rating(stars_from_db(row.try_get("stars")?)?);
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
    sqlx::query(
        "INSERT INTO retired_handles (handle, user_id, retired_at) VALUES ($1, $2, $3) \
         ON CONFLICT (handle) DO UPDATE SET user_id = excluded.user_id, retired_at = excluded.retired_at",
    )
    .bind(user.handle.as_str())
    .bind(id.0)
    .bind(ts(now)?)
    .execute(&mut *tx)
    .await?;
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
    insert_one_time_token_row(&mut tx, token).await?;
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
    let token_email = row.try_get::<Option<String>, _>("email")?.map(Email::from_stored);
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

/// The token row is locked (PostgreSQL) and deleted in the same transaction
/// as the update; the new address is pre-checked inside the transaction and
/// the unique index on `email_key` settles a race with a registration.
pub(crate) async fn change_email_with_token(
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
    .bind(kind_str(OneTimeTokenKind::EmailChange))
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(ConsumeOutcome::Unknown);
    };
    let user_id = UserId(row.try_get("user_id")?);
    let new_email = row.try_get::<Option<String>, _>("email")?.map(Email::from_stored);
    if ts(now)? >= row.try_get::<i64, _>("expires_at")? {
        sqlx::query("DELETE FROM one_time_tokens WHERE hash = $1").bind(&hash.0[..]).execute(&mut *tx).await?;
        tx.commit().await?;
        return Ok(ConsumeOutcome::Expired);
    }
    let Some(new_email) = new_email else {
        return Ok(ConsumeOutcome::Unknown);
    };
    let Some(mut user) = user_by(&mut tx, "id", user_id.0, true).await? else {
        return Ok(ConsumeOutcome::Unknown);
    };
    if exists(&mut tx, "SELECT 1 FROM users WHERE email_key = $1 AND id <> $2", new_email.key(), Some(user_id.0))
        .await?
    {
        return Err(StorageError::Conflict(ConflictKind::Email).into());
    }
    sqlx::query("UPDATE users SET email = $2, email_key = $3, email_verified = $4, updated_at = $5 WHERE id = $1")
        .bind(user_id.0)
        .bind(new_email.as_str())
        .bind(new_email.key())
        .bind(true)
        .bind(ts(now)?)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM one_time_tokens WHERE user_id = $1").bind(user_id.0).execute(&mut *tx).await?;
    user.email = Some(new_email);
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

pub(crate) async fn find_one_time_token(pool: &Pool, hash: &TokenHash) -> R<Option<OneTimeToken>> {
    let Some(row) =
        sqlx::query("SELECT hash, kind, user_id, email, created_at, expires_at FROM one_time_tokens WHERE hash = $1")
            .bind(&hash.0[..])
            .fetch_optional(pool)
            .await?
    else {
        return Ok(None);
    };
    let kind: String = row.try_get("kind")?;
    let kind = [OneTimeTokenKind::PasswordReset, OneTimeTokenKind::EmailVerification, OneTimeTokenKind::EmailChange]
        .into_iter()
        .find(|k| k.as_str() == kind)
        .ok_or_else(|| corrupt(format!("one-time token kind `{kind}`")))?;
    Ok(Some(OneTimeToken {
        hash: *hash,
        kind,
        user_id: UserId(row.try_get("user_id")?),
        email: row.try_get::<Option<String>, _>("email")?.map(Email::from_stored),
        created_at: from_ts(row.try_get("created_at")?),
        expires_at: from_ts(row.try_get("expires_at")?),
    }))
}

pub(crate) async fn delete_one_time_tokens(pool: &Pool, user: UserId, kind: OneTimeTokenKind) -> R<u64> {
    let done = sqlx::query("DELETE FROM one_time_tokens WHERE user_id = $1 AND kind = $2")
        .bind(user.0)
        .bind(kind_str(kind))
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
