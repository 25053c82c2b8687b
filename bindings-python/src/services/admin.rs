//! `agentmart.Admin`: audit trail, users, moderation.

use std::sync::Arc;

use agentmart_core::auth::AdminUserUpdate;
use agentmart_core::market::Moderation;
use agentmart_core::{AuditFilter, PageRequest, ReviewId, Role, UserId};
use pyo3::prelude::*;
use serde_json::json;

use super::{agent_ref, parse_id};
use crate::convert::{opt_json, request};
use crate::shared::{PyPrincipal, Shared, principal};

/// Administration (`Agentmart.admin`); every method but
/// `set_role_by_email` needs an admin principal.
#[pyclass(frozen, name = "Admin", module = "agentmart")]
pub(crate) struct PyAdmin {
    pub(crate) shared: Arc<Shared>,
}

#[pymethods]
impl PyAdmin {
    /// The audit trail, newest first, filtered → `Page[AuditRecord]`.
    #[pyo3(signature = (principal, *, actor=None, subject=None, action=None, target=None, from_time=None, to_time=None, limit=None, cursor=None))]
    #[allow(clippy::too_many_arguments)]
    fn audit(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        actor: Option<String>,
        subject: Option<String>,
        action: Option<String>,
        target: Option<String>,
        from_time: Option<&Bound<'_, PyAny>>,
        to_time: Option<&Bound<'_, PyAny>>,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let body = json!({
            "actor": actor, "subject": subject, "action": action, "target": target,
            "from": opt_json(from_time)?, "to": opt_json(to_time)?,
        });
        let page = PageRequest { limit, cursor };
        self.shared.run_record(py, "page:AuditRecord", |m| async move {
            let filter: AuditFilter = request(body)?;
            m.admin().audit(&p, filter, page).await
        })
    }

    /// Disables/enables a user or changes their role → `Profile`.
    #[pyo3(signature = (principal, user_id, *, disabled=None, role=None))]
    fn update_user(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        user_id: String,
        disabled: Option<bool>,
        role: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        self.shared.run_record(py, "Profile", |m| async move {
            let user: UserId = parse_id(&user_id)?;
            let role = role.map(|r| r.parse::<Role>()).transpose()?;
            m.admin().update_user(&p, user, AdminUserUpdate { disabled, role }).await
        })
    }

    /// Sets a role by email, without a principal: for operators bootstrapping
    /// the first admin (a CLI or a deploy script) → `Profile`.
    fn set_role_by_email(&self, py: Python<'_>, email: String, role: String) -> PyResult<Py<PyAny>> {
        self.shared.run_record(py, "Profile", |m| async move {
            let role: Role = role.parse()?;
            m.admin().set_role_by_email(&email, role).await
        })
    }

    /// Forces an agent's status (e.g. `unlisted` with a message) → `Agent`.
    #[pyo3(signature = (principal, agent, status, *, status_message=None))]
    fn moderate_agent(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        agent: String,
        status: String,
        status_message: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        self.shared.run_record(py, "Agent", |m| async move {
            let moderation: Moderation = request(json!({ "status": status, "status_message": status_message }))?;
            m.admin().moderate_agent(&p, &agent_ref(&agent)?, moderation).await
        })
    }

    /// Deletes a review.
    fn delete_review(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>, review_id: String) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move {
            let id: ReviewId = parse_id(&review_id)?;
            m.admin().delete_review(&p, id).await
        })
    }
}
