//! # agentmart-storage-sqlx
//!
//! SQLite and PostgreSQL backends for [agentmart](agentmart_core), implementing
//! every storage trait (the whole [`Store`]) with [sqlx](https://docs.rs/sqlx).
//! Cargo features `sqlite` and `postgres` (both on by default) choose the
//! databases compiled in.
//!
//! ## Choosing a URL
//!
//! | URL | store |
//! | --- | --- |
//! | `sqlite:PATH` (e.g. `sqlite:data/agentmart.db`, `sqlite:///abs/path.db`) | a file, created when missing; WAL mode, 5 s busy timeout, foreign keys on |
//! | `sqlite::memory:` | a private in-memory database (one connection; for tests and demos) |
//! | `postgres://user:pass@host:5432/db` (or `postgresql://`) | PostgreSQL; many processes may share it |
//!
//! ```no_run
//! # async fn demo() -> Result<(), agentmart_core::storage::StorageError> {
//! use agentmart_storage_sqlx::{SqlxOptions, SqlxStore};
//! let store = SqlxStore::connect("sqlite:agentmart.db", SqlxOptions::default()).await?;
//! # Ok(()) }
//! ```
//!
//! Pool size and timeouts are in [`SqlxOptions`]. A database that cannot be
//! reached fails with [`StorageError::Unavailable`] and a message naming the
//! host (never the password), not a panic.
//!
//! ## Migrations
//!
//! The schema lives in `migrations/sqlite` and `migrations/postgres`
//! (embedded with `sqlx::migrate!`) and is applied by [`SqlxStore::connect`].
//! Operators who apply schema changes as a separate step use
//! [`SqlxStore::connect_without_migrating`] in the servers and
//! [`SqlxStore::migrate`] in their deploy job. On PostgreSQL the migrator takes
//! an advisory lock, so several servers starting at once apply each migration once.
//! With [`SqlxOptions::postgres_schema`] the store lives in its own schema
//! (created when missing; `search_path` is set on every pooled connection).
//!
//! ## Data representation
//!
//! Ids are UUIDs (`uuid` / 16-byte `BLOB`), times are `BIGINT` nanoseconds
//! since the Unix epoch (exact round trips on both databases; years
//! 1677–2262), definitions and audit details are JSON text, versions are
//! semver text. The catalogue's sort keys are stored columns kept in the same
//! transaction as their inputs: `install_count`, `damped_rating`
//! ([`agentmart_core::ranking::damped_rating`]), first `published_at`,
//! `trending`, `lower_name` (byte order: `COLLATE "C"` on PostgreSQL), and a
//! `deprecated` flag. Descending keys are also kept negated in generated
//! columns (`neg_installs`, `neg_rating`, `neg_published`, `neg_trending`), so
//! each sort has a partial index on `(deprecated, key, id) WHERE in_catalog`
//! with every column ascending, and a page is one index range scan from the
//! row comparison `(deprecated, key, id) > (…)`: its cost does not grow with
//! the page's depth (checked with `EXPLAIN` on both databases).
//!
//! Search indexes core's normalised words ([`agentmart_core::text::words`]) of
//! the four groups of [`agentmart_core::text::searchable_text`]: SQLite FTS5
//! (`unicode61`, no diacritic folding; relevance `-bm25` with column weights
//! 8/4/2/1), PostgreSQL `tsvector` with the `simple` configuration, weights
//! A–D and a GIN index (relevance `ts_rank` with weights 1/0.5/0.25/0.125).
//! Every query term must match a whole word.
//!
//! ## Concurrency
//!
//! Every multi-row rule runs in one transaction with its audit record.
//! - **SQLite** writing transactions start with `BEGIN IMMEDIATE`: the single
//!   writer lock is taken up front, so the checks and writes inside a
//!   transaction are serialized (readers continue, thanks to WAL).
//! - **PostgreSQL** runs at READ COMMITTED; each operation documents how it
//!   avoids lost updates: row locks (`SELECT … FOR UPDATE` on the agent row for
//!   rating aggregates, trending and publish compare-and-set; on the session
//!   row for refresh-token redemption), atomic single statements (`count =
//!   count + 1`, `INSERT … ON CONFLICT`), and conditional `UPDATE/DELETE …
//!   WHERE` whose affected-row count decides (install/uninstall, revocation,
//!   one-time tokens). This holds across processes with separate pools.
//! - Deadlocks, serialization failures and SQLite busy errors rerun the whole
//!   operation (up to [`SqlxOptions::max_retries`] times, with a short backoff).
//!
//! Unique violations map to `Conflict` by the index name (`users_email_key`,
//! `users_handle_key`, `users_external_id_key`, `agents_owner_slug_key`,
//! `agent_versions_agent_version_key`). SQLite's errors do not always carry
//! the index name, so every such rule is also pre-checked inside the
//! (serialized) transaction; on PostgreSQL the named index backs the
//! pre-check against concurrent writers.

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("enable at least one of the features `sqlite` and `postgres`");

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;
mod util;

use std::time::Duration;

use agentmart_core::storage::{StorageError, StorageResult, Store, StoreAdmin};

/// The default [`SqlxOptions::acquire_timeout`]: short, so that an outage
/// answers `unavailable` within seconds, long enough for a busy pool.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Pool and connection settings of a [`SqlxStore`].
#[derive(Debug, Clone)]
pub struct SqlxOptions {
    /// Most open connections (file SQLite and PostgreSQL). Default 10.
    /// `sqlite::memory:` always uses exactly one connection.
    pub max_connections: u32,
    /// Connections kept open when idle. Default 0.
    pub min_connections: u32,
    /// How long a call waits for a free connection (and how long connecting
    /// may take) before failing with `Unavailable`. Default
    /// [`DEFAULT_ACQUIRE_TIMEOUT`] (3 s): when the database goes away, callers
    /// hear `unavailable` within that time instead of hanging. Store URLs
    /// set it with `acquire_timeout_ms=N` (see `agentmart-stores`).
    /// `sqlite::memory:` waits at least 60 s (its one connection is a queue,
    /// not something that can go away).
    pub acquire_timeout: Duration,
    /// Idle connections are closed after this long. Default 10 minutes.
    pub idle_timeout: Option<Duration>,
    /// Connections are replaced after this long. Default 30 minutes.
    pub max_lifetime: Option<Duration>,
    /// SQLite: how long a writer waits for the database lock. Default 5 s.
    pub sqlite_busy_timeout: Duration,
    /// PostgreSQL: keep every table in this schema (created when missing),
    /// by setting `search_path` on each connection. Default: none (the
    /// connection's default search path).
    pub postgres_schema: Option<String>,
    /// PostgreSQL: drop `postgres_schema` (with everything in it) when the
    /// store is dropped. For tests only. Default false.
    pub drop_schema_on_drop: bool,
    /// How many times an operation is rerun after a deadlock, serialization
    /// failure or busy database. Default 8.
    pub max_retries: u32,
}

impl Default for SqlxOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: Some(Duration::from_secs(1800)),
            sqlite_busy_timeout: Duration::from_secs(5),
            postgres_schema: None,
            drop_schema_on_drop: false,
            max_retries: 8,
        }
    }
}

enum Backend {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

/// A [`Store`] on SQLite or PostgreSQL. Cheap to share behind an `Arc`; every
/// method is safe to call concurrently (and, on PostgreSQL, from many processes).
pub struct SqlxStore {
    backend: Backend,
    options: SqlxOptions,
    /// Set when a write failed for want of disk (SQLite: full, read-only,
    /// I/O error); cleared by `ping` once a probe write succeeds. While set,
    /// `ping` (readiness) fails even though reads work.
    write_fault: std::sync::atomic::AtomicBool,
    /// What dropping the store must clean up (test schemas): URL and schema.
    #[cfg(feature = "postgres")]
    drop_schema: Option<(String, String)>,
}

impl std::fmt::Debug for SqlxStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlxStore").field("backend", &self.backend_name()).finish_non_exhaustive()
    }
}

#[cfg(feature = "sqlite")]
static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
#[cfg(feature = "postgres")]
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

fn invalid_url(why: String) -> StorageError {
    StorageError::backend(std::io::Error::new(std::io::ErrorKind::InvalidInput, why))
}

#[cfg(feature = "postgres")]
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl SqlxStore {
    /// Opens the store at `url` (see the crate docs for URL forms) and applies
    /// pending migrations.
    ///
    /// Errors: `Unavailable` when the database cannot be reached or opened,
    /// `Backend` for an unsupported or malformed URL or a failed migration.
    pub async fn connect(url: &str, options: SqlxOptions) -> StorageResult<Self> {
        let store = Self::connect_without_migrating(url, options).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the store without touching the schema (for deployments that
    /// run [`SqlxStore::migrate`] as a separate step).
    pub async fn connect_without_migrating(url: &str, options: SqlxOptions) -> StorageResult<Self> {
        if url.starts_with("sqlite:") {
            #[cfg(feature = "sqlite")]
            {
                return Self::connect_sqlite(url, options).await;
            }
            #[cfg(not(feature = "sqlite"))]
            return Err(invalid_url("this build has no SQLite support (feature `sqlite`)".into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            {
                return Self::connect_postgres(url, options).await;
            }
            #[cfg(not(feature = "postgres"))]
            return Err(invalid_url("this build has no PostgreSQL support (feature `postgres`)".into()));
        }
        let scheme = url.split(':').next().unwrap_or_default();
        Err(invalid_url(format!(
            "unsupported database URL scheme `{scheme}:`; expected sqlite:PATH, sqlite::memory: or postgres://…"
        )))
    }

    #[cfg(feature = "sqlite")]
    async fn connect_sqlite(url: &str, options: SqlxOptions) -> StorageResult<Self> {
        use std::str::FromStr;

        use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| invalid_url(format!("invalid SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(options.sqlite_busy_timeout)
            .foreign_keys(true);
        let in_memory = url.starts_with("sqlite::memory:") || url.contains("mode=memory");
        let pool = if in_memory {
            // Each connection to `:memory:` is its own database: keep exactly one, forever.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .acquire_timeout(options.acquire_timeout.max(Duration::from_secs(60)))
        } else {
            SqlitePoolOptions::new()
                .max_connections(options.max_connections.max(1))
                .min_connections(options.min_connections)
                .idle_timeout(options.idle_timeout)
                .max_lifetime(options.max_lifetime)
                .acquire_timeout(options.acquire_timeout)
        }
        .connect_with(connect)
        .await
        .map_err(|e| StorageError::Unavailable(format!("cannot open SQLite database `{url}`: {e}")))?;
        Ok(Self {
            backend: Backend::Sqlite(pool),
            options,
            write_fault: Default::default(),
            #[cfg(feature = "postgres")]
            drop_schema: None,
        })
    }

    #[cfg(feature = "postgres")]
    async fn connect_postgres(url: &str, options: SqlxOptions) -> StorageResult<Self> {
        use std::str::FromStr;

        use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
        use sqlx::{ConnectOptions as _, Connection as _, Executor as _};
        let connect =
            PgConnectOptions::from_str(url).map_err(|e| invalid_url(format!("invalid PostgreSQL URL: {e}")))?;
        let place = format!(
            "PostgreSQL at {}:{} (database `{}`)",
            connect.get_host(),
            connect.get_port(),
            connect.get_database().unwrap_or("<default>")
        );
        let unreachable = |e: sqlx::Error| StorageError::Unavailable(format!("cannot connect to {place}: {e}"));
        let schema = options.postgres_schema.clone();
        if let Some(schema) = &schema {
            let mut conn = tokio::time::timeout(options.acquire_timeout, connect.connect())
                .await
                .map_err(|_| StorageError::Unavailable(format!("timed out connecting to {place}")))?
                .map_err(&unreachable)?;
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(schema))))
                .await
                .map_err(util::map_sqlx)?;
            let _ = conn.close().await;
        }
        let mut pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .min_connections(options.min_connections)
            .idle_timeout(options.idle_timeout)
            .max_lifetime(options.max_lifetime)
            .acquire_timeout(options.acquire_timeout);
        if let Some(schema) = schema.clone() {
            let set = format!("SET search_path TO {}", quote_ident(&schema));
            pool = pool.after_connect(move |conn, _meta| {
                let set = set.clone();
                Box::pin(async move {
                    conn.execute(sqlx::AssertSqlSafe(set)).await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(connect).await.map_err(unreachable)?;
        let drop_schema = match (&schema, options.drop_schema_on_drop) {
            (Some(s), true) => Some((url.to_string(), s.clone())),
            _ => None,
        };
        Ok(Self { backend: Backend::Postgres(pool), options, write_fault: Default::default(), drop_schema })
    }

    /// Applies pending migrations (idempotent; safe from several processes at once on PostgreSQL).
    pub async fn migrate(&self) -> StorageResult<()> {
        let result = match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await,
        };
        result.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => util::map_sqlx(inner),
            other => StorageError::backend(other),
        })
    }

    /// Closes every pooled connection; later calls fail with `Unavailable`.
    pub async fn close(&self) {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(pool) => pool.close().await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(pool) => pool.close().await,
        }
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &SqlxOptions {
        &self.options
    }

    /// The PostgreSQL pool, for hosts that keep their own tables beside agentmart's.
    #[cfg(feature = "postgres")]
    pub fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.backend {
            Backend::Postgres(pool) => Some(pool),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The SQLite pool, for hosts that keep their own tables beside agentmart's.
    #[cfg(feature = "sqlite")]
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.backend {
            Backend::Sqlite(pool) => Some(pool),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

impl Drop for SqlxStore {
    fn drop(&mut self) {
        #[cfg(feature = "postgres")]
        if let Some((url, schema)) = self.drop_schema.take() {
            // Runs on its own thread and runtime: Drop cannot await, and the
            // caller's runtime may be shutting down.
            let handle = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async move {
                    use sqlx::{Connection as _, Executor as _};
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", quote_ident(&schema));
                        if let Err(e) = conn.execute(sqlx::AssertSqlSafe(drop)).await {
                            tracing::warn!(error = %e, schema, "could not drop test schema");
                        }
                        let _ = conn.close().await;
                    }
                });
            });
            let _ = handle.join();
        }
    }
}

/// Opens a store from a URL with default options, boxed as the trait object core takes.
pub async fn open(url: &str) -> StorageResult<std::sync::Arc<dyn Store>> {
    Ok(std::sync::Arc::new(SqlxStore::connect(url, SqlxOptions::default()).await?))
}
