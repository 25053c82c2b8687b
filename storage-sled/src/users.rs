//! Accounts and one-time tokens.

use agentmart_core::ids::{AgentId, SessionId, UserId};
use agentmart_core::model::{
    AuditRecord, Email, Handle, OneTimeToken, OneTimeTokenKind, ProfileChange, RetiredHandle, Review, Role, TokenHash,
    UserRecord,
};
use agentmart_core::storage::{ConflictKind, ConsumeOutcome, EndSessions, StorageError, StorageResult, UserStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::SledStore;
use crate::codec::{id16, key};
use crate::tx::catalog_rows::{CATALOG_TREES, soft_delete_tx};
use crate::tx::market_rows::{INSTALL_TREES, RATING_TREES, remove_install_tx, remove_rating_tx};
use crate::tx::session_rows::{SESSION_TREES, enc_user_auth, revoke_in_tx, user_session_ids};
use crate::tx::{AUDIT_TREES, T, TxResult, View, abort, sled_err, tx_get_json, tx_put_json, union};

const USER_TREES: [T; 6] = [T::Users, T::UserAuth, T::IdxEmail, T::IdxHandle, T::IdxExternal, T::RetiredHandles];

/// Whether the handle is held by a user other than `except`, or retired, inside a transaction.
fn handle_taken_tx(v: &View<'_>, handle: &Handle, except: Option<UserId>) -> TxResult<bool> {
    if v.t(T::RetiredHandles)?.get(handle.as_bytes())?.is_some() {
        return Ok(true);
    }
    Ok(match v.t(T::IdxHandle)?.get(handle.as_bytes())? {
        Some(holder) => except.is_none_or(|id| holder.as_ref() != id.to_bytes()),
        None => false,
    })
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn kind_byte(kind: OneTimeTokenKind) -> u8 {
    match kind {
        OneTimeTokenKind::PasswordReset => 1,
        OneTimeTokenKind::EmailVerification => 2,
        OneTimeTokenKind::EmailChange => 3,
    }
}

pub(crate) fn put_user(v: &View<'_>, u: &UserRecord) -> TxResult<()> {
    let id = u.id.to_bytes();
    tx_put_json(v.t(T::Users)?, &id, u)?;
    v.t(T::UserAuth)?.insert(&id, &enc_user_auth(u.role, u.disabled))?;
    Ok(())
}

fn get_user_tx(v: &View<'_>, id: UserId) -> TxResult<UserRecord> {
    tx_get_json(v.t(T::Users)?, &id.to_bytes())?.ok_or_else(|| abort(StorageError::NotFound))
}

pub(crate) fn ott_key(user: UserId, kind: OneTimeTokenKind, hash: &TokenHash) -> Vec<u8> {
    key(&[&user.to_bytes(), &[kind_byte(kind)], &hash.0])
}

fn end_sessions_tx(v: &View<'_>, ids: &[SessionId], end: EndSessions, now: DateTime<Utc>) -> TxResult<()> {
    for id in ids {
        let end_it = match end {
            EndSessions::None => false,
            EndSessions::All => true,
            EndSessions::AllExcept(keep) => *id != keep,
        };
        if end_it {
            revoke_in_tx(v, *id, now, false)?;
        }
    }
    Ok(())
}

impl SledStore {
    fn find_user_by_index(&self, index: T, k: &str) -> StorageResult<Option<UserRecord>> {
        match self.tree(index).get(k.as_bytes()).map_err(sled_err)? {
            Some(id) => self.get_json(T::Users, &id),
            None => Ok(None),
        }
    }

    /// Consumes a one-time token of `kind`: looks it up, and runs `apply` in
    /// one transaction with the token's deletion when it is valid.
    async fn consume_token(
        &self,
        hash: &TokenHash,
        kind: OneTimeTokenKind,
        now: DateTime<Utc>,
        audit: &AuditRecord,
        apply: impl Fn(&View<'_>, &OneTimeToken, &[SessionId]) -> TxResult<Option<UserRecord>>,
    ) -> StorageResult<ConsumeOutcome> {
        let Some(token) = self.get_json::<OneTimeToken>(T::Ott, &hash.0)? else {
            return Ok(ConsumeOutcome::Unknown);
        };
        if token.kind != kind {
            return Ok(ConsumeOutcome::Unknown);
        }
        let user = token.user_id;
        let guard = self.user_lock(user);
        let sessions = if kind == OneTimeTokenKind::PasswordReset {
            user_session_ids(self.tree(T::UserSessions), user)?
        } else {
            Vec::new()
        };
        let trees = union(&[&[T::Ott, T::UserOtt], &USER_TREES, &SESSION_TREES, &AUDIT_TREES]);
        let committed = self.tx(&trees, |v| {
            let Some(token): Option<OneTimeToken> = tx_get_json(v.t(T::Ott)?, &hash.0)? else {
                return Ok(ConsumeOutcome::Unknown);
            };
            if token.kind != kind || token.user_id != user {
                return Ok(ConsumeOutcome::Unknown);
            }
            let remove = |v: &View<'_>| -> TxResult<()> {
                v.t(T::Ott)?.remove(&hash.0)?;
                v.t(T::UserOtt)?.remove(ott_key(user, kind, hash))?;
                Ok(())
            };
            if now >= token.expires_at {
                remove(v)?;
                return Ok(ConsumeOutcome::Expired);
            }
            let Some(updated) = apply(v, &token, &sessions)? else {
                return Ok(ConsumeOutcome::Unknown);
            };
            remove(v)?;
            let mut audit = audit.clone();
            audit.actor = Some(user);
            audit.subject = Some(user);
            v.audit(&audit)?;
            Ok(ConsumeOutcome::Applied(updated))
        });
        drop(guard);
        committed.await
    }
}

#[async_trait]
impl UserStore for SledStore {
    async fn create_user(&self, user: &UserRecord, audit: &AuditRecord) -> StorageResult<()> {
        let trees = union(&[&USER_TREES, &AUDIT_TREES]);
        self.tx(&trees, |v| {
            let id = user.id.to_bytes();
            if let Some(email) = &user.email {
                if v.t(T::IdxEmail)?.get(email.key().as_bytes())?.is_some() {
                    return Err(abort(StorageError::Conflict(ConflictKind::Email)));
                }
                v.t(T::IdxEmail)?.insert(email.key().as_bytes(), &id)?;
            }
            if handle_taken_tx(v, &user.handle, None)? {
                return Err(abort(StorageError::Conflict(ConflictKind::Handle)));
            }
            v.t(T::IdxHandle)?.insert(user.handle.as_bytes(), &id)?;
            if let Some(ext) = &user.external_id {
                if v.t(T::IdxExternal)?.get(ext.as_bytes())?.is_some() {
                    return Err(abort(StorageError::Conflict(ConflictKind::ExternalId)));
                }
                v.t(T::IdxExternal)?.insert(ext.as_bytes(), &id)?;
            }
            if v.t(T::Users)?.get(id)?.is_some() {
                return Err(abort(StorageError::Conflict(ConflictKind::Other("user id exists".into()))));
            }
            put_user(v, user)?;
            v.audit(audit)
        })
        .await
    }

    async fn get_user(&self, id: UserId) -> StorageResult<Option<UserRecord>> {
        // Decoded users are cached under the same write generation as
        // catalogue entries (see `caches`): any write to the users tree
        // retires them.
        let key = id.to_bytes();
        let read = || Ok(self.get_json::<UserRecord>(T::Users, &key)?.map(std::sync::Arc::new));
        Ok(self.caches().users.read_through(key, read)?.map(std::sync::Arc::unwrap_or_clone))
    }

    async fn find_user_by_email(&self, email: &Email) -> StorageResult<Option<UserRecord>> {
        self.find_user_by_index(T::IdxEmail, email.key())
    }

    async fn find_user_by_handle(&self, handle: &Handle) -> StorageResult<Option<UserRecord>> {
        self.find_user_by_index(T::IdxHandle, handle)
    }

    async fn find_user_by_external_id(&self, external_id: &str) -> StorageResult<Option<UserRecord>> {
        self.find_user_by_index(T::IdxExternal, external_id)
    }

    async fn update_profile(
        &self,
        id: UserId,
        patch: &ProfileChange,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        let trees = union(&[&USER_TREES, &AUDIT_TREES]);
        self.tx(&trees, |v| {
            let mut u = get_user_tx(v, id)?;
            if let Some(handle) = &patch.handle
                && *handle != u.handle
            {
                if handle_taken_tx(v, handle, Some(id))? {
                    return Err(abort(StorageError::Conflict(ConflictKind::Handle)));
                }
                let idx = v.t(T::IdxHandle)?;
                idx.remove(u.handle.as_bytes())?;
                idx.insert(handle.as_bytes(), &id.to_bytes())?;
                u.handle = handle.clone();
            }
            patch.apply_except_handle(&mut u, now);
            put_user(v, &u)?;
            v.audit(audit)?;
            Ok(u)
        })
        .await
    }

    async fn set_password_hash(
        &self,
        id: UserId,
        password_hash: &str,
        end_sessions: EndSessions,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<()> {
        let guard = self.user_lock(id);
        let sessions = user_session_ids(self.tree(T::UserSessions), id)?;
        let trees = union(&[&USER_TREES, &SESSION_TREES, &AUDIT_TREES]);
        let committed = self.tx(&trees, |v| {
            let mut u = get_user_tx(v, id)?;
            u.password_hash = Some(password_hash.to_string());
            u.updated_at = now;
            put_user(v, &u)?;
            end_sessions_tx(v, &sessions, end_sessions, now)?;
            v.audit(audit)
        });
        drop(guard);
        committed.await
    }

    async fn set_role(
        &self,
        id: UserId,
        role: Role,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        let trees = union(&[&USER_TREES, &AUDIT_TREES]);
        self.tx(&trees, |v| {
            let mut u = get_user_tx(v, id)?;
            u.role = role;
            u.updated_at = now;
            put_user(v, &u)?;
            v.audit(audit)?;
            Ok(u)
        })
        .await
    }

    async fn set_disabled(
        &self,
        id: UserId,
        disabled: bool,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<UserRecord> {
        let guard = self.user_lock(id);
        let sessions = user_session_ids(self.tree(T::UserSessions), id)?;
        let trees = union(&[&USER_TREES, &SESSION_TREES, &AUDIT_TREES]);
        let committed = self.tx(&trees, |v| {
            let mut u = get_user_tx(v, id)?;
            u.disabled = disabled;
            u.updated_at = now;
            put_user(v, &u)?;
            if disabled {
                end_sessions_tx(v, &sessions, EndSessions::All, now)?;
            }
            v.audit(audit)?;
            Ok(u)
        });
        drop(guard);
        committed.await
    }

    async fn delete_user(&self, id: UserId, now: DateTime<Utc>, audit: &AuditRecord) -> StorageResult<()> {
        let guard = self.user_lock(id);
        let prefix = id.to_bytes();
        // Every session of the user, revoked ones included (the per-user index
        // holds only un-revoked ones): one pass over the compact auth values.
        let mut sessions: Vec<sled::IVec> = Vec::new();
        for item in self.tree(T::SessAuth).iter() {
            let (k, v) = item.map_err(sled_err)?;
            if v.get(..16) == Some(&prefix[..]) {
                sessions.push(k);
            }
        }
        let refresh: Vec<sled::IVec> = if sessions.is_empty() {
            Vec::new()
        } else {
            let mut hashes = Vec::new();
            for item in self.tree(T::Refresh).iter() {
                let (h, v) = item.map_err(sled_err)?;
                if v.get(..16).is_some_and(|sid| sessions.iter().any(|s| s.as_ref() == sid)) {
                    hashes.push(h);
                }
            }
            hashes
        };
        let text = id.to_string();
        let counters: Vec<sled::IVec> = self
            .tree(T::Counters)
            .iter()
            .keys()
            .filter(|k| k.as_ref().map_or(true, |k| contains(k, text.as_bytes())))
            .collect::<Result<_, _>>()
            .map_err(sled_err)?;
        // Usage sets: agent id | day | user id.
        let usage_users: Vec<sled::IVec> = self
            .tree(T::UsageUsers)
            .iter()
            .keys()
            .filter(|k| k.as_ref().map_or(true, |k| k.get(24..40) == Some(&prefix[..])))
            .collect::<Result<_, _>>()
            .map_err(sled_err)?;
        let tokens = self.scan_keys(T::UserOtt, &prefix)?;
        let installs: Vec<AgentId> = self
            .scan_keys(T::Installs, &prefix)?
            .iter()
            .map(|k| id16(k, 16).map(AgentId::from_bytes))
            .collect::<StorageResult<_>>()?;
        let ratings: Vec<Vec<u8>> = self
            .tree(T::RatingByUser)
            .scan_prefix(prefix)
            .values()
            .map(|r| r.map(|v| v.to_vec()))
            .collect::<Result<_, _>>()
            .map_err(sled_err)?;
        let agents: Vec<AgentId> = self
            .scan_keys(T::OwnerAgents, &prefix)?
            .iter()
            .map(|k| id16(k, 16).map(AgentId::from_bytes))
            .collect::<StorageResult<_>>()?;
        let trees = union(&[
            &USER_TREES,
            &SESSION_TREES,
            &[T::Refresh, T::Counters, T::UsageUsers],
            &[T::Ott, T::UserOtt],
            &INSTALL_TREES,
            &RATING_TREES,
            &CATALOG_TREES,
            &AUDIT_TREES,
        ]);
        let committed = self.tx(&trees, |v| {
            let u = get_user_tx(v, id)?;
            for sid in &sessions {
                v.t(T::Sessions)?.remove(sid)?;
                v.t(T::SessAuth)?.remove(sid)?;
                v.t(T::UserSessions)?.remove(key(&[&prefix, sid]))?;
            }
            for h in &refresh {
                v.t(T::Refresh)?.remove(h)?;
            }
            for k in &counters {
                v.t(T::Counters)?.remove(k)?;
            }
            for k in &usage_users {
                v.t(T::UsageUsers)?.remove(k)?;
            }
            for k in &tokens {
                if let Some(hash) = k.get(17..) {
                    v.t(T::Ott)?.remove(hash)?;
                }
                v.t(T::UserOtt)?.remove(k)?;
            }
            for agent in &installs {
                remove_install_tx(v, id, *agent)?;
            }
            for rid in &ratings {
                if let Some(review) = tx_get_json::<Review>(v.t(T::Reviews)?, rid)? {
                    remove_rating_tx(v, &review)?;
                }
            }
            for agent in &agents {
                soft_delete_tx(v, *agent, now)?;
            }
            v.t(T::Users)?.remove(&prefix)?;
            v.t(T::UserAuth)?.remove(&prefix)?;
            if let Some(email) = &u.email {
                v.t(T::IdxEmail)?.remove(email.key().as_bytes())?;
            }
            v.t(T::IdxHandle)?.remove(u.handle.as_bytes())?;
            let retired = RetiredHandle { handle: u.handle.clone(), user_id: id, retired_at: now };
            tx_put_json(v.t(T::RetiredHandles)?, u.handle.as_bytes(), &retired)?;
            if let Some(ext) = &u.external_id {
                v.t(T::IdxExternal)?.remove(ext.as_bytes())?;
            }
            v.audit(audit)
        });
        drop(guard);
        committed.await
    }

    async fn retired_handle(&self, handle: &Handle) -> StorageResult<Option<RetiredHandle>> {
        self.get_json(T::RetiredHandles, handle.as_bytes())
    }

    async fn release_retired_handle(&self, handle: &Handle, retired_before: DateTime<Utc>) -> StorageResult<bool> {
        self.tx(&[T::RetiredHandles], |v| {
            let t = v.t(T::RetiredHandles)?;
            match tx_get_json::<RetiredHandle>(t, handle.as_bytes())? {
                Some(r) if r.retired_at <= retired_before => {
                    t.remove(handle.as_bytes())?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
        .await
    }

    async fn put_one_time_token(&self, token: &OneTimeToken, audit: &AuditRecord) -> StorageResult<()> {
        let guard = self.user_lock(token.user_id);
        let earlier = self.scan_keys(T::UserOtt, &key(&[&token.user_id.to_bytes(), &[kind_byte(token.kind)]]))?;
        let committed = self.tx(&union(&[&[T::Ott, T::UserOtt], &AUDIT_TREES]), |v| {
            for k in &earlier {
                if let Some(hash) = k.get(17..) {
                    v.t(T::Ott)?.remove(hash)?;
                }
                v.t(T::UserOtt)?.remove(k)?;
            }
            tx_put_json(v.t(T::Ott)?, &token.hash.0, token)?;
            v.t(T::UserOtt)?.insert(ott_key(token.user_id, token.kind, &token.hash), &[])?;
            v.audit(audit)
        });
        drop(guard);
        committed.await
    }

    async fn reset_password_with_token(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        self.consume_token(hash, OneTimeTokenKind::PasswordReset, now, audit, |v, token, sessions| {
            let Some(mut u): Option<UserRecord> = tx_get_json(v.t(T::Users)?, &token.user_id.to_bytes())? else {
                return Ok(None);
            };
            u.password_hash = Some(password_hash.to_string());
            u.updated_at = now;
            put_user(v, &u)?;
            end_sessions_tx(v, sessions, EndSessions::All, now)?;
            Ok(Some(u))
        })
        .await
    }

    async fn verify_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        self.consume_token(hash, OneTimeTokenKind::EmailVerification, now, audit, |v, token, _| {
            let Some(mut u): Option<UserRecord> = tx_get_json(v.t(T::Users)?, &token.user_id.to_bytes())? else {
                return Ok(None);
            };
            if u.email.is_none() || u.email != token.email {
                return Ok(None);
            }
            u.email_verified = true;
            u.updated_at = now;
            put_user(v, &u)?;
            Ok(Some(u))
        })
        .await
    }

    async fn change_email_with_token(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<ConsumeOutcome> {
        let Some(token) = self.get_json::<OneTimeToken>(T::Ott, &hash.0)? else {
            return Ok(ConsumeOutcome::Unknown);
        };
        if token.kind != OneTimeTokenKind::EmailChange {
            return Ok(ConsumeOutcome::Unknown);
        }
        let user = token.user_id;
        let guard = self.user_lock(user);
        // Under the user's lock: the user's tokens cannot change meanwhile.
        let others = self.scan_keys(T::UserOtt, &user.to_bytes())?;
        let trees = union(&[&[T::Ott, T::UserOtt], &USER_TREES, &AUDIT_TREES]);
        let committed = self.tx(&trees, |v| {
            let Some(token): Option<OneTimeToken> = tx_get_json(v.t(T::Ott)?, &hash.0)? else {
                return Ok(ConsumeOutcome::Unknown);
            };
            if token.kind != OneTimeTokenKind::EmailChange || token.user_id != user {
                return Ok(ConsumeOutcome::Unknown);
            }
            if now >= token.expires_at {
                v.t(T::Ott)?.remove(&hash.0)?;
                v.t(T::UserOtt)?.remove(ott_key(user, token.kind, hash))?;
                return Ok(ConsumeOutcome::Expired);
            }
            let Some(new_email) = token.email.clone() else {
                return Ok(ConsumeOutcome::Unknown);
            };
            let Some(mut u): Option<UserRecord> = tx_get_json(v.t(T::Users)?, &user.to_bytes())? else {
                return Ok(ConsumeOutcome::Unknown);
            };
            // The email index is the one place uniqueness lives: inside the
            // transaction, a registration of the same address conflicts with it.
            match v.t(T::IdxEmail)?.get(new_email.key().as_bytes())? {
                Some(owner) if owner.as_ref() != user.to_bytes().as_slice() => {
                    return Err(abort(StorageError::Conflict(ConflictKind::Email)));
                }
                _ => {}
            }
            if let Some(old) = &u.email
                && old.key() != new_email.key()
            {
                v.t(T::IdxEmail)?.remove(old.key().as_bytes())?;
            }
            v.t(T::IdxEmail)?.insert(new_email.key().as_bytes(), &user.to_bytes())?;
            u.email = Some(new_email);
            u.email_verified = true;
            u.updated_at = now;
            put_user(v, &u)?;
            for k in &others {
                if let Some(h) = k.get(17..) {
                    v.t(T::Ott)?.remove(h)?;
                }
                v.t(T::UserOtt)?.remove(k)?;
            }
            v.t(T::Ott)?.remove(&hash.0)?;
            v.t(T::UserOtt)?.remove(ott_key(user, token.kind, hash))?;
            let mut audit = audit.clone();
            audit.actor = Some(user);
            audit.subject = Some(user);
            v.audit(&audit)?;
            Ok(ConsumeOutcome::Applied(u))
        });
        drop(guard);
        committed.await
    }

    async fn count_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64> {
        Ok(self.scan_keys(T::UserOtt, &key(&[&user.to_bytes(), &[kind_byte(kind)]]))?.len() as u64)
    }

    async fn find_one_time_token(&self, hash: &TokenHash) -> StorageResult<Option<OneTimeToken>> {
        self.get_json(T::Ott, &hash.0)
    }

    async fn delete_one_time_tokens(&self, user: UserId, kind: OneTimeTokenKind) -> StorageResult<u64> {
        let guard = self.user_lock(user);
        let keys = self.scan_keys(T::UserOtt, &key(&[&user.to_bytes(), &[kind_byte(kind)]]))?;
        if keys.is_empty() {
            return Ok(0);
        }
        let committed = self.tx(&[T::Ott, T::UserOtt], |v| {
            for k in &keys {
                if let Some(hash) = k.get(17..) {
                    v.t(T::Ott)?.remove(hash)?;
                }
                v.t(T::UserOtt)?.remove(k)?;
            }
            Ok(keys.len() as u64)
        });
        drop(guard);
        committed.await
    }
}
