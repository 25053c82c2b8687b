//! Ratings and reviews (`RatingStore`).

use agentmart_core::ids::{AgentId, ReviewId, UserId};
use agentmart_core::model::*;
use agentmart_core::storage::*;
use sqlx::{QueryBuilder, Row as _};

use super::shared::*;
use crate::util::*;

const REVIEW_COLS: &str = "id, agent_id, user_id, stars, title, body, version, created_at, updated_at";

pub(super) fn review_from_row(row: &DbRow) -> R<Review> {
    let stars: i16 = row.try_get("stars")?;
    Ok(Review {
        id: ReviewId(row.try_get("id")?),
        agent_id: AgentId(row.try_get("agent_id")?),
        user_id: UserId(row.try_get("user_id")?),
        stars: stars_from_db(stars)?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        version: parse_version_opt(row.try_get("version")?)?,
        created_at: from_ts(row.try_get("created_at")?),
        updated_at: from_ts(row.try_get("updated_at")?),
    })
}

/// Under the agent's row lock (see `lock_stats`).
/// The review's row, as stored, in `conn`.
pub(super) async fn insert_review_row(conn: &mut Conn, review: &Review) -> R<()> {
    sqlx::query(
        "INSERT INTO reviews (id, agent_id, user_id, stars, title, body, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(review.id.0)
    .bind(review.agent_id.0)
    .bind(review.user_id.0)
    .bind(i16::from(review.stars.get()))
    .bind(&review.title)
    .bind(&review.body)
    .bind(review.version.as_ref().map(|v| v.to_string()))
    .bind(ts(review.created_at)?)
    .bind(ts(review.updated_at)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_rating(pool: &Pool, review: &Review, audit: &AuditRecord) -> R<RatingOutcome> {
    let stars = i16::from(review.stars.get());
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
            stats.remove_rating(old.stars);
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
            insert_review_row(&mut tx, review).await?;
            (true, review.clone())
        }
    };
    stats.add_rating(stored.stars);
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
    stats.remove_rating(stars_from_db(row.try_get("stars")?)?);
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
    stats.remove_rating(stars_from_db(row.try_get("stars")?)?);
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
            q.push_bind(-i16::from(k.stars.get())).push(", ");
        }
        q.push_bind(-ts(k.at)?).push(", ").push_bind(k.id.0).push(")");
    }
    q.push(" ORDER BY ").push(order).push(" LIMIT ").push_bind(i64::from(limit) + 1);
    let rows = q.build().fetch_all(pool).await?;
    rows.iter().map(review_from_row).collect()
}
