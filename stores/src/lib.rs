//! # agentmart-stores
//!
//! One place that turns a store URL into a store, so the HTTP server, the
//! Python module and the Node addon accept exactly the same URLs:
//!
//! | URL | backend |
//! |---|---|
//! | `sled:PATH` (also `sled://PATH`) | embedded sled database in directory `PATH` (feature `sled`, default) |
//! | `sled:PATH?cache_mb=N&lock_wait_ms=M` | the same, with a page cache of `N` MiB (default 128) and a wait of `M` ms for a held directory lock (default 2000) |
//! | `sled:PATH?durability=relaxed` | the same, acknowledging writes before they reach the disk: a crash may lose the last 500 ms (default `durable`: every acknowledged write survives a process crash; see `agentmart_storage_sled::Durability`) |
//! | `memory:` | in-memory store, gone when the process ends (feature `memory`; tests and demos) |
//! | `sqlite:PATH`, `sqlite::memory:` | SQLite via `agentmart-storage-sqlx` (feature `sqlite`, default) |
//! | `postgres://…`, `postgresql://…` | PostgreSQL via `agentmart-storage-sqlx` (feature `postgres`, default) |
//!
//! SQL stores are migrated on open and use `SqlxOptions::default()`; use
//! `agentmart_storage_sqlx::SqlxStore::connect` directly to tune pools.
//!
//! A PostgreSQL URL may name the schema that holds agentmart's tables with a
//! `schema` query parameter (created when missing; letters, digits and `_`):
//! `postgres://app@db/prod?schema=agentmart`. Several independent marketplaces
//! (or test runs) can share one database that way.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let dir = tempfile::tempdir().unwrap();
//! let store = agentmart_stores::open(&format!("sled:{}", dir.path().display())).await.unwrap();
//! assert_eq!(store.backend_name(), "sled");
//! # });
//! ```

#[cfg(feature = "fuzzing")]
pub mod fuzzing;

use std::sync::Arc;

use agentmart_core::storage::Store;
use agentmart_core::{Error, Result};

/// The URL schemes this build understands, for error messages and `--help`.
pub fn supported_schemes() -> &'static [&'static str] {
    &[
        #[cfg(feature = "sled")]
        "sled:PATH",
        #[cfg(feature = "memory")]
        "memory:",
        #[cfg(feature = "sqlite")]
        "sqlite:PATH",
        #[cfg(feature = "postgres")]
        "postgres://...",
    ]
}

/// Opens the store a URL names. Unknown schemes and malformed URLs are
/// `validation_failed` on field `store_url`; a store that cannot be opened
/// (locked by another process, unreachable database) is `unavailable`.
///
/// No error carries the URL's credentials (see [`redact_url`]).
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    let url = url.trim();
    open_unredacted(url).await.map_err(|err| redact_error(err, url))
}

/// The error with the URL's credentials masked in every message it carries.
fn redact_error(err: Error, url: &str) -> Error {
    match err {
        Error::Validation(fields) => Error::Validation(
            fields
                .into_iter()
                .map(|mut f| {
                    f.message = redact_in(&f.message, url);
                    f
                })
                .collect(),
        ),
        Error::Unavailable(message) => Error::Unavailable(redact_in(&message, url)),
        Error::Internal(source) => {
            let text = crate_cause_chain(source.as_ref());
            Error::internal(std::io::Error::other(redact_in(&text, url)))
        }
        other => other,
    }
}

/// A source and its causes, joined by `: `.
fn crate_cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

async fn open_unredacted(url: &str) -> Result<Arc<dyn Store>> {
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(bad_url(format!("store URL `{url}` has no scheme; use e.g. `sled:./agentmart-data`")));
    };
    match scheme {
        #[cfg(feature = "sled")]
        "sled" => {
            let (path, options) = sled_options(rest.strip_prefix("//").unwrap_or(rest))?;
            if path.is_empty() {
                return Err(bad_url(format!("store URL `{url}` names no directory; use e.g. `sled:./agentmart-data`")));
            }
            // Opening may wait for a held lock and replays sled's log: off the reactor.
            let store =
                tokio::task::spawn_blocking(move || agentmart_storage_sled::SledStore::open_with(path, &options))
                    .await
                    .map_err(Error::internal)??;
            Ok(Arc::new(store))
        }
        #[cfg(feature = "memory")]
        "memory" => Ok(Arc::new(agentmart_core::testing::MemoryStore::new())),
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(agentmart_storage_sqlx::open(url).await?),
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => {
            let (url, schema) = split_schema_param(url)?;
            let options = agentmart_storage_sqlx::SqlxOptions { postgres_schema: schema, ..Default::default() };
            Ok(Arc::new(agentmart_storage_sqlx::SqlxStore::connect(&url, options).await?))
        }
        #[allow(unreachable_patterns)]
        "sqlite" | "postgres" | "postgresql" => Err(bad_url(format!(
            "the `{scheme}:` store needs the SQL backend, which this build does not include; supported: {}",
            supported_schemes().join(", ")
        ))),
        other => {
            Err(bad_url(format!("unknown store scheme `{other}:`; supported: {}", supported_schemes().join(", "))))
        }
    }
}

/// Splits `PATH?cache_mb=N&lock_wait_ms=M&durability=D` into the directory and its options.
#[cfg(feature = "sled")]
fn sled_options(rest: &str) -> Result<(String, agentmart_storage_sled::SledOptions)> {
    let mut options = agentmart_storage_sled::SledOptions::default();
    let Some((path, query)) = rest.split_once('?') else {
        return Ok((rest.to_string(), options));
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number = |max: u64| {
            value.parse::<u64>().ok().filter(|n| *n <= max).ok_or_else(|| {
                bad_url(format!("sled URL parameter `{name}` must be a whole number up to {max}, got `{value}`"))
            })
        };
        match name {
            "cache_mb" => options = options.cache_capacity(number(1 << 20)?.max(1) * 1024 * 1024),
            "lock_wait_ms" => options = options.lock_wait(std::time::Duration::from_millis(number(600_000)?)),
            "durability" => {
                let mode = value.parse::<agentmart_storage_sled::Durability>().map_err(|_| {
                    bad_url(format!("sled URL parameter `durability` must be `durable` or `relaxed`, got `{value}`"))
                })?;
                options = options.durability(mode);
            }
            other => {
                return Err(bad_url(format!(
                    "unknown sled URL parameter `{other}`; supported: cache_mb, lock_wait_ms, durability"
                )));
            }
        }
    }
    Ok((path.to_string(), options))
}

/// Takes the `schema=NAME` query parameter out of a PostgreSQL URL.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
fn split_schema_param(url: &str) -> Result<(String, Option<String>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), None));
    };
    let mut schema = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("schema=") {
            Some(name) => {
                let valid = !name.is_empty()
                    && name.len() <= 63
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit());
                if !valid {
                    return Err(bad_url(format!(
                        "schema `{name}` must be 1-63 letters, digits or `_`, not starting with a digit"
                    )));
                }
                schema = Some(name.to_string());
            }
            None => kept.push(pair),
        }
    }
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok((url, schema))
}

/// The URL with its credentials masked, for errors, logs and command output:
/// the password of the user info (`postgres://app:SECRET@db/x` →
/// `postgres://app:***@db/x`) and the value of every `password=` (or
/// `sslpassword=`) query parameter. Other URLs come back unchanged.
///
/// ```
/// assert_eq!(agentmart_stores::redact_url("postgres://app:s3cret@db:5432/prod"), "postgres://app:***@db:5432/prod");
/// assert_eq!(agentmart_stores::redact_url("postgres://db/prod?user=app&password=s3cret"), "postgres://db/prod?user=app&password=***");
/// assert_eq!(agentmart_stores::redact_url("sled:./data"), "sled:./data");
/// ```
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    for secret in url_secrets(url) {
        out = out.replace(&secret, "***");
    }
    out
}

/// `text` (an error message, say) with every credential of `url` masked as
/// [`redact_url`] does, wherever it appears (a driver may quote the URL or
/// the password in its own words).
pub fn redact_in(text: &str, url: &str) -> String {
    let mut out = text.to_string();
    for secret in url_secrets(url) {
        out = out.replace(&secret, "***");
    }
    out
}

/// The secret parts of a URL: the user-info password and `password=` values
/// (both raw and as written, percent-encoded or not).
fn url_secrets(url: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    if let Some((_, rest)) = url.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && let Some((_, password)) = userinfo.split_once(':')
            && !password.is_empty()
        {
            secrets.push(password.to_string());
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split(['&', ';']) {
            if let Some((name, value)) = pair.split_once('=')
                && name.to_ascii_lowercase().ends_with("password")
                && !value.is_empty()
            {
                secrets.push(value.to_string());
            }
        }
    }
    // Longest first, so a secret containing another is masked whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets
}

fn bad_url(message: String) -> Error {
    Error::invalid("store_url", "invalid_format", message)
}

#[cfg(test)]
mod tests {
    use agentmart_core::ErrorCode;

    #[tokio::test]
    async fn unknown_and_malformed_urls_are_validation_errors() {
        for url in ["nothing", "ftp://x", "sled:", "sled://"] {
            let err = super::open(url).await.err().expect(url);
            assert_eq!(err.code(), ErrorCode::ValidationFailed, "{url}");
            assert_eq!(err.field_errors()[0].field, "store_url");
        }
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn sqlite_opens() {
        let store = super::open("sqlite::memory:").await.unwrap();
        assert_eq!(store.backend_name(), "sqlite");
        let dir = tempfile::tempdir().unwrap();
        let file = super::open(&format!("sqlite:{}", dir.path().join("am.db").display())).await.unwrap();
        file.ping().await.unwrap();
    }

    #[cfg(feature = "postgres")]
    #[tokio::test]
    async fn unreachable_postgres_is_unavailable() {
        let err = super::open("postgres://nobody@127.0.0.1:1/none").await.err().expect("unreachable");
        assert_eq!(err.code(), ErrorCode::Unavailable);
    }

    #[cfg(feature = "postgres")]
    #[tokio::test]
    async fn postgres_opens_in_the_named_schema() {
        let Ok(base) = std::env::var("DATABASE_URL") else {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "DATABASE_URL must be set in CI");
            eprintln!("SKIP: DATABASE_URL unset; PostgreSQL store URL not tested");
            return;
        };
        let schema = format!("am_stores_{}", agentmart_core::UserId::new().as_uuid().simple());
        let store = match super::open(&format!("{base}?schema={schema}")).await {
            Ok(store) => store,
            Err(err) => panic!("{err:?}"),
        };
        assert_eq!(store.backend_name(), "postgres");
        store.ping().await.unwrap();
    }

    #[tokio::test]
    async fn no_error_carries_the_urls_credentials() {
        let secret = "hunter2-very-secret";
        for url in [
            format!("postgres://app:{secret}@127.0.0.1:1/db"),
            format!("postgres://127.0.0.1:1/db?user=app&password={secret}"),
            format!("postgres://app:{secret}@127.0.0.1:1/db?schema=bad;name"),
            format!("mysql://app:{secret}@db/x"),
            format!("sled:/nonexistent/data?password={secret}"),
        ] {
            let err = super::open(&url).await.err().expect(&url);
            let text = format!("{err} {err:?} {:?}", err.field_errors());
            assert!(!text.contains(secret), "{url}: {text}");
        }
        assert_eq!(super::redact_url("postgres://a:b@h/d?password=c&x=1"), "postgres://a:***@h/d?password=***&x=1");
        assert_eq!(super::redact_url("postgres://a@h/d"), "postgres://a@h/d");
    }

    #[test]
    fn schema_parameter_is_split_off_and_checked() {
        let split = |u: &str| super::split_schema_param(u).map_err(|e| e.code());
        assert_eq!(split("postgres://h/db").unwrap(), ("postgres://h/db".into(), None));
        assert_eq!(split("postgres://h/db?schema=am_1").unwrap(), ("postgres://h/db".into(), Some("am_1".into())));
        assert_eq!(
            split("postgres://h/db?sslmode=disable&schema=x&application_name=a").unwrap(),
            ("postgres://h/db?sslmode=disable&application_name=a".into(), Some("x".into()))
        );
        for bad in ["postgres://h/db?schema=", "postgres://h/db?schema=a;drop", "postgres://h/db?schema=1a"] {
            assert_eq!(split(bad).unwrap_err(), ErrorCode::ValidationFailed, "{bad}");
        }
    }

    #[cfg(feature = "memory")]
    #[tokio::test]
    async fn memory_opens() {
        assert_eq!(super::open("memory:").await.unwrap().backend_name(), "memory");
    }

    #[tokio::test]
    async fn sled_opens_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sled:{}", dir.path().display());
        let store = super::open(&url).await.unwrap();
        assert_eq!(store.backend_name(), "sled");
        // A second open of the same directory is refused while the first holds it.
        let err = super::open(&format!("{url}?lock_wait_ms=0")).await.err().expect("locked");
        assert_eq!(err.code(), ErrorCode::Unavailable);
        drop(store);
        // ... and succeeds once it is released (sled lets go in the background).
        super::open(&format!("{url}?cache_mb=16")).await.unwrap();
    }

    #[cfg(feature = "sled")]
    #[test]
    fn sled_parameters_are_parsed_and_checked() {
        let (path, options) = super::sled_options("./data?cache_mb=64&lock_wait_ms=10").unwrap();
        assert_eq!(path, "./data");
        assert_eq!(options.cache_capacity, 64 * 1024 * 1024);
        assert_eq!(options.lock_wait, std::time::Duration::from_millis(10));
        assert_eq!(super::sled_options("./data").unwrap().1, agentmart_storage_sled::SledOptions::default());
        use agentmart_storage_sled::Durability;
        assert_eq!(super::sled_options("./data").unwrap().1.durability, Durability::Durable);
        assert_eq!(super::sled_options("d?durability=durable").unwrap().1.durability, Durability::Durable);
        let (path, relaxed) = super::sled_options("d?cache_mb=8&durability=relaxed").unwrap();
        assert_eq!((path.as_str(), relaxed.durability), ("d", Durability::Relaxed));
        assert_eq!(relaxed.cache_capacity, 8 * 1024 * 1024);
        for bad in [
            "d?cache_mb=lots",
            "d?cache_mb=-1",
            "d?colour=blue",
            "d?lock_wait_ms=99999999999",
            "d?durability=",
            "d?durability=fast",
            "d?durability=Relaxed",
        ] {
            let err = super::sled_options(bad).expect_err(bad);
            assert_eq!(err.code(), ErrorCode::ValidationFailed, "{bad}");
            assert_eq!(err.field_errors()[0].field, "store_url");
        }
    }
}
