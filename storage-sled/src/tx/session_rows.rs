//! Session rows, their compact auth values and the user's session index
//! (ended by logout, password changes, disabling and account deletion).

use agentmart_core::ids::{SessionId, UserId};
use agentmart_core::model::{Role, Session};
use agentmart_core::storage::StorageResult;
use chrono::{DateTime, Utc};
use sled::Tree;

use crate::codec::{id16, key, micros};
use crate::tx::{T, TxResult, View, sled_err, tx_get_json, tx_put_json};

/// The compact `session_auth` value: user | revoked_at | expires_at.
pub(crate) fn enc_sess_auth(s: &Session) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&s.user_id.to_bytes());
    out[16..24].copy_from_slice(&s.revoked_at.map_or(i64::MIN, micros).to_be_bytes());
    out[24..].copy_from_slice(&micros(s.expires_at).to_be_bytes());
    out
}

/// The compact user value read by `session_auth`: role | disabled.
pub(crate) fn enc_user_auth(role: Role, disabled: bool) -> [u8; 2] {
    [u8::from(role == Role::Admin), u8::from(disabled)]
}

/// Stores a session row and its compact auth value.
///
/// A revoked session leaves the user's session index, so cascades and
/// listings only ever visit sessions that may still need ending.
pub(crate) fn put_session(v: &View<'_>, s: &Session) -> TxResult<()> {
    let id = s.id.to_bytes();
    tx_put_json(v.t(T::Sessions)?, &id, s)?;
    v.t(T::SessAuth)?.insert(&id, &enc_sess_auth(s))?;
    let index_key = key(&[&s.user_id.to_bytes(), &id]);
    if s.revoked_at.is_some() {
        v.t(T::UserSessions)?.remove(index_key)?;
    } else {
        v.t(T::UserSessions)?.insert(index_key, &[])?;
    }
    Ok(())
}

/// Revokes the session when it is active at `now` (`only_active`) or simply not yet revoked.
/// Returns whether it changed.
pub(crate) fn revoke_in_tx(v: &View<'_>, id: SessionId, now: DateTime<Utc>, only_active: bool) -> TxResult<bool> {
    let Some(mut s): Option<Session> = tx_get_json(v.t(T::Sessions)?, &id.to_bytes())? else {
        return Ok(false);
    };
    let eligible = if only_active { s.is_active(now) } else { s.revoked_at.is_none() };
    if !eligible {
        return Ok(false);
    }
    s.revoked_at = Some(now);
    put_session(v, &s)?;
    Ok(true)
}

/// The ids of the user's un-revoked sessions, from the `UserSessions` tree
/// (scanned outside a transaction; hold the user lock).
pub(crate) fn user_session_ids(user_sessions: &Tree, user: UserId) -> StorageResult<Vec<SessionId>> {
    user_sessions
        .scan_prefix(user.to_bytes())
        .keys()
        .map(|k| k.map_err(sled_err).and_then(|k| id16(&k, 16).map(SessionId::from_bytes)))
        .collect()
}

/// Trees touched when ending sessions.
pub(crate) const SESSION_TREES: [T; 3] = [T::Sessions, T::SessAuth, T::UserSessions];
