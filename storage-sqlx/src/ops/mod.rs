//! Every storage operation, written once and compiled once per database: the
//! including module (`sqlite.rs`, `postgres.rs`) defines `Db` (the sqlx
//! database) and `PG` (true on PostgreSQL). SQL uses `$N` placeholders,
//! which both databases accept.
//!
//! Concurrency, per database:
//! - SQLite: every writing transaction starts with `BEGIN IMMEDIATE`, taking
//!   the database's single write lock up front, so read-check-write sequences
//!   inside it are serialized and the operations' pre-checks are race-free.
//! - PostgreSQL (READ COMMITTED): each operation says how it avoids lost
//!   updates — a row lock (`SELECT … FOR UPDATE`) on the row that guards the
//!   invariant, an atomic single-statement update (`x = x + 1`, `INSERT … ON
//!   CONFLICT`), or a conditional `UPDATE/DELETE … WHERE` whose affected-row
//!   count decides. Deadlocks and serialization failures are retried by the
//!   caller (see `SqlxStore`), rerunning the whole transaction.
//!
//! One module per storage trait of `agentmart_core::storage`, each built only
//! on `shared` (types, transactions and the helpers several domains need);
//! this module re-exports their operations for `SqlxStore`. The exception is
//! `export` (whole-store export/import), which reads every table and so uses
//! the row decoders of the domain modules.

mod shared;

mod agents;
mod audit;
mod catalog;
mod export;
mod installs;
mod ratings;
mod sessions;
mod sweep;
mod throttle;
mod usage;
mod users;

pub(crate) use agents::*;
pub(crate) use audit::*;
pub(crate) use catalog::*;
pub(crate) use export::*;
pub(crate) use installs::*;
pub(crate) use ratings::*;
pub(crate) use sessions::*;
pub(crate) use sweep::*;
pub(crate) use throttle::*;
pub(crate) use usage::*;
pub(crate) use users::*;

use shared::{PG, Pool};
use sqlx::Connection as _;

use crate::util::R;

/// Checks the connection (`ping`).
pub(crate) async fn ping(pool: &Pool) -> R<()> {
    let mut conn = pool.acquire().await?;
    conn.ping().await?;
    Ok(())
}

/// Makes acknowledged writes durable: a full WAL checkpoint on SQLite
/// (PostgreSQL commits are durable already).
pub(crate) async fn flush(pool: &Pool) -> R<()> {
    if !PG {
        sqlx::query("PRAGMA wal_checkpoint(FULL)").execute(pool).await?;
    }
    Ok(())
}
