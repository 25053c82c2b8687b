use async_trait::async_trait;

use super::StorageResult;
use crate::ids::AuditId;
use crate::model::{AuditFilter, AuditRecord};

/// The audit trail. Records are written by the other traits' methods in the
/// same transaction as the change; `append_audit` is for events with no other
/// state change.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends one record on its own.
    async fn append_audit(&self, record: &AuditRecord) -> StorageResult<()>;

    /// Records matching the filter, newest first (id descending), strictly
    /// older than `before` when given, at most `limit + 1` so the caller can
    /// tell whether more follow.
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        before: Option<AuditId>,
        limit: u32,
    ) -> StorageResult<Vec<AuditRecord>>;
}
