//! The transaction layer under the domain files.
//!
//! Everything the domain modules (`users`, `sessions`, `agents`, `market`,
//! `catalog`, `throttle`, `audit`) share lives here or below: the tree names,
//! the transactional view with its JSON get/put and audit writing, and the
//! row operations one domain's cascade applies to another's records
//! ([`session_rows`], [`catalog_rows`], [`market_rows`]). Domain modules
//! import this layer and `codec`, never each other, so a rule written for one
//! kind of record has one home however many cascades reach it.

pub(crate) mod catalog_rows;
pub(crate) mod market_rows;
pub(crate) mod session_rows;

use agentmart_core::model::AuditRecord;
use agentmart_core::storage::StorageError;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use crate::codec::{dec, enc, key};

/// The trees of the store. Keys are listed with each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum T {
    /// user id → UserRecord (JSON)
    Users,
    /// user id → [role, disabled] (hot path of `session_auth`)
    UserAuth,
    /// email → user id
    IdxEmail,
    /// handle → user id
    IdxHandle,
    /// external id → user id
    IdxExternal,
    /// session id → Session (JSON)
    Sessions,
    /// session id → user id | revoked_at micros (i64::MIN = none) | expires_at micros
    SessAuth,
    /// user id | session id → () (un-revoked sessions only)
    UserSessions,
    /// refresh hash → session id | state (1 current, 0 superseded)
    Refresh,
    /// token hash → OneTimeToken (JSON)
    Ott,
    /// user id | kind | token hash → ()
    UserOtt,
    /// key → Counter (JSON)
    Counters,
    /// agent id → Agent (JSON)
    Agents,
    /// owner id | slug → agent id
    IdxSlug,
    /// owner id | agent id → ()
    OwnerAgents,
    /// agent id → Draft (JSON)
    Drafts,
    /// agent id | version text → AgentVersion (JSON)
    Versions,
    /// agent id → AgentStats (80 fixed bytes)
    Stats,
    /// agent id → Listing (only publicly listed agents)
    Listing,
    /// agent id → CatalogFilter (JSON; only publicly listed agents)
    CatFilter,
    /// sort tag | deprecated | value | agent id → ()
    Sort,
    /// term | 0x00 | agent id → weight f32 | deprecated
    Search,
    /// term | 0x00 | deprecated | weight f32 desc | agent id → () (relevance order of one term)
    SearchRanked,
    /// facet kind | value | 0x00 | agent id → () (list filters; only publicly listed agents)
    Facets,
    /// user id | agent id → Install (JSON)
    Installs,
    /// user id | installed_at desc | agent id → ()
    UserInstalls,
    /// review id → Review (JSON)
    Reviews,
    /// user id | agent id → review id
    RatingByUser,
    /// agent id | updated_at desc | review id → ()
    ReviewsNewest,
    /// agent id | stars desc | updated_at desc | review id → ()
    ReviewsStars,
    /// agent id | day → events | units | users
    UsageDays,
    /// agent id | day | user id → ()
    UsageUsers,
    /// audit id → AuditRecord (JSON)
    Audit,
    /// subject id | audit id → ()
    AuditSubject,
    /// handle → RetiredHandle (JSON): handles of deleted accounts
    RetiredHandles,
}

pub(crate) const TREE_NAMES: [&str; 35] = [
    "users",
    "user_auth",
    "idx_email",
    "idx_handle",
    "idx_external",
    "sessions",
    "sess_auth",
    "user_sessions",
    "refresh",
    "ott",
    "user_ott",
    "counters",
    "agents",
    "idx_slug",
    "owner_agents",
    "drafts",
    "versions",
    "stats",
    "listing",
    "cat_filter",
    "sort",
    "search",
    "search_ranked",
    "facets",
    "installs",
    "user_installs",
    "reviews",
    "rating_by_user",
    "reviews_newest",
    "reviews_stars",
    "usage_days",
    "usage_users",
    "audit",
    "audit_subject",
    "retired_handles",
];

pub(crate) type TxResult<T> = Result<T, ConflictableTransactionError<StorageError>>;

/// Aborts a transaction with a storage error.
pub(crate) fn abort(e: StorageError) -> ConflictableTransactionError<StorageError> {
    ConflictableTransactionError::Abort(e)
}

/// Converts a sled error.
pub(crate) fn sled_err(e: sled::Error) -> StorageError {
    match e {
        sled::Error::Io(io) => StorageError::Unavailable(format!("sled I/O error: {io}")),
        other => StorageError::backend(other),
    }
}

/// The trees one transaction runs over, addressed by name.
pub(crate) struct View<'a> {
    names: &'a [T],
    trees: &'a [TransactionalTree],
}

impl<'a> View<'a> {
    /// The view of `trees`, opened in the order of `names`.
    pub(crate) fn new(names: &'a [T], trees: &'a [TransactionalTree]) -> Self {
        Self { names, trees }
    }

    /// The transactional view of a tree (it must be in the transaction's set).
    pub(crate) fn t(&self, name: T) -> TxResult<&TransactionalTree> {
        self.names
            .iter()
            .position(|n| *n == name)
            .and_then(|i| self.trees.get(i))
            .ok_or_else(|| abort(StorageError::backend(format!("tree {name:?} is not part of the transaction"))))
    }

    /// Writes an audit record (and its subject index).
    pub(crate) fn audit(&self, record: &AuditRecord) -> TxResult<()> {
        let id = record.id.to_bytes();
        self.t(T::Audit)?.insert(&id, enc(record).map_err(abort)?)?;
        if let Some(subject) = record.subject {
            self.t(T::AuditSubject)?.insert(key(&[&subject.to_bytes(), &id]), &[])?;
        }
        Ok(())
    }
}

/// JSON in a transaction.
pub(crate) fn tx_get_json<V: serde::de::DeserializeOwned>(t: &TransactionalTree, k: &[u8]) -> TxResult<Option<V>> {
    match t.get(k)? {
        Some(v) => dec(&v).map(Some).map_err(abort),
        None => Ok(None),
    }
}

/// JSON into a transaction.
pub(crate) fn tx_put_json<V: serde::Serialize>(t: &TransactionalTree, k: &[u8], v: &V) -> TxResult<()> {
    t.insert(k, enc(v).map_err(abort)?)?;
    Ok(())
}

/// Trees an audit record is written to.
pub(crate) const AUDIT_TREES: [T; 2] = [T::Audit, T::AuditSubject];

/// Deduplicated union of tree sets.
pub(crate) fn union(sets: &[&[T]]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for set in sets {
        for t in *set {
            if !out.contains(t) {
                out.push(*t);
            }
        }
    }
    out
}
