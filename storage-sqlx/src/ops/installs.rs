//! Installs and the install count (`InstallStore`).

use agentmart_core::ids::{AgentId, UserId};
use agentmart_core::model::*;
use agentmart_core::storage::*;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row as _};

use super::shared::*;
use crate::util::*;

pub(super) fn install_from_row(row: &DbRow) -> R<Install> {
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
