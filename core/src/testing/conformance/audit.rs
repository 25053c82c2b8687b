//! Cases for [`AuditStore`](crate::storage::AuditStore).

use std::sync::Arc;

use super::support::*;
use crate::ids::UserId;
use crate::model::{AuditFilter, AuditRecord};
use crate::storage::Store;

fn ids(records: &[AuditRecord]) -> Vec<crate::ids::AuditId> {
    records.iter().map(|r| r.id).collect()
}

/// `append_audit` stores records unchanged; `list_audit` filters (all given filters must match), newest first.
pub async fn audit_append_and_filters(store: Arc<dyn Store>) {
    let s = &*store;
    let (u1, u2) = (UserId::new(), UserId::new());
    let mut all = Vec::new();
    for i in 0..12_i64 {
        let record = AuditRecord::new(at(i * 10), if i % 3 == 0 { "a.one" } else { "a.two" })
            .actor(if i % 2 == 0 { Some(u1) } else { None })
            .subject(if i % 4 == 0 { u2 } else { u1 })
            .target(format!("t:{}", i % 5))
            .ip(Some(format!("192.0.2.{i}")))
            .details(serde_json::json!({ "i": i, "nested": { "ok": true } }));
        ok(s.append_audit(&record).await, "append_audit");
        all.push(record);
    }
    let mut newest_first = all.clone();
    newest_first.sort_by_key(|r| std::cmp::Reverse(r.id));
    let list = |filter: AuditFilter| async move { ok(s.list_audit(&filter, None, 100).await, "list_audit") };
    let expect =
        |pred: &dyn Fn(&AuditRecord) -> bool| newest_first.iter().filter(|r| pred(r)).cloned().collect::<Vec<_>>();

    assert_eq!(list(AuditFilter::default()).await, newest_first, "every record, unchanged, id descending");
    assert_eq!(
        list(AuditFilter { actor: Some(u1), ..Default::default() }).await,
        expect(&|r| r.actor == Some(u1)),
        "actor filter"
    );
    assert_eq!(
        list(AuditFilter { subject: Some(u2), ..Default::default() }).await,
        expect(&|r| r.subject == Some(u2)),
        "subject filter"
    );
    assert_eq!(
        list(AuditFilter { action: Some("a.one".into()), ..Default::default() }).await,
        expect(&|r| r.action == "a.one"),
        "action filter"
    );
    assert_eq!(
        list(AuditFilter { target: Some("t:3".into()), ..Default::default() }).await,
        expect(&|r| r.target.as_deref() == Some("t:3")),
        "target filter"
    );
    assert_eq!(
        list(AuditFilter { from: Some(at(30)), to: Some(at(80)), ..Default::default() }).await,
        expect(&|r| r.at >= at(30) && r.at < at(80)),
        "from is inclusive, to exclusive"
    );
    assert_eq!(
        list(AuditFilter { actor: Some(u1), action: Some("a.two".into()), subject: Some(u1), ..Default::default() })
            .await,
        expect(&|r| r.actor == Some(u1) && r.action == "a.two" && r.subject == Some(u1)),
        "filters combine with AND"
    );
    assert!(list(AuditFilter { action: Some("none".into()), ..Default::default() }).await.is_empty(), "no match");

    let limited = ok(s.list_audit(&AuditFilter::default(), None, 5).await, "list_audit limit 5");
    assert_eq!(ids(&limited), ids(&newest_first[..6]), "at most limit + 1 records");
    let exact = ok(s.list_audit(&AuditFilter::default(), None, 12).await, "list_audit limit 12");
    assert_eq!(exact.len(), 12, "limit + 1 when only limit exist returns them all");
}

/// Paging with `before` visits every record once, newest first.
pub async fn audit_pagination(store: Arc<dyn Store>) {
    let s = &*store;
    let mut all = Vec::new();
    for i in 0..25 {
        let record = AuditRecord::new(at(i), "page.test").target(format!("n:{i}"));
        ok(s.append_audit(&record).await, "append_audit");
        all.push(record.id);
    }
    all.sort_by(|a, b| b.cmp(a));
    let filter = AuditFilter { action: Some("page.test".into()), ..Default::default() };
    let mut seen = Vec::new();
    let mut before = None;
    let mut pages = 0;
    loop {
        let page = ok(s.list_audit(&filter, before, 10).await, "list_audit page");
        pages += 1;
        assert!(pages <= 3, "pagination must end");
        let more = page.len() > 10;
        seen.extend(page.iter().take(10).map(|r| r.id));
        if !more {
            break;
        }
        before = seen.last().copied();
    }
    assert_eq!(pages, 3, "25 records in pages of 10");
    assert_eq!(seen, all, "every record exactly once, id descending");
}
