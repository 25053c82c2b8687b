//! Audit records: one per state change, written in the same transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AuditId, UserId};

/// One audit record.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Time-ordered id.
    pub id: AuditId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it (`None` for anonymous or system actions).
    pub actor: Option<UserId>,
    /// Whose account the record is about (what `GET /v1/me/audit` filters on).
    pub subject: Option<UserId>,
    /// What happened, e.g. `user.registered`; see [`actions`].
    pub action: String,
    /// What it happened to, e.g. `user:<id>`, `agent:<id>`, `session:<id>`.
    pub target: Option<String>,
    /// Client IP, when known.
    pub ip: Option<String>,
    /// Extra, non-secret details.
    pub details: serde_json::Value,
}

impl AuditRecord {
    /// A new record at `at` with a fresh id and empty details.
    pub fn new(at: DateTime<Utc>, action: &str) -> Self {
        Self {
            id: AuditId::new(),
            at,
            actor: None,
            subject: None,
            action: action.to_string(),
            target: None,
            ip: None,
            details: serde_json::Value::Null,
        }
    }

    /// Sets the actor.
    pub fn actor(mut self, actor: impl Into<Option<UserId>>) -> Self {
        self.actor = actor.into();
        self
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: impl Into<Option<UserId>>) -> Self {
        self.subject = subject.into();
        self
    }

    /// Sets the target.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Sets the client IP.
    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }

    /// Sets the details.
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Filters of an audit query. All given filters must match.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Only records by this actor.
    pub actor: Option<UserId>,
    /// Only records about this user.
    pub subject: Option<UserId>,
    /// Only this action.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::text::MAX_FILTER_LEN)))]
    pub action: Option<String>,
    /// Only this target.
    #[cfg_attr(feature = "schema", schemars(length(max = crate::text::MAX_FILTER_LEN)))]
    pub target: Option<String>,
    /// At or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
}

/// The action names agentmart writes.
pub mod actions {
    /// A user registered.
    pub const USER_REGISTERED: &str = "user.registered";
    /// A bring-your-own-identity user was created.
    pub const USER_LINKED: &str = "user.linked";
    /// A profile changed.
    pub const PROFILE_UPDATED: &str = "user.profile_updated";
    /// The password changed (change or reset).
    pub const PASSWORD_CHANGED: &str = "user.password_changed";
    /// The password hash was upgraded to new parameters at login.
    pub const PASSWORD_REHASHED: &str = "user.password_rehashed";
    /// A password reset was requested for an existing account.
    pub const PASSWORD_RESET_REQUESTED: &str = "user.password_reset_requested";
    /// A password was reset with a token.
    pub const PASSWORD_RESET: &str = "user.password_reset";
    /// An email verification was sent.
    pub const EMAIL_VERIFICATION_SENT: &str = "user.email_verification_sent";
    /// The email was verified.
    pub const EMAIL_VERIFIED: &str = "user.email_verified";
    /// An email change was requested (after re-authentication); a link went to the new address.
    pub const EMAIL_CHANGE_REQUESTED: &str = "user.email_change_requested";
    /// The email changed (the link sent to the new address was used).
    pub const EMAIL_CHANGED: &str = "user.email_changed";
    /// The role changed.
    pub const ROLE_CHANGED: &str = "user.role_changed";
    /// The user was disabled.
    pub const USER_DISABLED: &str = "user.disabled";
    /// The user was enabled again.
    pub const USER_ENABLED: &str = "user.enabled";
    /// The account was deleted.
    pub const USER_DELETED: &str = "user.deleted";
    /// A login failed (wrong password for an existing account).
    pub const LOGIN_FAILED: &str = "auth.login_failed";
    /// A session started (login or registration).
    pub const SESSION_CREATED: &str = "session.created";
    /// A refresh token was rotated.
    pub const SESSION_REFRESHED: &str = "session.refreshed";
    /// A rotated refresh token came back; the session was revoked.
    pub const SESSION_REUSE_DETECTED: &str = "session.reuse_detected";
    /// One session was ended.
    pub const SESSION_REVOKED: &str = "session.revoked";
    /// Several sessions were ended at once.
    pub const SESSIONS_REVOKED: &str = "session.revoked_all";
    /// Every session but the caller's was ended (`logout-others`).
    pub const SESSIONS_REVOKED_OTHERS: &str = "session.revoked_others";
    /// An administrator ended every session of a user.
    pub const SESSIONS_REVOKED_BY_ADMIN: &str = "session.revoked_by_admin";
    /// A new session pushed the user past the session cap: the oldest ended.
    pub const SESSIONS_EVICTED: &str = "session.evicted";
    /// An agent draft was created.
    pub const AGENT_CREATED: &str = "agent.created";
    /// An agent draft was edited.
    pub const AGENT_DRAFT_UPDATED: &str = "agent.draft_updated";
    /// A version was published.
    pub const AGENT_PUBLISHED: &str = "agent.published";
    /// The status changed.
    pub const AGENT_STATUS_CHANGED: &str = "agent.status_changed";
    /// The agent was (soft) deleted.
    pub const AGENT_DELETED: &str = "agent.deleted";
    /// An agent was installed (or its pin changed).
    pub const AGENT_INSTALLED: &str = "agent.installed";
    /// An agent was uninstalled.
    pub const AGENT_UNINSTALLED: &str = "agent.uninstalled";
    /// A rating was created or changed.
    pub const RATING_UPSERTED: &str = "rating.upserted";
    /// A rating was deleted by its author.
    pub const RATING_DELETED: &str = "rating.deleted";
    /// A review was removed by an admin.
    pub const REVIEW_REMOVED: &str = "rating.removed_by_admin";
}
