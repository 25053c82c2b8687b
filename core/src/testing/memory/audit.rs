//! [`AuditStore`] and [`StoreAdmin`] for [`MemoryStore`]: the audit log and housekeeping.

use async_trait::async_trait;

use super::MemoryStore;
use crate::ids::AuditId;
use crate::model::{AuditFilter, AuditRecord};
use crate::storage::{AuditStore, StorageResult, StoreAdmin};

#[async_trait]
impl AuditStore for MemoryStore {
    async fn append_audit(&self, record: &AuditRecord) -> StorageResult<()> {
        self.lock().write_audit(record);
        Ok(())
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        before: Option<AuditId>,
        limit: u32,
    ) -> StorageResult<Vec<AuditRecord>> {
        let st = self.lock();
        let upper = match before {
            Some(b) => std::ops::Bound::Excluded(b),
            None => std::ops::Bound::Unbounded,
        };
        Ok(st
            .audit
            .range((std::ops::Bound::Unbounded, upper))
            .rev()
            .map(|(_, r)| r)
            .filter(|r| {
                filter.actor.is_none_or(|a| r.actor == Some(a))
                    && filter.subject.is_none_or(|s| r.subject == Some(s))
                    && filter.action.as_ref().is_none_or(|a| &r.action == a)
                    && filter.target.as_ref().is_none_or(|t| r.target.as_ref() == Some(t))
                    && filter.from.is_none_or(|f| r.at >= f)
                    && filter.to.is_none_or(|t| r.at < t)
            })
            .take(limit as usize + 1)
            .cloned()
            .collect())
    }
}

#[async_trait]
impl StoreAdmin for MemoryStore {
    fn backend_name(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> StorageResult<()> {
        Ok(())
    }

    async fn flush(&self) -> StorageResult<()> {
        Ok(())
    }
}
