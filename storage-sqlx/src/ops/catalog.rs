//! The public catalogue: filtered, searched, keyset-paginated listing (`CatalogStore`).

use agentmart_core::ids::AgentId;
use agentmart_core::model::*;
use agentmart_core::ranking;
use agentmart_core::storage::*;
use sqlx::{QueryBuilder, Row as _};

use super::shared::*;
use crate::util::*;

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
