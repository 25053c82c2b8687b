//! Administration (role `admin`; core answers `forbidden` to others).

use agentmart_core::auth::AdminUserUpdate;
use agentmart_core::market::Moderation;
use agentmart_core::{Agent, AuditFilter, AuditRecord, Page, PageRequest, Profile, ReviewId, UserId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::market::{AgentPath, agent_ref};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Filters and page of `GET /v1/admin/audit`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AuditQuery {
    actor: Option<UserId>,
    subject: Option<UserId>,
    action: Option<String>,
    target: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// `GET /v1/admin/audit` → a page of audit records, newest first.
pub(crate) async fn audit(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Page<AuditRecord>>> {
    let filter = AuditFilter {
        actor: query.actor,
        subject: query.subject,
        action: query.action,
        target: query.target,
        from: query.from,
        to: query.to,
    };
    let page = PageRequest { limit: query.limit, cursor: query.cursor };
    Ok(Json(state.mart.admin().audit(&principal, filter, page).await?))
}

/// `PATCH /v1/admin/agents/{owner}/{slug}` with `{status, status_message?}` → the agent.
pub(crate) async fn moderate_agent(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
    ApiJson(moderation): ApiJson<Moderation>,
) -> ApiResult<Json<Agent>> {
    Ok(Json(state.mart.admin().moderate_agent(&principal, &agent_ref(path), moderation).await?))
}

/// `DELETE /v1/admin/reviews/{id}` → 204.
pub(crate) async fn delete_review(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<ReviewId>,
) -> ApiResult<StatusCode> {
    state.mart.admin().delete_review(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PATCH /v1/admin/users/{id}` with `{disabled?, role?}` → the profile.
pub(crate) async fn update_user(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(update): ApiJson<AdminUserUpdate>,
) -> ApiResult<Json<Profile>> {
    Ok(Json(state.mart.admin().update_user(&principal, id, update).await?))
}

/// `DELETE /v1/admin/users/{id}/sessions` → 204; ends every session of the user.
pub(crate) async fn revoke_user_sessions(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    state.mart.admin().revoke_user_sessions(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
