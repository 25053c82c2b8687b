//! Installs: install, uninstall, my installs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::{InstallRequest, InstallResult, InstalledAgent, MarketService, agent_target, entry_item, list_item};
use crate::common::page_limit;
use crate::error::{Error, Result};
use crate::ids::{AgentId, UserId};
use crate::model::{AgentRef, AgentStatus, Install, Page, PageRequest, Principal, actions};

/// Everything an install-list cursor is bound to.
#[derive(Serialize)]
struct InstallsScope {
    list: &'static str,
    user: UserId,
}

/// Parses a version string of a request (a [`Version`](crate::model::Version));
/// `validation_failed` on `field` when it is too long or not semver.
pub(crate) fn parse_version(field: &str, text: &str) -> Result<semver::Version> {
    crate::model::Version::parse_field(field, text).map(crate::model::Version::into_inner).map_err(Error::Validation)
}

impl MarketService {
    /// Installs a published agent for the caller, optionally pinned to one of
    /// its published versions. Idempotent: installing again answers
    /// `created = false` and only changes the pin when a different one is given
    /// (no `version` keeps following the latest; the pin is then cleared).
    ///
    /// Errors: `not_found` for unknown paths, drafts and unknown pinned
    /// versions; `validation_failed` on `version` when it is not semver;
    /// `conflict` when the agent was deleted (and the caller still has it
    /// installed; to others a deleted agent is `not_found`); `forbidden` for a
    /// disabled account.
    pub async fn install(
        &self,
        principal: &Principal,
        agent: &AgentRef,
        request: InstallRequest,
    ) -> Result<InstallResult> {
        self.inner.active_user(principal).await?;
        let pinned = request.version.as_deref().map(|v| parse_version("version", v)).transpose()?;
        let (_, found) = self.inner.resolve_agent(agent).await?;
        let store = &self.inner.store;
        match found.status {
            AgentStatus::Draft => return Err(Error::NotFound(format!("agent `{agent}`"))),
            AgentStatus::Deleted => {
                return Err(match store.get_install(principal.user_id, found.id).await? {
                    Some(_) => Error::Conflict("the agent is deleted and cannot be installed again".into()),
                    None => Error::NotFound(format!("agent `{agent}`")),
                });
            }
            AgentStatus::Listed | AgentStatus::Unlisted | AgentStatus::Deprecated => {}
        }
        if let Some(version) = &pinned
            && store.get_version(found.id, version).await?.is_none()
        {
            return Err(Error::NotFound(format!("version {version} of agent `{agent}`")));
        }
        let audit = self
            .inner
            .audit(actions::AGENT_INSTALLED, Some(principal))
            .subject(principal.user_id)
            .target(agent_target(&found))
            .details(json!({ "pinned_version": pinned.as_ref().map(ToString::to_string) }));
        let outcome = store.install(principal.user_id, found.id, pinned.as_ref(), self.inner.now(), &audit).await?;
        let install =
            self.installed_view(outcome.install).await?.ok_or_else(|| Error::NotFound(format!("agent `{agent}`")))?;
        Ok(InstallResult { created: outcome.created, install })
    }

    /// Uninstalls an agent by path. Idempotent: `Ok` also when it was not
    /// installed; works for deleted agents too. `not_found` for unknown paths
    /// and drafts.
    pub async fn uninstall(&self, principal: &Principal, agent: &AgentRef) -> Result<()> {
        let (_, found) = self.inner.resolve_agent(agent).await?;
        if found.status == AgentStatus::Draft {
            return Err(Error::NotFound(format!("agent `{agent}`")));
        }
        self.uninstall_by_id(principal, found.id).await
    }

    /// Uninstalls an agent by id, for installs whose path no longer resolves
    /// (e.g. the owner deleted their account). Idempotent like
    /// [`MarketService::uninstall`].
    pub async fn uninstall_by_id(&self, principal: &Principal, agent: AgentId) -> Result<()> {
        self.inner.active_user(principal).await?;
        let audit = self
            .inner
            .audit(actions::AGENT_UNINSTALLED, Some(principal))
            .subject(principal.user_id)
            .target(format!("agent:{agent}"));
        self.inner.store.uninstall(principal.user_id, agent, &audit).await?;
        Ok(())
    }

    /// The caller's installed agents, most recently installed first. Deleted
    /// agents stay listed, flagged with `deleted = true`.
    pub async fn my_installs(&self, principal: &Principal, page: PageRequest) -> Result<Page<InstalledAgent>> {
        let limit = page_limit(page.limit)?;
        let scope = InstallsScope { list: "installs", user: principal.user_id };
        let after: Option<(DateTime<Utc>, AgentId)> = match &page.cursor {
            Some(cursor) => Some(self.inner.cursors.decode(&scope, cursor)?),
            None => None,
        };
        let mut installs = self.inner.store.list_user_installs(principal.user_id, after, limit).await?;
        let has_more = installs.len() > limit as usize;
        installs.truncate(limit as usize);
        let next_cursor = match (has_more, installs.last()) {
            (true, Some(last)) => Some(self.inner.cursors.encode(&scope, &(last.installed_at, last.agent_id))?),
            _ => None,
        };
        let mut items = Vec::with_capacity(installs.len());
        for install in installs {
            if let Some(view) = self.installed_view(install).await? {
                items.push(view);
            }
        }
        Ok(Page { items, next_cursor })
    }

    /// The view of an install; `None` when the agent row no longer exists.
    async fn installed_view(&self, install: Install) -> Result<Option<InstalledAgent>> {
        let store = &self.inner.store;
        let agent = match store.get_catalog_entry(install.agent_id).await? {
            Some(entry) => entry_item(&entry),
            None => {
                let Some(agent) = store.get_agent(install.agent_id).await? else { return Ok(None) };
                let definition = match &agent.latest_version {
                    Some(v) => store.get_version(agent.id, v).await?.map(|v| v.definition),
                    None => None,
                };
                let Some(definition) = definition else { return Ok(None) };
                let stats = store.get_stats(agent.id).await?;
                let owner = self.handle_of(agent.owner_id).await?;
                list_item(&agent, &owner, &definition, &stats)
            }
        };
        Ok(Some(InstalledAgent {
            deleted: agent.status == AgentStatus::Deleted,
            agent,
            pinned_version: install.pinned_version,
            installed_at: install.installed_at,
            updated_at: install.updated_at,
        }))
    }
}
