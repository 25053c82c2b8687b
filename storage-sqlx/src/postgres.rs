//! The PostgreSQL instantiation of the operations.

/// The database.
pub(crate) type Db = sqlx::Postgres;
/// PostgreSQL.
pub(crate) const PG: bool = true;

// Deliberate: the same operations compiled once per database.
#[allow(clippy::duplicate_mod)]
#[path = "ops/mod.rs"]
pub(crate) mod ops;
