//! Admin: audit queries, users and roles.

use serde_json::json;

use super::AdminService;
use crate::auth::AdminUserUpdate;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::model::{AuditFilter, AuditRecord, OneTimeTokenKind, Page, PageRequest, Principal, Profile, Role, actions};
use crate::storage::StorageError;

fn user_not_found(id: impl std::fmt::Display) -> impl FnOnce(StorageError) -> Error {
    move |e| match e {
        StorageError::NotFound => Error::NotFound(format!("user `{id}`")),
        other => other.into(),
    }
}

impl AdminService {
    /// The audit trail (`GET /v1/admin/audit`), newest first, filtered by
    /// actor, subject, action, target and time. The cursor is the
    /// `next_cursor` of the previous page (pass the same filter again); a
    /// malformed one is `malformed_request`. `action` and `target` longer
    /// than [`MAX_FILTER_LEN`](crate::text::MAX_FILTER_LEN) characters or
    /// holding a control character are `validation_failed`. Administrators
    /// only (`forbidden`; the role is re-read from the store on every call).
    pub async fn audit(
        &self,
        principal: &Principal,
        filter: AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditRecord>> {
        self.inner.stored_admin(principal).await?;
        let mut errors = Vec::new();
        crate::text::check_filter("action", filter.action.as_deref(), crate::text::MAX_FILTER_LEN, &mut errors);
        crate::text::check_filter("target", filter.target.as_deref(), crate::text::MAX_FILTER_LEN, &mut errors);
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        self.inner.audit_page(&filter, &page).await
    }

    /// Disables or enables a user and/or changes their role
    /// (`PATCH /v1/admin/users/{id}`). Disabling ends every session of the
    /// user at once and deletes their outstanding password-reset links; a role change applies to their next request. An
    /// administrator cannot disable or demote themselves (`conflict`), so
    /// an instance is never left without the admin who made the change.
    /// Administrators only (`forbidden`; the caller's role is re-read from the
    /// store, so a demoted administrator is refused); `not_found` for an
    /// unknown user.
    pub async fn update_user(&self, principal: &Principal, user: UserId, update: AdminUserUpdate) -> Result<Profile> {
        self.inner.stored_admin(principal).await?;
        let inner = &self.inner;
        let mut current = inner.store.get_user(user).await?.ok_or_else(|| Error::NotFound(format!("user `{user}`")))?;
        if user == principal.user_id && (update.disabled == Some(true) || update.role == Some(Role::User)) {
            return Err(Error::Conflict("administrators cannot disable or demote themselves".into()));
        }
        if let Some(role) = update.role
            && role != current.role
        {
            let audit = inner
                .audit(actions::ROLE_CHANGED, Some(principal))
                .subject(user)
                .target(format!("user:{user}"))
                .details(json!({ "from": current.role, "to": role }));
            current = inner.store.set_role(user, role, inner.now(), &audit).await.map_err(user_not_found(user))?;
        }
        if let Some(disabled) = update.disabled
            && disabled != current.disabled
        {
            let action = if disabled { actions::USER_DISABLED } else { actions::USER_ENABLED };
            let audit = inner.audit(action, Some(principal)).subject(user).target(format!("user:{user}"));
            current =
                inner.store.set_disabled(user, disabled, inner.now(), &audit).await.map_err(user_not_found(user))?;
            if disabled {
                // A disabled account's reset links must not bring it back.
                inner.store.delete_one_time_tokens(user, OneTimeTokenKind::PasswordReset).await?;
            }
        }
        Ok(current.profile())
    }

    /// Sets the role of the user with this email: a trusted call for the
    /// host or an operator's command line (e.g. to appoint the first
    /// administrator), so it takes no principal. `not_found` for an unknown email.
    pub async fn set_role_by_email(&self, email: &str, role: Role) -> Result<Profile> {
        self.role_by_email(email, role, true).await
    }

    /// Makes the user with this email an administrator: the operator's
    /// `agentmart admin grant`, a trusted call like
    /// [`AdminService::set_role_by_email`]. Unless `allow_unverified`, an
    /// account whose email is not verified is refused with `conflict` and
    /// nothing changes: whoever registered an address they do not own must
    /// not be handed the administrator role by a typo or a look-alike
    /// address. `not_found` for an unknown email.
    pub async fn grant_admin_by_email(&self, email: &str, allow_unverified: bool) -> Result<Profile> {
        self.role_by_email(email, Role::Admin, allow_unverified).await
    }

    async fn role_by_email(&self, email: &str, role: Role, allow_unverified: bool) -> Result<Profile> {
        let inner = &self.inner;
        let normalized = crate::model::Email::normalize(email);
        let not_found = || Error::NotFound(format!("user with email `{normalized}`"));
        let email: crate::model::Email = normalized.parse().map_err(|_| not_found())?;
        let user = inner.store.find_user_by_email(&email).await?.ok_or_else(not_found)?;
        if !allow_unverified && !user.email_verified && user.role != role {
            return Err(Error::Conflict(format!(
                "the email `{normalized}` is not verified; verify it first, or force the grant"
            )));
        }
        if user.role == role {
            return Ok(user.profile());
        }
        let audit = inner
            .audit(actions::ROLE_CHANGED, None)
            .subject(user.id)
            .target(format!("user:{}", user.id))
            .details(json!({ "from": user.role, "to": role, "via": "trusted_call" }));
        let updated =
            inner.store.set_role(user.id, role, inner.now(), &audit).await.map_err(user_not_found(user.id))?;
        Ok(updated.profile())
    }

    /// Ends every session of a user (`DELETE /v1/admin/users/{id}/sessions`),
    /// writing an audit record (actor: the administrator; subject: the
    /// user). The caller's administrator role is re-read from
    /// the store (`forbidden` when it is gone or the account is disabled);
    /// `not_found` for an unknown user. Returns how many sessions ended.
    pub async fn revoke_user_sessions(&self, principal: &Principal, user: UserId) -> Result<u64> {
        let inner = &self.inner;
        inner.stored_admin(principal).await?;
        if inner.store.get_user(user).await?.is_none() {
            return Err(Error::NotFound(format!("user `{user}`")));
        }
        let audit = inner
            .audit(actions::SESSIONS_REVOKED_BY_ADMIN, Some(principal))
            .subject(user)
            .target(format!("user:{user}"));
        Ok(inner.store.revoke_user_sessions(user, None, inner.now(), &audit).await?)
    }
}
