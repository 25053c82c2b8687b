//! `mart.market`: the marketplace.

use napi::Env;
use napi::bindgen_prelude::Either;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;

use crate::auth::Principal;
use crate::types::{
    AgentDetail, AgentListPage, AgentRef, DailyUsage, InstallRequest, InstallResult, InstalledAgentPage, ListAgents,
    ListReviews, PageRequest, RateRequest, Review, ReviewPage, UsageEvent, UsageQuery, UsageRequest, agent_ref,
    from_js, to_js,
};
use crate::{Handle, run};

/// `mart.market`. Agents are named `"owner/slug"` or `{ owner, slug }`.
#[napi]
pub struct MarketApi {
    pub(crate) handle: Handle,
}

#[napi]
impl MarketApi {
    /// Listed agents: search, filters, sorts, pages (`viewer` may be `null`).
    #[napi(ts_return_type = "Promise<AgentListPage>")]
    pub fn list<'env>(
        &self,
        env: &'env Env,
        viewer: Option<&Principal>,
        request: Option<ListAgents>,
    ) -> napi::Result<PromiseRaw<'env, AgentListPage>> {
        let v = viewer.map(|p| p.inner.clone());
        run(env, &self.handle, move |mart| async move {
            to_js(mart.market().list(v.as_ref(), from_js(request.unwrap_or_default())?).await?)
        })
    }

    /// An agent's page; `installed` and `myRating` when a viewer is given.
    #[napi(ts_return_type = "Promise<AgentDetail>")]
    pub fn detail<'env>(
        &self,
        env: &'env Env,
        viewer: Option<&Principal>,
        agent: Either<String, AgentRef>,
    ) -> napi::Result<PromiseRaw<'env, AgentDetail>> {
        let v = viewer.map(|p| p.inner.clone());
        run(
            env,
            &self.handle,
            move |mart| async move { to_js(mart.market().detail(v.as_ref(), &agent_ref(agent)?).await?) },
        )
    }

    /// Installs (`created: false` when already installed), optionally pinned.
    #[napi(ts_return_type = "Promise<InstallResult>")]
    pub fn install<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
        request: Option<InstallRequest>,
    ) -> napi::Result<PromiseRaw<'env, InstallResult>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let agent = agent_ref(agent)?;
            to_js(mart.market().install(&p, &agent, from_js(request.unwrap_or_default())?).await?)
        })
    }

    /// Uninstalls; resolves also when not installed.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn uninstall<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { mart.market().uninstall(&p, &agent_ref(agent)?).await })
    }

    /// Uninstalls by agent id (works for deleted agents too).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn uninstall_by_id<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent_id: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let id = crate::auth::parse_id(&agent_id, "agent id")?;
            mart.market().uninstall_by_id(&p, id).await
        })
    }

    /// The caller's installed agents.
    #[napi(ts_return_type = "Promise<InstalledAgentPage>")]
    pub fn my_installs<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        page: Option<PageRequest>,
    ) -> napi::Result<PromiseRaw<'env, InstalledAgentPage>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            to_js(mart.market().my_installs(&p, from_js(page.unwrap_or_default())?).await?)
        })
    }

    /// Rates an installed agent (one rating per user, upserted).
    #[napi(ts_return_type = "Promise<Review>")]
    pub fn rate<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
        request: RateRequest,
    ) -> napi::Result<PromiseRaw<'env, Review>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let agent = agent_ref(agent)?;
            to_js(mart.market().rate(&p, &agent, from_js(request)?).await?)
        })
    }

    /// Removes the caller's rating.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn delete_rating<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move { mart.market().delete_rating(&p, &agent_ref(agent)?).await })
    }

    /// An agent's reviews.
    #[napi(ts_return_type = "Promise<ReviewPage>")]
    pub fn reviews<'env>(
        &self,
        env: &'env Env,
        agent: Either<String, AgentRef>,
        request: Option<ListReviews>,
    ) -> napi::Result<PromiseRaw<'env, ReviewPage>> {
        run(env, &self.handle, move |mart| async move {
            let agent = agent_ref(agent)?;
            to_js(mart.market().reviews(&agent, from_js(request.unwrap_or_default())?).await?)
        })
    }

    /// Records a usage event of an installed agent.
    #[napi(ts_return_type = "Promise<UsageEvent>")]
    pub fn record_usage<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
        request: Option<UsageRequest>,
    ) -> napi::Result<PromiseRaw<'env, UsageEvent>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let agent = agent_ref(agent)?;
            to_js(mart.market().record_usage(&p, &agent, from_js(request.unwrap_or_default())?).await?)
        })
    }

    /// Per-day usage of an agent (owner or administrator).
    #[napi(ts_return_type = "Promise<Array<DailyUsage>>")]
    pub fn usage<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
        query: Option<UsageQuery>,
    ) -> napi::Result<PromiseRaw<'env, Vec<DailyUsage>>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let agent = agent_ref(agent)?;
            to_js(mart.market().usage(&p, &agent, from_js(query.unwrap_or_default())?).await?)
        })
    }
}
