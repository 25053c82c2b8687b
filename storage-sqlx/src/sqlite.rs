//! The SQLite instantiation of the operations.

/// The database.
pub(crate) type Db = sqlx::Sqlite;
/// Not PostgreSQL.
pub(crate) const PG: bool = false;

// Deliberate: the same operations compiled once per database.
#[allow(clippy::duplicate_mod)]
#[path = "ops/mod.rs"]
pub(crate) mod ops;
