//! Accounts: registration, login, password change, profiles, deletion, and
//! bring-your-own-identity principals.

use serde_json::json;

use super::throttle::{LoginThrottle, account_key};
use super::validate::{
    MAX_EXTERNAL_ID_LEN, check_avatar_url, check_bio, check_display_name, clean_text, handle_base,
    handle_base_from_email, handle_candidate, normalize_email,
};
use super::{AuthService, ExternalIdentity, LoginRequest, RegisterRequest, Registered, password};
use crate::context::Inner;
use crate::error::{Error, FieldError, Result};
use crate::ids::UserId;
use crate::model::{
    AuditRecord, ClientInfo, Email, Handle, OneTimeTokenKind, Principal, Profile, ProfileChange, ProfilePatch, Role,
    TokenPair, UserRecord, actions,
};
use crate::storage::{ConflictKind, EndSessions, StorageError};

/// Attempts at finding a free derived handle before giving up.
const HANDLE_ATTEMPTS: u32 = 8;

impl Inner {
    /// Whether `handle` is retired (a deleted account held it) and still
    /// reserved. A retirement older than
    /// [`Config::handle_retention`](crate::Config::handle_retention) is
    /// released here (the record deleted), so the handle becomes free.
    pub(crate) async fn handle_retired(&self, handle: &Handle) -> Result<bool> {
        let Some(retired) = self.store.retired_handle(handle).await? else {
            return Ok(false);
        };
        let Some(retention) = self.config.handle_retention else {
            return Ok(true);
        };
        let cutoff = self.now() - chrono::Duration::from_std(retention).map_err(Error::internal)?;
        if retired.retired_at > cutoff {
            return Ok(true);
        }
        Ok(!self.store.release_retired_handle(handle, cutoff).await?)
    }

    /// `handle_taken` when a live user other than `except` holds the handle
    /// or it is retired. The store re-checks both atomically on write.
    async fn check_handle_free(&self, handle: &Handle, except: Option<UserId>) -> Result<()> {
        if let Some(holder) = self.store.find_user_by_handle(handle).await?
            && Some(holder.id) != except
        {
            return Err(Error::HandleTaken);
        }
        if self.handle_retired(handle).await? {
            return Err(Error::HandleTaken);
        }
        Ok(())
    }

    /// Inserts the user `make` builds around its handle: the `explicit` one (a
    /// taken one is `handle_taken`), or candidates derived from `base`,
    /// skipping taken ones. Returns the stored record.
    async fn create_user_with_handle(
        &self,
        make: impl Fn(Handle) -> UserRecord,
        explicit: Option<Handle>,
        base: &str,
        audit: impl Fn(&UserRecord) -> AuditRecord,
    ) -> Result<UserRecord> {
        for attempt in 0..HANDLE_ATTEMPTS {
            let handle = match &explicit {
                Some(handle) => handle.clone(),
                None => {
                    let candidate = handle_candidate(base, attempt)?;
                    if self.check_handle_free(&candidate, None).await.is_err() {
                        continue;
                    }
                    candidate
                }
            };
            let user = make(handle);
            match self.store.create_user(&user, &audit(&user)).await {
                Ok(()) => return Ok(user),
                // Lost a race for a derived handle: try another.
                Err(StorageError::Conflict(ConflictKind::Handle)) if explicit.is_none() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict("no free handle could be derived; choose a handle".into()))
    }
}

impl AuthService {
    /// Creates an account and starts its first session (`POST /v1/auth/register`).
    ///
    /// The email is trimmed, lower-cased and checked; the password must have
    /// 8 to 128 characters (counted as characters, after NFKC normalisation)
    /// and not be a common password; a given handle must match
    /// `^[a-z0-9][a-z0-9-]{1,30}$`, an absent one is derived from the email
    /// (with a short random suffix when taken). All failing fields are
    /// reported together as `validation_failed`; then `email_taken` or
    /// `handle_taken` (also for the handle of a deleted account, which is
    /// never given to someone else unless
    /// [`Config::handle_retention`](crate::Config::handle_retention) says so). An email-verification message is sent through the
    /// notifier.
    pub async fn register(&self, request: RegisterRequest, client: &ClientInfo) -> Result<Registered> {
        let inner = &self.inner;
        let password = password::normalize(&request.password);
        let display_name = clean_text(request.display_name.as_deref());

        let mut errors = Vec::new();
        let email = Email::parse_field("email", &request.email).map_err(|e| errors.extend(e)).ok();
        password::check_policy(&inner.config.password_policy, "password", &password, &mut errors);
        let handle = match clean_text(request.handle.as_deref()) {
            Some(raw) => Handle::parse_field("handle", &raw).map_err(|e| errors.extend(e)).ok(),
            None => None,
        };
        if let Some(name) = &display_name {
            check_display_name("display_name", name, &mut errors);
        }
        let Some(email) = email.filter(|_| errors.is_empty()) else {
            return Err(Error::Validation(errors));
        };
        // Cheap checks before the expensive hash; the store re-checks atomically.
        if inner.store.find_user_by_email(&email).await?.is_some() {
            return Err(Error::EmailTaken);
        }
        if let Some(handle) = &handle {
            inner.check_handle_free(handle, None).await?;
        }

        let password_hash = inner.auth.hasher.hash(password).await?;
        let now = inner.now();
        let id = UserId::new();
        let make = |handle| UserRecord {
            id,
            email: Some(email.clone()),
            email_verified: false,
            handle,
            display_name: display_name.clone(),
            bio: None,
            avatar_url: None,
            role: Role::User,
            disabled: false,
            password_hash: Some(password_hash.clone()),
            external_id: None,
            created_at: now,
            updated_at: now,
        };
        let base = handle_base_from_email(&email);
        let user = inner
            .create_user_with_handle(make, handle, &base, |u| {
                inner
                    .audit_from_client(actions::USER_REGISTERED, client)
                    .actor(u.id)
                    .subject(u.id)
                    .target(format!("user:{}", u.id))
                    .details(json!({ "handle": u.handle }))
            })
            .await?;

        let tokens = inner.start_session(&user, client).await?;
        // The account exists whatever happens to the message; a failure here
        // is logged and the user can ask for another one.
        if let Err(err) = inner.send_verification(&user).await {
            tracing::warn!(user = %user.id, error = %err, "could not send the email-verification message");
        }
        Ok(Registered { user: user.profile(), tokens })
    }

    /// Logs in with email and password and starts a session (`POST /v1/auth/login`).
    ///
    /// A wrong password, an unknown email, an account without a password
    /// and a disabled account all answer `invalid_credentials`, after the
    /// same amount of work. Repeated failures are throttled (`rate_limited`
    /// with `retry_after`); see the [module documentation](super#login-throttling).
    /// A password hash made with other parameters than the configured ones
    /// is upgraded. A successful login deletes the user's outstanding
    /// password-reset links. When the user already has
    /// [`Config::max_sessions_per_user`](crate::Config::max_sessions_per_user)
    /// active sessions, the oldest ones end.
    pub async fn login(&self, request: LoginRequest, client: &ClientInfo) -> Result<TokenPair> {
        let inner = &self.inner;
        let email = normalize_email(&request.email);
        let password = password::normalize(&request.password);
        // Text that is not a valid address names no account: it gets the same
        // answer, after the same work, as an unknown one.
        let user = match email.parse::<Email>() {
            Ok(email) => inner.store.find_user_by_email(&email).await?,
            Err(_) => None,
        };
        let now = inner.now();
        let throttle = LoginThrottle::new(inner, &account_key(user.as_ref().map(|u| u.id), &email), client);
        throttle.reserve(now).await?;

        // Passwords longer than the policy allows were never accepted: refuse
        // them without spending a hash on arbitrarily long input.
        let too_long = password.chars().count() > inner.config.password_policy.max_len;
        let verified = match user.as_ref().and_then(|u| u.password_hash.clone()) {
            Some(_) if too_long => false,
            Some(hash) => inner.auth.hasher.verify(password.clone(), hash).await?,
            None if too_long => false,
            None => inner.auth.hasher.verify_dummy(password.clone()).await?,
        };
        let user = match user {
            Some(user) if verified => user,
            user => {
                // The reservation stays counted as this failure. Known and
                // unknown emails write the same kind of audit record (the
                // latter keyed by a hash of the email, never the email), so
                // the write pattern reveals nothing either.
                let audit = inner.audit_from_client(actions::LOGIN_FAILED, client);
                let audit = match user {
                    Some(user) => audit.subject(user.id).target(format!("user:{}", user.id)),
                    None => audit.target(format!("account:{}", account_key(None, &email))),
                };
                inner.store.append_audit(&audit).await?;
                return Err(Error::InvalidCredentials);
            }
        };
        if user.disabled {
            return Err(Error::InvalidCredentials);
        }
        throttle.record_success(now).await?;
        // Whoever can sign in needs no outstanding reset link: it dies here.
        inner.store.delete_one_time_tokens(user.id, OneTimeTokenKind::PasswordReset).await?;

        if let Some(hash) = &user.password_hash
            && inner.auth.hasher.needs_rehash(hash)
        {
            // Not fatal: the login succeeds with the old hash in place.
            if let Err(err) = inner.rehash(&user, password, client).await {
                tracing::warn!(user = %user.id, error = %err, "could not upgrade the password hash");
            }
        }
        inner.start_session(&user, client).await
    }

    /// Changes the caller's password (`POST /v1/auth/password/change`). The
    /// current password is required (`invalid_credentials` otherwise; wrong
    /// guesses are throttled per session); the new one follows the password
    /// policy (errors on `new_password`). Every other session of the user
    /// ends; the caller's stays. Outstanding password-reset links die.
    pub async fn change_password(&self, principal: &Principal, current: &str, new: &str) -> Result<()> {
        let inner = &self.inner;
        let user = inner.active_user(principal).await?;
        let new = password::normalize(new);
        let mut errors = Vec::new();
        password::check_policy(&inner.config.password_policy, "new_password", &new, &mut errors);
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        inner.confirm_password(&user, principal, current).await?;

        let new_hash = inner.auth.hasher.hash(new).await?;
        let end = match principal.session_id {
            Some(session) => EndSessions::AllExcept(session),
            None => EndSessions::All,
        };
        let audit = inner
            .audit(actions::PASSWORD_CHANGED, Some(principal))
            .subject(user.id)
            .target(format!("user:{}", user.id));
        inner.store.set_password_hash(user.id, &new_hash, end, inner.now(), &audit).await?;
        inner.store.delete_one_time_tokens(user.id, OneTimeTokenKind::PasswordReset).await?;
        Ok(())
    }

    /// The caller's profile (`GET /v1/me`).
    pub async fn profile(&self, principal: &Principal) -> Result<Profile> {
        Ok(self.inner.active_user(principal).await?.profile())
    }

    /// Changes the caller's profile (`PATCH /v1/me`). `None` fields stay;
    /// `Some(None)` (or a blank string) clears display name, bio or avatar.
    /// Rules: handle as at registration (`handle_taken` when another user
    /// holds it or a deleted account held it; the old handle becomes free), display
    /// name at most 100 characters, bio at most 1000, avatar an absolute
    /// http(s) URL of at most 2048 bytes; every failing field is reported.
    pub async fn update_profile(&self, principal: &Principal, patch: ProfilePatch) -> Result<Profile> {
        let inner = &self.inner;
        let user = inner.active_user(principal).await?;
        let mut errors: Vec<FieldError> = Vec::new();
        let mut clean = ProfileChange::default();
        if let Some(handle) = &patch.handle {
            match Handle::parse_field("handle", handle) {
                Ok(handle) if handle != user.handle => clean.handle = Some(handle),
                Ok(_) => {}
                Err(found) => errors.extend(found),
            }
        }
        if let Some(name) = &patch.display_name {
            let name = clean_text(name.as_deref());
            if let Some(name) = &name {
                check_display_name("display_name", name, &mut errors);
            }
            clean.display_name = Some(name);
        }
        if let Some(bio) = &patch.bio {
            let bio = clean_text(bio.as_deref());
            if let Some(bio) = &bio {
                check_bio("bio", bio, &mut errors);
            }
            clean.bio = Some(bio);
        }
        if let Some(url) = &patch.avatar_url {
            let url = clean_text(url.as_deref());
            if let Some(url) = &url {
                check_avatar_url("avatar_url", url, &mut errors);
            }
            clean.avatar_url = Some(url);
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        if clean == ProfileChange::default() {
            return Ok(user.profile());
        }
        if let Some(handle) = &clean.handle {
            inner.check_handle_free(handle, Some(user.id)).await?;
        }
        let fields: Vec<&str> = [
            ("handle", clean.handle.is_some()),
            ("display_name", clean.display_name.is_some()),
            ("bio", clean.bio.is_some()),
            ("avatar_url", clean.avatar_url.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect();
        let audit = inner
            .audit(actions::PROFILE_UPDATED, Some(principal))
            .subject(user.id)
            .target(format!("user:{}", user.id))
            .details(json!({ "fields": fields }));
        let updated = inner.store.update_profile(user.id, &clean, inner.now(), &audit).await.map_err(|e| match e {
            StorageError::NotFound => Error::Unauthenticated,
            other => other.into(),
        })?;
        Ok(updated.profile())
    }

    /// Deletes the caller's account (`DELETE /v1/me`): its sessions and
    /// refresh tokens are deleted (with their IPs and user agents), and so are
    /// its one-time tokens, throttle counters and usage user-sets; installs and
    /// ratings are removed (install counts and rating aggregates follow),
    /// owned agents are soft-deleted, and the email becomes free. The handle is
    /// retired, not freed: nobody else can take it, so the account's
    /// `owner/slug` paths and agent cards never show someone else's agent
    /// (see [`Config::handle_retention`](crate::Config::handle_retention)).
    /// The audit trail is kept. The password is required for accounts that
    /// have one (`invalid_credentials` otherwise); accounts of
    /// bring-your-own-identity users, which have none, are deleted on the
    /// host's word.
    pub async fn delete_account(&self, principal: &Principal, password: &str) -> Result<()> {
        let inner = &self.inner;
        let user = inner.active_user(principal).await?;
        if user.password_hash.is_some() {
            inner.confirm_password(&user, principal, password).await?;
        }
        let audit = inner
            .audit(actions::USER_DELETED, Some(principal))
            .subject(user.id)
            .target(format!("user:{}", user.id))
            .details(json!({ "handle": user.handle }));
        inner.store.delete_user(user.id, inner.now(), &audit).await?;
        Ok(())
    }

    /// The principal of a user of the host's own identity system
    /// (bring-your-own-identity). The first call for an `external_id` creates
    /// an account without a password (audit `user.linked`); later calls
    /// return the same user and ignore the other fields. `forbidden` for a
    /// disabled user; `validation_failed` for a bad id, handle, email or
    /// display name; `handle_taken`/`email_taken` when a given one is taken.
    ///
    /// This is a trusted call: only the host's own code, after its own
    /// authentication, should make it. The principal has no session.
    pub async fn principal_for_external(&self, identity: ExternalIdentity) -> Result<Principal> {
        let inner = &self.inner;
        let external_id = identity.external_id.trim().to_string();
        let mut errors = Vec::new();
        if external_id.is_empty() {
            errors.push(FieldError::new("external_id", "required", "an external id is required"));
        } else if external_id.len() > MAX_EXTERNAL_ID_LEN {
            errors.push(FieldError::new("external_id", "too_long", format!("at most {MAX_EXTERNAL_ID_LEN} bytes")));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        if let Some(user) = inner.store.find_user_by_external_id(&external_id).await? {
            return principal_of(&user);
        }

        let handle = match clean_text(identity.handle.as_deref()) {
            Some(raw) => Handle::parse_field("handle", &raw).map_err(|e| errors.extend(e)).ok(),
            None => None,
        };
        let email = match clean_text(identity.email.as_deref()) {
            Some(raw) => Email::parse_field("email", &raw).map_err(|e| errors.extend(e)).ok(),
            None => None,
        };
        let display_name = clean_text(identity.display_name.as_deref());
        if let Some(name) = &display_name {
            check_display_name("display_name", name, &mut errors);
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let base = match (&email, &display_name) {
            (Some(email), _) => handle_base_from_email(email),
            (None, Some(name)) => handle_base(name),
            (None, None) => handle_base(&external_id),
        };
        let now = inner.now();
        let id = UserId::new();
        let make = |handle| UserRecord {
            id,
            email: email.clone(),
            email_verified: false,
            handle,
            display_name: display_name.clone(),
            bio: None,
            avatar_url: None,
            role: Role::User,
            disabled: false,
            password_hash: None,
            external_id: Some(external_id.clone()),
            created_at: now,
            updated_at: now,
        };
        let created = inner
            .create_user_with_handle(make, handle, &base, |u| {
                inner
                    .audit(actions::USER_LINKED, None)
                    .actor(u.id)
                    .subject(u.id)
                    .target(format!("user:{}", u.id))
                    .details(json!({ "handle": u.handle }))
            })
            .await;
        match created {
            Ok(user) => principal_of(&user),
            // A concurrent first call for the same id may have won (its
            // account then also holds the email and maybe the handle): use it.
            Err(err) => match inner.store.find_user_by_external_id(&external_id).await? {
                Some(existing) => principal_of(&existing),
                None => Err(err),
            },
        }
    }

    /// The principal of an existing user, for hosts that authenticate users
    /// themselves (a trusted call). `not_found` for an unknown id,
    /// `forbidden` for a disabled user. The principal has no session.
    pub async fn principal_for_user(&self, user: UserId) -> Result<Principal> {
        match self.inner.store.get_user(user).await? {
            Some(user) => principal_of(&user),
            None => Err(Error::NotFound(format!("user `{user}`"))),
        }
    }
}

/// A session-less principal for an active user.
fn principal_of(user: &UserRecord) -> Result<Principal> {
    if user.disabled {
        return Err(Error::Forbidden("the account is disabled".into()));
    }
    Ok(Principal { user_id: user.id, session_id: None, role: user.role })
}

impl Inner {
    /// Checks the user's current password for a sensitive change; wrong
    /// guesses are throttled per session (or per user without a session).
    pub(super) async fn confirm_password(
        &self,
        user: &UserRecord,
        principal: &Principal,
        password: &str,
    ) -> Result<()> {
        let now = self.now();
        let client_key = match principal.session_id {
            Some(session) => format!("session-{session}"),
            None => "no-session".to_string(),
        };
        let client = ClientInfo { client_key: Some(client_key), ..ClientInfo::default() };
        let throttle = LoginThrottle::new(self, &format!("confirm:{}", user.id), &client);
        throttle.reserve(now).await?;
        let password = password::normalize(password);
        let ok = match &user.password_hash {
            Some(hash) if password.chars().count() <= self.config.password_policy.max_len => {
                self.auth.hasher.verify(password, hash.clone()).await?
            }
            _ => false,
        };
        if ok {
            throttle.record_success(now).await
        } else {
            // The reservation stays counted as this failure.
            Err(Error::InvalidCredentials)
        }
    }

    /// Re-hashes a correct password with the configured parameters.
    async fn rehash(&self, user: &UserRecord, password: String, client: &ClientInfo) -> Result<()> {
        let new_hash = self.auth.hasher.hash(password).await?;
        let audit = self
            .audit_from_client(actions::PASSWORD_REHASHED, client)
            .actor(user.id)
            .subject(user.id)
            .target(format!("user:{}", user.id));
        self.store.set_password_hash(user.id, &new_hash, EndSessions::None, self.now(), &audit).await?;
        Ok(())
    }
}
