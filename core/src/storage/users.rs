use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StorageResult;
use crate::ids::{SessionId, UserId};
use crate::model::{
    AuditRecord, Email, Handle, OneTimeToken, OneTimeTokenKind, ProfileChange, RetiredHandle, Role, TokenHash,
    UserRecord,
};

/// Which sessions a password change ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndSessions {
    /// Keep every session (e.g. a rehash at login).
    None,
    /// End every session except this one (change password).
    AllExcept(SessionId),
    /// End every session (reset).
    All,
}

/// Outcome of consuming a one-time token.
// Returned once per reset or verification; boxing the record would only add noise to every backend.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsumeOutcome {
    /// The token was valid; it is now used up and the change was applied.
    Applied(UserRecord),
    /// The token existed but had expired; it is now deleted and nothing changed.
    Expired,
    /// No such token (never issued, or already used).
    Unknown,
}

/// Accounts.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a new user and writes `audit`.
    ///
    /// Fails with `Conflict(Email)` when another user has the same `email`
    /// key ([`Email::key`]: the address is already case-folded by core, so
    /// this is case-insensitive without the store folding anything),
    /// `Conflict(Handle)` for a handle that another user holds or that is
    /// retired (a [`RetiredHandle`] record exists for it), `Conflict(ExternalId)`
    /// for a linked external id. Nothing is written on failure. The retired
    /// check and the insert are one transaction, and it cannot interleave with
    /// a concurrent [`delete_user`](Self::delete_user) of the handle's holder
    /// so that both succeed: of a deletion and a registration of the same
    /// handle racing, either the registration fails, or it ran entirely
    /// before the deletion (and then failed on the live handle).
    async fn create_user(&self, user: &UserRecord, audit: &AuditRecord) -> StorageResult<()>;

    /// The user with this id, if any.
    async fn get_user(&self, id: UserId) -> StorageResult<Option<UserRecord>>;

    /// The user whose email has this [`Email::key`], if any (compared exactly).
    async fn find_user_by_email(&self, email: &Email) -> StorageResult<Option<UserRecord>>;

    /// The user with this handle, if any (compared exactly).
    async fn find_user_by_handle(&self, handle: &Handle) -> StorageResult<Option<UserRecord>>;

    /// The user linked to this external id, if any.
    async fn find_user_by_external_id(&self, external_id: &str) -> StorageResult<Option<UserRecord>>;

    /// Applies a profile patch (fields that are `None` stay), sets `updated_at`, writes `audit`,
    /// and returns the updated user. `NotFound` for an unknown user, `Conflict(Handle)` for a handle
    /// another user holds or that is retired (checked atomically, as in [`create_user`](Self::create_user)).
    /// The user's old handle is not retired by a change: it becomes free.
    async fn update_profile(
        &self,
        id: UserId,
        patch: &ProfileChange,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord>;

    /// Replaces the password hash and ends the chosen sessions (setting their
    /// `revoked_at = now`), atomically, writing `audit`. `NotFound` for an unknown user.
    async fn set_password_hash(
        &self,
        id: UserId,
        password_hash: &str,
        end_sessions: EndSessions,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<()>;

    /// Sets the role, writing `audit`. `NotFound` for an unknown user.
    async fn set_role(
        &self,
        id: UserId,
        role: Role,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord>;

    /// Disables or enables the user, writing `audit`. Disabling also ends every
    /// session of the user in the same transaction. `NotFound` for an unknown user.
    async fn set_disabled(
        &self,
        id: UserId,
        disabled: bool,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord>;

    /// Deletes the account in one transaction:
    /// - **deletes** every session of the user (revoked ones included) with
    ///   all their refresh-token hashes (current and superseded), so no client
    ///   IP, user agent or token hash of the account stays; afterwards
    ///   `get_session` and `session_auth` answer `None` and a refresh token is
    ///   unknown;
    /// - removes its one-time tokens;
    /// - removes every throttle or rate-limit counter whose key contains the
    ///   user id (its hyphenated text, as [`UserId`] displays it: the login
    ///   throttle's per-account and per-client counters, the "known client"
    ///   markers, the password-confirmation and notification counters);
    /// - removes the user from the per-day distinct-user sets of usage (the
    ///   day buckets' totals stay as they are);
    /// - removes its installs (decrementing install counts) and its ratings
    ///   (updating aggregates);
    /// - soft-deletes the agents it owns (status `deleted`; their slugs stay reserved);
    /// - writes a [`RetiredHandle`] `{handle, user_id: id, retired_at: now}`
    ///   (replacing any earlier record of that handle), so the handle stays
    ///   taken;
    /// - removes the user row (freeing the email and external id).
    ///
    /// Writes `audit`; the audit trail itself is kept as written. `NotFound`
    /// for an unknown user.
    async fn delete_user(&self, id: UserId, now: DateTime<Utc>, audit: &AuditRecord) -> StorageResult<()>;

    /// The retirement record of this handle, if the handle is retired (compared exactly).
    async fn retired_handle(&self, handle: &Handle) -> StorageResult<Option<RetiredHandle>>;

    /// Frees a retired handle whose retirement is old enough: deletes its
    /// [`RetiredHandle`] record when `retired_at <= retired_before`, and
    /// returns whether it did. A younger record, or none, is left alone
    /// (false). Core calls this only when
    /// [`Config::handle_retention`](crate::Config::handle_retention) allows.
    async fn release_retired_handle(&self, handle: &Handle, retired_before: DateTime<Utc>) -> StorageResult<bool>;

    /// Stores a one-time token, first deleting any earlier token of the same
    /// kind for the same user (only the newest link works). Writes `audit`.
    async fn put_one_time_token(&self, token: &OneTimeToken, audit: &AuditRecord) -> StorageResult<()>;

    /// Password reset with a token, in one transaction: if a `PasswordReset`
    /// token with this hash exists and `now < expires_at`, delete it, set the
    /// password hash, end every session of the user, write `audit` (whose
    /// actor/subject the store fills with the token's user) and return `Applied`.
    /// An expired token is deleted and `Expired` returned; otherwise `Unknown`.
    async fn reset_password_with_token(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome>;

    /// Email verification with a token, in one transaction: if an
    /// `EmailVerification` token with this hash exists, is unexpired, and its
    /// `email` still equals the user's email, delete it, set
    /// `email_verified = true`, write `audit` (actor/subject filled with the
    /// token's user) and return `Applied`. Expired: deleted, `Expired`.
    /// Otherwise (unknown, or the email changed since) `Unknown`.
    async fn verify_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome>;

    /// Email change with a token, in one transaction: if an `EmailChange`
    /// token with this hash exists and is unexpired, set the user's email to
    /// the token's `email` with `email_verified = true` and `updated_at = now`,
    /// delete that token and every other one-time token of the user (reset
    /// links, verification links of the old address, other change links),
    /// write `audit` (actor/subject filled with the token's user) and return
    /// `Applied` with the updated user. When another user has the new
    /// address's [`Email::key`], fail with `Conflict(Email)` and change
    /// nothing (the email's uniqueness is the store's, so of a confirmation and
    /// a registration racing for one address exactly one wins). Expired:
    /// deleted, `Expired`. Otherwise (unknown, another kind, no `email`) `Unknown`.
    async fn change_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome>;

    /// Number of one-time tokens of this kind currently stored for the user (for tests and operators).
    async fn count_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64>;

    /// The one-time token with this hash, if stored (expired ones included),
    /// without changing anything. Lets a caller refuse a bad token before
    /// spending a password hash on it.
    async fn find_one_time_token(&self, hash: &TokenHash) -> StorageResult<Option<OneTimeToken>>;

    /// Deletes every one-time token of this kind of the user (a password
    /// change, reset, disable or login makes outstanding reset links
    /// useless). Returns how many were deleted; 0 for an unknown user.
    async fn delete_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64>;
}
