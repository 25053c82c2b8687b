//! Shared fixtures of the agentmart benchmarks: stores of every backend and a
//! deterministic catalogue of many published agents.
//!
//! The catalogue is written straight through the storage traits (not the
//! services) so that building 100,000 agents does not hash 100,000 passwords.
//! Every agent's description contains the word [`COMMON_WORD`]; agent `i` has
//! the unique word `rare{i}` in its tagline, so searches for a rare and for a
//! universal word can be measured.

use std::sync::{Arc, OnceLock};

use agentmart_core::storage::{PublishVersion, Store};
use agentmart_core::{
    Agent, AgentDefinition, AgentId, AgentStatus, AgentVersion, AuditRecord, Draft, Role, Skill, UserId, UserRecord,
};
use agentmart_storage_sqlx::{SqlxOptions, SqlxStore};
use chrono::{Duration, TimeZone, Utc};

/// The backends [`open_store`] knows, by the names `BENCH_BACKENDS` lists.
pub const BACKENDS: &[&str] = &["sled", "sqlite", "postgres"];

/// The backends to benchmark: the comma-separated names in the environment
/// variable `BENCH_BACKENDS` (default `sled`), blanks ignored.
pub fn backends_from_env() -> Vec<String> {
    let raw = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sled".to_string());
    raw.split(',').map(str::trim).filter(|name| !name.is_empty()).map(str::to_string).collect()
}

/// Opens a fresh, empty store of the backend `name` for a benchmark run; the
/// error is a message for the person running the benchmarks.
///
/// * `sled`: [`agentmart_storage_sled::SledStore::temporary`], a sled
///   database in a temporary directory removed when the store drops.
/// * `sqlite`: an SQLite file (WAL mode, default pool of 10 connections) in a
///   new directory under the system temporary directory, printed on stderr.
///   The store has no hook to remove it when dropped, so the directory stays
///   after the run: delete it by hand (a 100,000-agent catalogue takes a few
///   hundred MB).
/// * `postgres`: a fresh schema `am_bench_<pid>_<nanos>` in the database at
///   `DATABASE_URL` (default pool of 10 connections), dropped with everything
///   in it when the store drops.
///
/// `open_store` is synchronous, so the SQL stores are connected on a private
/// background tokio runtime that lives as long as the process; the pool works
/// from any runtime afterwards (connections opened while connecting keep
/// their I/O on the background runtime, later ones on the caller's). An
/// unknown name is an error, never a silent fallback to another backend.
pub fn open_store(name: &str) -> Result<Arc<dyn Store>, String> {
    match name {
        "sled" => match agentmart_storage_sled::SledStore::temporary() {
            Ok(store) => Ok(Arc::new(store)),
            Err(e) => Err(format!("cannot open a temporary sled store: {e} ({e:?})")),
        },
        "sqlite" => {
            let dir = tempfile::Builder::new()
                .prefix("agentmart-bench-sqlite-")
                .tempdir()
                .map_err(|e| format!("cannot create a temporary directory for SQLite: {e}"))?
                .keep();
            let url = format!("sqlite:{}", dir.join("agentmart.db").display());
            eprintln!("[sqlite] store at {url} (remove {} after the run)", dir.display());
            connect_sql(&url, SqlxOptions::default())
        }
        "postgres" => {
            let url = std::env::var("DATABASE_URL").ok().filter(|url| !url.trim().is_empty()).ok_or_else(|| {
                "the `postgres` backend needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)".to_string()
            })?;
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let schema = format!("am_bench_{}_{nanos}", std::process::id());
            eprintln!("[postgres] store in the fresh schema {schema} (dropped at the end)");
            let options =
                SqlxOptions { postgres_schema: Some(schema), drop_schema_on_drop: true, ..SqlxOptions::default() };
            connect_sql(&url, options)
        }
        other => Err(format!("unknown benchmark backend `{other}` (known: {})", BACKENDS.join(", "))),
    }
}

/// The background runtime the SQL stores are connected on (see [`open_store`]).
fn background_runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bench-sql-connect")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    Ok(RUNTIME.get_or_init(|| rt))
}

/// Connects an [`SqlxStore`] (applying migrations) from synchronous code,
/// also when called inside another runtime.
fn connect_sql(url: &str, options: SqlxOptions) -> Result<Arc<dyn Store>, String> {
    let rt = background_runtime()?;
    let url_owned = url.to_string();
    let connected =
        std::thread::scope(|scope| scope.spawn(|| rt.block_on(SqlxStore::connect(&url_owned, options))).join())
            .map_err(|_| "connecting panicked".to_string())?;
    match connected {
        Ok(store) => Ok(Arc::new(store)),
        Err(e) => Err(format!("cannot open the store at {}: {e}", redact(url))),
    }
}

/// The URL without a password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_string(),
    }
}

/// The handle of the user who owns agent `i` when `owners` users own the catalogue.
pub fn owner_handle(i: usize, owners: usize) -> String {
    format!("user{}", i % owners)
}

/// The slug of agent `i`.
pub fn slug(i: usize) -> String {
    format!("agent-{i}")
}

/// A word that occurs in every generated agent.
pub const COMMON_WORD: &str = "assistant";

/// Words the generator draws names and descriptions from.
const WORDS: &[&str] = &[
    "code",
    "review",
    "sql",
    "python",
    "rust",
    "translate",
    "summarize",
    "email",
    "legal",
    "finance",
    "travel",
    "recipe",
    "fitness",
    "music",
    "poetry",
    "research",
    "data",
    "chart",
    "support",
    "sales",
    "marketing",
    "math",
    "physics",
    "history",
    "design",
    "image",
    "audio",
    "video",
    "planner",
    "tutor",
];

/// Categories cycled through by the generator.
pub const CATEGORIES: &[&str] = &["productivity", "development", "writing", "education", "business"];

/// A deterministic definition for agent number `i`.
pub fn definition(i: usize) -> AgentDefinition {
    let w = |k: usize| WORDS[(i.wrapping_mul(7).wrapping_add(k * 13)) % WORDS.len()];
    AgentDefinition {
        name: format!("{} {} {}", w(0), w(1), i),
        tagline: format!("The {} {} rare{i}", w(2), COMMON_WORD),
        description: format!("An {COMMON_WORD} for {} and {} tasks, tuned for {}.", w(3), w(4), w(5)),
        system_prompt: format!("You are a helpful {} {COMMON_WORD}.", w(0)),
        skills: vec![Skill {
            id: "main".into(),
            name: format!("{} help", w(1)),
            description: format!("Helps with {}.", w(6)),
            tags: vec![w(7).to_string()],
            examples: vec![format!("Help me with {}", w(8))],
        }],
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["text/plain".into()],
        category: Some(CATEGORIES[i % CATEGORIES.len()].to_string()),
        tags: vec![w(9).to_string(), w(10).to_string()],
        ..Default::default()
    }
}

/// A user record with a fixed, unusable password hash.
pub fn user(i: usize) -> UserRecord {
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    UserRecord {
        id: UserId::new(),
        email: Some(format!("user{i}@bench.example").parse().expect("a valid email")),
        email_verified: true,
        handle: format!("user{i}").parse().expect("a valid handle"),
        display_name: Some(format!("User {i}")),
        bio: None,
        avatar_url: None,
        role: Role::User,
        disabled: false,
        password_hash: None,
        external_id: None,
        created_at: now,
        updated_at: now,
    }
}

/// Publishes `count` agents owned by `owners` users, returning their ids.
pub async fn populate(store: &Arc<dyn Store>, owners: usize, count: usize) -> Vec<AgentId> {
    populate_with_progress(store, owners, count, |_| {}).await
}

/// Like [`populate`], calling `progress(done)` after every 1,000 agents.
///
/// Agent `i` is owned by the user [`owner_handle`]`(i, owners)` and has the
/// slug [`slug`]`(i)`.
pub async fn populate_with_progress(
    store: &Arc<dyn Store>,
    owners: usize,
    count: usize,
    mut progress: impl FnMut(usize),
) -> Vec<AgentId> {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut owner_ids = Vec::with_capacity(owners);
    for i in 0..owners {
        let u = user(i);
        store.create_user(&u, &AuditRecord::new(start, "bench.user")).await.expect("create user");
        owner_ids.push(u.id);
    }
    let version = semver::Version::new(1, 0, 0);
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let at = start + Duration::seconds(i as i64);
        let owner = owner_ids[i % owners];
        let agent = Agent {
            id: AgentId::new(),
            owner_id: owner,
            slug: slug(i),
            status: AgentStatus::Draft,
            status_message: None,
            latest_version: None,
            created_at: at,
            updated_at: at,
            published_at: None,
            moderation: None,
        };
        let def = definition(i);
        let draft = Draft { agent_id: agent.id, definition: def.clone(), updated_at: at };
        store.create_agent(&agent, &draft, &AuditRecord::new(at, "bench.agent")).await.expect("create agent");
        let request = PublishVersion {
            version: AgentVersion {
                agent_id: agent.id,
                version: version.clone(),
                definition: def,
                changelog: None,
                published_at: at,
                published_by: owner,
            },
            expected_latest: None,
            audit: AuditRecord::new(at, "bench.publish"),
        };
        store.publish_version(&request).await.expect("publish");
        ids.push(agent.id);
        if (i + 1) % 1_000 == 0 {
            progress(i + 1);
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use agentmart_core::storage::{CatalogQuery, CatalogSort};

    use super::*;

    #[test]
    fn unknown_backend_is_an_error_naming_the_known_ones() {
        let message = open_store("oracle").err().expect("no such backend");
        assert!(message.contains("oracle") && message.contains("sled"), "{message}");
    }

    #[tokio::test]
    async fn populated_sled_store_lists_every_agent_and_finds_rare_words() {
        let store = open_store("sled").expect("sled");
        let ids = populate(&store, 3, 25).await;
        assert_eq!(ids.len(), 25);
        let query = |terms: Vec<String>, sort| CatalogQuery {
            terms,
            category: None,
            tag: None,
            input_mode: None,
            output_mode: None,
            owner: None,
            sort,
            after: None,
            limit: 100,
        };
        let all = store.list_catalog(&query(Vec::new(), CatalogSort::Popular)).await.expect("list");
        assert_eq!(all.entries.len(), 25);
        let common = store.list_catalog(&query(vec![COMMON_WORD.into()], CatalogSort::Relevance)).await.expect("list");
        assert_eq!(common.entries.len(), 25);
        let rare = store.list_catalog(&query(vec!["rare7".into()], CatalogSort::Relevance)).await.expect("list");
        assert_eq!(rare.entries.len(), 1);
        assert_eq!(rare.entries[0].0.agent.id, ids[7]);
        assert_eq!(rare.entries[0].0.agent.slug, slug(7));
        assert_eq!(rare.entries[0].0.owner_handle, owner_handle(7, 3));
    }
}
