//! The marketplace: listing and search, detail, installs, ratings, reviews, usage.

use agentmart_core::market::{
    AgentDetail, AgentListItem, InstallRequest, InstalledAgent, ListAgents, ListReviews, RateRequest, ReviewView,
    UsageQuery, UsageRequest,
};
use agentmart_core::{AgentRef, DailyUsage, Page, PageRequest, UsageEvent};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::whole;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, MaybeAuth, OptionalJson};
use crate::problem::ApiResult;
use crate::state::AppState;

/// `{owner}/{slug}` of a path.
pub(crate) type AgentPath = ApiPath<(String, String)>;

/// The agent a path names.
pub(crate) fn agent_ref((owner, slug): (String, String)) -> AgentRef {
    AgentRef::new(owner, slug)
}

/// `GET /v1/agents` → a page of published, listed agents.
pub(crate) async fn list(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    ApiQuery(query): ApiQuery<ListAgents>,
) -> ApiResult<Json<Page<AgentListItem>>> {
    Ok(Json(state.mart.market().list(viewer.as_ref(), query).await?))
}

/// `GET /v1/agents/{owner}/{slug}` → the detail.
pub(crate) async fn detail(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    ApiPath(path): AgentPath,
) -> ApiResult<Json<AgentDetail>> {
    Ok(Json(state.mart.market().detail(viewer.as_ref(), &agent_ref(path)).await?))
}

/// `PUT /v1/me/installs/{owner}/{slug}` with optional `{version}` → 201 new, 200 already installed.
pub(crate) async fn install(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
    OptionalJson(request): OptionalJson<InstallRequest>,
) -> ApiResult<(StatusCode, Json<InstalledAgent>)> {
    let result = state.mart.market().install(&principal, &agent_ref(path), request).await?;
    let status = if result.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(result.install)))
}

/// `DELETE /v1/me/installs/{owner}/{slug}` → 204, also when not installed.
pub(crate) async fn uninstall(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
) -> ApiResult<StatusCode> {
    state.mart.market().uninstall(&principal, &agent_ref(path)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/me/installs` → a page of the caller's installed agents.
pub(crate) async fn my_installs(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> ApiResult<Json<Page<InstalledAgent>>> {
    Ok(Json(state.mart.market().my_installs(&principal, page).await?))
}

/// `PUT /v1/agents/{owner}/{slug}/rating` with `{stars, title?, body?}` → 200 the review.
pub(crate) async fn rate(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
    ApiJson(request): ApiJson<RateRequest>,
) -> ApiResult<Json<ReviewView>> {
    Ok(Json(state.mart.market().rate(&principal, &agent_ref(path), request).await?))
}

/// `DELETE /v1/agents/{owner}/{slug}/rating` → 204.
pub(crate) async fn delete_rating(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
) -> ApiResult<StatusCode> {
    state.mart.market().delete_rating(&principal, &agent_ref(path)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/agents/{owner}/{slug}/reviews` → a page of reviews.
pub(crate) async fn reviews(
    State(state): State<AppState>,
    ApiPath(path): AgentPath,
    ApiQuery(query): ApiQuery<ListReviews>,
) -> ApiResult<Json<Page<ReviewView>>> {
    Ok(Json(state.mart.market().reviews(&agent_ref(path), query).await?))
}

/// `POST /v1/agents/{owner}/{slug}/usage` with optional `{event?, units?, occurred_at?}` → 202 the event.
pub(crate) async fn record_usage(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
    OptionalJson(request): OptionalJson<UsageRequest>,
) -> ApiResult<(StatusCode, Json<UsageEvent>)> {
    let event = state.mart.market().record_usage(&principal, &agent_ref(path), request).await?;
    Ok((StatusCode::ACCEPTED, Json(event)))
}

/// `GET /v1/agents/{owner}/{slug}/usage?from&to` → `{items: [{date, events, units, users}], next_cursor: null}`.
pub(crate) async fn usage(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
    ApiQuery(query): ApiQuery<UsageQuery>,
) -> ApiResult<Json<Page<DailyUsage>>> {
    Ok(Json(whole(state.mart.market().usage(&principal, &agent_ref(path), query).await?)))
}
