//! `agentmart.Agents`: the builder.

use std::sync::Arc;

use agentmart_core::agents::{CreateAgent, DraftPatch, PreviewRequest, PublishRequest, StatusChange};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Value, json};

use super::agent_ref;
use crate::convert::{kwargs_to_json, request};
use crate::shared::{PyPrincipal, Shared, principal, viewer};

/// The builder: drafts, validation, preview, publish, versions, status,
/// soft delete and A2A cards (`Agentmart.agents`). Agents are named by their
/// `"owner/slug"` path.
#[pyclass(frozen, name = "Agents", module = "agentmart")]
pub(crate) struct PyAgents {
    pub(crate) shared: Arc<Shared>,
}

#[pymethods]
impl PyAgents {
    /// Creates an agent in status `draft`; keywords are the definition fields
    /// (`name`, `tagline`, `description`, `system_prompt`, `skills`,
    /// `input_modes`, `output_modes`, `input_schema`, `output_schema`,
    /// `conversation_starters`, `model`, `category`, `tags`, `icon_url`,
    /// `documentation_url`) → `AgentDraft`.
    #[pyo3(signature = (principal, slug, **definition))]
    fn create(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        slug: String,
        definition: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let mut body = kwargs_to_json(definition)?;
        body.insert("slug".into(), Value::String(slug));
        self.shared.run_record(py, "AgentDraft", |m| async move {
            let req: CreateAgent = request(Value::Object(body))?;
            m.agents().create(&p, req).await
        })
    }

    /// The caller's agents → `list[MyAgent]`.
    fn my_agents(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        self.shared.run_record(py, "list:MyAgent", |m| async move { m.agents().my_agents(&p).await })
    }

    /// The editable draft with its publish warnings → `AgentDraft`.
    fn draft(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>, agent: String) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        self.shared.run_record(py, "AgentDraft", |m| async move { m.agents().draft(&p, &agent_ref(&agent)?).await })
    }

    /// Edits the draft: keywords given only (same names as `create`; `None`
    /// clears an optional field) → `AgentDraft`.
    #[pyo3(signature = (principal, agent, **changes))]
    fn update_draft(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        agent: String,
        changes: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let patch = Value::Object(kwargs_to_json(changes)?);
        self.shared.run_record(py, "AgentDraft", |m| async move {
            let patch: DraftPatch = request(patch)?;
            m.agents().update_draft(&p, &agent_ref(&agent)?, patch).await
        })
    }

    /// Shows the card and model request the draft would produce → `Preview`.
    #[pyo3(signature = (principal, agent, *, input=None))]
    fn preview(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        agent: String,
        input: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let req = PreviewRequest { input };
        self.shared.run_record(py, "Preview", |m| async move { m.agents().preview(&p, &agent_ref(&agent)?, req).await })
    }

    /// Publishes the draft as an immutable semver version → `AgentVersionView`.
    #[pyo3(signature = (principal, agent, version, *, changelog=None))]
    fn publish(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        agent: String,
        version: String,
        changelog: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let req = PublishRequest { version, changelog };
        self.shared.run_record(py, "AgentVersionView", |m| async move {
            m.agents().publish(&p, &agent_ref(&agent)?, req).await
        })
    }

    /// Published versions, newest first → `list[AgentVersionView]`.
    #[pyo3(signature = (agent, *, viewer=None))]
    fn versions(&self, py: Python<'_>, agent: String, viewer: Option<&Bound<'_, PyPrincipal>>) -> PyResult<Py<PyAny>> {
        let v = self::viewer(viewer);
        self.shared.run_record(py, "list:AgentVersionView", |m| async move {
            m.agents().versions(v.as_ref(), &agent_ref(&agent)?).await
        })
    }

    /// One published version → `AgentVersionView`.
    #[pyo3(signature = (agent, version, *, viewer=None))]
    fn version(
        &self,
        py: Python<'_>,
        agent: String,
        version: String,
        viewer: Option<&Bound<'_, PyPrincipal>>,
    ) -> PyResult<Py<PyAny>> {
        let v = self::viewer(viewer);
        self.shared.run_record(py, "AgentVersionView", |m| async move {
            m.agents().version(v.as_ref(), &agent_ref(&agent)?, &version).await
        })
    }

    /// The A2A agent card of the latest (or given) version → `AgentCard`.
    #[pyo3(signature = (agent, *, version=None, viewer=None))]
    fn card(
        &self,
        py: Python<'_>,
        agent: String,
        version: Option<String>,
        viewer: Option<&Bound<'_, PyPrincipal>>,
    ) -> PyResult<Py<PyAny>> {
        let v = self::viewer(viewer);
        self.shared.run_record(py, "AgentCard", |m| async move {
            m.agents().card(v.as_ref(), &agent_ref(&agent)?, version.as_deref()).await
        })
    }

    /// Moves a published agent between `listed`, `unlisted` and `deprecated` → `MyAgent`.
    #[pyo3(signature = (principal, agent, status, *, status_message=None))]
    fn set_status(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        agent: String,
        status: String,
        status_message: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        self.shared.run_record(py, "MyAgent", |m| async move {
            let change: StatusChange = request(json!({ "status": status, "status_message": status_message }))?;
            m.agents().set_status(&p, &agent_ref(&agent)?, change).await
        })
    }

    /// Soft-deletes the agent (installers keep their version).
    fn delete(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>, agent: String) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move { m.agents().delete(&p, &agent_ref(&agent)?).await })
    }

    /// The definition an installer runs (their pinned or the latest version) → `AgentVersion`.
    fn installed_definition(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        agent: String,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        self.shared.run_record(py, "AgentVersion", |m| async move {
            m.agents().installed_definition(&p, &agent_ref(&agent)?).await
        })
    }
}
