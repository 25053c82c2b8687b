//! The audit log.

use agentmart_core::ids::AuditId;
use agentmart_core::model::{AuditFilter, AuditRecord};
use agentmart_core::storage::{AuditStore, StorageResult};
use async_trait::async_trait;

use crate::SledStore;
use crate::codec::{dec, key, tail16};
use crate::tx::{AUDIT_TREES, T, sled_err};

fn audit_matches(r: &AuditRecord, f: &AuditFilter) -> bool {
    f.actor.is_none_or(|a| r.actor == Some(a))
        && f.subject.is_none_or(|s| r.subject == Some(s))
        && f.action.as_ref().is_none_or(|a| &r.action == a)
        && f.target.as_ref().is_none_or(|t| r.target.as_ref() == Some(t))
        && f.from.is_none_or(|from| r.at >= from)
        && f.to.is_none_or(|to| r.at < to)
}

#[async_trait]
impl AuditStore for SledStore {
    async fn append_audit(&self, record: &AuditRecord) -> StorageResult<()> {
        self.tx(&AUDIT_TREES, |v| v.audit(record))
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        before: Option<AuditId>,
        limit: u32,
    ) -> StorageResult<Vec<AuditRecord>> {
        let want = limit as usize + 1;
        let mut out = Vec::new();
        if let Some(subject) = filter.subject {
            let prefix = subject.to_bytes();
            let end = match before {
                Some(b) => key(&[&prefix, &b.to_bytes()]),
                None => key(&[&prefix, &[0xFF; 17]]),
            };
            for item in self.tree(T::AuditSubject).range(prefix.to_vec()..end).rev() {
                let (k, _) = item.map_err(sled_err)?;
                let id = tail16(&k)?;
                if let Some(r) = self.get_json::<AuditRecord>(T::Audit, &id)?
                    && audit_matches(&r, filter)
                {
                    out.push(r);
                    if out.len() == want {
                        break;
                    }
                }
            }
        } else {
            let iter = match before {
                Some(b) => self.tree(T::Audit).range(..b.to_bytes().to_vec()),
                None => self.tree(T::Audit).range::<Vec<u8>, _>(..),
            };
            for item in iter.rev() {
                let (_, val) = item.map_err(sled_err)?;
                let r: AuditRecord = dec(&val)?;
                if audit_matches(&r, filter) {
                    out.push(r);
                    if out.len() == want {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }
}
