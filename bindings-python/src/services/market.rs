//! `agentmart.Market`: the marketplace.

use std::sync::Arc;

use agentmart_core::market::{InstallRequest, ListAgents, ListReviews, RateRequest, UsageQuery, UsageRequest};
use agentmart_core::{AgentId, PageRequest};
use pyo3::prelude::*;
use serde_json::json;

use super::{agent_ref, parse_id};
use crate::convert::{opt_json, request};
use crate::shared::{PyPrincipal, Shared, principal, viewer};

/// The marketplace: listing, search, detail, installs, ratings, reviews and
/// usage (`Agentmart.market`).
#[pyclass(frozen, name = "Market", module = "agentmart")]
pub(crate) struct PyMarket {
    pub(crate) shared: Arc<Shared>,
}

#[pymethods]
impl PyMarket {
    /// Lists or searches the catalog → `Page[AgentListItem]`. `sort` is one of
    /// `popular`, `rating`, `newest`, `trending`, `name`.
    #[pyo3(signature = (*, viewer=None, q=None, category=None, tag=None, input_mode=None, output_mode=None, owner=None, sort=None, limit=None, cursor=None))]
    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        py: Python<'_>,
        viewer: Option<&Bound<'_, PyPrincipal>>,
        q: Option<String>,
        category: Option<String>,
        tag: Option<String>,
        input_mode: Option<String>,
        output_mode: Option<String>,
        owner: Option<String>,
        sort: Option<String>,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let v = self::viewer(viewer);
        let body = json!({
            "q": q, "category": category, "tag": tag, "input_mode": input_mode,
            "output_mode": output_mode, "owner": owner, "sort": sort, "limit": limit, "cursor": cursor,
        });
        self.shared.run_record(py, "page:AgentListItem", |m| async move {
            let req: ListAgents = request(body)?;
            m.market().list(v.as_ref(), req).await
        })
    }

    /// Everything about one agent → `AgentDetail`.
    #[pyo3(signature = (agent, *, viewer=None))]
    fn detail(&self, py: Python<'_>, agent: String, viewer: Option<&Bound<'_, PyPrincipal>>) -> PyResult<Py<PyAny>> {
        let v = self::viewer(viewer);
        self.shared
            .run_record(py, "AgentDetail", |m| async move { m.market().detail(v.as_ref(), &agent_ref(&agent)?).await })
    }

    /// Installs (or re-pins) an agent; idempotent → `InstallResult`.
    #[pyo3(signature = (principal, agent, *, version=None))]
    fn install(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        agent: String,
        version: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let req = InstallRequest { version };
        self.shared
            .run_record(py, "InstallResult", |m| async move { m.market().install(&p, &agent_ref(&agent)?, req).await })
    }

    /// Uninstalls an agent.
    fn uninstall(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>, agent: String) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move { m.market().uninstall(&p, &agent_ref(&agent)?).await })
    }

    /// Uninstalls by agent id (works for deleted agents too).
    fn uninstall_by_id(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>, agent_id: String) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move {
            let id: AgentId = parse_id(&agent_id)?;
            m.market().uninstall_by_id(&p, id).await
        })
    }

    /// The caller's installs → `Page[InstalledAgent]`.
    #[pyo3(signature = (principal, *, limit=None, cursor=None))]
    fn my_installs(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let page = PageRequest { limit, cursor };
        self.shared.run_record(py, "page:InstalledAgent", |m| async move { m.market().my_installs(&p, page).await })
    }

    /// Rates an installed agent 1–5 stars, with an optional review → `Review`.
    #[pyo3(signature = (principal, agent, stars, *, title=None, body=None))]
    fn rate(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        agent: String,
        stars: u8,
        title: Option<String>,
        body: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let req = RateRequest { stars, title, body };
        self.shared.run_record(py, "Review", |m| async move { m.market().rate(&p, &agent_ref(&agent)?, req).await })
    }

    /// Withdraws the caller's rating.
    fn delete_rating(&self, py: Python<'_>, principal: &Bound<'_, PyPrincipal>, agent: String) -> PyResult<()> {
        let p = self::principal(principal);
        self.shared.run(py, |m| async move { m.market().delete_rating(&p, &agent_ref(&agent)?).await })
    }

    /// An agent's reviews → `Page[Review]`; `sort` is `newest` or `stars`.
    #[pyo3(signature = (agent, *, sort=None, limit=None, cursor=None))]
    fn reviews(
        &self,
        py: Python<'_>,
        agent: String,
        sort: Option<String>,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let body = json!({ "sort": sort, "limit": limit, "cursor": cursor });
        self.shared.run_record(py, "page:Review", |m| async move {
            let req: ListReviews = request(body)?;
            m.market().reviews(&agent_ref(&agent)?, req).await
        })
    }

    /// Records usage of an installed agent → `UsageEvent`. `occurred_at` is
    /// an aware `datetime` or an RFC 3339 string.
    #[pyo3(signature = (principal, agent, *, event=None, units=None, occurred_at=None))]
    fn record_usage(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        agent: String,
        event: Option<String>,
        units: Option<u64>,
        occurred_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let body = json!({ "event": event, "units": units, "occurred_at": opt_json(occurred_at)? });
        self.shared.run_record(py, "UsageEvent", |m| async move {
            let req: UsageRequest = request(body)?;
            m.market().record_usage(&p, &agent_ref(&agent)?, req).await
        })
    }

    /// Daily usage of an agent (owner or admin) → `list[DailyUsage]`. Dates
    /// are `datetime.date` or `YYYY-MM-DD` strings, both inclusive.
    #[pyo3(signature = (principal, agent, *, from_date=None, to_date=None))]
    fn usage(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyPrincipal>,
        agent: String,
        from_date: Option<&Bound<'_, PyAny>>,
        to_date: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let p = self::principal(principal);
        let body = json!({ "from": opt_json(from_date)?, "to": opt_json(to_date)? });
        self.shared.run_record(py, "list:DailyUsage", |m| async move {
            let query: UsageQuery = request(body)?;
            m.market().usage(&p, &agent_ref(&agent)?, query).await
        })
    }
}
