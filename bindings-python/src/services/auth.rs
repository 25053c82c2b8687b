//! `agentmart.Auth`: accounts, sessions, tokens, recovery, identities.

use std::sync::Arc;

use agentmart_core::auth::{ExternalIdentity, LoginRequest, RegisterRequest};
use agentmart_core::{PageRequest, ProfilePatch, SessionId, UserId};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;

use super::{client, parse_id};
use crate::convert::{kwargs_to_json, record, request};
use crate::shared::{PyPrincipal, Shared, principal};

/// Accounts, sessions, tokens, password reset, email verification, profiles
/// and bring-your-own-identity principals (`Agentmart.auth`).
#[pyclass(frozen, name = "Auth", module = "agentmart")]
pub(crate) struct PyAuth {
    pub(crate) shared: Arc<Shared>,
}

#[pymethods]
impl PyAuth {
    /// Creates an account and starts its first session → `Registered`.
    #[pyo3(signature = (email, password, *, handle=None, display_name=None, ip=None, user_agent=None, client_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn register(
        &self,
        py: Python<'_>,
        email: String,
        password: String,
        handle: Option<String>,
        display_name: Option<String>,
        ip: Option<String>,
        user_agent: Option<String>,
        client_key: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let client = client(ip, user_agent, client_key);
        let req = RegisterRequest { email, password, handle, display_name };
        self.shared.run_record(py, "Registered", |m| async move { m.auth().register(req, &client).await })
    }

    /// Logs in with email and password → `TokenPair`. `ip` or `client_key`
    /// is required (`ValidationFailed`, field `client`): throttling keys
    /// clients by it.
    #[pyo3(signature = (email, password, *, ip=None, user_agent=None, client_key=None))]
    fn login(
        &self,
        py: Python<'_>,
        email: String,
        password: String,
        ip: Option<String>,
        user_agent: Option<String>,
        client_key: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let client = client(ip, user_agent, client_key);
        let req = LoginRequest { email, password };
        self.shared.run_record(py, "TokenPair", |m| async move { m.auth().login(req, client.require_known()?).await })
    }

    /// Rotates a refresh token → a new `TokenPair`. A rotated token that comes
    /// back raises `TokenReused` and ends the session. `ip` or `client_key`
    /// is required (`ValidationFailed`, field `client`).
    #[pyo3(signature = (refresh_token, *, ip=None, user_agent=None, client_key=None))]
    fn refresh(
        &self,
        py: Python<'_>,
        refresh_token: String,
        ip: Option<String>,
        user_agent: Option<String>,
        client_key: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let client = client(ip, user_agent, client_key);
        self.shared.run_record(py, "TokenPair", |m| async move {
            m.auth().refresh(&refresh_token, client.require_known()?).await
        })
    }

    /// Turns an access token into a `Principal`.
    fn authenticate(&self, py: Python<'_>, access_token: String) -> PyResult<PyPrincipal> {
        let p = self.shared.run(py, |m| async move { m.auth().authenticate(&access_token).await })?;
        Ok(PyPrincipal(p))
    }

    /// Ends the principal's session.
    fn logout(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move { m.auth().logout(&p).await })
    }

    /// Ends every session of the principal's user.
    fn logout_all(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move { m.auth().logout_all(&p).await })
    }

    /// The user's active sessions → `list[SessionInfo]`.
    fn sessions(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        self.shared.run_record(py, "list:SessionInfo", |m| async move { m.auth().sessions(&p).await })
    }

    /// Ends one of the user's sessions.
    fn revoke_session(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>, session_id: String) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move {
            let session: SessionId = parse_id(&session_id)?;
            m.auth().revoke_session(&p, session).await
        })
    }

    /// Changes the password (other sessions end).
    fn change_password(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        current_password: String,
        new_password: String,
    ) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move { m.auth().change_password(&p, &current_password, &new_password).await })
    }

    /// The caller's profile → `Profile`.
    fn profile(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        self.shared.run_record(py, "Profile", |m| async move { m.auth().profile(&p).await })
    }

    /// Changes `handle`, `display_name`, `bio`, `avatar_url` (keywords given
    /// only; `None` clears an optional field) → `Profile`.
    #[pyo3(signature = (principal, **changes))]
    fn update_profile(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        changes: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let patch = Value::Object(kwargs_to_json(changes)?);
        self.shared.run_record(py, "Profile", |m| async move {
            let patch: ProfilePatch = request(patch)?;
            m.auth().update_profile(&p, patch).await
        })
    }

    /// Deletes the account after checking its password.
    fn delete_account(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>, password: String) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move { m.auth().delete_account(&p, &password).await })
    }

    /// Sends a password-reset message through the notifier (silently does
    /// nothing for unknown emails). `ip` or `client_key` is required
    /// (`ValidationFailed`, field `client`).
    #[pyo3(signature = (email, *, ip=None, user_agent=None, client_key=None))]
    fn request_password_reset(
        &self,
        py: Python<'_>,
        email: String,
        ip: Option<String>,
        user_agent: Option<String>,
        client_key: Option<String>,
    ) -> PyResult<()> {
        let client = client(ip, user_agent, client_key);
        self.shared.run(py, |m| async move { m.auth().request_password_reset(&email, client.require_known()?).await })
    }

    /// Sets a new password with a reset token (every session ends).
    fn reset_password(&self, py: Python<'_>, token: String, new_password: String) -> PyResult<()> {
        self.shared.run(py, |m| async move { m.auth().reset_password(&token, &new_password).await })
    }

    /// Sends an email-verification message through the notifier.
    fn request_email_verification(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move { m.auth().request_email_verification(&p).await })
    }

    /// Marks the email verified with a verification token.
    fn verify_email(&self, py: Python<'_>, token: String) -> PyResult<()> {
        self.shared.run(py, |m| async move { m.auth().verify_email(&token).await })
    }

    /// Starts an email change: needs the current password; sends a
    /// single-use link to `new_email`. Nothing changes until it is confirmed.
    fn request_email_change(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        new_email: String,
        password: String,
    ) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move { m.auth().request_email_change(&p, &new_email, &password).await })
    }

    /// Completes an email change with the token sent to the new address; the
    /// old address is told.
    fn confirm_email_change(&self, py: Python<'_>, token: String) -> PyResult<()> {
        self.shared.run(py, |m| async move { m.auth().confirm_email_change(&token).await })
    }

    /// A principal for a user of the host's own identity system; the account
    /// is created on first sight of `external_id`.
    #[pyo3(signature = (external_id, *, handle=None, display_name=None, email=None))]
    fn principal_for_external(
        &self,
        py: Python<'_>,
        external_id: String,
        handle: Option<String>,
        display_name: Option<String>,
        email: Option<String>,
    ) -> PyResult<PyPrincipal> {
        let identity = ExternalIdentity { external_id, handle, display_name, email };
        let p = self.shared.run(py, |m| async move { m.auth().principal_for_external(identity).await })?;
        Ok(PyPrincipal(p))
    }

    /// A principal for an existing user id (for hosts with their own login).
    fn principal_for_user(&self, py: Python<'_>, user_id: String) -> PyResult<PyPrincipal> {
        let p = self.shared.run(py, |m| async move {
            let user: UserId = parse_id(&user_id)?;
            m.auth().principal_for_user(user).await
        })?;
        Ok(PyPrincipal(p))
    }

    /// The public keys that verify access tokens (JWKS, a dict; empty keys for HS256).
    fn jwks(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let out = self.shared.sync(py, |m| m.auth().jwks())?;
        record(py, "json", &out)
    }

    /// The caller's own audit trail → `Page[AuditRecord]`.
    #[pyo3(signature = (principal, *, limit=None, cursor=None))]
    fn my_audit(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let page = PageRequest { limit, cursor };
        self.shared.run_record(py, "page:AuditRecord", |m| async move { m.auth().my_audit(&p, page).await })
    }
}
