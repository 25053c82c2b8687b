//! Audit log: appending records and listing them newest first (`AuditStore`).

use agentmart_core::ids::{AuditId, UserId};
use agentmart_core::model::*;
use sqlx::{QueryBuilder, Row as _};
use uuid::Uuid;

use super::shared::*;
use crate::util::*;

pub(super) fn audit_from_row(row: &DbRow) -> R<AuditRecord> {
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
