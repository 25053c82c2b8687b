//! [`CatalogStore`], [`InstallStore`], [`RatingStore`] and [`UsageStore`] for [`MemoryStore`]: the marketplace.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::{MemoryStore, conflict, matches_filters, relevance, review_order};
use crate::ids::{AgentId, ReviewId, UserId};
use crate::model::{AuditRecord, CatalogEntry, DailyUsage, Install, Review, UsageEvent};
use crate::ranking::{compare_keys, log2_add, sort_key};
use crate::storage::{
    CatalogPage, CatalogQuery, CatalogStore, ConflictKind, InstallOutcome, InstallStore, RatingOutcome, RatingStore,
    ReviewKey, ReviewSort, StorageError, StorageResult, UsageStore,
};

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn list_catalog(&self, query: &CatalogQuery) -> StorageResult<CatalogPage> {
        let st = self.lock();
        let mut rows = Vec::new();
        for id in st.agents.keys() {
            let Some(entry) = st.catalog_entry(*id) else { continue };
            if !entry.agent.status.is_public_listing() || !matches_filters(&entry, query) {
                continue;
            }
            let Some(score) = relevance(&entry.definition, &query.terms) else { continue };
            let key = sort_key(&entry, query.sort, score);
            if query.after.as_ref().is_some_and(|after| compare_keys(&key, after) != std::cmp::Ordering::Greater) {
                continue;
            }
            rows.push((entry, key));
        }
        rows.sort_by(|a, b| compare_keys(&a.1, &b.1));
        let limit = query.limit as usize;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        Ok(CatalogPage { entries: rows, has_more })
    }

    async fn get_catalog_entry(&self, id: AgentId) -> StorageResult<Option<CatalogEntry>> {
        Ok(self.lock().catalog_entry(id))
    }
}

#[async_trait]
impl InstallStore for MemoryStore {
    async fn install(
        &self,
        user: UserId,
        agent: AgentId,
        pinned_version: Option<&semver::Version>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StorageResult<InstallOutcome> {
        let mut st = self.lock();
        if let Some(existing) = st.installs.get_mut(&(user, agent)) {
            if existing.pinned_version.as_ref() == pinned_version {
                return Ok(InstallOutcome { created: false, install: existing.clone() });
            }
            existing.pinned_version = pinned_version.cloned();
            existing.updated_at = now;
            let install = existing.clone();
            st.write_audit(audit);
            return Ok(InstallOutcome { created: false, install });
        }
        let install = Install {
            user_id: user,
            agent_id: agent,
            pinned_version: pinned_version.cloned(),
            installed_at: now,
            updated_at: now,
        };
        st.installs.insert((user, agent), install.clone());
        st.stats_mut(agent).install_count += 1;
        st.write_audit(audit);
        Ok(InstallOutcome { created: true, install })
    }

    async fn uninstall(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        let mut st = self.lock();
        let removed = st.remove_install(user, agent);
        if removed {
            st.write_audit(audit);
        }
        Ok(removed)
    }

    async fn get_install(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Install>> {
        Ok(self.lock().installs.get(&(user, agent)).cloned())
    }

    async fn list_user_installs(
        &self,
        user: UserId,
        after: Option<(DateTime<Utc>, AgentId)>,
        limit: u32,
    ) -> StorageResult<Vec<Install>> {
        let st = self.lock();
        let order = |a: &(DateTime<Utc>, AgentId), b: &(DateTime<Utc>, AgentId)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        let mut out: Vec<Install> = st
            .installs
            .range((user, AgentId(uuid::Uuid::nil()))..=(user, AgentId(uuid::Uuid::max())))
            .map(|(_, i)| i)
            .filter(|i| {
                after.as_ref().is_none_or(|a| order(&(i.installed_at, i.agent_id), a) == std::cmp::Ordering::Greater)
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| order(&(a.installed_at, a.agent_id), &(b.installed_at, b.agent_id)));
        out.truncate(limit as usize + 1);
        Ok(out)
    }
}

#[async_trait]
impl RatingStore for MemoryStore {
    async fn upsert_rating(&self, review: &Review, audit: &AuditRecord) -> StorageResult<RatingOutcome> {
        let mut st = self.lock();
        let key = (review.user_id, review.agent_id);
        let (created, stored) = match st.ratings.get(&key).copied() {
            Some(existing_id) => {
                let existing = st.reviews.get(&existing_id).cloned().ok_or(StorageError::NotFound)?;
                st.remove_rating(review.agent_id, existing.stars);
                let stored = Review { id: existing.id, created_at: existing.created_at, ..review.clone() };
                (false, stored)
            }
            None => {
                if st.reviews.contains_key(&review.id) {
                    return Err(conflict(ConflictKind::Other("review id already exists".into())));
                }
                (true, review.clone())
            }
        };
        st.add_rating(stored.agent_id, stored.stars);
        st.ratings.insert(key, stored.id);
        st.reviews.insert(stored.id, stored.clone());
        st.write_audit(audit);
        Ok(RatingOutcome { created, review: stored })
    }

    async fn delete_rating(&self, user: UserId, agent: AgentId, audit: &AuditRecord) -> StorageResult<bool> {
        let mut st = self.lock();
        let Some(id) = st.ratings.get(&(user, agent)).copied() else { return Ok(false) };
        let removed = st.remove_review(id);
        if removed {
            st.write_audit(audit);
        }
        Ok(removed)
    }

    async fn delete_review(&self, id: ReviewId, audit: &AuditRecord) -> StorageResult<bool> {
        let mut st = self.lock();
        let removed = st.remove_review(id);
        if removed {
            st.write_audit(audit);
        }
        Ok(removed)
    }

    async fn get_rating(&self, user: UserId, agent: AgentId) -> StorageResult<Option<Review>> {
        let st = self.lock();
        Ok(st.ratings.get(&(user, agent)).and_then(|id| st.reviews.get(id)).cloned())
    }

    async fn get_review(&self, id: ReviewId) -> StorageResult<Option<Review>> {
        Ok(self.lock().reviews.get(&id).cloned())
    }

    async fn list_reviews(
        &self,
        agent: AgentId,
        sort: ReviewSort,
        after: Option<ReviewKey>,
        limit: u32,
    ) -> StorageResult<Vec<Review>> {
        let st = self.lock();
        let mut out: Vec<Review> = st
            .reviews
            .values()
            .filter(|r| r.agent_id == agent)
            .filter(|r| {
                after.as_ref().is_none_or(|a| review_order(sort, &ReviewKey::of(r), a) == std::cmp::Ordering::Greater)
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| review_order(sort, &ReviewKey::of(a), &ReviewKey::of(b)));
        out.truncate(limit as usize + 1);
        Ok(out)
    }
}

#[async_trait]
impl UsageStore for MemoryStore {
    async fn record_usage(&self, event: &UsageEvent, trending_increment: f64) -> StorageResult<()> {
        let mut st = self.lock();
        let date = event.occurred_at.date_naive();
        let new_user = st.usage_users.insert((event.agent_id, date, event.user_id));
        let day = st.usage.entry((event.agent_id, date)).or_insert(DailyUsage { date, events: 0, units: 0, users: 0 });
        day.events += 1;
        day.units = day.units.saturating_add(event.units);
        if new_user {
            day.users += 1;
        }
        let stats = st.stats_mut(event.agent_id);
        stats.usage_events += 1;
        stats.trending = log2_add(stats.trending, trending_increment);
        Ok(())
    }

    async fn usage_by_day(&self, agent: AgentId, from: NaiveDate, to: NaiveDate) -> StorageResult<Vec<DailyUsage>> {
        if from > to {
            return Ok(Vec::new());
        }
        Ok(self.lock().usage.range((agent, from)..=(agent, to)).map(|(_, d)| *d).collect())
    }
}
