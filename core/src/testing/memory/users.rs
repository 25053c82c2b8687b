//! [`UserStore`] for [`MemoryStore`]: accounts and one-time tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{MemoryStore, conflict};
use std::collections::BTreeSet;

use crate::ids::{AgentId, ReviewId, SessionId, UserId};
use crate::model::{
    AgentStatus, AuditRecord, Email, Handle, OneTimeToken, OneTimeTokenKind, ProfileChange, RetiredHandle, Role,
    TokenHash, UserRecord,
};
use crate::storage::{ConflictKind, ConsumeOutcome, EndSessions, StorageError, StorageResult, UserStore};

#[async_trait]
impl UserStore for MemoryStore {
    async fn create_user(&self, user: &UserRecord, audit: &AuditRecord) -> StorageResult<()> {
        let mut st = self.lock();
        if let Some(email) = &user.email
            && st.users.values().any(|u| u.email.as_ref().is_some_and(|e| e.key() == email.key()))
        {
            return Err(conflict(ConflictKind::Email));
        }
        if st.handle_taken(&user.handle, None) {
            return Err(conflict(ConflictKind::Handle));
        }
        if let Some(ext) = &user.external_id
            && st.users.values().any(|u| u.external_id.as_ref() == Some(ext))
        {
            return Err(conflict(ConflictKind::ExternalId));
        }
        if st.users.contains_key(&user.id) {
            return Err(conflict(ConflictKind::Other("user id already exists".into())));
        }
        st.users.insert(user.id, user.clone());
        st.write_audit(audit);
        Ok(())
    }

    async fn get_user(&self, id: UserId) -> StorageResult<Option<UserRecord>> {
        Ok(self.lock().users.get(&id).cloned())
    }

    async fn find_user_by_email(&self, email: &Email) -> StorageResult<Option<UserRecord>> {
        Ok(self.lock().users.values().find(|u| u.email.as_ref().is_some_and(|e| e.key() == email.key())).cloned())
    }

    async fn find_user_by_handle(&self, handle: &Handle) -> StorageResult<Option<UserRecord>> {
        Ok(self.lock().users.values().find(|u| &u.handle == handle).cloned())
    }

    async fn find_user_by_external_id(&self, external_id: &str) -> StorageResult<Option<UserRecord>> {
        Ok(self.lock().users.values().find(|u| u.external_id.as_deref() == Some(external_id)).cloned())
    }

    async fn update_profile(
        &self,
        id: UserId,
        patch: &ProfileChange,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        let mut st = self.lock();
        if !st.users.contains_key(&id) {
            return Err(StorageError::NotFound);
        }
        if let Some(handle) = &patch.handle
            && st.handle_taken(handle, Some(id))
        {
            return Err(conflict(ConflictKind::Handle));
        }
        let user = st.users.get_mut(&id).ok_or(StorageError::NotFound)?;
        if let Some(handle) = &patch.handle {
            user.handle = handle.clone();
        }
        patch.apply_except_handle(user, now);
        let out = user.clone();
        st.write_audit(audit);
        Ok(out)
    }

    async fn set_password_hash(
        &self,
        id: UserId,
        password_hash: &str,
        end_sessions: EndSessions,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<()> {
        let mut st = self.lock();
        let user = st.users.get_mut(&id).ok_or(StorageError::NotFound)?;
        user.password_hash = Some(password_hash.to_string());
        user.updated_at = now;
        match end_sessions {
            EndSessions::None => {}
            EndSessions::AllExcept(keep) => {
                st.end_sessions(id, Some(keep), now);
            }
            EndSessions::All => {
                st.end_sessions(id, None, now);
            }
        }
        st.write_audit(audit);
        Ok(())
    }

    async fn set_role(
        &self,
        id: UserId,
        role: Role,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        let mut st = self.lock();
        let user = st.users.get_mut(&id).ok_or(StorageError::NotFound)?;
        user.role = role;
        user.updated_at = now;
        let out = user.clone();
        st.write_audit(audit);
        Ok(out)
    }

    async fn set_disabled(
        &self,
        id: UserId,
        disabled: bool,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        let mut st = self.lock();
        let user = st.users.get_mut(&id).ok_or(StorageError::NotFound)?;
        user.disabled = disabled;
        user.updated_at = now;
        let out = user.clone();
        if disabled {
            st.end_sessions(id, None, now);
        }
        st.write_audit(audit);
        Ok(out)
    }

    async fn delete_user(&self, id: UserId, now: DateTime<Utc>, audit: &AuditRecord) -> StorageResult<()> {
        let mut st = self.lock();
        let Some(handle) = st.users.get(&id).map(|u| u.handle.clone()) else {
            return Err(StorageError::NotFound);
        };
        let sessions: BTreeSet<SessionId> = st.sessions.values().filter(|s| s.user_id == id).map(|s| s.id).collect();
        st.sessions.retain(|sid, _| !sessions.contains(sid));
        st.refresh.retain(|_, r| !sessions.contains(&r.session));
        let text = id.to_string();
        st.counters.retain(|key, _| !key.contains(&text));
        st.usage_users.retain(|(_, _, user)| *user != id);
        st.one_time.retain(|_, t| t.user_id != id);
        let installed: Vec<AgentId> = st.installs.keys().filter(|(u, _)| *u == id).map(|(_, a)| *a).collect();
        for agent in installed {
            st.remove_install(id, agent);
        }
        let reviews: Vec<ReviewId> = st.reviews.values().filter(|r| r.user_id == id).map(|r| r.id).collect();
        for review in reviews {
            st.remove_review(review);
        }
        for agent in st.agents.values_mut() {
            if agent.owner_id == id && agent.status != AgentStatus::Deleted {
                agent.status = AgentStatus::Deleted;
                agent.updated_at = now;
            }
        }
        st.retired.insert(handle.clone(), RetiredHandle { handle, user_id: id, retired_at: now });
        st.users.remove(&id);
        st.write_audit(audit);
        Ok(())
    }

    async fn retired_handle(&self, handle: &Handle) -> StorageResult<Option<RetiredHandle>> {
        Ok(self.lock().retired.get(handle).cloned())
    }

    async fn release_retired_handle(&self, handle: &Handle, retired_before: DateTime<Utc>) -> StorageResult<bool> {
        let mut st = self.lock();
        if st.retired.get(handle).is_some_and(|r| r.retired_at <= retired_before) {
            st.retired.remove(handle);
            return Ok(true);
        }
        Ok(false)
    }

    async fn put_one_time_token(&self, token: &OneTimeToken, audit: &AuditRecord) -> StorageResult<()> {
        let mut st = self.lock();
        st.one_time.retain(|_, t| !(t.user_id == token.user_id && t.kind == token.kind));
        st.one_time.insert(token.hash, token.clone());
        st.write_audit(audit);
        Ok(())
    }

    async fn reset_password_with_token(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        let mut st = self.lock();
        let token = match st.one_time.get(hash) {
            Some(t) if t.kind == OneTimeTokenKind::PasswordReset => t.clone(),
            _ => return Ok(ConsumeOutcome::Unknown),
        };
        if now >= token.expires_at {
            st.one_time.remove(hash);
            return Ok(ConsumeOutcome::Expired);
        }
        let Some(user) = st.users.get_mut(&token.user_id) else {
            return Ok(ConsumeOutcome::Unknown);
        };
        user.password_hash = Some(password_hash.to_string());
        user.updated_at = now;
        let out = user.clone();
        st.one_time.remove(hash);
        st.end_sessions(token.user_id, None, now);
        st.write_audit(&audit.clone().actor(token.user_id).subject(token.user_id));
        Ok(ConsumeOutcome::Applied(out))
    }

    async fn verify_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        let mut st = self.lock();
        let token = match st.one_time.get(hash) {
            Some(t) if t.kind == OneTimeTokenKind::EmailVerification => t.clone(),
            _ => return Ok(ConsumeOutcome::Unknown),
        };
        if now >= token.expires_at {
            st.one_time.remove(hash);
            return Ok(ConsumeOutcome::Expired);
        }
        let Some(user) = st.users.get_mut(&token.user_id) else {
            return Ok(ConsumeOutcome::Unknown);
        };
        if token.email.is_none() || user.email != token.email {
            return Ok(ConsumeOutcome::Unknown);
        }
        user.email_verified = true;
        user.updated_at = now;
        let out = user.clone();
        st.one_time.remove(hash);
        st.write_audit(&audit.clone().actor(token.user_id).subject(token.user_id));
        Ok(ConsumeOutcome::Applied(out))
    }

    async fn change_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        let mut st = self.lock();
        let token = match st.one_time.get(hash) {
            Some(t) if t.kind == OneTimeTokenKind::EmailChange => t.clone(),
            _ => return Ok(ConsumeOutcome::Unknown),
        };
        if now >= token.expires_at {
            st.one_time.remove(hash);
            return Ok(ConsumeOutcome::Expired);
        }
        let Some(new_email) = token.email.clone() else {
            return Ok(ConsumeOutcome::Unknown);
        };
        if !st.users.contains_key(&token.user_id) {
            return Ok(ConsumeOutcome::Unknown);
        }
        if st
            .users
            .values()
            .any(|u| u.id != token.user_id && u.email.as_ref().is_some_and(|e| e.key() == new_email.key()))
        {
            return Err(conflict(ConflictKind::Email));
        }
        let Some(user) = st.users.get_mut(&token.user_id) else {
            return Ok(ConsumeOutcome::Unknown);
        };
        user.email = Some(new_email);
        user.email_verified = true;
        user.updated_at = now;
        let out = user.clone();
        st.one_time.retain(|_, t| t.user_id != token.user_id);
        st.write_audit(&audit.clone().actor(token.user_id).subject(token.user_id));
        Ok(ConsumeOutcome::Applied(out))
    }

    async fn count_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64> {
        Ok(self.lock().one_time.values().filter(|t| t.user_id == user && t.kind == kind).count() as u64)
    }

    async fn find_one_time_token(&self, hash: &TokenHash) -> StorageResult<Option<OneTimeToken>> {
        Ok(self.lock().one_time.get(hash).cloned())
    }

    async fn delete_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64> {
        let mut st = self.lock();
        let before = st.one_time.len();
        st.one_time.retain(|_, t| !(t.user_id == user && t.kind == kind));
        Ok((before - st.one_time.len()) as u64)
    }
}
