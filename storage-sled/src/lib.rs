//! # agentmart-storage-sled
//!
//! The embedded default storage backend of agentmart, on [sled] 0.34: a
//! directory on disk, no server. [`SledStore`] implements every storage trait
//! of `agentmart_core::storage` (the whole
//! [`Store`](agentmart_core::storage::Store)) and passes the shared
//! conformance suite and model test.
//!
//! ```
//! use std::sync::Arc;
//! use agentmart_core::{Agentmart, Config};
//! use agentmart_storage_sled::{SledOptions, SledStore};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! // Or `SledStore::from_url("sled:/var/lib/agentmart")`.
//! let store = SledStore::open(dir.path().join("agentmart.sled"))?;
//! let mart = Agentmart::new(Arc::new(store.clone()), Config::for_tests())?;
//! # let _ = mart;
//!
//! // A directory is open in one place at a time: a second open fails, naming
//! // the path (after waiting `lock_wait` for the holder to let go).
//! let options = SledOptions::default().lock_wait(std::time::Duration::ZERO);
//! let again = SledStore::open_with(dir.path().join("agentmart.sled"), &options);
//! assert!(matches!(again, Err(agentmart_core::storage::StorageError::Unavailable(_))));
//! # Ok(())
//! # }
//! ```
//!
//! ## Design
//!
//! - **Atomicity.** Every multi-key rule (install and count, rating and
//!   aggregate, refresh-token rotation, publish compare-and-set, unique
//!   email/handle/external-id/slug indexes, the account-deletion cascade, and
//!   the audit record of each change) runs in one sled transaction over the
//!   trees it touches. sled transactions cannot scan, so the few cascades that
//!   must enumerate a user's rows (ending sessions, deleting the account,
//!   replacing one-time tokens) collect them first under a per-user lock that
//!   every writer adding such rows also takes; the directory lock makes the
//!   process the only writer, so an in-process lock suffices.
//! - **Durability.** By default ([`Durability::Durable`]) a write is
//!   acknowledged only after a flush (with `fsync`) that began after its
//!   commit has completed, so an acknowledged write survives a process crash.
//!   Concurrent writers share flushes (group commit: one flush in flight,
//!   writers arriving meanwhile queue for the next); [`SledStore::flush_stats`]
//!   counts them. [`Durability::Relaxed`] (`sled:PATH?durability=relaxed`)
//!   acknowledges from memory and may lose the last 500 ms in a crash.
//! - **Encoding.** Records are JSON (they embed `serde_json::Value`s); the hot
//!   small values are fixed-size binary: per-agent counters (80 bytes), the
//!   session facts `session_auth` reads (32 bytes) and each user's role and
//!   disabled flag (2 bytes), so authenticating is two point reads.
//! - **Catalogue.** Each order (popular, rating by damped mean, newest,
//!   trending, name) has an index of keys `order | deprecated | value | agent id`
//!   whose byte order equals `agentmart_core::ranking::compare_keys` (numbers
//!   and f64 mapped to order-preserving big-endian bytes), moved in the same
//!   transaction as the counters, status or definition it depends on. A page
//!   seeks to the cursor's key, so page 500 costs what page 1 costs.
//! - **Search and filters.** An inverted index holds, per word of
//!   `agentmart_core::text::index_terms`, each listed agent with its weight,
//!   plus a copy ordered by relevance for one-word searches; facet indexes
//!   hold owner, category, tags and modes. A query enumerates its most
//!   selective word or filter when it is small, and otherwise walks the
//!   order's index checking the rest by point lookups. Only listed and
//!   deprecated agents are indexed.
//! - **Modules.** Layered, one way: `codec` and `caches` at the bottom; `tx`
//!   (tree names, the transactional view with JSON get/put and audit writing,
//!   and the row operations one domain's cascade applies to another's
//!   records: `tx::session_rows`, `tx::catalog_rows`, `tx::market_rows`);
//!   `durability` (group commit); `store` (the handle, locks, and the
//!   transaction runner, which awaits `durability` after each commit); then the domain
//!   files (`users`, `sessions`, `agents`, `market`, `catalog`, `throttle`,
//!   `audit`), which implement the storage traits and import the layers
//!   below, never each other.

mod agents;
mod audit;
mod caches;
mod catalog;
mod codec;
mod durability;
mod export;
mod market;
mod sessions;
mod store;
mod sweep;
mod throttle;
mod tx;
mod users;

pub use durability::{Durability, FlushStats, UnknownDurability};
pub use store::{SledOptions, SledStore};
