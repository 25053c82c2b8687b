//! The export/import case ([`crate::storage::ExportStore`] and
//! [`crate::transfer`]): it takes two fresh stores of the same backend.

use std::sync::Arc;

use super::support::*;
use crate::model::{Agent, AgentStatus, OneTimeTokenKind, Review, Session, Stars, UsageEvent, UserRecord};
use crate::storage::{CatalogQuery, CatalogSort, ExportKind, ExportStore, RedeemRefresh, StorageError, Store};
use crate::transfer::{self, ExportOptions, ImportOptions, TransferError};

/// Every record of the store, kind by kind, read in pages of 2 (so paging is exercised).
pub async fn all_records(store: &dyn Store) -> Vec<String> {
    let mut lines = Vec::new();
    for kind in ExportKind::ALL {
        let mut after = None;
        loop {
            let page = ok(ExportStore::export_page(store, kind, after.as_ref(), 2).await, "export_page");
            assert!(page.len() <= 2, "export_page returned more than `limit` records");
            assert!(page.iter().all(|r| r.kind() == kind), "export_page returned a record of another kind");
            for r in &page {
                lines.push(serde_json::to_string(r).unwrap_or_default());
            }
            match page.into_iter().last() {
                Some(last) => after = Some(last),
                None => break,
            }
        }
    }
    lines
}

/// What [`fill_every_kind`] stored, for checks.
#[derive(Debug, Clone)]
pub struct Filled {
    /// A user with a session (handle `alice`), owner of `helper`.
    pub alice: UserRecord,
    /// A second user (handle `bob`) with a pending password-reset token.
    pub bob: UserRecord,
    /// Alice's session; its refresh token was rotated once (`r1` → `r2`).
    pub session: Session,
    /// A listed agent with two versions, installed and rated by both users, with usage.
    pub helper: Agent,
}

/// Fills an empty store with every kind of record: users, a session with a
/// rotated refresh token, a one-time token, a listed agent with two versions,
/// a draft-only agent, a deprecated agent, installs, reviews, usage and the
/// audit records all these wrote. Used by [`transfer_round_trip`] and by the
/// tests of `agentmart export/import/copy`.
pub async fn fill_every_kind(s: &dyn Store) -> Filled {
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    // A deleted account leaves a retired handle.
    let carol = add_user(s, "carol").await;
    ok(s.delete_user(carol.id, at(1), &audit("user.deleted")).await, "delete_user");
    let session = add_session(s, alice.id, at(0), "r1").await;
    let redeem = RedeemRefresh {
        presented: token_hash("r1"),
        replacement: token_hash("r2"),
        now: at(5),
        rotated_audit: audit("session.refreshed"),
        reuse_audit: audit("session.reuse"),
    };
    ok(s.redeem_refresh_token(&redeem).await, "redeem_refresh_token");
    add_one_time_token(s, "reset", OneTimeTokenKind::PasswordReset, bob.id, at(3600)).await;
    let helper = add_published(s, alice.id, "helper", &definition("Helper"), at(10)).await;
    let helper =
        ok(publish(s, &helper, "1.1.0", Some("1.0.0"), &definition("Helper Two"), at(20)).await, "publish 1.1.0");
    add_agent(s, bob.id, "draft-only", &definition("Draft Only")).await;
    let gone = add_published(s, bob.id, "gone", &definition("Gone"), at(30)).await;
    // Deprecated by an administrator: the moderation lock travels with it.
    let lock = crate::model::ModerationLock::new(at(35), Some("replaced".into()));
    let r = audit("agent.status_changed");
    ok(s.moderate_agent_status(gone.id, AgentStatus::Deprecated, None, Some(&lock), at(35), &r).await, "moderate");
    for user in [alice.id, bob.id] {
        ok(s.install(user, helper.id, None, at(40), &audit("agent.installed")).await, "install");
        let review = Review {
            id: crate::ids::ReviewId::new(),
            agent_id: helper.id,
            user_id: user,
            stars: Stars::new(if user == alice.id { 5 } else { 3 }).expect("stars in range"),
            title: Some("ok".into()),
            body: None,
            version: Some(v("1.1.0")),
            created_at: at(50),
            updated_at: at(50),
        };
        ok(s.upsert_rating(&review, &audit("rating.upserted")).await, "upsert_rating");
        let event =
            UsageEvent { agent_id: helper.id, user_id: user, event: "run".into(), units: 3, occurred_at: at(60) };
        ok(s.record_usage(&event, 1.0).await, "record_usage");
    }
    Filled { alice, bob, session, helper }
}

/// Fills `source` with [`fill_every_kind`], exports it with sessions, imports
/// the file into the fresh `target` and checks every record is equal (and
/// reads answer alike); then that a non-empty target is refused without
/// `force`, and that bad input is reported with its line number.
pub async fn transfer_round_trip(source: Arc<dyn Store>, target: Arc<dyn Store>) {
    let s = &*source;
    let Filled { alice, bob, session, helper } = fill_every_kind(s).await;

    let mut file = Vec::new();
    let options = ExportOptions { sessions: true, page_size: 3 };
    let exported = transfer::export(s, &mut file, &options).await.unwrap_or_else(|e| panic!("export: {e}"));
    let before = all_records(s).await;
    assert_eq!(exported.records, before.len() as u64, "export wrote every record once");
    for kind in
        ["user", "retired_handle", "session", "refresh_token", "one_time_token", "agent", "draft", "version", "install"]
    {
        assert!(exported.by_kind.get(kind).copied().unwrap_or(0) > 0, "no `{kind}` record exported");
    }
    for kind in ["review", "usage_day", "usage_user", "audit"] {
        assert!(exported.by_kind.get(kind).copied().unwrap_or(0) > 0, "no `{kind}` record exported");
    }

    let t = &*target;
    let import = ImportOptions { force: false, batch_size: 4 };
    let imported = transfer::import(t, &mut file.as_slice(), &import).await.unwrap_or_else(|e| panic!("import: {e}"));
    assert_eq!(imported, exported, "import read what export wrote");
    assert_eq!(all_records(t).await, before, "the imported store holds exactly the exported records");

    // Reads answer as on the source: catalogue, stats, sessions, refresh tokens, users by email.
    let query = CatalogQuery { sort: CatalogSort::Popular, limit: 10, ..CatalogQuery::default() };
    let (a, b) = (ok(s.list_catalog(&query).await, "list_catalog"), ok(t.list_catalog(&query).await, "list_catalog"));
    assert_eq!(a, b, "the catalogue is rebuilt on import");
    let search = CatalogQuery { terms: vec!["helper".into()], sort: CatalogSort::Relevance, limit: 10, ..query };
    let found = ok(t.list_catalog(&search).await, "search");
    assert_eq!(found.entries.len(), 1, "the search index is rebuilt on import");
    assert_eq!(ok(t.get_stats(helper.id).await, "get_stats"), ok(s.get_stats(helper.id).await, "get_stats"));
    let email = alice.email.clone().expect("alice has an email");
    assert_eq!(ok(t.find_user_by_email(&email).await, "find_user_by_email"), Some(alice.clone()));
    assert_eq!(ok(t.find_user_by_handle(&handle("bob")).await, "find_user_by_handle"), Some(bob.clone()));
    assert!(ok(t.retired_handle(&handle("carol")).await, "retired_handle").is_some(), "retired handles are imported");
    let mut taker = user_record("carol");
    taker.email = Some(crate::testing::conformance::support::email("taker@example.com"));
    taker.external_id = None;
    let taken = t.create_user(&taker, &audit("user.registered")).await;
    assert!(
        matches!(taken, Err(StorageError::Conflict(crate::storage::ConflictKind::Handle))),
        "an imported retired handle stays taken: {taken:?}"
    );
    let auth = ok(t.session_auth(session.id).await, "session_auth");
    assert!(auth.is_some_and(|a| a.user_id == alice.id), "imported session authenticates");
    let found = ok(t.find_session_by_refresh(&token_hash("r2")).await, "find_session_by_refresh");
    assert_eq!(found.map(|f| f.id), Some(session.id), "the current refresh token is imported");
    assert!(ok(t.get_rating(bob.id, helper.id).await, "get_rating").is_some(), "ratings are looked up by user");
    assert_eq!(ok(t.count_one_time_tokens(bob.id, OneTimeTokenKind::PasswordReset).await, "count"), 1);
    let gone = ok(t.find_agent(bob.id, &"gone".parse().expect("slug")).await, "find_agent").expect("gone imported");
    assert_eq!(gone.moderation.and_then(|l| l.reason).as_deref(), Some("replaced"), "the moderation lock is imported");

    // A non-empty target is refused unless forced; forcing reports the conflict.
    let refused = transfer::import(t, &mut file.as_slice(), &import).await;
    assert!(matches!(refused, Err(TransferError::NotEmpty)), "a non-empty store is refused: {refused:?}");
    let forced = transfer::import(t, &mut file.as_slice(), &ImportOptions { force: true, batch_size: 4 }).await;
    assert!(
        matches!(forced, Err(TransferError::Storage { line: Some(2), source: StorageError::Conflict(_) })),
        "forcing over existing records is a conflict at the first batch: {forced:?}"
    );
    assert_eq!(all_records(t).await, before, "a failed batch writes nothing");

    // Bad input: header version, bad record with its line number.
    let bad_version = b"{\"format\":\"agentmart-export\",\"version\":99}\n";
    let e = transfer::import(t, &mut bad_version.as_slice(), &import).await;
    assert!(matches!(e, Err(TransferError::UnsupportedVersion(99))), "unsupported version: {e:?}");
    let text = String::from_utf8_lossy(&file).into_owned();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(3, "{\"kind\":\"user\",\"data\":{\"id\":1}}");
    let broken = lines.join("\n");
    let e = transfer::import(t, &mut broken.as_bytes(), &ImportOptions { force: true, batch_size: 1000 }).await;
    assert!(matches!(&e, Err(TransferError::BadRecord { line: 4, .. })), "bad record on line 4: {e:?}");
    assert_eq!(e.map_err(|e| e.code()).err(), Some("bad_record"));
}
