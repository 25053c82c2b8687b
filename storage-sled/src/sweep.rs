//! The sweeper's bounded purges (`SweepStore`).
//!
//! Each method scans its tree outside a transaction to pick at most `limit`
//! candidates, then deletes them in one transaction that re-reads every
//! candidate and re-checks the rule, so a record changed meanwhile (a counter
//! hit, a session refreshed) is kept. sled transactions cannot scan, hence the
//! two steps; the scan costs one pass over the tree per call.

use std::collections::HashSet;

use agentmart_core::model::{Counter, OneTimeToken, Session};
use agentmart_core::storage::{SessionSweep, StorageResult, SweepStore};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::SledStore;
use crate::codec::{dec, id16, key};
use crate::tx::{T, sled_err, tx_get_json};
use crate::users::ott_key;

fn cap(limit: u32) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}

/// The day encoded at bytes 16..24 of a usage key (agent id | day | …).
fn key_day(k: &[u8]) -> Option<NaiveDate> {
    let d: [u8; 8] = k.get(16..24)?.try_into().ok()?;
    let days = (u64::from_be_bytes(d) ^ (1 << 63)) as i64;
    i32::try_from(days).ok().and_then(NaiveDate::from_num_days_from_ce_opt)
}

#[async_trait]
impl SweepStore for SledStore {
    async fn sweep_sessions(&self, rule: SessionSweep, limit: u32) -> StorageResult<u64> {
        let mut doomed: HashSet<[u8; 16]> = HashSet::new();
        for item in self.tree(T::Sessions).iter() {
            if doomed.len() >= cap(limit) {
                break;
            }
            let (k, v) = item.map_err(sled_err)?;
            let session: Session = dec(&v)?;
            if rule.matches(&session) {
                doomed.insert(id16(&k, 0)?);
            }
        }
        // Refresh hashes of the doomed sessions, and orphans whose session is
        // already gone (left by an interrupted earlier call: none today, since
        // a session and its hashes go in one transaction, but cheap to cover).
        let sessions = self.tree(T::Sessions);
        let mut hashes: Vec<(sled::IVec, [u8; 16])> = Vec::new();
        for item in self.tree(T::Refresh).iter() {
            let (h, v) = item.map_err(sled_err)?;
            let sid = id16(&v, 0)?;
            if doomed.contains(&sid) || (hashes.len() < cap(limit) && !sessions.contains_key(sid).map_err(sled_err)?) {
                hashes.push((h, sid));
            }
        }
        if doomed.is_empty() && hashes.is_empty() {
            return Ok(0);
        }
        let doomed: Vec<[u8; 16]> = doomed.into_iter().collect();
        self.tx(&[T::Sessions, T::SessAuth, T::UserSessions, T::Refresh], |v| {
            let mut purged = HashSet::new();
            for id in &doomed {
                let Some(s): Option<Session> = tx_get_json(v.t(T::Sessions)?, id)? else { continue };
                if !rule.matches(&s) {
                    continue;
                }
                v.t(T::Sessions)?.remove(id)?;
                v.t(T::SessAuth)?.remove(id)?;
                v.t(T::UserSessions)?.remove(key(&[&s.user_id.to_bytes(), id]))?;
                purged.insert(*id);
            }
            for (h, sid) in &hashes {
                // A hash goes with its purged session, or when its session no longer exists.
                if purged.contains(sid) || v.t(T::Sessions)?.get(sid)?.is_none() {
                    v.t(T::Refresh)?.remove(h)?;
                }
            }
            Ok(purged.len() as u64)
        })
        .await
    }

    async fn sweep_counters(
        &self,
        idle_before: DateTime<Utc>,
        keep_prefix: Option<&str>,
        limit: u32,
    ) -> StorageResult<u64> {
        let stale = |c: &Counter| c.last_hit_at <= idle_before;
        let mut doomed = Vec::new();
        for item in self.tree(T::Counters).iter() {
            if doomed.len() >= cap(limit) {
                break;
            }
            let (k, v) = item.map_err(sled_err)?;
            if keep_prefix.is_some_and(|p| k.starts_with(p.as_bytes())) {
                continue;
            }
            if stale(&dec::<Counter>(&v)?) {
                doomed.push(k);
            }
        }
        if doomed.is_empty() {
            return Ok(0);
        }
        self.tx(&[T::Counters], |v| {
            let t = v.t(T::Counters)?;
            let mut n = 0;
            for k in &doomed {
                if tx_get_json::<Counter>(t, k)?.is_some_and(|c| stale(&c)) {
                    t.remove(k)?;
                    n += 1;
                }
            }
            Ok(n)
        })
        .await
    }

    async fn sweep_one_time_tokens(&self, expired_before: DateTime<Utc>, limit: u32) -> StorageResult<u64> {
        let mut doomed = Vec::new();
        for item in self.tree(T::Ott).iter() {
            if doomed.len() >= cap(limit) {
                break;
            }
            let (k, v) = item.map_err(sled_err)?;
            if dec::<OneTimeToken>(&v)?.expires_at <= expired_before {
                doomed.push(k);
            }
        }
        if doomed.is_empty() {
            return Ok(0);
        }
        self.tx(&[T::Ott, T::UserOtt], |v| {
            let mut n = 0;
            for k in &doomed {
                let Some(token): Option<OneTimeToken> = tx_get_json(v.t(T::Ott)?, k)? else { continue };
                if token.expires_at <= expired_before {
                    v.t(T::Ott)?.remove(k)?;
                    v.t(T::UserOtt)?.remove(ott_key(token.user_id, token.kind, &token.hash))?;
                    n += 1;
                }
            }
            Ok(n)
        })
        .await
    }

    async fn sweep_usage_users(&self, before: NaiveDate, limit: u32) -> StorageResult<u64> {
        let mut doomed = Vec::new();
        for k in self.tree(T::UsageUsers).iter().keys() {
            if doomed.len() >= cap(limit) {
                break;
            }
            let k = k.map_err(sled_err)?;
            if key_day(&k).is_some_and(|d| d < before) {
                doomed.push(k);
            }
        }
        if doomed.is_empty() {
            return Ok(0);
        }
        self.tx(&[T::UsageUsers], |v| {
            let t = v.t(T::UsageUsers)?;
            let mut n = 0;
            for k in &doomed {
                if t.remove(k)?.is_some() {
                    n += 1;
                }
            }
            Ok(n)
        })
        .await
    }
}
