//! `mart.auth`: accounts, sessions, tokens, profiles, recovery.

use agentmart_core as am;
use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;

use crate::types::{
    self, AuditPage, ClientInfo, ExternalIdentity, LoginRequest, PageRequest, PrincipalInfo, Profile, ProfilePatch,
    RegisterRequest, Registered, SessionInfo, TokenPair, from_js, to_js,
};
use crate::{Handle, run, run_inline_first};

/// Who is calling: obtained from `auth.authenticate(accessToken)`,
/// `auth.principalForExternal(identity)` or `auth.principalForUser(id)`, and
/// passed to every call made on someone's behalf. Opaque: it cannot be built
/// or changed from JavaScript.
#[napi]
pub struct Principal {
    pub(crate) inner: am::Principal,
}

#[napi]
impl Principal {
    /// The user's id.
    #[napi(getter)]
    pub fn user_id(&self) -> String {
        self.inner.user_id.to_string()
    }

    /// The session the access token belongs to (`null` for host principals).
    #[napi(getter)]
    pub fn session_id(&self) -> Option<String> {
        self.inner.session_id.map(|s| s.to_string())
    }

    /// The user's role when the principal was made.
    #[napi(getter, ts_return_type = "Role")]
    pub fn role(&self) -> &'static str {
        self.inner.role.as_str()
    }

    /// True for administrators.
    #[napi(getter)]
    pub fn is_admin(&self) -> bool {
        self.inner.is_admin()
    }

    /// Plain data, for logging (`JSON.stringify(principal)`).
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> PrincipalInfo {
        PrincipalInfo {
            user_id: self.user_id(),
            session_id: self.session_id(),
            role: match self.inner.role {
                am::Role::Admin => types::Role::Admin,
                _ => types::Role::User,
            },
        }
    }
}

/// `mart.auth`.
#[napi]
pub struct AuthApi {
    pub(crate) handle: Handle,
}

fn client(info: Option<ClientInfo>) -> am::Result<am::ClientInfo> {
    from_js(info.unwrap_or_default())
}

/// [`client`] for login, refresh and forgot-password, which fail closed
/// without an `ip` or `clientKey` ([`am::ClientInfo::require_known`]).
fn known_client(info: Option<ClientInfo>) -> am::Result<am::ClientInfo> {
    let client = client(info)?;
    client.require_known()?;
    Ok(client)
}

fn principal(inner: am::Principal) -> Principal {
    Principal { inner }
}

#[napi]
impl AuthApi {
    /// Creates an account and its first session. `validation_failed` lists
    /// every bad field; `email_taken`, `handle_taken`.
    #[napi(ts_return_type = "Promise<Registered>")]
    pub fn register<'env>(
        &self,
        env: &'env Env,
        request: RegisterRequest,
        client_info: Option<ClientInfo>,
    ) -> napi::Result<PromiseRaw<'env, Registered>> {
        run(env, &self.handle, move |mart| async move {
            let request = from_js(request)?;
            to_js(mart.auth().register(request, &client(client_info)?).await?)
        })
    }

    /// Starts a session. `invalid_credentials`; `rate_limited` (with
    /// `retryAfter`) after repeated failures. `clientInfo` must carry an
    /// `ip` or a `clientKey` (throttling keys clients by them), else
    /// `validation_failed` with field `client`.
    #[napi(ts_return_type = "Promise<TokenPair>")]
    pub fn login<'env>(
        &self,
        env: &'env Env,
        request: LoginRequest,
        client_info: Option<ClientInfo>,
    ) -> napi::Result<PromiseRaw<'env, TokenPair>> {
        run(env, &self.handle, move |mart| async move {
            let request = from_js(request)?;
            to_js(mart.auth().login(request, &known_client(client_info)?).await?)
        })
    }

    /// Rotates a refresh token. A rotated token that comes back is
    /// `token_reused` and ends the session. `clientInfo` must carry an `ip`
    /// or a `clientKey`, else `validation_failed` with field `client`.
    #[napi(ts_return_type = "Promise<TokenPair>")]
    pub fn refresh<'env>(
        &self,
        env: &'env Env,
        refresh_token: String,
        client_info: Option<ClientInfo>,
    ) -> napi::Result<PromiseRaw<'env, TokenPair>> {
        run(env, &self.handle, move |mart| async move {
            to_js(mart.auth().refresh(&refresh_token, &known_client(client_info)?).await?)
        })
    }

    /// Turns an access token into a principal: `token_expired`,
    /// `token_invalid` (also for ended sessions), `forbidden` for disabled users.
    #[napi(ts_return_type = "Promise<Principal>")]
    pub fn authenticate<'env>(
        &self,
        env: &'env Env,
        access_token: String,
    ) -> napi::Result<PromiseRaw<'env, Principal>> {
        // The hot path of every request a host serves: settled inline when the
        // store answers without waiting (see `run_inline_first`).
        run_inline_first(env, &self.handle, move |mart| async move {
            Ok(principal(mart.auth().authenticate(&access_token).await?))
        })
    }

    /// A principal for a user of the host's own identity system, creating the
    /// account the first time the external id is seen.
    #[napi(ts_return_type = "Promise<Principal>")]
    pub fn principal_for_external<'env>(
        &self,
        env: &'env Env,
        identity: ExternalIdentity,
    ) -> napi::Result<PromiseRaw<'env, Principal>> {
        run(env, &self.handle, move |mart| async move {
            Ok(principal(mart.auth().principal_for_external(from_js(identity)?).await?))
        })
    }

    /// A principal for an existing user id (`not_found`, `forbidden` when disabled).
    #[napi(ts_return_type = "Promise<Principal>")]
    pub fn principal_for_user<'env>(
        &self,
        env: &'env Env,
        user_id: String,
    ) -> napi::Result<PromiseRaw<'env, Principal>> {
        run(env, &self.handle, move |mart| async move {
            let id = parse_id(&user_id, "user id")?;
            Ok(principal(mart.auth().principal_for_user(id).await?))
        })
    }

    /// Ends the principal's session.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn logout<'env>(&self, env: &'env Env, principal: &Principal) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { mart.auth().logout(&p).await })
    }

    /// Ends every session of the user.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn logout_all<'env>(&self, env: &'env Env, principal: &Principal) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { mart.auth().logout_all(&p).await })
    }

    /// The user's active sessions.
    #[napi(ts_return_type = "Promise<Array<SessionInfo>>")]
    pub fn sessions<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
    ) -> napi::Result<PromiseRaw<'env, Vec<SessionInfo>>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { to_js(mart.auth().sessions(&p).await?) })
    }

    /// Ends one of the user's sessions.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn revoke_session<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        session_id: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let id = parse_id(&session_id, "session id")?;
            mart.auth().revoke_session(&p, id).await
        })
    }

    /// The user's profile.
    #[napi(ts_return_type = "Promise<Profile>")]
    pub fn profile<'env>(&self, env: &'env Env, principal: &Principal) -> napi::Result<PromiseRaw<'env, Profile>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { to_js(mart.auth().profile(&p).await?) })
    }

    /// Changes the profile: absent fields stay, `null` clears.
    #[napi(ts_return_type = "Promise<Profile>")]
    pub fn update_profile<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        patch: ProfilePatch,
    ) -> napi::Result<PromiseRaw<'env, Profile>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { to_js(mart.auth().update_profile(&p, patch.into()).await?) })
    }

    /// Changes the password (ends the user's other sessions).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn change_password<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        current_password: String,
        new_password: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            mart.auth().change_password(&p, &current_password, &new_password).await
        })
    }

    /// Deletes the account (needs the password; host users without one pass `""`).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn delete_account<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        password: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { mart.auth().delete_account(&p, &password).await })
    }

    /// Sends a password-reset message through the notifier; resolves the same
    /// way for unknown emails. `clientInfo` must carry an `ip` or a
    /// `clientKey`, else `validation_failed` with field `client`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn request_password_reset<'env>(
        &self,
        env: &'env Env,
        email: String,
        client_info: Option<ClientInfo>,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        run(env, &self.handle, move |mart| async move {
            mart.auth().request_password_reset(&email, &known_client(client_info)?).await
        })
    }

    /// Sets a new password with a reset token (ends every session).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn reset_password<'env>(
        &self,
        env: &'env Env,
        token: String,
        new_password: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        run(env, &self.handle, move |mart| async move { mart.auth().reset_password(&token, &new_password).await })
    }

    /// Sends an email-verification message through the notifier.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn request_email_verification<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { mart.auth().request_email_verification(&p).await })
    }

    /// Marks the email verified with a verification token.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn verify_email<'env>(&self, env: &'env Env, token: String) -> napi::Result<PromiseRaw<'env, ()>> {
        run(env, &self.handle, move |mart| async move { mart.auth().verify_email(&token).await })
    }

    /// Starts an email change: needs the current password; sends a
    /// single-use link to `newEmail`. Nothing changes until it is confirmed.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn request_email_change<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        new_email: String,
        password: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(
            env,
            &self.handle,
            move |mart| async move { mart.auth().request_email_change(&p, &new_email, &password).await },
        )
    }

    /// Completes an email change with the token sent to the new address; the
    /// old address is told.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn confirm_email_change<'env>(&self, env: &'env Env, token: String) -> napi::Result<PromiseRaw<'env, ()>> {
        run(env, &self.handle, move |mart| async move { mart.auth().confirm_email_change(&token).await })
    }

    /// The user's own audit trail, newest first.
    #[napi(ts_return_type = "Promise<AuditPage>")]
    pub fn my_audit<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        page: Option<PageRequest>,
    ) -> napi::Result<PromiseRaw<'env, AuditPage>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            to_js(mart.auth().my_audit(&p, from_js(page.unwrap_or_default())?).await?)
        })
    }

    /// The public keys of the token signer as a JWKS document (empty for HS256).
    #[napi(ts_return_type = "Promise<{ keys: Array<Record<string, unknown>> }>")]
    pub fn jwks<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, serde_json::Value>> {
        run(env, &self.handle, move |mart| async move { Ok(mart.auth().jwks()) })
    }
}

/// Parses an id string (UUID) through its serde form; `malformed_request` otherwise.
pub(crate) fn parse_id<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> am::Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| am::Error::MalformedRequest(format!("`{text}` is not a valid {what}")))
}
