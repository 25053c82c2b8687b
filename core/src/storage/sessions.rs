use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StorageResult;
use crate::ids::{SessionId, UserId};
use crate::model::{AuditRecord, Role, Session, TokenHash};

/// What redeeming a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemOutcome {
    /// The token was current: it is now superseded by the replacement and the
    /// session's `last_used_at` was set to `now`. Carries the updated session.
    Rotated(Session),
    /// The token had already been rotated: the session is now revoked (if it
    /// was not already) and the reuse audit record was written.
    Reused(Session),
    /// The token belongs to a session that is revoked or expired; nothing changed.
    SessionEnded(Session),
    /// No such token.
    Unknown,
}

/// The request of [`SessionStore::redeem_refresh_token`].
#[derive(Debug, Clone)]
pub struct RedeemRefresh {
    /// Hash of the presented token.
    pub presented: TokenHash,
    /// Hash of the token that replaces it.
    pub replacement: TokenHash,
    /// Current time.
    pub now: DateTime<Utc>,
    /// Written when the token is rotated.
    pub rotated_audit: AuditRecord,
    /// Written when reuse is detected. The store sets its actor and subject to the session's user.
    pub reuse_audit: AuditRecord,
}

/// The session facts `authenticate` needs, read in one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionAuth {
    /// The session's user.
    pub user_id: UserId,
    /// The user's current role.
    pub role: Role,
    /// Whether the user is disabled.
    pub user_disabled: bool,
    /// When the session was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Absolute expiry of the session.
    pub expires_at: DateTime<Utc>,
}

/// When a session counts as active, for [`SessionStore::list_sessions_page`]
/// and [`SessionStore::create_session_capped`]: not revoked, `now <
/// expires_at` (absolute lifetime) and `last_used_at > idle_since` (a session
/// unused since `idle_since` or earlier is idle: its refresh is refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveAt {
    /// Current time.
    pub now: DateTime<Utc>,
    /// Sessions last used at or before this instant are idle (`now` minus the idle timeout).
    pub idle_since: DateTime<Utc>,
}

impl ActiveAt {
    /// Whether `session` is active by this rule.
    pub fn is_active(&self, session: &Session) -> bool {
        session.is_active(self.now) && session.last_used_at > self.idle_since
    }
}

/// The per-user session cap of [`SessionStore::create_session_capped`].
#[derive(Debug, Clone)]
pub struct SessionCap {
    /// Most active sessions a user may have, the new one included (at least 1).
    pub max_active: u32,
    /// Which sessions count as active.
    pub active: ActiveAt,
    /// Written once when at least one older session was ended to make room.
    pub evicted_audit: AuditRecord,
}

/// Sessions and refresh tokens. Refresh tokens are stored only as hashes.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Inserts a session with its first refresh-token hash, writing `audit`.
    async fn create_session(&self, session: &Session, refresh: &TokenHash, audit: &AuditRecord) -> StorageResult<()>;

    /// The session, if it exists (revoked ones included).
    async fn get_session(&self, id: SessionId) -> StorageResult<Option<Session>>;

    /// The session joined with its user's role and disabled flag; `None` when
    /// the session or the user does not exist. Hot path: called on every authenticated request.
    async fn session_auth(&self, id: SessionId) -> StorageResult<Option<SessionAuth>>;

    /// The session a refresh-token hash belongs to (current or rotated), without changing anything.
    async fn find_session_by_refresh(&self, presented: &TokenHash) -> StorageResult<Option<Session>>;

    /// Redeems a refresh token exactly once, atomically.
    ///
    /// - Current token of an active session (`revoked_at` unset, `now < expires_at`):
    ///   mark it superseded, store `replacement` as the current token, set
    ///   `last_used_at = now`, write `rotated_audit`, return `Rotated`.
    /// - Superseded token: revoke the session (`revoked_at = now` unless already set),
    ///   write `reuse_audit`, return `Reused`.
    /// - Current token of an ended session: `SessionEnded`, nothing written.
    /// - Unknown hash: `Unknown`.
    ///
    /// When several callers redeem the same current token concurrently, exactly
    /// one gets `Rotated`; the others get `Reused` (and the session is revoked).
    async fn redeem_refresh_token(&self, request: &RedeemRefresh) -> StorageResult<RedeemOutcome>;

    /// The user's sessions that are active at `now`, newest first.
    async fn list_active_sessions(&self, user: UserId, now: DateTime<Utc>) -> StorageResult<Vec<Session>>;

    /// Revokes one session of this user (`revoked_at = now`), writing `audit`.
    /// Returns false (and writes nothing) when the session does not exist,
    /// belongs to someone else, or was already revoked.
    async fn revoke_session(
        &self,
        user: UserId,
        id: SessionId,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<bool>;

    /// Revokes every active session of the user except `except`, writing `audit`
    /// (always, even when none was active). Returns how many were revoked.
    async fn revoke_user_sessions(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<u64>;

    /// Inserts a session with its first refresh-token hash, writing `audit`,
    /// and keeps the user within `cap`, in one transaction: when the user
    /// already has `cap.max_active` or more sessions active by `cap.active`,
    /// the oldest of them (by `created_at`, then id, ascending) are revoked
    /// (`revoked_at = cap.active.now`) until `cap.max_active - 1` remain, and
    /// `cap.evicted_audit` is written once. Returns how many were revoked.
    /// Concurrent calls for one user are serialized: the user never ends up
    /// with more than `cap.max_active` active sessions. Conflicts as
    /// [`SessionStore::create_session`]; nothing is written on failure.
    async fn create_session_capped(
        &self,
        session: &Session,
        refresh: &TokenHash,
        audit: &AuditRecord,
        cap: &SessionCap,
    ) -> StorageResult<u64>;

    /// One page of the user's sessions active by `active`, newest first
    /// (`created_at` descending, then id descending), strictly after `after` =
    /// `(created_at, id)` of the previous page's last item, at most `limit + 1`
    /// items so the caller can tell whether more follow.
    async fn list_sessions_page(
        &self,
        user: UserId,
        active: ActiveAt,
        after: Option<(DateTime<Utc>, SessionId)>,
        limit: u32,
    ) -> StorageResult<Vec<Session>>;
}
