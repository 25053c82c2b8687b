//! [`ExportStore`] of the memory store.

use std::collections::BTreeMap;
use std::ops::Bound;

use async_trait::async_trait;

use super::{MemoryStore, RefreshToken, State, conflict};
use crate::storage::{
    AgentRecord, ConflictKind, ExportKind, ExportRecord, ExportStore, RefreshTokenRecord, StorageError, StorageResult,
    UsageDayRecord, UsageUserRecord,
};

/// The page of `map` strictly after `after`, at most `limit` values.
fn page<K: Ord + Clone, V>(
    map: &BTreeMap<K, V>,
    after: Option<K>,
    limit: usize,
    to_record: impl Fn(&K, &V) -> ExportRecord,
) -> Vec<ExportRecord> {
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    map.range((start, Bound::Unbounded)).take(limit).map(|(k, v)| to_record(k, v)).collect()
}

/// The same for a key set that is not ordered in the state (hash maps):
/// sorted once per page (the memory store holds everything anyway).
fn sorted_page<K: Ord + Clone, V: Clone>(
    items: impl Iterator<Item = (K, V)>,
    after: Option<K>,
    limit: usize,
    to_record: impl Fn(&K, &V) -> ExportRecord,
) -> Vec<ExportRecord> {
    let map: BTreeMap<K, V> = items.filter(|(k, _)| after.as_ref().is_none_or(|a| k > a)).collect();
    page(&map, None, limit, to_record)
}

fn wrong_cursor() -> StorageError {
    conflict(ConflictKind::Other("export cursor of another kind".into()))
}

impl State {
    fn export_page(
        &self,
        kind: ExportKind,
        after: Option<&ExportRecord>,
        limit: usize,
    ) -> StorageResult<Vec<ExportRecord>> {
        macro_rules! key {
            ($variant:ident, $r:ident => $key:expr) => {
                match after {
                    None => None,
                    Some(ExportRecord::$variant($r)) => Some($key),
                    Some(_) => return Err(wrong_cursor()),
                }
            };
        }
        Ok(match kind {
            ExportKind::User => page(&self.users, key!(User, r => r.id), limit, |_, v| ExportRecord::User(v.clone())),
            ExportKind::RetiredHandle => {
                page(&self.retired, key!(RetiredHandle, r => r.handle.clone()), limit, |_, v| {
                    ExportRecord::RetiredHandle(v.clone())
                })
            }
            ExportKind::Session => {
                page(&self.sessions, key!(Session, r => r.id), limit, |_, v| ExportRecord::Session(v.clone()))
            }
            ExportKind::RefreshToken => sorted_page(
                self.refresh.iter().map(|(k, v)| (*k, *v)),
                key!(RefreshToken, r => r.hash),
                limit,
                |k, v| {
                    ExportRecord::RefreshToken(RefreshTokenRecord {
                        hash: *k,
                        session_id: v.session,
                        current: !v.superseded,
                    })
                },
            ),
            ExportKind::OneTimeToken => sorted_page(
                self.one_time.iter().map(|(k, v)| (*k, v.clone())),
                key!(OneTimeToken, r => r.hash),
                limit,
                |_, v| ExportRecord::OneTimeToken(v.clone()),
            ),
            ExportKind::Agent => page(&self.agents, key!(Agent, r => r.agent.id), limit, |k, v| {
                ExportRecord::Agent(AgentRecord {
                    agent: v.clone(),
                    stats: self.stats.get(k).copied().unwrap_or_default(),
                })
            }),
            ExportKind::Draft => sorted_page(
                self.drafts.iter().map(|(k, v)| (*k, v.clone())),
                key!(Draft, r => r.agent_id),
                limit,
                |_, v| ExportRecord::Draft(v.clone()),
            ),
            ExportKind::Version => sorted_page(
                self.versions.iter().flat_map(|(a, vs)| vs.iter().map(|(n, v)| ((*a, n.clone()), v.clone()))),
                key!(Version, r => (r.agent_id, r.version.clone())),
                limit,
                |_, v| ExportRecord::Version(v.clone()),
            ),
            ExportKind::Install => page(&self.installs, key!(Install, r => (r.user_id, r.agent_id)), limit, |_, v| {
                ExportRecord::Install(v.clone())
            }),
            ExportKind::Review => {
                page(&self.reviews, key!(Review, r => r.id), limit, |_, v| ExportRecord::Review(v.clone()))
            }
            ExportKind::UsageDay => {
                page(&self.usage, key!(UsageDay, r => (r.agent_id, r.usage.date)), limit, |k, v| {
                    ExportRecord::UsageDay(UsageDayRecord { agent_id: k.0, usage: *v })
                })
            }
            ExportKind::UsageUser => {
                let start =
                    key!(UsageUser, r => (r.agent_id, r.date, r.user_id)).map_or(Bound::Unbounded, Bound::Excluded);
                self.usage_users
                    .range((start, Bound::Unbounded))
                    .take(limit)
                    .map(|&(agent_id, date, user_id)| {
                        ExportRecord::UsageUser(UsageUserRecord { agent_id, date, user_id })
                    })
                    .collect()
            }
            ExportKind::Audit => {
                page(&self.audit, key!(Audit, r => r.id), limit, |_, v| ExportRecord::Audit(v.clone()))
            }
        })
    }

    fn import_one(&mut self, record: &ExportRecord) -> StorageResult<()> {
        let taken = || Err(conflict(ConflictKind::Other("record already exists".into())));
        match record {
            ExportRecord::User(user) => {
                if self.users.contains_key(&user.id) {
                    return taken();
                }
                if let Some(email) = &user.email
                    && self.users.values().any(|u| u.email.as_ref().is_some_and(|e| e.key() == email.key()))
                {
                    return Err(conflict(ConflictKind::Email));
                }
                if self.users.values().any(|u| u.handle == user.handle) {
                    return Err(conflict(ConflictKind::Handle));
                }
                if user.external_id.is_some() && self.users.values().any(|u| u.external_id == user.external_id) {
                    return Err(conflict(ConflictKind::ExternalId));
                }
                self.users.insert(user.id, user.clone());
            }
            ExportRecord::RetiredHandle(r) => {
                if self.retired.insert(r.handle.clone(), r.clone()).is_some() {
                    return taken();
                }
            }
            ExportRecord::Session(s) => {
                if self.sessions.insert(s.id, s.clone()).is_some() {
                    return taken();
                }
            }
            ExportRecord::RefreshToken(r) => {
                let token = RefreshToken { session: r.session_id, superseded: !r.current };
                if self.refresh.insert(r.hash, token).is_some() {
                    return taken();
                }
            }
            ExportRecord::OneTimeToken(t) => {
                if self.one_time.insert(t.hash, t.clone()).is_some() {
                    return taken();
                }
            }
            ExportRecord::Agent(a) => {
                let slug_taken = self.agents.values().any(|x| x.owner_id == a.agent.owner_id && x.slug == a.agent.slug);
                if self.agents.contains_key(&a.agent.id) {
                    return taken();
                }
                if slug_taken {
                    return Err(conflict(ConflictKind::Slug));
                }
                self.agents.insert(a.agent.id, a.agent.clone());
                self.stats.insert(a.agent.id, a.stats);
            }
            ExportRecord::Draft(d) => {
                if self.drafts.insert(d.agent_id, d.clone()).is_some() {
                    return taken();
                }
            }
            ExportRecord::Version(v) => {
                let versions = self.versions.entry(v.agent_id).or_default();
                if versions.insert(v.version.clone(), v.clone()).is_some() {
                    return Err(conflict(ConflictKind::Version));
                }
            }
            ExportRecord::Install(i) => {
                if self.installs.insert((i.user_id, i.agent_id), i.clone()).is_some() {
                    return taken();
                }
            }
            ExportRecord::Review(r) => {
                if self.reviews.contains_key(&r.id) || self.ratings.contains_key(&(r.user_id, r.agent_id)) {
                    return taken();
                }
                self.reviews.insert(r.id, r.clone());
                self.ratings.insert((r.user_id, r.agent_id), r.id);
            }
            ExportRecord::UsageDay(u) => {
                if self.usage.insert((u.agent_id, u.usage.date), u.usage).is_some() {
                    return taken();
                }
            }
            ExportRecord::UsageUser(u) => {
                if !self.usage_users.insert((u.agent_id, u.date, u.user_id)) {
                    return taken();
                }
            }
            ExportRecord::Audit(a) => {
                if self.audit.insert(a.id, a.clone()).is_some() {
                    return taken();
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl ExportStore for MemoryStore {
    async fn export_page(
        &self,
        kind: ExportKind,
        after: Option<&ExportRecord>,
        limit: u32,
    ) -> StorageResult<Vec<ExportRecord>> {
        self.lock().export_page(kind, after, limit as usize)
    }

    async fn is_empty_store(&self) -> StorageResult<bool> {
        let st = self.lock();
        Ok(st.users.is_empty() && st.agents.is_empty() && st.audit.is_empty())
    }

    async fn import_batch(&self, records: &[ExportRecord]) -> StorageResult<()> {
        let mut st = self.lock();
        // All or none: apply to a copy and swap it in (the memory store is for tests; a copy per batch is fine).
        let mut next = st.clone();
        for record in records {
            next.import_one(record)?;
        }
        *st = next;
        Ok(())
    }
}
