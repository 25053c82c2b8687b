//! Sessions and refresh tokens.

use agentmart_core::ids::{SessionId, UserId};
use agentmart_core::model::{AuditRecord, Role, Session, TokenHash};
use agentmart_core::storage::{
    ActiveAt, ConflictKind, RedeemOutcome, RedeemRefresh, SessionAuth, SessionCap, SessionStore, StorageError,
    StorageResult,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::SledStore;
use crate::codec::{corrupt, from_micros, id16, key};
use crate::tx::session_rows::{put_session, revoke_in_tx, user_session_ids};
use crate::tx::{T, TxResult, View, abort, sled_err, tx_get_json};

pub(crate) const CURRENT: u8 = 1;
pub(crate) const SUPERSEDED: u8 = 0;

/// Inserts a new session with its current refresh-token hash; a taken
/// session id or hash aborts the transaction with a conflict.
fn insert_new_session(v: &View<'_>, session: &Session, refresh: &TokenHash) -> TxResult<()> {
    if v.t(T::Sessions)?.get(session.id.to_bytes())?.is_some() {
        return Err(abort(StorageError::Conflict(ConflictKind::Other("session id already exists".into()))));
    }
    if v.t(T::Refresh)?.get(refresh.0)?.is_some() {
        return Err(abort(StorageError::Conflict(ConflictKind::Other("refresh token hash already exists".into()))));
    }
    put_session(v, session)?;
    v.t(T::Refresh)?.insert(&refresh.0, key(&[&session.id.to_bytes(), &[CURRENT]]))?;
    Ok(())
}

#[async_trait]
impl SessionStore for SledStore {
    async fn create_session(&self, session: &Session, refresh: &TokenHash, audit: &AuditRecord) -> StorageResult<()> {
        let guard = self.user_lock(session.user_id);
        let committed =
            self.tx(&[T::Sessions, T::SessAuth, T::UserSessions, T::Refresh, T::Audit, T::AuditSubject], |v| {
                insert_new_session(v, session, refresh)?;
                v.audit(audit)
            });
        drop(guard);
        committed.await
    }

    async fn get_session(&self, id: SessionId) -> StorageResult<Option<Session>> {
        self.get_json(T::Sessions, &id.to_bytes())
    }

    async fn session_auth(&self, id: SessionId) -> StorageResult<Option<SessionAuth>> {
        // Cached under the auth generation, which every commit touching
        // sessions or users' role/disabled flags bumps (see `caches`): a
        // revoked session is never served from memory after its revocation
        // returned.
        self.caches().sessions.read_through(id.to_bytes(), || self.read_session_auth(id))
    }

    async fn find_session_by_refresh(&self, presented: &TokenHash) -> StorageResult<Option<Session>> {
        let Some(b) = self.tree(T::Refresh).get(presented.0).map_err(sled_err)? else {
            return Ok(None);
        };
        self.get_json(T::Sessions, &id16(&b, 0)?)
    }

    async fn redeem_refresh_token(&self, req: &RedeemRefresh) -> StorageResult<RedeemOutcome> {
        self.tx(&[T::Refresh, T::Sessions, T::SessAuth, T::UserSessions, T::Audit, T::AuditSubject], |v| {
            let refresh = v.t(T::Refresh)?;
            let Some(b) = refresh.get(req.presented.0)? else {
                return Ok(RedeemOutcome::Unknown);
            };
            let sid = id16(&b, 0).map_err(abort)?;
            let state = b.get(16).copied().unwrap_or(SUPERSEDED);
            let Some(mut session): Option<Session> = tx_get_json(v.t(T::Sessions)?, &sid)? else {
                return Ok(RedeemOutcome::Unknown);
            };
            if state != CURRENT {
                if session.revoked_at.is_none() {
                    session.revoked_at = Some(req.now);
                    put_session(v, &session)?;
                }
                let mut audit = req.reuse_audit.clone();
                audit.actor = Some(session.user_id);
                audit.subject = Some(session.user_id);
                v.audit(&audit)?;
                return Ok(RedeemOutcome::Reused(session));
            }
            if !session.is_active(req.now) {
                return Ok(RedeemOutcome::SessionEnded(session));
            }
            if refresh.get(req.replacement.0)?.is_some() {
                return Err(abort(StorageError::Conflict(ConflictKind::Other(
                    "replacement token hash already exists".into(),
                ))));
            }
            refresh.insert(&req.presented.0, key(&[&sid, &[SUPERSEDED]]))?;
            refresh.insert(&req.replacement.0, key(&[&sid, &[CURRENT]]))?;
            session.last_used_at = req.now;
            put_session(v, &session)?;
            v.audit(&req.rotated_audit)?;
            Ok(RedeemOutcome::Rotated(session))
        })
        .await
    }

    async fn list_active_sessions(&self, user: UserId, now: DateTime<Utc>) -> StorageResult<Vec<Session>> {
        let mut out = Vec::new();
        for id in user_session_ids(self.tree(T::UserSessions), user)? {
            if let Some(s) = self.get_json::<Session>(T::Sessions, &id.to_bytes())?
                && s.is_active(now)
            {
                out.push(s);
            }
        }
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    async fn revoke_session(
        &self,
        user: UserId,
        id: SessionId,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<bool> {
        self.tx(&[T::Sessions, T::SessAuth, T::UserSessions, T::Audit, T::AuditSubject], |v| {
            let Some(s): Option<Session> = tx_get_json(v.t(T::Sessions)?, &id.to_bytes())? else {
                return Ok(false);
            };
            if s.user_id != user || s.revoked_at.is_some() {
                return Ok(false);
            }
            revoke_in_tx(v, id, now, false)?;
            v.audit(audit)?;
            Ok(true)
        })
        .await
    }

    async fn revoke_user_sessions(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<u64> {
        let guard = self.user_lock(user);
        let ids = user_session_ids(self.tree(T::UserSessions), user)?;
        let committed = self.tx(&[T::Sessions, T::SessAuth, T::UserSessions, T::Audit, T::AuditSubject], |v| {
            let mut n = 0;
            for id in ids.iter().filter(|id| Some(**id) != except) {
                if revoke_in_tx(v, *id, now, true)? {
                    n += 1;
                }
            }
            v.audit(audit)?;
            Ok(n)
        });
        drop(guard);
        committed.await
    }

    async fn create_session_capped(
        &self,
        session: &Session,
        refresh: &TokenHash,
        audit: &AuditRecord,
        cap: &SessionCap,
    ) -> StorageResult<u64> {
        // Under the user lock: no other session of this user is created
        // between reading the index and committing.
        let guard = self.user_lock(session.user_id);
        let ids = user_session_ids(self.tree(T::UserSessions), session.user_id)?;
        let keep = usize::try_from(cap.max_active.saturating_sub(1)).unwrap_or(usize::MAX);
        let committed =
            self.tx(&[T::Sessions, T::SessAuth, T::UserSessions, T::Refresh, T::Audit, T::AuditSubject], |v| {
                let mut active = Vec::new();
                for id in &ids {
                    if let Some(s) = tx_get_json::<Session>(v.t(T::Sessions)?, &id.to_bytes())?
                        && cap.active.is_active(&s)
                    {
                        active.push((s.created_at, s.id));
                    }
                }
                active.sort();
                let evict = active.len().saturating_sub(keep);
                for (_, id) in &active[..evict] {
                    revoke_in_tx(v, *id, cap.active.now, false)?;
                }
                insert_new_session(v, session, refresh)?;
                v.audit(audit)?;
                if evict > 0 {
                    v.audit(&cap.evicted_audit)?;
                }
                Ok(evict as u64)
            });
        drop(guard);
        committed.await
    }

    async fn list_sessions_page(
        &self,
        user: UserId,
        active: ActiveAt,
        after: Option<(DateTime<Utc>, SessionId)>,
        limit: u32,
    ) -> StorageResult<Vec<Session>> {
        // The index holds only un-revoked sessions, at most the session cap
        // of them plus those that expired without being revoked.
        let mut out = Vec::new();
        for id in user_session_ids(self.tree(T::UserSessions), user)? {
            if let Some(s) = self.get_json::<Session>(T::Sessions, &id.to_bytes())?
                && active.is_active(&s)
                && after.is_none_or(|a| (s.created_at, s.id) < a)
            {
                out.push(s);
            }
        }
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        out.truncate(usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1));
        Ok(out)
    }
}

impl SledStore {
    /// The session facts `authenticate` needs, from the store.
    fn read_session_auth(&self, id: SessionId) -> StorageResult<Option<SessionAuth>> {
        let Some(b) = self.tree(T::SessAuth).get(id.to_bytes()).map_err(sled_err)? else {
            return Ok(None);
        };
        if b.len() != 32 {
            return Err(corrupt("session auth"));
        }
        let user_id = UserId::from_bytes(id16(&b, 0)?);
        let mut r = [0u8; 8];
        r.copy_from_slice(&b[16..24]);
        let mut e = [0u8; 8];
        e.copy_from_slice(&b[24..32]);
        let Some(u) = self.tree(T::UserAuth).get(user_id.to_bytes()).map_err(sled_err)? else {
            return Ok(None);
        };
        if u.len() != 2 {
            return Err(corrupt("user auth"));
        }
        let revoked = i64::from_be_bytes(r);
        Ok(Some(SessionAuth {
            user_id,
            role: if u[0] == 1 { Role::Admin } else { Role::User },
            user_disabled: u[1] == 1,
            revoked_at: if revoked == i64::MIN { None } else { Some(from_micros(revoked)?) },
            expires_at: from_micros(i64::from_be_bytes(e))?,
        }))
    }
}
