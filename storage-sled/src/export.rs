//! Whole-store export and import (`ExportStore`). The one module that writes
//! every kind of record, so it uses the row helpers of the domain modules
//! (`users`, `sessions`, `market`) besides the `tx` layer.

use std::ops::Bound;

use agentmart_core::ids::{AgentId, SessionId, UserId};
use agentmart_core::model::{AgentStatus, DailyUsage, TokenHash};
use agentmart_core::storage::{
    AgentRecord, ConflictKind, ExportKind, ExportRecord, ExportStore, RefreshTokenRecord, StorageError, StorageResult,
    UsageDayRecord, UsageUserRecord,
};
use async_trait::async_trait;
use chrono::NaiveDate;

use crate::SledStore;
use crate::codec::{corrupt, dec, dec_stats, enc_stats, id16, key};
use crate::market::{day_key, dec_day};
use crate::sessions::{CURRENT, SUPERSEDED};
use crate::tx::catalog_rows::{catalog_insert_tx, version_key};
use crate::tx::market_rows::{review_newest_key, review_stars_key, user_install_key};
use crate::tx::session_rows::put_session;
use crate::tx::{T, TxResult, View, abort, sled_err, tx_put_json};
use crate::users::{ott_key, put_user};

/// Every tree but the counters (which are not exported).
const IMPORT_TREES: [T; 34] = [
    T::Users,
    T::UserAuth,
    T::IdxEmail,
    T::IdxHandle,
    T::IdxExternal,
    T::Sessions,
    T::SessAuth,
    T::UserSessions,
    T::Refresh,
    T::Ott,
    T::UserOtt,
    T::Agents,
    T::IdxSlug,
    T::OwnerAgents,
    T::Drafts,
    T::Versions,
    T::Stats,
    T::Listing,
    T::CatFilter,
    T::Sort,
    T::Search,
    T::SearchRanked,
    T::Facets,
    T::Installs,
    T::UserInstalls,
    T::Reviews,
    T::RatingByUser,
    T::ReviewsNewest,
    T::ReviewsStars,
    T::UsageDays,
    T::UsageUsers,
    T::Audit,
    T::AuditSubject,
    T::RetiredHandles,
];

fn day_from_key(k: &[u8]) -> StorageResult<NaiveDate> {
    let bytes: [u8; 8] = k.get(16..24).and_then(|s| s.try_into().ok()).ok_or_else(|| corrupt("usage key"))?;
    let days = (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64;
    i32::try_from(days).ok().and_then(NaiveDate::from_num_days_from_ce_opt).ok_or_else(|| corrupt("usage day"))
}

/// The primary tree of a kind and the key of a record in it.
fn primary(record: &ExportRecord) -> (T, Vec<u8>) {
    match record {
        ExportRecord::User(u) => (T::Users, u.id.to_bytes().to_vec()),
        ExportRecord::RetiredHandle(r) => (T::RetiredHandles, r.handle.as_bytes().to_vec()),
        ExportRecord::Session(s) => (T::Sessions, s.id.to_bytes().to_vec()),
        ExportRecord::RefreshToken(r) => (T::Refresh, r.hash.0.to_vec()),
        ExportRecord::OneTimeToken(t) => (T::Ott, t.hash.0.to_vec()),
        ExportRecord::Agent(a) => (T::Agents, a.agent.id.to_bytes().to_vec()),
        ExportRecord::Draft(d) => (T::Drafts, d.agent_id.to_bytes().to_vec()),
        ExportRecord::Version(v) => (T::Versions, version_key(v.agent_id, &v.version)),
        ExportRecord::Install(i) => (T::Installs, key(&[&i.user_id.to_bytes(), &i.agent_id.to_bytes()])),
        ExportRecord::Review(r) => (T::Reviews, r.id.to_bytes().to_vec()),
        ExportRecord::UsageDay(u) => (T::UsageDays, day_key(&u.agent_id.to_bytes(), u.usage.date)),
        ExportRecord::UsageUser(u) => {
            (T::UsageUsers, key(&[&day_key(&u.agent_id.to_bytes(), u.date), &u.user_id.to_bytes()]))
        }
        ExportRecord::Audit(a) => (T::Audit, a.id.to_bytes().to_vec()),
    }
}

fn tree_of(kind: ExportKind) -> T {
    match kind {
        ExportKind::User => T::Users,
        ExportKind::RetiredHandle => T::RetiredHandles,
        ExportKind::Session => T::Sessions,
        ExportKind::RefreshToken => T::Refresh,
        ExportKind::OneTimeToken => T::Ott,
        ExportKind::Agent => T::Agents,
        ExportKind::Draft => T::Drafts,
        ExportKind::Version => T::Versions,
        ExportKind::Install => T::Installs,
        ExportKind::Review => T::Reviews,
        ExportKind::UsageDay => T::UsageDays,
        ExportKind::UsageUser => T::UsageUsers,
        ExportKind::Audit => T::Audit,
    }
}

impl SledStore {
    fn decode_export(&self, kind: ExportKind, k: &[u8], v: &[u8]) -> StorageResult<ExportRecord> {
        Ok(match kind {
            ExportKind::User => ExportRecord::User(dec(v)?),
            ExportKind::RetiredHandle => ExportRecord::RetiredHandle(dec(v)?),
            ExportKind::Session => ExportRecord::Session(dec(v)?),
            ExportKind::RefreshToken => ExportRecord::RefreshToken(RefreshTokenRecord {
                hash: TokenHash(k.try_into().map_err(|_| corrupt("refresh key"))?),
                session_id: SessionId::from_bytes(id16(v, 0)?),
                current: v.get(16) == Some(&CURRENT),
            }),
            ExportKind::OneTimeToken => ExportRecord::OneTimeToken(dec(v)?),
            ExportKind::Agent => ExportRecord::Agent(AgentRecord {
                agent: dec(v)?,
                stats: dec_stats(self.tree(T::Stats).get(k).map_err(sled_err)?.as_deref())?,
            }),
            ExportKind::Draft => ExportRecord::Draft(dec(v)?),
            ExportKind::Version => ExportRecord::Version(dec(v)?),
            ExportKind::Install => ExportRecord::Install(dec(v)?),
            ExportKind::Review => ExportRecord::Review(dec(v)?),
            ExportKind::UsageDay => {
                let [events, units, users] = dec_day(v)?;
                ExportRecord::UsageDay(UsageDayRecord {
                    agent_id: AgentId::from_bytes(id16(k, 0)?),
                    usage: DailyUsage { date: day_from_key(k)?, events, units, users },
                })
            }
            ExportKind::UsageUser => ExportRecord::UsageUser(UsageUserRecord {
                agent_id: AgentId::from_bytes(id16(k, 0)?),
                date: day_from_key(k)?,
                user_id: UserId::from_bytes(id16(k, 24)?),
            }),
            ExportKind::Audit => ExportRecord::Audit(dec(v)?),
        })
    }
}

fn exists() -> ConflictKind {
    ConflictKind::Other("record already exists".into())
}

/// Inserts `k → val` into the tree, aborting with `conflict` when the key is taken.
fn insert_new(v: &View<'_>, tree: T, k: &[u8], val: &[u8], conflict: ConflictKind) -> TxResult<()> {
    if v.t(tree)?.insert(k, val)?.is_some() {
        return Err(abort(StorageError::Conflict(conflict)));
    }
    Ok(())
}

fn import_one(v: &View<'_>, record: &ExportRecord) -> TxResult<()> {
    let (tree, k) = primary(record);
    if v.t(tree)?.get(&k)?.is_some() {
        return Err(abort(StorageError::Conflict(match record {
            ExportRecord::Version(_) => ConflictKind::Version,
            _ => exists(),
        })));
    }
    match record {
        ExportRecord::User(u) => {
            let id = u.id.to_bytes();
            if let Some(email) = &u.email {
                insert_new(v, T::IdxEmail, email.key().as_bytes(), &id, ConflictKind::Email)?;
            }
            insert_new(v, T::IdxHandle, u.handle.as_bytes(), &id, ConflictKind::Handle)?;
            if let Some(ext) = &u.external_id {
                insert_new(v, T::IdxExternal, ext.as_bytes(), &id, ConflictKind::ExternalId)?;
            }
            put_user(v, u)?;
        }
        ExportRecord::RetiredHandle(r) => tx_put_json(v.t(T::RetiredHandles)?, r.handle.as_bytes(), r)?,
        ExportRecord::Session(s) => put_session(v, s)?,
        ExportRecord::RefreshToken(r) => {
            let state = if r.current { CURRENT } else { SUPERSEDED };
            v.t(T::Refresh)?.insert(&r.hash.0, key(&[&r.session_id.to_bytes(), &[state]]))?;
        }
        ExportRecord::OneTimeToken(t) => {
            tx_put_json(v.t(T::Ott)?, &t.hash.0, t)?;
            v.t(T::UserOtt)?.insert(ott_key(t.user_id, t.kind, &t.hash), &[])?;
        }
        ExportRecord::Agent(AgentRecord { agent, stats }) => {
            let id = agent.id.to_bytes();
            let owner = agent.owner_id.to_bytes();
            insert_new(v, T::IdxSlug, &key(&[&owner, agent.slug.as_bytes()]), &id, ConflictKind::Slug)?;
            v.t(T::OwnerAgents)?.insert(key(&[&owner, &id]), &[])?;
            tx_put_json(v.t(T::Agents)?, &id, agent)?;
            v.t(T::Stats)?.insert(&id, &enc_stats(stats)[..])?;
        }
        ExportRecord::Draft(d) => tx_put_json(v.t(T::Drafts)?, &d.agent_id.to_bytes(), d)?,
        ExportRecord::Version(ver) => {
            tx_put_json(v.t(T::Versions)?, &k, ver)?;
            let agent: Option<agentmart_core::model::Agent> =
                crate::tx::tx_get_json(v.t(T::Agents)?, &ver.agent_id.to_bytes())?;
            let agent = agent.ok_or_else(|| abort(StorageError::NotFound))?;
            let is_latest = agent.latest_version.as_ref() == Some(&ver.version);
            if is_latest && agent.status.is_public_listing() && agent.status != AgentStatus::Deleted {
                catalog_insert_tx(v, &agent, &ver.definition)?;
            }
        }
        ExportRecord::Install(i) => {
            tx_put_json(v.t(T::Installs)?, &k, i)?;
            v.t(T::UserInstalls)?.insert(user_install_key(i.user_id, i.installed_at, i.agent_id), &[])?;
        }
        ExportRecord::Review(r) => {
            let rk = agentmart_core::storage::ReviewKey::of(r);
            let by_user = key(&[&r.user_id.to_bytes(), &r.agent_id.to_bytes()]);
            insert_new(v, T::RatingByUser, &by_user, &r.id.to_bytes(), exists())?;
            tx_put_json(v.t(T::Reviews)?, &k, r)?;
            v.t(T::ReviewsNewest)?.insert(review_newest_key(&rk, r.agent_id), &[])?;
            v.t(T::ReviewsStars)?.insert(review_stars_key(&rk, r.agent_id), &[])?;
        }
        ExportRecord::UsageDay(u) => {
            let mut val = [0u8; 24];
            for (i, x) in [u.usage.events, u.usage.units, u.usage.users].iter().enumerate() {
                val[i * 8..i * 8 + 8].copy_from_slice(&x.to_be_bytes());
            }
            v.t(T::UsageDays)?.insert(k.as_slice(), &val)?;
        }
        ExportRecord::UsageUser(_) => {
            v.t(T::UsageUsers)?.insert(k.as_slice(), &[])?;
        }
        ExportRecord::Audit(a) => v.audit(a)?,
    }
    Ok(())
}

#[async_trait]
impl ExportStore for SledStore {
    async fn export_page(
        &self,
        kind: ExportKind,
        after: Option<&ExportRecord>,
        limit: u32,
    ) -> StorageResult<Vec<ExportRecord>> {
        let start = match after {
            None => Bound::Unbounded,
            Some(r) if r.kind() == kind => Bound::Excluded(primary(r).1),
            Some(_) => {
                return Err(StorageError::Conflict(ConflictKind::Other("export cursor of another kind".into())));
            }
        };
        self.tree(tree_of(kind))
            .range::<Vec<u8>, _>((start, Bound::Unbounded))
            .take(limit as usize)
            .map(|item| {
                let (k, v) = item.map_err(sled_err)?;
                self.decode_export(kind, &k, &v)
            })
            .collect()
    }

    async fn is_empty_store(&self) -> StorageResult<bool> {
        for tree in [T::Users, T::Agents, T::Audit] {
            if !self.tree(tree).is_empty() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn import_batch(&self, records: &[ExportRecord]) -> StorageResult<()> {
        self.tx(&IMPORT_TREES, |v| {
            for record in records {
                import_one(v, record)?;
            }
            Ok(())
        })
        .await
    }
}
