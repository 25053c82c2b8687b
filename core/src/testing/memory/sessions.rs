//! [`SessionStore`] and [`ThrottleStore`] for [`MemoryStore`]: sessions, refresh tokens and rate-limit counters.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::{MemoryStore, RefreshToken, conflict};
use crate::ids::{SessionId, UserId};
use crate::model::{AuditRecord, Counter, Session, TokenHash};
use crate::storage::{
    ActiveAt, ConflictKind, RedeemOutcome, RedeemRefresh, SessionAuth, SessionCap, SessionStore, StorageError,
    StorageResult, ThrottleStore,
};

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(&self, session: &Session, refresh: &TokenHash, audit: &AuditRecord) -> StorageResult<()> {
        let mut st = self.lock();
        if st.sessions.contains_key(&session.id) {
            return Err(conflict(ConflictKind::Other("session id already exists".into())));
        }
        if st.refresh.contains_key(refresh) {
            return Err(conflict(ConflictKind::Other("refresh token hash already exists".into())));
        }
        st.sessions.insert(session.id, session.clone());
        st.refresh.insert(*refresh, RefreshToken { session: session.id, superseded: false });
        st.write_audit(audit);
        Ok(())
    }

    async fn get_session(&self, id: SessionId) -> StorageResult<Option<Session>> {
        Ok(self.lock().sessions.get(&id).cloned())
    }

    async fn session_auth(&self, id: SessionId) -> StorageResult<Option<SessionAuth>> {
        let st = self.lock();
        let Some(session) = st.sessions.get(&id) else { return Ok(None) };
        let Some(user) = st.users.get(&session.user_id) else { return Ok(None) };
        Ok(Some(SessionAuth {
            user_id: user.id,
            role: user.role,
            user_disabled: user.disabled,
            revoked_at: session.revoked_at,
            expires_at: session.expires_at,
        }))
    }

    async fn find_session_by_refresh(&self, presented: &TokenHash) -> StorageResult<Option<Session>> {
        let st = self.lock();
        Ok(st.refresh.get(presented).and_then(|t| st.sessions.get(&t.session)).cloned())
    }

    async fn redeem_refresh_token(&self, request: &RedeemRefresh) -> StorageResult<RedeemOutcome> {
        let mut st = self.lock();
        let Some(token) = st.refresh.get(&request.presented).copied() else {
            return Ok(RedeemOutcome::Unknown);
        };
        let Some(session) = st.sessions.get(&token.session).cloned() else {
            return Ok(RedeemOutcome::Unknown);
        };
        if token.superseded {
            let session = {
                let s = st.sessions.get_mut(&token.session).ok_or(StorageError::NotFound)?;
                if s.revoked_at.is_none() {
                    s.revoked_at = Some(request.now);
                }
                s.clone()
            };
            let record = request.reuse_audit.clone().actor(session.user_id).subject(session.user_id);
            st.write_audit(&record);
            return Ok(RedeemOutcome::Reused(session));
        }
        if !session.is_active(request.now) {
            return Ok(RedeemOutcome::SessionEnded(session));
        }
        if st.refresh.contains_key(&request.replacement) {
            return Err(conflict(ConflictKind::Other("replacement token hash already exists".into())));
        }
        st.refresh.insert(request.presented, RefreshToken { session: token.session, superseded: true });
        st.refresh.insert(request.replacement, RefreshToken { session: token.session, superseded: false });
        let session = {
            let s = st.sessions.get_mut(&token.session).ok_or(StorageError::NotFound)?;
            s.last_used_at = request.now;
            s.clone()
        };
        st.write_audit(&request.rotated_audit);
        Ok(RedeemOutcome::Rotated(session))
    }

    async fn list_active_sessions(&self, user: UserId, now: DateTime<Utc>) -> StorageResult<Vec<Session>> {
        let st = self.lock();
        let mut out: Vec<Session> =
            st.sessions.values().filter(|s| s.user_id == user && s.is_active(now)).cloned().collect();
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
        let mut st = self.lock();
        match st.sessions.get_mut(&id) {
            Some(s) if s.user_id == user && s.revoked_at.is_none() => {
                s.revoked_at = Some(now);
                st.write_audit(audit);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn revoke_user_sessions(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<u64> {
        let mut st = self.lock();
        let mut n = 0;
        for s in st.sessions.values_mut() {
            if s.user_id == user && s.is_active(now) && Some(s.id) != except {
                s.revoked_at = Some(now);
                n += 1;
            }
        }
        st.write_audit(audit);
        Ok(n)
    }

    async fn create_session_capped(
        &self,
        session: &Session,
        refresh: &TokenHash,
        audit: &AuditRecord,
        cap: &SessionCap,
    ) -> StorageResult<u64> {
        let mut st = self.lock();
        if st.sessions.contains_key(&session.id) {
            return Err(conflict(ConflictKind::Other("session id already exists".into())));
        }
        if st.refresh.contains_key(refresh) {
            return Err(conflict(ConflictKind::Other("refresh token hash already exists".into())));
        }
        let mut active: Vec<(DateTime<Utc>, SessionId)> = st
            .sessions
            .values()
            .filter(|s| s.user_id == session.user_id && cap.active.is_active(s))
            .map(|s| (s.created_at, s.id))
            .collect();
        active.sort();
        let keep = usize::try_from(cap.max_active.saturating_sub(1)).unwrap_or(usize::MAX);
        let evict = active.len().saturating_sub(keep);
        for (_, id) in &active[..evict] {
            if let Some(s) = st.sessions.get_mut(id) {
                s.revoked_at = Some(cap.active.now);
            }
        }
        st.sessions.insert(session.id, session.clone());
        st.refresh.insert(*refresh, RefreshToken { session: session.id, superseded: false });
        st.write_audit(audit);
        if evict > 0 {
            st.write_audit(&cap.evicted_audit);
        }
        Ok(evict as u64)
    }

    async fn list_sessions_page(
        &self,
        user: UserId,
        active: ActiveAt,
        after: Option<(DateTime<Utc>, SessionId)>,
        limit: u32,
    ) -> StorageResult<Vec<Session>> {
        let st = self.lock();
        let mut out: Vec<Session> = st
            .sessions
            .values()
            .filter(|s| s.user_id == user && active.is_active(s))
            .filter(|s| after.is_none_or(|a| (s.created_at, s.id) < a))
            .cloned()
            .collect();
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        out.truncate(usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1));
        Ok(out)
    }
}

#[async_trait]
impl ThrottleStore for MemoryStore {
    async fn hit_counter(&self, key: &str, now: DateTime<Utc>, window: Duration) -> StorageResult<Counter> {
        let mut st = self.lock();
        // A window too long to subtract from `now` never expires.
        let expired = |c: &Counter| now.checked_sub_signed(window).is_some_and(|limit| c.window_started_at <= limit);
        let counter = match st.counters.get(key) {
            Some(c) if !expired(c) => {
                Counter { count: c.count.saturating_add(1), window_started_at: c.window_started_at, last_hit_at: now }
            }
            _ => Counter { count: 1, window_started_at: now, last_hit_at: now },
        };
        st.counters.insert(key.to_string(), counter);
        Ok(counter)
    }

    async fn get_counter(&self, key: &str) -> StorageResult<Option<Counter>> {
        Ok(self.lock().counters.get(key).copied())
    }

    async fn clear_counter(&self, key: &str) -> StorageResult<()> {
        self.lock().counters.remove(key);
        Ok(())
    }

    async fn release_counter(&self, key: &str) -> StorageResult<()> {
        if let Some(counter) = self.lock().counters.get_mut(key) {
            counter.count = counter.count.saturating_sub(1);
        }
        Ok(())
    }
}

#[async_trait]
impl crate::storage::SweepStore for MemoryStore {
    async fn sweep_sessions(&self, rule: crate::storage::SessionSweep, limit: u32) -> StorageResult<u64> {
        let mut st = self.lock();
        let doomed: std::collections::HashSet<SessionId> = st
            .sessions
            .values()
            .filter(|s| rule.matches(s))
            .map(|s| s.id)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        st.sessions.retain(|id, _| !doomed.contains(id));
        st.refresh.retain(|_, t| !doomed.contains(&t.session));
        Ok(doomed.len() as u64)
    }

    async fn sweep_counters(
        &self,
        idle_before: DateTime<Utc>,
        keep_prefix: Option<&str>,
        limit: u32,
    ) -> StorageResult<u64> {
        let mut st = self.lock();
        let doomed: Vec<String> = st
            .counters
            .iter()
            .filter(|(k, c)| c.last_hit_at <= idle_before && keep_prefix.is_none_or(|p| !k.starts_with(p)))
            .map(|(k, _)| k.clone())
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        for k in &doomed {
            st.counters.remove(k);
        }
        Ok(doomed.len() as u64)
    }

    async fn sweep_one_time_tokens(&self, expired_before: DateTime<Utc>, limit: u32) -> StorageResult<u64> {
        let mut st = self.lock();
        let doomed: Vec<TokenHash> = st
            .one_time
            .values()
            .filter(|t| t.expires_at <= expired_before)
            .map(|t| t.hash)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        for h in &doomed {
            st.one_time.remove(h);
        }
        Ok(doomed.len() as u64)
    }

    async fn sweep_usage_users(&self, before: chrono::NaiveDate, limit: u32) -> StorageResult<u64> {
        let mut st = self.lock();
        let doomed: Vec<_> = st
            .usage_users
            .iter()
            .filter(|(_, day, _)| *day < before)
            .copied()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        for k in &doomed {
            st.usage_users.remove(k);
        }
        Ok(doomed.len() as u64)
    }
}
