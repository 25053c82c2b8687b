//! Accounts and sessions: `/v1/auth/*`, `/v1/me`, `/v1/me/audit`, JWKS.

use agentmart_core::auth::{LoginRequest, RegisterRequest, Registered};
use agentmart_core::{AuditRecord, Page, PageRequest, Profile, ProfilePatch, SessionId, SessionInfo, TokenPair};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, Client};
use crate::problem::ApiResult;
use crate::state::AppState;

/// `POST /v1/auth/register` → 201 `{user, tokens}`.
pub(crate) async fn register(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    Ok((StatusCode::CREATED, Json(state.mart.auth().register(request, &client).await?)))
}

/// `POST /v1/auth/login` → 200 tokens. Counts the outcome in the metrics.
pub(crate) async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenPair>> {
    let result = state.mart.auth().login(request, &client).await;
    if let Some(metrics) = &state.metrics {
        metrics.login(match &result {
            Ok(_) => "success",
            Err(err) => err.code().as_str(),
        });
    }
    Ok(Json(result?))
}

/// `{refresh_token}`.
#[derive(Deserialize)]
pub(crate) struct RefreshBody {
    refresh_token: String,
}

/// `POST /v1/auth/refresh` → 200 new tokens (rotation).
pub(crate) async fn refresh(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<RefreshBody>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(state.mart.auth().refresh(&body.refresh_token, &client).await?))
}

/// `POST /v1/auth/logout` → 204; ends this session.
pub(crate) async fn logout(State(state): State<AppState>, Auth(principal): Auth) -> ApiResult<StatusCode> {
    state.mart.auth().logout(&principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/auth/logout-all` → 204; ends every session of the user.
pub(crate) async fn logout_all(State(state): State<AppState>, Auth(principal): Auth) -> ApiResult<StatusCode> {
    state.mart.auth().logout_all(&principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/auth/logout-others` → 204; ends every session of the user but this one.
pub(crate) async fn logout_others(State(state): State<AppState>, Auth(principal): Auth) -> ApiResult<StatusCode> {
    state.mart.auth().logout_others(&principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/auth/sessions?limit=&cursor=` → one page of the active sessions, newest first.
pub(crate) async fn sessions(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> ApiResult<Json<Page<SessionInfo>>> {
    Ok(Json(state.mart.auth().sessions_page(&principal, page).await?))
}

/// `DELETE /v1/auth/sessions/{id}` → 204.
pub(crate) async fn revoke_session(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<StatusCode> {
    state.mart.auth().revoke_session(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{email}`.
#[derive(Deserialize)]
pub(crate) struct EmailBody {
    email: String,
}

/// `POST /v1/auth/password/forgot` → 202, the same for unknown emails.
pub(crate) async fn forgot_password(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<EmailBody>,
) -> ApiResult<StatusCode> {
    state.mart.auth().request_password_reset(&body.email, &client).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `{token, new_password}`.
#[derive(Deserialize)]
pub(crate) struct ResetBody {
    token: String,
    new_password: String,
}

/// `POST /v1/auth/password/reset` → 204; ends every session.
pub(crate) async fn reset_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetBody>,
) -> ApiResult<StatusCode> {
    state.mart.auth().reset_password(&body.token, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{current_password, new_password}`.
#[derive(Deserialize)]
pub(crate) struct ChangeBody {
    current_password: String,
    new_password: String,
}

/// `POST /v1/auth/password/change` → 204; ends the other sessions.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<ChangeBody>,
) -> ApiResult<StatusCode> {
    state.mart.auth().change_password(&principal, &body.current_password, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{token}`.
#[derive(Deserialize)]
pub(crate) struct TokenBody {
    token: String,
}

/// `POST /v1/auth/email/verify` → 204.
pub(crate) async fn verify_email(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenBody>,
) -> ApiResult<StatusCode> {
    state.mart.auth().verify_email(&body.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/auth/email/verify/resend` → 202.
pub(crate) async fn resend_verification(State(state): State<AppState>, Auth(principal): Auth) -> ApiResult<StatusCode> {
    state.mart.auth().request_email_verification(&principal).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `{new_email, password}`.
#[derive(Deserialize)]
pub(crate) struct EmailChangeBody {
    new_email: String,
    password: String,
}

/// `POST /v1/auth/email/change` → 202; a confirmation link goes to the new address.
pub(crate) async fn request_email_change(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<EmailChangeBody>,
) -> ApiResult<StatusCode> {
    state.mart.auth().request_email_change(&principal, &body.new_email, &body.password).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `POST /v1/auth/email/change/confirm` → 204; the address changes now.
pub(crate) async fn confirm_email_change(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenBody>,
) -> ApiResult<StatusCode> {
    state.mart.auth().confirm_email_change(&body.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/me` → the profile.
pub(crate) async fn me(State(state): State<AppState>, Auth(principal): Auth) -> ApiResult<Json<Profile>> {
    Ok(Json(state.mart.auth().profile(&principal).await?))
}

/// `PATCH /v1/me` → the updated profile.
pub(crate) async fn update_me(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(patch): ApiJson<ProfilePatch>,
) -> ApiResult<Json<Profile>> {
    Ok(Json(state.mart.auth().update_profile(&principal, patch).await?))
}

/// `{password}`.
#[derive(Deserialize)]
pub(crate) struct PasswordBody {
    #[serde(default)]
    password: String,
}

/// `DELETE /v1/me` with `{password}` → 204.
pub(crate) async fn delete_me(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<StatusCode> {
    state.mart.auth().delete_account(&principal, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/me/audit` → the audit records about the caller, newest first.
pub(crate) async fn my_audit(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> ApiResult<Json<Page<AuditRecord>>> {
    Ok(Json(state.mart.auth().my_audit(&principal, page).await?))
}

/// `GET /.well-known/jwks.json` → the public keys (empty for HS256).
pub(crate) async fn jwks(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.mart.auth().jwks())
}
