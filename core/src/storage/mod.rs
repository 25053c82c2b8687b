//! The storage traits every backend implements, and their error type.
//!
//! Methods sit at the granularity of a business rule ("install if not
//! installed and bump the count", "redeem this refresh token exactly once"),
//! so a backend can make each one atomic with a transaction. Every method that
//! changes state takes the [`AuditRecord`](crate::model::AuditRecord) to write
//! **in the same transaction**. The contract of each method is in its doc
//! comment; `agentmart_core::testing` (feature `testing`) checks it.
//!
//! Implementations must be safe under concurrent calls from many tasks and,
//! for shared databases, from many processes.

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

pub use agents::*;
pub use audit::*;
pub use catalog::*;
pub use export::*;
pub use installs::*;
pub use ratings::*;
pub use sessions::*;
pub use sweep::*;
pub use throttle::*;
pub use usage::*;
pub use users::*;

/// Result alias for storage methods.
pub type StorageResult<T> = std::result::Result<T, StorageError>;

/// Which uniqueness rule or state check a write ran into.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConflictKind {
    /// Email already registered (case-insensitive).
    Email,
    /// Handle already taken.
    Handle,
    /// External (bring-your-own-identity) id already linked.
    ExternalId,
    /// `owner/slug` already taken.
    Slug,
    /// This version already exists for the agent.
    Version,
    /// The agent's latest version is not the expected one (a concurrent publish won).
    StaleVersion,
    /// The agent is deleted and cannot change.
    AgentDeleted,
    /// An administrator's moderation lock forbids the owner's status change.
    ModerationLocked,
    /// Any other state conflict, described.
    Other(String),
}

/// Errors of storage methods.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The row the method needs does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule or state check failed; nothing was written.
    #[error("conflict: {0:?}")]
    Conflict(ConflictKind),
    /// The store cannot be reached or is shutting down; retryable.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Any other backend failure.
    #[error("storage backend error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl StorageError {
    /// Wraps a backend error.
    pub fn backend(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        StorageError::Backend(source.into())
    }
}

/// The full set of storage traits. A backend implements each sub-trait;
/// this one is then implemented automatically.
pub trait Store:
    UserStore
    + SessionStore
    + ThrottleStore
    + AgentStore
    + CatalogStore
    + InstallStore
    + RatingStore
    + UsageStore
    + AuditStore
    + ExportStore
    + SweepStore
    + StoreAdmin
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: UserStore
        + SessionStore
        + ThrottleStore
        + AgentStore
        + CatalogStore
        + InstallStore
        + RatingStore
        + UsageStore
        + AuditStore
        + ExportStore
        + SweepStore
        + StoreAdmin
        + Send
        + Sync
        + 'static
{
}

/// Operational calls: health and durability.
#[async_trait::async_trait]
pub trait StoreAdmin: Send + Sync {
    /// A short name of the backend, e.g. `sled`, `sqlite`, `postgres`.
    fn backend_name(&self) -> &'static str;

    /// Checks the store is reachable (used by `/readyz`). Cheap.
    async fn ping(&self) -> StorageResult<()>;

    /// Makes every acknowledged write durable (used at shutdown).
    async fn flush(&self) -> StorageResult<()>;
}
