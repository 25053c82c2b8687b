//! Whole-store export and import (`ExportStore`). The one module that reads
//! every table, so it builds on the row decoders of the domain modules.

use agentmart_core::ids::{AgentId, UserId};
use agentmart_core::model::*;
use agentmart_core::ranking;
use agentmart_core::storage::*;
use sqlx::Row as _;

use super::agents::{insert_draft_row, insert_version_row, refresh_catalog, version_from_row};
use super::audit::audit_from_row;
use super::installs::install_from_row;
use super::ratings::{insert_review_row, review_from_row};
use super::sessions::{insert_refresh_token, insert_session_row, session_from_row};
use super::shared::*;
use super::users::{
    USER_COLS, insert_one_time_token_row, insert_retired_row, insert_user_row, retired_from_row, user_from_row,
};
use crate::util::*;

fn wrong_cursor() -> Fail {
    Fail::Storage(StorageError::Conflict(ConflictKind::Other("export cursor of another kind".into())))
}

fn hash_from(bytes: Vec<u8>) -> R<TokenHash> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| corrupt("token hash length"))?;
    Ok(TokenHash(array))
}

fn one_time_from_row(row: &DbRow) -> R<OneTimeToken> {
    let kind: String = row.try_get("kind")?;
    Ok(OneTimeToken {
        hash: hash_from(row.try_get("hash")?)?,
        kind: match kind.as_str() {
            "password_reset" => OneTimeTokenKind::PasswordReset,
            "email_verification" => OneTimeTokenKind::EmailVerification,
            "email_change" => OneTimeTokenKind::EmailChange,
            other => return Err(corrupt(format!("one-time token kind `{other}`"))),
        },
        user_id: UserId(row.try_get("user_id")?),
        email: row.try_get::<Option<String>, _>("email")?.map(Email::from_stored),
        created_at: from_ts(row.try_get("created_at")?),
        expires_at: from_ts(row.try_get("expires_at")?),
    })
}

/// One keyset page: `SELECT cols FROM table [WHERE (keys) > (…)] ORDER BY keys LIMIT n`.
/// `bind` adds the key values of the cursor (as many as `keys`).
macro_rules! page {
    ($pool:expr, $cols:expr, $from:expr, $keys:expr, $n:expr, $limit:expr, $after:expr, |$q:ident| $bind:expr) => {{
        let placeholders: Vec<String> = (1..=$n).map(|i| format!("${i}")).collect();
        let filter = if $after { format!(" WHERE ({}) > ({})", $keys, placeholders.join(", ")) } else { String::new() };
        let text = format!("SELECT {} FROM {}{} ORDER BY {} LIMIT {}", $cols, $from, filter, $keys, $limit);
        let $q = sqlx::query(sql(text));
        let $q = if $after { $bind } else { $q };
        $q.fetch_all($pool).await?
    }};
}

pub(crate) async fn export_page(
    pool: &Pool,
    kind: ExportKind,
    after: Option<&ExportRecord>,
    limit: u32,
) -> R<Vec<ExportRecord>> {
    if after.is_some_and(|a| a.kind() != kind) {
        return Err(wrong_cursor());
    }
    let some = after.is_some();
    let rows = match (kind, after) {
        (ExportKind::User, a) => page!(pool, USER_COLS, "users", "id", 1, limit, some, |q| match a {
            Some(ExportRecord::User(u)) => q.bind(u.id.0),
            _ => q,
        }),
        (ExportKind::RetiredHandle, a) => {
            page!(pool, "handle, user_id, retired_at", "retired_handles", "handle", 1, limit, some, |q| match a {
                Some(ExportRecord::RetiredHandle(r)) => q.bind(r.handle.as_str().to_string()),
                _ => q,
            })
        }
        (ExportKind::Session, a) => page!(
            pool,
            "id, user_id, created_at, last_used_at, expires_at, user_agent, ip, revoked_at",
            "sessions",
            "id",
            1,
            limit,
            some,
            |q| match a {
                Some(ExportRecord::Session(s)) => q.bind(s.id.0),
                _ => q,
            }
        ),
        (ExportKind::RefreshToken, a) => {
            page!(pool, "hash, session_id, current", "refresh_tokens", "hash", 1, limit, some, |q| match a {
                Some(ExportRecord::RefreshToken(r)) => q.bind(r.hash.0.to_vec()),
                _ => q,
            })
        }
        (ExportKind::OneTimeToken, a) => page!(
            pool,
            "hash, kind, user_id, email, created_at, expires_at",
            "one_time_tokens",
            "hash",
            1,
            limit,
            some,
            |q| match a {
                Some(ExportRecord::OneTimeToken(t)) => q.bind(t.hash.0.to_vec()),
                _ => q,
            }
        ),
        (ExportKind::Agent, a) => {
            page!(pool, format!("{AGENT_COLS}, {STATS_COLS}"), "agents a", "a.id", 1, limit, some, |q| match a {
                Some(ExportRecord::Agent(r)) => q.bind(r.agent.id.0),
                _ => q,
            })
        }
        (ExportKind::Draft, a) => {
            page!(pool, "agent_id, definition, updated_at", "drafts", "agent_id", 1, limit, some, |q| match a {
                Some(ExportRecord::Draft(d)) => q.bind(d.agent_id.0),
                _ => q,
            })
        }
        (ExportKind::Version, a) => page!(
            pool,
            "agent_id, version, definition, changelog, published_at, published_by",
            "agent_versions",
            "agent_id, version",
            2,
            limit,
            some,
            |q| match a {
                Some(ExportRecord::Version(v)) => q.bind(v.agent_id.0).bind(v.version.to_string()),
                _ => q,
            }
        ),
        (ExportKind::Install, a) => page!(
            pool,
            "user_id, agent_id, pinned_version, installed_at, updated_at",
            "installs",
            "user_id, agent_id",
            2,
            limit,
            some,
            |q| match a {
                Some(ExportRecord::Install(i)) => q.bind(i.user_id.0).bind(i.agent_id.0),
                _ => q,
            }
        ),
        (ExportKind::Review, a) => page!(
            pool,
            "id, agent_id, user_id, stars, title, body, version, created_at, updated_at",
            "reviews",
            "id",
            1,
            limit,
            some,
            |q| match a {
                Some(ExportRecord::Review(r)) => q.bind(r.id.0),
                _ => q,
            }
        ),
        (ExportKind::UsageDay, a) => {
            page!(pool, "agent_id, day, events, units, users", "usage_days", "agent_id, day", 2, limit, some, |q| {
                match a {
                    Some(ExportRecord::UsageDay(u)) => q.bind(u.agent_id.0).bind(day_text(u.usage.date)),
                    _ => q,
                }
            })
        }
        (ExportKind::UsageUser, a) => {
            page!(pool, "agent_id, day, user_id", "usage_users", "agent_id, day, user_id", 3, limit, some, |q| {
                match a {
                    Some(ExportRecord::UsageUser(u)) => q.bind(u.agent_id.0).bind(day_text(u.date)).bind(u.user_id.0),
                    _ => q,
                }
            })
        }
        (ExportKind::Audit, a) => {
            page!(pool, "id, at, actor, subject, action, target, ip, details", "audit", "id", 1, limit, some, |q| {
                match a {
                    Some(ExportRecord::Audit(r)) => q.bind(r.id.0),
                    _ => q,
                }
            })
        }
    };
    rows.iter().map(|row| decode(kind, row)).collect()
}

fn decode(kind: ExportKind, row: &DbRow) -> R<ExportRecord> {
    Ok(match kind {
        ExportKind::User => ExportRecord::User(user_from_row(row)?),
        ExportKind::RetiredHandle => ExportRecord::RetiredHandle(retired_from_row(row)?),
        ExportKind::Session => ExportRecord::Session(session_from_row(row)?),
        ExportKind::RefreshToken => ExportRecord::RefreshToken(RefreshTokenRecord {
            hash: hash_from(row.try_get("hash")?)?,
            session_id: agentmart_core::ids::SessionId(row.try_get("session_id")?),
            current: row.try_get("current")?,
        }),
        ExportKind::OneTimeToken => ExportRecord::OneTimeToken(one_time_from_row(row)?),
        ExportKind::Agent => {
            ExportRecord::Agent(AgentRecord { agent: agent_from_row(row)?, stats: stats_from_row(row)? })
        }
        ExportKind::Draft => ExportRecord::Draft(Draft {
            agent_id: AgentId(row.try_get("agent_id")?),
            definition: definition_from(&row.try_get::<String, _>("definition")?)?,
            updated_at: from_ts(row.try_get("updated_at")?),
        }),
        ExportKind::Version => ExportRecord::Version(version_from_row(row)?),
        ExportKind::Install => ExportRecord::Install(install_from_row(row)?),
        ExportKind::Review => ExportRecord::Review(review_from_row(row)?),
        ExportKind::UsageDay => ExportRecord::UsageDay(UsageDayRecord {
            agent_id: AgentId(row.try_get("agent_id")?),
            usage: DailyUsage {
                date: parse_day(&row.try_get::<String, _>("day")?)?,
                events: count(row.try_get("events")?),
                units: count(row.try_get("units")?),
                users: count(row.try_get("users")?),
            },
        }),
        ExportKind::UsageUser => ExportRecord::UsageUser(UsageUserRecord {
            agent_id: AgentId(row.try_get("agent_id")?),
            date: parse_day(&row.try_get::<String, _>("day")?)?,
            user_id: UserId(row.try_get("user_id")?),
        }),
        ExportKind::Audit => ExportRecord::Audit(audit_from_row(row)?),
    })
}

pub(crate) async fn is_empty_store(pool: &Pool) -> R<bool> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1) u) + (SELECT COUNT(*) FROM (SELECT 1 FROM agents LIMIT 1) a) \
         + (SELECT COUNT(*) FROM (SELECT 1 FROM audit LIMIT 1) x) AS n",
    )
    .fetch_one(pool)
    .await?;
    Ok(row.try_get::<i64, _>("n")? == 0)
}

pub(crate) async fn import_batch(pool: &Pool, records: &[ExportRecord]) -> R<()> {
    let mut tx = begin(pool).await?;
    for record in records {
        import_one(&mut tx, record).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn import_one(conn: &mut Conn, record: &ExportRecord) -> R<()> {
    match record {
        ExportRecord::User(user) => insert_user_row(conn, user).await?,
        ExportRecord::RetiredHandle(r) => insert_retired_row(conn, r).await?,
        ExportRecord::Session(s) => insert_session_row(conn, s).await?,
        ExportRecord::RefreshToken(r) => insert_refresh_token(conn, &r.hash, r.session_id, r.current).await?,
        ExportRecord::OneTimeToken(t) => insert_one_time_token_row(conn, t).await?,
        ExportRecord::Agent(AgentRecord { agent, stats }) => {
            let h = stats.histogram;
            sqlx::query(
                "INSERT INTO agents (id, owner_id, slug, status, status_message, latest_version, created_at, updated_at, \
                 published_at, install_count, rating_count, rating_sum, stars_1, stars_2, stars_3, stars_4, stars_5, \
                 usage_events, trending, damped_rating, in_catalog, deprecated, moderated_at, moderation_reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
                 $22, $23, $24)",
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
            .bind(signed(stats.install_count))
            .bind(signed(stats.rating_count))
            .bind(signed(stats.rating_sum))
            .bind(signed(h[0]))
            .bind(signed(h[1]))
            .bind(signed(h[2]))
            .bind(signed(h[3]))
            .bind(signed(h[4]))
            .bind(signed(stats.usage_events))
            .bind(stats.trending)
            .bind(ranking::damped_rating(stats))
            .bind(agent.status.is_public_listing() && agent.latest_version.is_some())
            .bind(agent.status == AgentStatus::Deprecated)
            .bind(ts_opt(agent.moderation.as_ref().map(|m| m.at))?)
            .bind(agent.moderation.as_ref().and_then(|m| m.reason.clone()))
            .execute(&mut *conn)
            .await?;
        }
        ExportRecord::Draft(d) => insert_draft_row(conn, d.agent_id, d).await?,
        ExportRecord::Version(v) => {
            insert_version_row(conn, v).await?;
            let latest: Option<String> = sqlx::query("SELECT latest_version FROM agents WHERE id = $1")
                .bind(v.agent_id.0)
                .fetch_one(&mut *conn)
                .await?
                .try_get("latest_version")?;
            if latest == Some(v.version.to_string()) {
                refresh_catalog(conn, v.agent_id, &v.definition).await?;
            }
        }
        ExportRecord::Install(i) => {
            sqlx::query(
                "INSERT INTO installs (user_id, agent_id, pinned_version, installed_at, updated_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(i.user_id.0)
            .bind(i.agent_id.0)
            .bind(i.pinned_version.as_ref().map(|v| v.to_string()))
            .bind(ts(i.installed_at)?)
            .bind(ts(i.updated_at)?)
            .execute(&mut *conn)
            .await?;
        }
        ExportRecord::Review(r) => insert_review_row(conn, r).await?,
        ExportRecord::UsageDay(u) => {
            sqlx::query("INSERT INTO usage_days (agent_id, day, events, units, users) VALUES ($1, $2, $3, $4, $5)")
                .bind(u.agent_id.0)
                .bind(day_text(u.usage.date))
                .bind(signed(u.usage.events))
                .bind(signed(u.usage.units))
                .bind(signed(u.usage.users))
                .execute(&mut *conn)
                .await?;
        }
        ExportRecord::UsageUser(u) => {
            sqlx::query("INSERT INTO usage_users (agent_id, day, user_id) VALUES ($1, $2, $3)")
                .bind(u.agent_id.0)
                .bind(day_text(u.date))
                .bind(u.user_id.0)
                .execute(&mut *conn)
                .await?;
        }
        ExportRecord::Audit(a) => insert_audit(conn, a).await?,
    }
    Ok(())
}
