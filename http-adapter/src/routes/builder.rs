//! The builder: the caller's own agents.

use agentmart_core::agents::{
    AgentCard, AgentDraftView, CreateAgent, DraftPatch, MyAgent, Preview, PreviewRequest, PublishRequest, StatusChange,
    VersionView,
};
use agentmart_core::{Page, PageRequest};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::market::{AgentPath, agent_ref};
use super::whole;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, MaybeAuth, OptionalJson};
use crate::problem::ApiResult;
use crate::state::AppState;

/// `POST /v1/agents` with `{slug, name, ...definition}` → 201 the draft.
pub(crate) async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<CreateAgent>,
) -> ApiResult<(StatusCode, Json<AgentDraftView>)> {
    Ok((StatusCode::CREATED, Json(state.mart.agents().create(&principal, request).await?)))
}

/// `GET /v1/me/agents` → `{items, next_cursor: null}`, drafts included.
pub(crate) async fn my_agents(State(state): State<AppState>, Auth(principal): Auth) -> ApiResult<Json<Page<MyAgent>>> {
    Ok(Json(whole(state.mart.agents().my_agents(&principal).await?)))
}

/// `GET /v1/agents/{owner}/{slug}/draft` → the draft (owner or admin).
pub(crate) async fn draft(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
) -> ApiResult<Json<AgentDraftView>> {
    Ok(Json(state.mart.agents().draft(&principal, &agent_ref(path)).await?))
}

/// `PATCH /v1/agents/{owner}/{slug}/draft` → the edited draft (owner only).
pub(crate) async fn update_draft(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
    ApiJson(patch): ApiJson<DraftPatch>,
) -> ApiResult<Json<AgentDraftView>> {
    Ok(Json(state.mart.agents().update_draft(&principal, &agent_ref(path), patch).await?))
}

/// `POST /v1/agents/{owner}/{slug}/preview` with optional `{input?}` → the preview.
pub(crate) async fn preview(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
    OptionalJson(request): OptionalJson<PreviewRequest>,
) -> ApiResult<Json<Preview>> {
    Ok(Json(state.mart.agents().preview(&principal, &agent_ref(path), request).await?))
}

/// `POST /v1/agents/{owner}/{slug}/versions` with `{version, changelog?}` → 201 the version.
pub(crate) async fn publish(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
    ApiJson(request): ApiJson<PublishRequest>,
) -> ApiResult<(StatusCode, Json<VersionView>)> {
    Ok((StatusCode::CREATED, Json(state.mart.agents().publish(&principal, &agent_ref(path), request).await?)))
}

/// `GET /v1/agents/{owner}/{slug}/versions?limit=&cursor=` → one page, newest first.
pub(crate) async fn versions(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    ApiPath(path): AgentPath,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> ApiResult<Json<Page<VersionView>>> {
    Ok(Json(state.mart.agents().versions_page(viewer.as_ref(), &agent_ref(path), page).await?))
}

/// `GET /v1/agents/{owner}/{slug}/versions/{version}` → one version.
pub(crate) async fn version(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    ApiPath((owner, slug, version)): ApiPath<(String, String, String)>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(state.mart.agents().version(viewer.as_ref(), &agent_ref((owner, slug)), &version).await?))
}

/// `?version=` of the card.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CardQuery {
    version: Option<String>,
}

/// `GET /v1/agents/{owner}/{slug}/card[?version=]` → the A2A AgentCard (latest version by default).
pub(crate) async fn card(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    ApiPath(path): AgentPath,
    ApiQuery(query): ApiQuery<CardQuery>,
) -> ApiResult<Json<AgentCard>> {
    Ok(Json(state.mart.agents().card(viewer.as_ref(), &agent_ref(path), query.version.as_deref()).await?))
}

/// `PATCH /v1/agents/{owner}/{slug}` with `{status, status_message?}` → the agent.
pub(crate) async fn set_status(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
    ApiJson(change): ApiJson<StatusChange>,
) -> ApiResult<Json<MyAgent>> {
    Ok(Json(state.mart.agents().set_status(&principal, &agent_ref(path), change).await?))
}

/// `DELETE /v1/agents/{owner}/{slug}` → 204 (soft delete).
pub(crate) async fn delete(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(path): AgentPath,
) -> ApiResult<StatusCode> {
    state.mart.agents().delete(&principal, &agent_ref(path)).await?;
    Ok(StatusCode::NO_CONTENT)
}
