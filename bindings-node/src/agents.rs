//! `mart.agents`: the builder.

use napi::Env;
use napi::bindgen_prelude::Either;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;

use crate::auth::Principal;
use crate::types::{
    AgentCard, AgentDraft, AgentRef, AgentVersion, CreateAgent, DraftPatch, MyAgent, Preview, PreviewRequest,
    PublishRequest, StatusChange, VersionView, agent_ref, from_js, to_js,
};
use crate::{Handle, run};

/// `mart.agents`. Agents are named `"owner/slug"` or `{ owner, slug }`.
#[napi]
pub struct AgentsApi {
    pub(crate) handle: Handle,
}

#[napi]
impl AgentsApi {
    /// Creates an agent in `draft` with its first draft (`slug_taken`,
    /// `validation_failed`).
    #[napi(ts_return_type = "Promise<AgentDraft>")]
    pub fn create<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        request: CreateAgent,
    ) -> napi::Result<PromiseRaw<'env, AgentDraft>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { to_js(mart.agents().create(&p, from_js(request)?).await?) })
    }

    /// The caller's agents, every status but deleted.
    #[napi(ts_return_type = "Promise<Array<MyAgent>>")]
    pub fn my_agents<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
    ) -> napi::Result<PromiseRaw<'env, Vec<MyAgent>>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { to_js(mart.agents().my_agents(&p).await?) })
    }

    /// The current draft (owner or administrator).
    #[napi(ts_return_type = "Promise<AgentDraft>")]
    pub fn draft<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
    ) -> napi::Result<PromiseRaw<'env, AgentDraft>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { to_js(mart.agents().draft(&p, &agent_ref(agent)?).await?) })
    }

    /// Edits the draft: absent fields stay, `null` clears clearable fields.
    #[napi(ts_return_type = "Promise<AgentDraft>")]
    pub fn update_draft<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
        patch: DraftPatch,
    ) -> napi::Result<PromiseRaw<'env, AgentDraft>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let agent = agent_ref(agent)?;
            to_js(mart.agents().update_draft(&p, &agent, patch.into_core()?).await?)
        })
    }

    /// The card and model request the draft would produce (asks the model
    /// only when the host configured a provider).
    #[napi(ts_return_type = "Promise<Preview>")]
    pub fn preview<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
        request: Option<PreviewRequest>,
    ) -> napi::Result<PromiseRaw<'env, Preview>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let agent = agent_ref(agent)?;
            to_js(mart.agents().preview(&p, &agent, from_js(request.unwrap_or_default())?).await?)
        })
    }

    /// Publishes the draft as a new immutable version (`version_exists`,
    /// `validation_failed`, `conflict`).
    #[napi(ts_return_type = "Promise<VersionView>")]
    pub fn publish<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
        request: PublishRequest,
    ) -> napi::Result<PromiseRaw<'env, VersionView>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let agent = agent_ref(agent)?;
            to_js(mart.agents().publish(&p, &agent, from_js(request)?).await?)
        })
    }

    /// Published versions, newest first (`viewer` may be `null`).
    #[napi(ts_return_type = "Promise<Array<VersionView>>")]
    pub fn versions<'env>(
        &self,
        env: &'env Env,
        viewer: Option<&Principal>,
        agent: Either<String, AgentRef>,
    ) -> napi::Result<PromiseRaw<'env, Vec<VersionView>>> {
        let v = viewer.map(|p| p.inner.clone());
        run(env, &self.handle, move |mart| async move {
            to_js(mart.agents().versions(v.as_ref(), &agent_ref(agent)?).await?)
        })
    }

    /// One published version.
    #[napi(ts_return_type = "Promise<VersionView>")]
    pub fn version<'env>(
        &self,
        env: &'env Env,
        viewer: Option<&Principal>,
        agent: Either<String, AgentRef>,
        version: String,
    ) -> napi::Result<PromiseRaw<'env, VersionView>> {
        let v = viewer.map(|p| p.inner.clone());
        run(env, &self.handle, move |mart| async move {
            to_js(mart.agents().version(v.as_ref(), &agent_ref(agent)?, &version).await?)
        })
    }

    /// The A2A card of a version (the latest when `version` is absent).
    #[napi(ts_return_type = "Promise<AgentCard>")]
    pub fn card<'env>(
        &self,
        env: &'env Env,
        viewer: Option<&Principal>,
        agent: Either<String, AgentRef>,
        version: Option<String>,
    ) -> napi::Result<PromiseRaw<'env, AgentCard>> {
        let v = viewer.map(|p| p.inner.clone());
        run(env, &self.handle, move |mart| async move {
            to_js(mart.agents().card(v.as_ref(), &agent_ref(agent)?, version.as_deref()).await?)
        })
    }

    /// Lists, unlists or deprecates a published agent.
    #[napi(ts_return_type = "Promise<MyAgent>")]
    pub fn set_status<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
        change: StatusChange,
    ) -> napi::Result<PromiseRaw<'env, MyAgent>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let agent = agent_ref(agent)?;
            to_js(mart.agents().set_status(&p, &agent, from_js(change)?).await?)
        })
    }

    /// Deletes the agent (installs keep working on their pinned definition).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn delete<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { mart.agents().delete(&p, &agent_ref(agent)?).await })
    }

    /// The definition an installing user runs (pinned or latest version).
    #[napi(ts_return_type = "Promise<AgentVersion>")]
    pub fn installed_definition<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
    ) -> napi::Result<PromiseRaw<'env, AgentVersion>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            to_js(mart.agents().installed_definition(&p, &agent_ref(agent)?).await?)
        })
    }
}
