//! Password reset, email verification and email change: single-use,
//! expiring tokens sent through the [`Notifier`](crate::Notifier).

use chrono::{DateTime, Utc};

use super::{AuthService, chrono_duration, password, throttle, tokens};
use crate::context::Inner;
use crate::error::{Error, Result};
use crate::model::{ClientInfo, Email, OneTimeToken, OneTimeTokenKind, Principal, UserRecord, actions};
use crate::notify::{Message, MessageKind};
use crate::storage::ConsumeOutcome;

impl Inner {
    /// `{public_base_url}/{path}?token={token}`.
    fn link(&self, path: &str, token: &str) -> String {
        format!("{}/{path}?token={token}", self.config.public_base_url.trim_end_matches('/'))
    }

    /// Stores a new one-time token for the user and delivers it. Delivery
    /// failures are logged, not returned (answers must not depend on them).
    async fn issue_one_time(
        &self,
        user: &UserRecord,
        email: &Email,
        kind: OneTimeTokenKind,
        audit: crate::model::AuditRecord,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (prefix, ttl, message_kind, path) = match kind {
            OneTimeTokenKind::PasswordReset => {
                (tokens::RESET_PREFIX, self.config.password_reset_ttl, MessageKind::PasswordReset, "reset-password")
            }
            OneTimeTokenKind::EmailVerification => (
                tokens::VERIFY_PREFIX,
                self.config.email_verification_ttl,
                MessageKind::EmailVerification,
                "verify-email",
            ),
            OneTimeTokenKind::EmailChange => {
                (tokens::CHANGE_PREFIX, self.config.email_change_ttl, MessageKind::EmailChange, "confirm-email-change")
            }
        };
        let token = tokens::issue(prefix)?;
        let record = OneTimeToken {
            hash: token.hash,
            kind,
            user_id: user.id,
            email: Some(email.clone()),
            created_at: now,
            expires_at: now + chrono_duration(ttl)?,
        };
        self.store.put_one_time_token(&record, &audit).await?;
        let message = Message {
            to: email.to_string(),
            kind: message_kind,
            link: self.link(path, &token.secret),
            token: token.secret,
            created_at: now,
        };
        if let Err(err) = self.notifier.send(message).await {
            tracing::warn!(user = %user.id, kind = kind.as_str(), error = %err, "notifier failed to deliver a message");
        }
        Ok(())
    }

    /// Sends a notice without a secret (`EmailChanged`) to
    /// `to`; its link is the host's sign-in page. Failures are logged.
    pub(crate) async fn send_notice(&self, to: &Email, kind: MessageKind) {
        let message = Message {
            to: to.to_string(),
            kind,
            token: String::new(),
            link: format!("{}/login", self.config.public_base_url.trim_end_matches('/')),
            created_at: self.now(),
        };
        if let Err(err) = self.notifier.send(message).await {
            tracing::warn!(kind = ?kind, error = %err, "notifier failed to deliver a notice");
        }
    }

    /// Sends an email-verification message to the user's current email,
    /// within the notification cap. `Ok(Err(retry_after))` when capped; `Ok(Ok(()))`
    /// also when there is nothing to send (no email, already verified).
    pub(crate) async fn send_verification(
        &self,
        user: &UserRecord,
    ) -> Result<std::result::Result<(), std::time::Duration>> {
        let Some(email) = user.email.as_ref().filter(|_| !user.email_verified) else {
            return Ok(Ok(()));
        };
        let now = self.now();
        if let Err(retry_after) = throttle::count_notification(self, user.id, now).await? {
            return Ok(Err(retry_after));
        }
        let audit = self
            .audit(actions::EMAIL_VERIFICATION_SENT, None)
            .actor(user.id)
            .subject(user.id)
            .target(format!("user:{}", user.id));
        self.issue_one_time(user, email, OneTimeTokenKind::EmailVerification, audit, now).await?;
        Ok(Ok(()))
    }
}

impl AuthService {
    /// Starts a password reset (`POST /v1/auth/password/forgot`): when an
    /// active account with a password has this email, a single-use link
    /// `{public_base_url}/reset-password?token=…` is sent through the
    /// notifier. The answer is `Ok(())` whether or not the account exists
    /// (and when the per-account message cap is reached), so it reveals
    /// nothing.
    pub async fn request_password_reset(&self, email: &str, client: &ClientInfo) -> Result<()> {
        let inner = &self.inner;
        let Ok(email) = email.parse::<Email>() else {
            return Ok(());
        };
        let Some(user) = inner.store.find_user_by_email(&email).await? else {
            return Ok(());
        };
        if user.disabled || user.password_hash.is_none() {
            return Ok(());
        }
        let now = inner.now();
        if throttle::count_notification(inner, user.id, now).await?.is_err() {
            tracing::info!(user = %user.id, "password-reset message not sent: per-account cap reached");
            return Ok(());
        }
        let audit = inner
            .audit_from_client(actions::PASSWORD_RESET_REQUESTED, client)
            .subject(user.id)
            .target(format!("user:{}", user.id));
        inner.issue_one_time(&user, &email, OneTimeTokenKind::PasswordReset, audit, now).await
    }

    /// Sets a new password with a reset token (`POST /v1/auth/password/reset`).
    /// The token works once (only the newest one issued works) and expires
    /// (`token_expired`); an unknown, used or malformed token, or one of a
    /// disabled account, is `token_invalid`. The token is looked up before
    /// any password hash is computed, so bad tokens cost no hashing. The new
    /// password follows the password policy (errors on `new_password`).
    /// Every session of the user ends, and every outstanding reset link dies.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Result<()> {
        let inner = &self.inner;
        let new_password = password::normalize(new_password);
        let mut errors = Vec::new();
        password::check_policy(&inner.config.password_policy, "new_password", &new_password, &mut errors);
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let hash = tokens::parse(tokens::RESET_PREFIX, token)?;
        let stored = match inner.store.find_one_time_token(&hash).await? {
            Some(t) if t.kind == OneTimeTokenKind::PasswordReset => t,
            _ => return Err(Error::TokenInvalid),
        };
        if inner.now() >= stored.expires_at {
            inner.store.delete_one_time_tokens(stored.user_id, OneTimeTokenKind::PasswordReset).await?;
            return Err(Error::TokenExpired);
        }
        match inner.store.get_user(stored.user_id).await? {
            Some(user) if !user.disabled => {}
            _ => {
                inner.store.delete_one_time_tokens(stored.user_id, OneTimeTokenKind::PasswordReset).await?;
                return Err(Error::TokenInvalid);
            }
        }
        let password_hash = inner.auth.hasher.hash(new_password).await?;
        let audit = inner.audit(actions::PASSWORD_RESET, None);
        match inner.store.reset_password_with_token(&hash, &password_hash, inner.now(), &audit).await? {
            ConsumeOutcome::Applied(user) => {
                inner.store.delete_one_time_tokens(user.id, OneTimeTokenKind::PasswordReset).await?;
                Ok(())
            }
            ConsumeOutcome::Expired => Err(Error::TokenExpired),
            ConsumeOutcome::Unknown => Err(Error::TokenInvalid),
        }
    }

    /// Sends a new email-verification link to the caller
    /// (`POST /v1/auth/email/verify/resend`). Nothing is sent when the email
    /// is already verified. `conflict` for an account without an email;
    /// `rate_limited` past the per-account message cap.
    pub async fn request_email_verification(&self, principal: &Principal) -> Result<()> {
        let inner = &self.inner;
        let user = inner.active_user(principal).await?;
        if user.email.is_none() {
            return Err(Error::Conflict("the account has no email address".into()));
        }
        match inner.send_verification(&user).await? {
            Ok(()) => Ok(()),
            Err(retry_after) => Err(Error::RateLimited { retry_after }),
        }
    }

    /// Marks the email verified with a verification token
    /// (`POST /v1/auth/email/verify`). Single use; `token_expired` past its
    /// life; `token_invalid` when unknown, used, malformed, or issued for an
    /// email the account no longer has.
    pub async fn verify_email(&self, token: &str) -> Result<()> {
        let inner = &self.inner;
        let hash = tokens::parse(tokens::VERIFY_PREFIX, token)?;
        let audit = inner.audit(actions::EMAIL_VERIFIED, None);
        match inner.store.verify_email_with_token(&hash, inner.now(), &audit).await? {
            ConsumeOutcome::Applied(_) => Ok(()),
            ConsumeOutcome::Expired => Err(Error::TokenExpired),
            ConsumeOutcome::Unknown => Err(Error::TokenInvalid),
        }
    }
}

impl AuthService {
    /// Starts an email change (`POST /v1/auth/email/change`, answered `202`):
    /// after re-authentication with the current password (the same throttled
    /// check as [`change_password`](Self::change_password):
    /// `invalid_credentials`, then `rate_limited`), a single-use link
    /// `{public_base_url}/confirm-email-change?token=…` (token `amc_…`, living
    /// [`Config::email_change_ttl`](crate::Config::email_change_ttl), 10 minutes
    /// by default) is sent to the **new** address. Nothing changes until
    /// [`confirm_email_change`](Self::confirm_email_change). Only the newest
    /// link works.
    ///
    /// `validation_failed` on `new_email` for a malformed address or the
    /// current one; `email_taken` when another account has it (checked only
    /// after the password, so it reveals no more than registration does);
    /// `rate_limited` past the per-account message cap; an account without a
    /// password (bring-your-own-identity) answers `invalid_credentials`.
    pub async fn request_email_change(&self, principal: &Principal, new_email: &str, password: &str) -> Result<()> {
        let inner = &self.inner;
        let user = inner.active_user(principal).await?;
        let new_email = Email::parse_field("new_email", new_email).map_err(Error::Validation)?;
        inner.confirm_password(&user, principal, password).await?;
        if user.email.as_ref().is_some_and(|e| e.key() == new_email.key()) {
            return Err(Error::Validation(vec![crate::error::FieldError::new(
                "new_email",
                "unchanged",
                "this is already the account's email",
            )]));
        }
        if inner.store.find_user_by_email(&new_email).await?.is_some() {
            return Err(Error::EmailTaken);
        }
        let now = inner.now();
        if let Err(retry_after) = throttle::count_notification(inner, user.id, now).await? {
            return Err(Error::RateLimited { retry_after });
        }
        let audit = inner
            .audit(actions::EMAIL_CHANGE_REQUESTED, Some(principal))
            .subject(user.id)
            .target(format!("user:{}", user.id));
        inner.issue_one_time(&user, &new_email, OneTimeTokenKind::EmailChange, audit, now).await
    }

    /// Completes an email change with the link sent to the new address
    /// (`POST /v1/auth/email/change/confirm`, answered `204`). In one store
    /// transaction the address changes (marked verified), the token is used
    /// up and every other one-time token of the account dies (password-reset
    /// links, verification links of the old address); an audit record
    /// `user.email_changed` is written. The old address is then told
    /// (`EmailChanged` notice). Single use; `token_expired` past its life;
    /// `token_invalid` when unknown, used, malformed, or of a disabled
    /// account; `email_taken` when another account took the address in the
    /// meantime (the store's unique email decides a race with a registration).
    pub async fn confirm_email_change(&self, token: &str) -> Result<()> {
        let inner = &self.inner;
        let hash = tokens::parse(tokens::CHANGE_PREFIX, token)?;
        let stored = match inner.store.find_one_time_token(&hash).await? {
            Some(t) if t.kind == OneTimeTokenKind::EmailChange => t,
            _ => return Err(Error::TokenInvalid),
        };
        let old_email = match inner.store.get_user(stored.user_id).await? {
            Some(user) if !user.disabled => user.email,
            _ => {
                inner.store.delete_one_time_tokens(stored.user_id, OneTimeTokenKind::EmailChange).await?;
                return Err(Error::TokenInvalid);
            }
        };
        let audit = inner.audit(actions::EMAIL_CHANGED, None).target(format!("user:{}", stored.user_id));
        match inner.store.change_email_with_token(&hash, inner.now(), &audit).await? {
            ConsumeOutcome::Applied(user) => {
                if let Some(old) = old_email.filter(|old| Some(old) != user.email.as_ref()) {
                    inner.send_notice(&old, MessageKind::EmailChanged).await;
                }
                Ok(())
            }
            ConsumeOutcome::Expired => Err(Error::TokenExpired),
            ConsumeOutcome::Unknown => Err(Error::TokenInvalid),
        }
    }
}
