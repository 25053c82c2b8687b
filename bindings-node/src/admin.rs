//! `mart.admin`: audit trail, users, moderation.

use agentmart_core as am;
use napi::Env;
use napi::bindgen_prelude::Either;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;

use crate::auth::{Principal, parse_id};
use crate::types::{
    AdminUserUpdate, Agent, AgentRef, AuditFilter, AuditPage, Moderation, PageRequest, Profile, Role, agent_ref,
    from_js, to_js,
};
use crate::{Handle, run};

/// `mart.admin`. Every call but `setRoleByEmail` needs an administrator.
#[napi]
pub struct AdminApi {
    pub(crate) handle: Handle,
}

#[napi]
impl AdminApi {
    /// The audit trail, newest first, filtered.
    #[napi(ts_return_type = "Promise<AuditPage>")]
    pub fn audit<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        filter: Option<AuditFilter>,
        page: Option<PageRequest>,
    ) -> napi::Result<PromiseRaw<'env, AuditPage>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let filter = from_js(filter.unwrap_or_default())?;
            to_js(mart.admin().audit(&p, filter, from_js(page.unwrap_or_default())?).await?)
        })
    }

    /// Disables or enables a user, or changes their role.
    #[napi(ts_return_type = "Promise<Profile>")]
    pub fn update_user<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        user_id: String,
        update: AdminUserUpdate,
    ) -> napi::Result<PromiseRaw<'env, Profile>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let id = parse_id(&user_id, "user id")?;
            to_js(mart.admin().update_user(&p, id, from_js(update)?).await?)
        })
    }

    /// Sets a role by email, without a principal: for the host's bootstrap
    /// (making the first administrator). Do not expose it to end users.
    #[napi(ts_return_type = "Promise<Profile>")]
    pub fn set_role_by_email<'env>(
        &self,
        env: &'env Env,
        email: String,
        role: Role,
    ) -> napi::Result<PromiseRaw<'env, Profile>> {
        run(env, &self.handle, move |mart| async move {
            let role: am::Role = from_js(role)?;
            to_js(mart.admin().set_role_by_email(&email, role).await?)
        })
    }

    /// Changes an agent's status as a moderator (e.g. unlist or delete).
    #[napi(ts_return_type = "Promise<Agent>")]
    pub fn moderate_agent<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        agent: Either<String, AgentRef>,
        moderation: Moderation,
    ) -> napi::Result<PromiseRaw<'env, Agent>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let agent = agent_ref(agent)?;
            to_js(mart.admin().moderate_agent(&p, &agent, from_js(moderation)?).await?)
        })
    }

    /// Removes a review.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn delete_review<'env>(
        &self,
        env: &'env Env,
        principal: &Principal,
        review_id: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let p = principal.inner.clone();
        run(env, &self.handle, move |mart| async move {
            let id = parse_id(&review_id, "review id")?;
            mart.admin().delete_review(&p, id).await
        })
    }
}
