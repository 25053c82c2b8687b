//! Conversions and error mapping shared by both backends.

use agentmart_core::storage::{ConflictKind, StorageError};
use chrono::{DateTime, NaiveDate, Utc};

/// The internal error of an operation: a database error (kept so the caller
/// can decide to retry) or a storage outcome decided by the operation.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The database said no.
    Db(sqlx::Error),
    /// The operation decided (not found, conflict, corrupt row...).
    Storage(StorageError),
    /// A concurrent change got in the way; run the whole operation again.
    Retry(&'static str),
}

impl From<sqlx::Error> for Fail {
    fn from(e: sqlx::Error) -> Self {
        Fail::Db(e)
    }
}

impl From<StorageError> for Fail {
    fn from(e: StorageError) -> Self {
        Fail::Storage(e)
    }
}

/// Result of an internal operation.
pub(crate) type R<T> = Result<T, Fail>;

impl Fail {
    /// True for transient failures worth running the whole transaction again:
    /// PostgreSQL serialization failures (`40001`) and deadlocks (`40P01`),
    /// SQLite `SQLITE_BUSY`/`SQLITE_LOCKED` and their extended codes (what the
    /// busy timeout did not absorb).
    pub(crate) fn retryable(&self) -> bool {
        match self {
            Fail::Db(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("40001" | "40P01" | "5" | "261" | "517" | "773" | "6" | "262"))
            }
            Fail::Retry(_) => true,
            _ => false,
        }
    }

    /// The public error.
    pub(crate) fn into_storage(self) -> StorageError {
        match self {
            Fail::Storage(e) => e,
            Fail::Db(e) => map_sqlx(e),
            Fail::Retry(why) => StorageError::Unavailable(format!("too much contention: {why}")),
        }
    }
}

/// Maps a database error to a storage error. Unique violations become
/// `Conflict` by the violated constraint's (index's) name.
pub(crate) fn map_sqlx(e: sqlx::Error) -> StorageError {
    match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StorageError::Conflict(conflict_for_constraint(db.constraint().unwrap_or_default()))
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StorageError::NotFound,
        sqlx::Error::Database(db) if outage_code(db.as_ref()).is_some() => {
            let what = outage_code(db.as_ref()).unwrap_or("the database is unavailable");
            StorageError::Unavailable(format!("{what}: {}", bounded(db.message())))
        }
        sqlx::Error::PoolTimedOut => {
            StorageError::Unavailable("timed out waiting for a database connection from the pool".into())
        }
        sqlx::Error::PoolClosed => StorageError::Unavailable("the database pool is closed".into()),
        sqlx::Error::Io(io) => StorageError::Unavailable(format!("database connection failed: {io}")),
        // A connection cut mid-message (PostgreSQL stopped, a proxy or
        // firewall dropped it) surfaces as a protocol error.
        sqlx::Error::Protocol(why) => {
            StorageError::Unavailable(format!("database connection broken: {}", bounded(&why)))
        }
        sqlx::Error::Tls(tls) => StorageError::Unavailable(format!("database TLS failed: {tls}")),
        sqlx::Error::WorkerCrashed => StorageError::Unavailable("the database worker stopped".into()),
        other => StorageError::backend(other),
    }
}

/// Why a database error means "the store cannot take this now, retry later"
/// (mapped to `Unavailable`), or `None` for any other database error.
///
/// - PostgreSQL: class `08` (connection exception), `57P01`–`57P03`
///   (administrator or crash shutdown, cannot connect now), `53100`
///   (disk full), `53300` (too many connections), `25006` (read-only
///   transaction: a standby).
/// - SQLite (extended codes, compared by their primary code):
///   `SQLITE_FULL` (13), `SQLITE_READONLY` (8), `SQLITE_IOERR` (10),
///   `SQLITE_CANTOPEN` (14).
pub(crate) fn outage_code(db: &dyn sqlx::error::DatabaseError) -> Option<&'static str> {
    #[cfg(feature = "sqlite")]
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        let code: i64 = db.code()?.parse().ok()?;
        return sqlite_outage(code);
    }
    pg_outage(db.code()?.as_ref())
}

/// The outage named by a SQLite (extended) result code.
pub(crate) fn sqlite_outage(code: i64) -> Option<&'static str> {
    match code & 0xff {
        13 => Some("the disk is full (SQLITE_FULL)"),
        8 => Some("the database is read-only (SQLITE_READONLY)"),
        10 => Some("disk I/O error (SQLITE_IOERR)"),
        14 => Some("the database file cannot be opened (SQLITE_CANTOPEN)"),
        _ => None,
    }
}

/// The outage named by a PostgreSQL SQLSTATE.
pub(crate) fn pg_outage(code: &str) -> Option<&'static str> {
    match code {
        c if c.starts_with("08") => Some("the database connection failed"),
        "57P01" | "57P02" => Some("the database server is shutting down"),
        "57P03" => Some("the database server is not accepting connections yet"),
        "53100" => Some("the database server's disk is full"),
        "53300" => Some("the database server has too many connections"),
        "25006" => Some("the database is read-only"),
        _ => None,
    }
}

/// A driver message cut to a bounded length (errors stay small).
fn bounded(text: &str) -> String {
    const MAX: usize = 300;
    if text.len() <= MAX {
        return text.to_string();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Which conflict a unique index stands for. The index names are those of
/// the migrations (identical on both databases).
pub(crate) fn conflict_for_constraint(name: &str) -> ConflictKind {
    match name {
        "users_email_key" => ConflictKind::Email,
        "users_handle_key" => ConflictKind::Handle,
        "users_external_id_key" => ConflictKind::ExternalId,
        "agents_owner_slug_key" => ConflictKind::Slug,
        "agent_versions_agent_version_key" => ConflictKind::Version,
        other => ConflictKind::Other(format!("unique constraint `{other}` violated")),
    }
}

/// A stored row that cannot be read back.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> Fail {
    Fail::Storage(StorageError::backend(format!("corrupt row: {what}")))
}

/// Times are stored as nanoseconds since the Unix epoch (BIGINT on both
/// databases), so they round-trip exactly. Representable: years 1677–2262.
pub(crate) fn ts(t: DateTime<Utc>) -> R<i64> {
    t.timestamp_nanos_opt().ok_or_else(|| {
        Fail::Storage(StorageError::backend(format!("time {t} is outside the storable range (1677–2262)")))
    })
}

/// Optional time to nanoseconds.
pub(crate) fn ts_opt(t: Option<DateTime<Utc>>) -> R<Option<i64>> {
    t.map(ts).transpose()
}

/// Nanoseconds back to a time.
pub(crate) fn from_ts(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(n)
}

/// A UTC day as stored (`YYYY-MM-DD`, sorts as text).
pub(crate) fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Parses a stored day.
pub(crate) fn parse_day(s: &str) -> R<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| corrupt(format!("day `{s}`: {e}")))
}

/// Parses a stored semver version.
pub(crate) fn parse_version(s: &str) -> R<semver::Version> {
    semver::Version::parse(s).map_err(|e| corrupt(format!("version `{s}`: {e}")))
}

/// Parses an optional stored semver version.
pub(crate) fn parse_version_opt(s: Option<String>) -> R<Option<semver::Version>> {
    s.as_deref().map(parse_version).transpose()
}

/// Non-negative counter from its stored form.
pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Counter to its stored form (saturating).
pub(crate) fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Core's search words of a text, joined by single spaces: what the
/// full-text engines index and query, so word splitting, lower-casing and
/// the word-length cut are core's on both databases.
pub(crate) fn normalised_words(text: &str) -> String {
    agentmart_core::text::words(text).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_to_the_nanosecond() {
        let t = DateTime::from_timestamp(1_780_000_000, 123_456_789).unwrap();
        assert_eq!(from_ts(ts(t).unwrap()), t);
        let far = DateTime::from_timestamp(10_000_000_000, 0).unwrap();
        assert!(ts(far).is_err(), "years past 2262 are refused, not wrapped");
    }

    #[test]
    fn outage_codes_are_recognised() {
        // SQLite: primary and extended codes of a full disk, a read-only
        // database, I/O errors; a constraint failure is not an outage.
        for code in [13, 8, 264, 520, 776, 1032, 10, 266, 778, 3338, 14] {
            assert!(sqlite_outage(code).is_some(), "{code}");
        }
        for code in [1, 5, 19, 2067, 787] {
            assert!(sqlite_outage(code).is_none(), "{code}");
        }
        for code in ["08006", "08001", "57P01", "57P03", "53100", "53300", "25006"] {
            assert!(pg_outage(code).is_some(), "{code}");
        }
        for code in ["23505", "40001", "40P01", "42P01", "22001"] {
            assert!(pg_outage(code).is_none(), "{code}");
        }
        assert!(bounded(&"é".repeat(1000)).len() <= 304);
    }

    #[test]
    fn constraint_names_map_to_conflicts() {
        assert_eq!(conflict_for_constraint("users_email_key"), ConflictKind::Email);
        assert_eq!(conflict_for_constraint("users_handle_key"), ConflictKind::Handle);
        assert_eq!(conflict_for_constraint("users_external_id_key"), ConflictKind::ExternalId);
        assert_eq!(conflict_for_constraint("agents_owner_slug_key"), ConflictKind::Slug);
        assert_eq!(conflict_for_constraint("agent_versions_agent_version_key"), ConflictKind::Version);
        assert!(matches!(conflict_for_constraint("other"), ConflictKind::Other(_)));
    }

    #[test]
    fn indexed_text_is_cores_words() {
        assert_eq!(normalised_words("SQL-to-JSON, Wörld!"), "sql to json wörld");
        let long = "x".repeat(100);
        assert_eq!(normalised_words(&long).len(), agentmart_core::text::MAX_WORD_LEN);
    }

    #[test]
    fn days_sort_as_text() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(day_text(d), "2026-03-09");
        assert_eq!(parse_day("2026-03-09").unwrap(), d);
    }
}
