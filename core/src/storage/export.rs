//! Whole-store export and import, record by record (see [`crate::transfer`]
//! for the file format built on it).
//!
//! A store is exported as a sequence of [`ExportRecord`]s, kind by kind in
//! [`ExportKind::ALL`] order (every record refers only to records of earlier
//! kinds), each kind read in keyset pages so that memory stays constant
//! whatever the store's size. Throttle and rate-limit counters are not
//! exported: they are transient.

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::StorageResult;
use crate::ids::{AgentId, SessionId, UserId};
use crate::model::{
    Agent, AgentStats, AgentVersion, AuditRecord, DailyUsage, Draft, Install, OneTimeToken, RetiredHandle, Review,
    Session, TokenHash, UserRecord,
};

/// The kinds of exported records, in export (and import) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// Accounts, with their password hashes.
    User,
    /// Handles of deleted accounts that nobody else may take.
    RetiredHandle,
    /// Login sessions (optional in an export).
    Session,
    /// Refresh-token hashes of sessions (exported with sessions).
    RefreshToken,
    /// Pending password-reset and email-verification tokens (exported with sessions).
    OneTimeToken,
    /// Agents with their counters.
    Agent,
    /// Agents' drafts.
    Draft,
    /// Published versions.
    Version,
    /// Installs.
    Install,
    /// Ratings and reviews.
    Review,
    /// Per-day usage totals.
    UsageDay,
    /// Per-day distinct users of an agent (what `users` of a day counts).
    UsageUser,
    /// The audit trail.
    Audit,
}

impl ExportKind {
    /// Every kind, in export order.
    pub const ALL: [ExportKind; 13] = [
        ExportKind::User,
        ExportKind::RetiredHandle,
        ExportKind::Session,
        ExportKind::RefreshToken,
        ExportKind::OneTimeToken,
        ExportKind::Agent,
        ExportKind::Draft,
        ExportKind::Version,
        ExportKind::Install,
        ExportKind::Review,
        ExportKind::UsageDay,
        ExportKind::UsageUser,
        ExportKind::Audit,
    ];

    /// True for the kinds an export only includes when sessions are asked for
    /// (they carry live credentials: refresh and one-time token hashes).
    pub fn is_session_data(self) -> bool {
        matches!(self, ExportKind::Session | ExportKind::RefreshToken | ExportKind::OneTimeToken)
    }

    /// Wire name (the `kind` of a line).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::User => "user",
            ExportKind::RetiredHandle => "retired_handle",
            ExportKind::Session => "session",
            ExportKind::RefreshToken => "refresh_token",
            ExportKind::OneTimeToken => "one_time_token",
            ExportKind::Agent => "agent",
            ExportKind::Draft => "draft",
            ExportKind::Version => "version",
            ExportKind::Install => "install",
            ExportKind::Review => "review",
            ExportKind::UsageDay => "usage_day",
            ExportKind::UsageUser => "usage_user",
            ExportKind::Audit => "audit",
        }
    }
}

/// A refresh-token hash of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshTokenRecord {
    /// SHA-256 of the token.
    pub hash: TokenHash,
    /// Its session.
    pub session_id: SessionId,
    /// True for the session's current token, false for a rotated (superseded) one.
    pub current: bool,
}

/// An agent with its counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRecord {
    /// The agent.
    pub agent: Agent,
    /// Its install, rating and usage counters.
    pub stats: AgentStats,
}

/// One day bucket of an agent's usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageDayRecord {
    /// The agent.
    pub agent_id: AgentId,
    /// The totals of the day.
    pub usage: DailyUsage,
}

/// One user counted among a day's distinct users of an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageUserRecord {
    /// The agent.
    pub agent_id: AgentId,
    /// The UTC day.
    pub date: NaiveDate,
    /// The user.
    pub user_id: UserId,
}

/// One exported record. On the wire: `{"kind":"user","data":{...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum ExportRecord {
    /// A user, password hash included.
    User(UserRecord),
    /// A retired handle.
    RetiredHandle(RetiredHandle),
    /// A session.
    Session(Session),
    /// A refresh-token hash.
    RefreshToken(RefreshTokenRecord),
    /// A one-time token hash.
    OneTimeToken(OneTimeToken),
    /// An agent and its counters.
    Agent(AgentRecord),
    /// A draft.
    Draft(Draft),
    /// A published version.
    Version(AgentVersion),
    /// An install.
    Install(Install),
    /// A rating/review.
    Review(Review),
    /// A usage day bucket.
    UsageDay(UsageDayRecord),
    /// A distinct user of a usage day.
    UsageUser(UsageUserRecord),
    /// An audit record.
    Audit(AuditRecord),
}

impl ExportRecord {
    /// The record's kind.
    pub fn kind(&self) -> ExportKind {
        match self {
            ExportRecord::User(_) => ExportKind::User,
            ExportRecord::RetiredHandle(_) => ExportKind::RetiredHandle,
            ExportRecord::Session(_) => ExportKind::Session,
            ExportRecord::RefreshToken(_) => ExportKind::RefreshToken,
            ExportRecord::OneTimeToken(_) => ExportKind::OneTimeToken,
            ExportRecord::Agent(_) => ExportKind::Agent,
            ExportRecord::Draft(_) => ExportKind::Draft,
            ExportRecord::Version(_) => ExportKind::Version,
            ExportRecord::Install(_) => ExportKind::Install,
            ExportRecord::Review(_) => ExportKind::Review,
            ExportRecord::UsageDay(_) => ExportKind::UsageDay,
            ExportRecord::UsageUser(_) => ExportKind::UsageUser,
            ExportRecord::Audit(_) => ExportKind::Audit,
        }
    }
}

/// Reading and writing a whole store, record by record.
#[async_trait]
pub trait ExportStore: Send + Sync {
    /// Up to `limit` records of `kind`, in the backend's key order (stable
    /// and total for the kind), strictly after `after` — the last record of
    /// the previous page, of the same kind (`None`: from the start). An empty
    /// page ends the kind. Cost of a page must not grow with its depth
    /// (keyset paging), and no more than one page is held in memory.
    /// The keys: retired handles by handle; users, sessions, agents, reviews and audit by id; refresh
    /// and one-time tokens by hash; drafts by agent; versions by (agent,
    /// version); installs by (user, agent); usage days by (agent, day); usage
    /// users by (agent, day, user).
    async fn export_page(
        &self,
        kind: ExportKind,
        after: Option<&ExportRecord>,
        limit: u32,
    ) -> StorageResult<Vec<ExportRecord>>;

    /// True when the store holds no user, agent or audit record.
    async fn is_empty_store(&self) -> StorageResult<bool>;

    /// Writes the records as they are (ids, times, counters and hashes
    /// unchanged, no audit record added), in one transaction: all or none.
    /// Records come in [`ExportKind::ALL`] order; a record only refers to
    /// records imported before it (in an earlier batch or earlier in this
    /// one). The backend rebuilds its derived data (lookup keys, catalogue
    /// indexes) so that every read method answers as on the exporting store;
    /// a catalogue entry is built when the version an agent names as its
    /// latest is imported. A record whose key already exists, or that breaks
    /// a uniqueness rule, fails with `Conflict` and nothing of the batch is written.
    async fn import_batch(&self, records: &[ExportRecord]) -> StorageResult<()>;
}
