//! Sessions and tokens: starting sessions, refresh with rotation, logout,
//! listing and revoking sessions, authenticating access tokens, and the
//! caller's own audit trail.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AuthService, chrono_duration, tokens};
use crate::common::page_limit;
use crate::context::Inner;
use crate::error::{Error, Result};
use crate::ids::{AuditId, SessionId, UserId};
use crate::model::{
    AuditFilter, AuditRecord, ClientInfo, Page, PageRequest, Principal, Role, Session, SessionInfo, TokenPair,
    UserRecord, actions,
};
use crate::storage::{ActiveAt, RedeemOutcome, RedeemRefresh, SessionCap};

/// Everything a session-list cursor is bound to.
#[derive(Serialize)]
struct SessionsScope {
    list: &'static str,
    user: UserId,
}

impl Inner {
    /// A signed access token plus the given refresh token.
    pub(crate) fn token_pair(
        &self,
        user: UserId,
        session: SessionId,
        role: Role,
        refresh_token: String,
        now: DateTime<Utc>,
    ) -> Result<TokenPair> {
        let ttl = chrono_duration(self.config.access_token_ttl)?;
        let access_token = self.auth.jwt.sign(user, session, role, now, ttl)?;
        Ok(TokenPair {
            access_token,
            token_type: "Bearer".into(),
            expires_in: self.config.access_token_ttl.as_secs(),
            refresh_token,
        })
    }

    /// Starts a session for the user (login or registration) and returns its tokens.
    pub(crate) async fn start_session(&self, user: &UserRecord, client: &ClientInfo) -> Result<TokenPair> {
        let now = self.now();
        let session = Session {
            id: SessionId::new(),
            user_id: user.id,
            created_at: now,
            last_used_at: now,
            expires_at: now + chrono_duration(self.config.session_ttl)?,
            user_agent: client.user_agent.clone(),
            ip: client.ip.clone(),
            revoked_at: None,
        };
        let refresh = tokens::issue(tokens::REFRESH_PREFIX)?;
        let audit = self
            .audit_from_client(actions::SESSION_CREATED, client)
            .actor(user.id)
            .subject(user.id)
            .target(format!("session:{}", session.id));
        let cap = SessionCap {
            max_active: self.config.max_sessions_per_user,
            active: self.active_at(now)?,
            evicted_audit: self
                .audit_from_client(actions::SESSIONS_EVICTED, client)
                .actor(user.id)
                .subject(user.id)
                .target(format!("user:{}", user.id))
                .details(serde_json::json!({ "max_sessions_per_user": self.config.max_sessions_per_user })),
        };
        self.store.create_session_capped(&session, &refresh.hash, &audit, &cap).await?;
        self.token_pair(user.id, session.id, user.role, refresh.secret, now)
    }

    /// Which sessions are active at `now`: not revoked, within their absolute
    /// lifetime, and used (created or refreshed) within the idle timeout.
    pub(crate) fn active_at(&self, now: DateTime<Utc>) -> Result<ActiveAt> {
        let idle = chrono_duration(self.config.session_idle_timeout)?;
        Ok(ActiveAt { now, idle_since: now.checked_sub_signed(idle).unwrap_or(DateTime::<Utc>::MIN_UTC) })
    }

    /// One page of the user's active sessions, newest first, `current` set
    /// on the one `current` names.
    pub(crate) async fn sessions_page(
        &self,
        user: UserId,
        current: Option<SessionId>,
        page: &PageRequest,
    ) -> Result<Page<SessionInfo>> {
        let limit = page_limit(page.limit)?;
        let scope = SessionsScope { list: "sessions", user };
        let after: Option<(DateTime<Utc>, SessionId)> = match &page.cursor {
            Some(cursor) => Some(self.cursors.decode(&scope, cursor)?),
            None => None,
        };
        let active = self.active_at(self.now())?;
        let mut sessions = self.store.list_sessions_page(user, active, after, limit).await?;
        let has_more = sessions.len() > limit as usize;
        sessions.truncate(limit as usize);
        let next_cursor = match (has_more, sessions.last()) {
            (true, Some(last)) => Some(self.cursors.encode(&scope, &(last.created_at, last.id))?),
            _ => None,
        };
        let items = sessions
            .into_iter()
            .map(|s| SessionInfo {
                current: current == Some(s.id),
                id: s.id,
                created_at: s.created_at,
                last_used_at: s.last_used_at,
                user_agent: s.user_agent,
                ip: s.ip,
            })
            .collect();
        Ok(Page { items, next_cursor })
    }

    /// One page of audit records matching `filter`, newest first. The cursor
    /// is the id of the last record of the previous page.
    pub(crate) async fn audit_page(&self, filter: &AuditFilter, page: &PageRequest) -> Result<Page<AuditRecord>> {
        let limit = page_limit(page.limit)?;
        let before = match page.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(cursor) => {
                Some(cursor.parse::<AuditId>().map_err(|_| Error::MalformedRequest("invalid audit cursor".into()))?)
            }
            None => None,
        };
        let mut items = self.store.list_audit(filter, before, limit).await?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|r| r.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }
}

impl AuthService {
    /// Exchanges a refresh token for a new token pair (`POST /v1/auth/refresh`).
    ///
    /// The presented token is used up: the answer carries its replacement.
    /// Presenting an already-rotated token again revokes the session and
    /// fails with `token_reused` (someone else may hold a copy). A token of a
    /// logged-out or revoked session, an unknown or malformed token, or one
    /// of a user disabled since is `token_invalid`; one of a session past its
    /// absolute lifetime, or unused for longer than the idle timeout
    /// ([`Config::session_idle_timeout`](crate::Config::session_idle_timeout);
    /// each refresh starts it again), is `token_expired`. When several calls
    /// present the same token at once, exactly one succeeds.
    pub async fn refresh(&self, refresh_token: &str, client: &ClientInfo) -> Result<TokenPair> {
        let inner = &self.inner;
        let presented = tokens::parse(tokens::REFRESH_PREFIX, refresh_token)?;
        let Some(session) = inner.store.find_session_by_refresh(&presented).await? else {
            return Err(Error::TokenInvalid);
        };
        let now = inner.now();
        if session.revoked_at.is_none() && session.last_used_at <= inner.active_at(now)?.idle_since {
            return Err(Error::TokenExpired);
        }
        let replacement = tokens::issue(tokens::REFRESH_PREFIX)?;
        let target = format!("session:{}", session.id);
        let request = RedeemRefresh {
            presented,
            replacement: replacement.hash,
            now,
            rotated_audit: inner
                .audit_from_client(actions::SESSION_REFRESHED, client)
                .actor(session.user_id)
                .subject(session.user_id)
                .target(target.clone()),
            reuse_audit: inner.audit_from_client(actions::SESSION_REUSE_DETECTED, client).target(target),
        };
        match inner.store.redeem_refresh_token(&request).await? {
            RedeemOutcome::Rotated(session) => {
                let Some(auth) = inner.store.session_auth(session.id).await? else {
                    return Err(Error::TokenInvalid);
                };
                if auth.user_disabled || auth.user_id != session.user_id {
                    return Err(Error::TokenInvalid);
                }
                inner.token_pair(session.user_id, session.id, auth.role, replacement.secret, now)
            }
            RedeemOutcome::Reused(session) => {
                tracing::warn!(session = %session.id, user = %session.user_id, "refresh token reuse detected; session revoked");
                Err(Error::TokenReused)
            }
            RedeemOutcome::SessionEnded(session) if session.revoked_at.is_none() => Err(Error::TokenExpired),
            RedeemOutcome::SessionEnded(_) | RedeemOutcome::Unknown => Err(Error::TokenInvalid),
        }
    }

    /// Ends the caller's session (`POST /v1/auth/logout`); its access tokens
    /// are refused from now on. A principal without a session (bring your own
    /// identity) has nothing to end.
    pub async fn logout(&self, principal: &Principal) -> Result<()> {
        let inner = &self.inner;
        let Some(session) = principal.session_id else { return Ok(()) };
        let audit = inner
            .audit(actions::SESSION_REVOKED, Some(principal))
            .subject(principal.user_id)
            .target(format!("session:{session}"));
        inner.store.revoke_session(principal.user_id, session, inner.now(), &audit).await?;
        Ok(())
    }

    /// Ends every session of the caller (`POST /v1/auth/logout-all`).
    pub async fn logout_all(&self, principal: &Principal) -> Result<()> {
        let inner = &self.inner;
        let audit = inner
            .audit(actions::SESSIONS_REVOKED, Some(principal))
            .subject(principal.user_id)
            .target(format!("user:{}", principal.user_id));
        inner.store.revoke_user_sessions(principal.user_id, None, inner.now(), &audit).await?;
        Ok(())
    }

    /// Ends every session of the caller except the one in use
    /// (`POST /v1/auth/logout-others`); a principal without a session (bring
    /// your own identity) ends them all. Returns how many ended.
    pub async fn logout_others(&self, principal: &Principal) -> Result<u64> {
        let inner = &self.inner;
        let audit = inner
            .audit(actions::SESSIONS_REVOKED_OTHERS, Some(principal))
            .subject(principal.user_id)
            .target(format!("user:{}", principal.user_id));
        Ok(inner.store.revoke_user_sessions(principal.user_id, principal.session_id, inner.now(), &audit).await?)
    }

    /// All of the caller's active sessions (within their lifetime and the
    /// idle timeout), newest first, the one in use marked `current`. The
    /// paginated form is [`AuthService::sessions_page`]; this one reads every
    /// page (at most [`Config::max_sessions_per_user`](crate::Config::max_sessions_per_user) items).
    pub async fn sessions(&self, principal: &Principal) -> Result<Vec<SessionInfo>> {
        let mut out = Vec::new();
        let mut page = PageRequest { limit: Some(crate::model::MAX_PAGE_SIZE), cursor: None };
        loop {
            let next = self.sessions_page(principal, page.clone()).await?;
            out.extend(next.items);
            match next.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => return Ok(out),
            }
        }
    }

    /// One page of the caller's active sessions, newest first, the one in
    /// use marked `current` (`GET /v1/auth/sessions?limit=&cursor=`). The
    /// cursor is the `next_cursor` of the previous page; a tampered or
    /// foreign one is `malformed_request`; `limit` defaults to 20, at most 100.
    pub async fn sessions_page(&self, principal: &Principal, page: PageRequest) -> Result<Page<SessionInfo>> {
        self.inner.sessions_page(principal.user_id, principal.session_id, &page).await
    }

    /// Ends one of the caller's sessions (`DELETE /v1/auth/sessions/{id}`);
    /// `not_found` when it is not an active session of theirs.
    pub async fn revoke_session(&self, principal: &Principal, session: SessionId) -> Result<()> {
        let inner = &self.inner;
        let audit = inner
            .audit(actions::SESSION_REVOKED, Some(principal))
            .subject(principal.user_id)
            .target(format!("session:{session}"));
        if inner.store.revoke_session(principal.user_id, session, inner.now(), &audit).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("session `{session}`")))
        }
    }

    /// The principal an access token stands for.
    ///
    /// Checks the signature (algorithm pinned by the configuration; the
    /// signing key and verify-only keys are accepted), `iss`, `aud`, `exp`
    /// and `nbf` (with the configured leeway, at the injected clock's time),
    /// then the session: a revoked or expired session, a disabled user, or a
    /// token whose `sub` is not the session's user is `token_invalid`. A token
    /// past its `exp` is `token_expired`. The role is the user's current role
    /// in the store, not the one in the token.
    pub async fn authenticate(&self, access_token: &str) -> Result<Principal> {
        let inner = &self.inner;
        let now = inner.now();
        let claims = inner.auth.jwt.verify(access_token, now)?;
        let Some(auth) = inner.store.session_auth(claims.sid).await? else {
            return Err(Error::TokenInvalid);
        };
        if auth.revoked_at.is_some() || now >= auth.expires_at || auth.user_disabled || auth.user_id != claims.sub {
            return Err(Error::TokenInvalid);
        }
        Ok(Principal { user_id: auth.user_id, session_id: Some(claims.sid), role: auth.role })
    }

    /// The public keys that verify access tokens, as a JWK set
    /// (`GET /.well-known/jwks.json`): `{"keys": [...]}` for EdDSA and ES256
    /// (signing and verify-only keys, with their `kid`), empty for HS256.
    pub fn jwks(&self) -> serde_json::Value {
        self.inner.auth.jwt.jwks()
    }

    /// The audit records about the caller, newest first (`GET /v1/me/audit`).
    /// The cursor is the `next_cursor` of the previous page; a malformed one
    /// is `malformed_request`.
    pub async fn my_audit(&self, principal: &Principal, page: PageRequest) -> Result<Page<AuditRecord>> {
        let filter = AuditFilter { subject: Some(principal.user_id), ..AuditFilter::default() };
        self.inner.audit_page(&filter, &page).await
    }
}
