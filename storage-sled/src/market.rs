//! Installs, ratings and usage (their rows move through `tx::market_rows`).

use agentmart_core::ids::{AgentId, ReviewId, UserId};
use agentmart_core::model::{AuditRecord, DailyUsage, Install, Review, UsageEvent};
use agentmart_core::storage::{
    CatalogSort, ConflictKind, InstallOutcome, InstallStore, RatingOutcome, RatingStore, ReviewKey, ReviewSort,
    StorageError, StorageResult, UsageStore,
};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::SledStore;
use crate::codec::{corrupt, id16, key};
use crate::tx::catalog_rows::{put_stats_tx, stats_tx};
use crate::tx::market_rows::{
    INSTALL_TREES, RATING_TREES, put_rating_tx, remove_install_tx, remove_rating_tx, review_newest_key,
    review_stars_key, user_install_key,
};
use crate::tx::{AUDIT_TREES, T, abort, sled_err, tx_get_json, tx_put_json, union};

#[async_trait]
impl InstallStore for SledStore {
    async fn install(
        &self,
        user: UserId,
        agent: AgentId,
        pinned_version: Option<&semver::Version>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<InstallOutcome> {
        let guard = self.user_lock(user);
        let committed = self.tx(&union(&[&INSTALL_TREES, &AUDIT_TREES]), |v| {
            let k = key(&[&user.to_bytes(), &agent.to_bytes()]);
            let pinned = pinned_version.cloned();
            if let Some(mut install) = tx_get_json::<Install>(v.t(T::Installs)?, &k)? {
                if install.pinned_version != pinned {
                    install.pinned_version = pinned;
                    install.updated_at = now;
                    tx_put_json(v.t(T::Installs)?, &k, &install)?;
                    v.audit(audit)?;
                }
                return Ok(InstallOutcome { created: false, install });
            }
            let install =
                Install { user_id: user, agent_id: agent, pinned_version: pinned, installed_at: now, updated_at: now };
            tx_put_json(v.t(T::Installs)?, &k, &install)?;
            v.t(T::UserInstalls)?.insert(user_install_key(user, now, agent), &[])?;
            let old = stats_tx(v, &agent.to_bytes())?;
            let mut new = old;
            new.install_count += 1;
            put_stats_tx(v, agent, &old, &new, &[CatalogSort::Popular])?;
            v.audit(audit)?;
            Ok(InstallOutcome { created: true, install })
        });
        drop(guard);
        committed.await
    }

    async fn uninstall(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        self.tx(&union(&[&INSTALL_TREES, &AUDIT_TREES]), |v| {
            let removed = remove_install_tx(v, user, agent)?;
            if removed {
                v.audit(audit)?;
            }
            Ok(removed)
        })
        .await
    }

    async fn get_install(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Install>> {
        self.get_json(T::Installs, &key(&[&user.to_bytes(), &agent.to_bytes()]))
    }

    async fn list_user_installs(
        &self,
        user: UserId,
        after: Option<(DateTime<Utc>, AgentId)>,
        limit: u32,
    ) -> StorageResult<Vec<Install>> {
        let prefix = user.to_bytes();
        let start = match after {
            // Strictly after: the successor of the cursor key.
            Some((at, agent)) => key(&[&user_install_key(user, at, agent), &[0]]),
            None => prefix.to_vec(),
        };
        let end = key(&[&prefix, &[0xFF; 25]]);
        let mut out = Vec::new();
        for item in self.tree(T::UserInstalls).range(start..end) {
            let (k, _) = item.map_err(sled_err)?;
            let agent = id16(&k, 24)?;
            if let Some(install) = self.get_json::<Install>(T::Installs, &key(&[&prefix, &agent]))? {
                out.push(install);
                if out.len() > limit as usize {
                    break;
                }
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl RatingStore for SledStore {
    async fn upsert_rating(&self, review: &Review, audit: &AuditRecord) -> StorageResult<RatingOutcome> {
        let guard = self.user_lock(review.user_id);
        let committed = self.tx(&union(&[&RATING_TREES, &AUDIT_TREES]), |v| {
            let by_user = key(&[&review.user_id.to_bytes(), &review.agent_id.to_bytes()]);
            let existing = match v.t(T::RatingByUser)?.get(&by_user)? {
                Some(rid) => tx_get_json::<Review>(v.t(T::Reviews)?, &rid)?,
                None => None,
            };
            let (created, stored) = match existing {
                Some(old) => {
                    remove_rating_tx(v, &old)?;
                    let mut new = review.clone();
                    new.id = old.id;
                    new.created_at = old.created_at;
                    (false, new)
                }
                None => {
                    if v.t(T::Reviews)?.get(review.id.to_bytes())?.is_some() {
                        return Err(abort(StorageError::Conflict(ConflictKind::Other(
                            "review id already exists".into(),
                        ))));
                    }
                    (true, review.clone())
                }
            };
            put_rating_tx(v, &stored)?;
            v.audit(audit)?;
            Ok(RatingOutcome { created, review: stored })
        });
        drop(guard);
        committed.await
    }

    async fn delete_rating(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        self.tx(&union(&[&RATING_TREES, &AUDIT_TREES]), |v| {
            let Some(rid) = v.t(T::RatingByUser)?.get(key(&[&user.to_bytes(), &agent.to_bytes()]))? else {
                return Ok(false);
            };
            let Some(review) = tx_get_json::<Review>(v.t(T::Reviews)?, &rid)? else { return Ok(false) };
            remove_rating_tx(v, &review)?;
            v.audit(audit)?;
            Ok(true)
        })
        .await
    }

    async fn delete_review(&self, id: ReviewId, audit: &AuditRecord) -> StorageResult<bool> {
        self.tx(&union(&[&RATING_TREES, &AUDIT_TREES]), |v| {
            let Some(review) = tx_get_json::<Review>(v.t(T::Reviews)?, &id.to_bytes())? else { return Ok(false) };
            remove_rating_tx(v, &review)?;
            v.audit(audit)?;
            Ok(true)
        })
        .await
    }

    async fn get_rating(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Review>> {
        match self.tree(T::RatingByUser).get(key(&[&user.to_bytes(), &agent.to_bytes()])).map_err(sled_err)? {
            Some(rid) => self.get_json(T::Reviews, &rid),
            None => Ok(None),
        }
    }

    async fn get_review(&self, id: ReviewId) -> StorageResult<Option<Review>> {
        self.get_json(T::Reviews, &id.to_bytes())
    }

    async fn list_reviews(
        &self,
        agent: AgentId,
        sort: ReviewSort,
        after: Option<ReviewKey>,
        limit: u32,
    ) -> StorageResult<Vec<Review>> {
        let (tree, id_at) = match sort {
            ReviewSort::Newest => (T::ReviewsNewest, 24),
            ReviewSort::Stars => (T::ReviewsStars, 25),
        };
        let prefix = agent.to_bytes();
        let start = match after {
            Some(rk) => {
                let k = match sort {
                    ReviewSort::Newest => review_newest_key(&rk, agent),
                    ReviewSort::Stars => review_stars_key(&rk, agent),
                };
                key(&[&k, &[0]])
            }
            None => prefix.to_vec(),
        };
        let end = key(&[&prefix, &[0xFF; 26]]);
        let mut out = Vec::new();
        for item in self.tree(tree).range(start..end) {
            let (k, _) = item.map_err(sled_err)?;
            if let Some(r) = self.get_json::<Review>(T::Reviews, &id16(&k, id_at)?)? {
                out.push(r);
                if out.len() > limit as usize {
                    break;
                }
            }
        }
        Ok(out)
    }
}

pub(crate) fn day_key(agent: &[u8; 16], date: NaiveDate) -> Vec<u8> {
    key(&[agent, &crate::codec::i64_asc(i64::from(date.num_days_from_ce()))])
}

pub(crate) fn dec_day(b: &[u8]) -> StorageResult<[u64; 3]> {
    if b.len() != 24 {
        return Err(corrupt("usage"));
    }
    let mut out = [0u64; 3];
    for (i, o) in out.iter_mut().enumerate() {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[i * 8..i * 8 + 8]);
        *o = u64::from_be_bytes(a);
    }
    Ok(out)
}

#[async_trait]
impl UsageStore for SledStore {
    async fn record_usage(&self, event: &UsageEvent, trending_increment: f64) -> StorageResult<()> {
        let agent = event.agent_id.to_bytes();
        let date = event.occurred_at.date_naive();
        let dk = day_key(&agent, date);
        let uk = key(&[&dk, &event.user_id.to_bytes()]);
        self.tx(&[T::UsageDays, T::UsageUsers, T::Stats, T::Listing, T::Sort], |v| {
            let days = v.t(T::UsageDays)?;
            let mut day = match days.get(&dk)? {
                Some(b) => dec_day(&b).map_err(abort)?,
                None => [0; 3],
            };
            day[0] += 1;
            day[1] = day[1].saturating_add(event.units);
            let users = v.t(T::UsageUsers)?;
            if users.get(&uk)?.is_none() {
                users.insert(uk.as_slice(), &[])?;
                day[2] += 1;
            }
            let mut val = [0u8; 24];
            for (i, x) in day.iter().enumerate() {
                val[i * 8..i * 8 + 8].copy_from_slice(&x.to_be_bytes());
            }
            days.insert(dk.as_slice(), &val)?;
            let old = stats_tx(v, &agent)?;
            let mut new = old;
            new.usage_events += 1;
            new.trending = agentmart_core::ranking::log2_add(old.trending, trending_increment);
            put_stats_tx(v, event.agent_id, &old, &new, &[CatalogSort::Trending])
        })
        .await
    }

    async fn usage_by_day(&self, agent: AgentId, from: NaiveDate, to: NaiveDate) -> StorageResult<Vec<DailyUsage>> {
        let a = agent.to_bytes();
        let mut out = Vec::new();
        if from > to {
            return Ok(out);
        }
        for item in self.tree(T::UsageDays).range(day_key(&a, from)..=day_key(&a, to)) {
            let (k, val) = item.map_err(sled_err)?;
            let mut d = [0u8; 8];
            d.copy_from_slice(k.get(16..24).ok_or_else(|| corrupt("usage key"))?);
            let days = (u64::from_be_bytes(d) ^ (1 << 63)) as i64;
            let date = i32::try_from(days)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
                .ok_or_else(|| corrupt("usage key"))?;
            let [events, units, users] = dec_day(&val)?;
            out.push(DailyUsage { date, events, units, users });
        }
        Ok(out)
    }
}
