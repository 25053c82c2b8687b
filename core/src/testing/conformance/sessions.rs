//! Cases for [`SessionStore`](crate::storage::SessionStore).

use std::sync::Arc;

use chrono::Duration;

use super::support::*;
use crate::ids::SessionId;
use crate::model::{AuditFilter, AuditRecord, Role, actions};
use crate::storage::{RedeemOutcome, RedeemRefresh, SessionAuth, Store};

fn redeem(presented: &str, replacement: &str, now: chrono::DateTime<chrono::Utc>) -> RedeemRefresh {
    RedeemRefresh {
        presented: token_hash(presented),
        replacement: token_hash(replacement),
        now,
        rotated_audit: AuditRecord::new(now, actions::SESSION_REFRESHED).target(format!("refresh:{presented}")),
        reuse_audit: AuditRecord::new(now, actions::SESSION_REUSE_DETECTED).target(format!("reuse:{presented}")),
    }
}

/// `create_session`, `get_session`, `session_auth` and `find_session_by_refresh`.
pub async fn session_create_get_and_auth(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let session = session_record(alice.id, at(0));
    let r = audit(actions::SESSION_CREATED);
    ok(s.create_session(&session, &token_hash("r1"), &r).await, "create_session");
    assert_audited(s, &r, "create_session").await;
    assert_eq!(ok(s.get_session(session.id).await, "get_session"), Some(session.clone()), "get_session round trip");
    assert_eq!(ok(s.get_session(SessionId::new()).await, "get_session"), None, "unknown session");
    let auth = ok(s.session_auth(session.id).await, "session_auth");
    assert_eq!(
        auth,
        Some(SessionAuth {
            user_id: alice.id,
            role: Role::User,
            user_disabled: false,
            revoked_at: None,
            expires_at: session.expires_at,
        }),
        "session_auth joins the user"
    );
    assert_eq!(ok(s.session_auth(SessionId::new()).await, "session_auth"), None, "unknown session");
    assert_eq!(
        ok(s.find_session_by_refresh(&token_hash("r1")).await, "find_session_by_refresh"),
        Some(session),
        "the session of a refresh token"
    );
    assert_eq!(ok(s.find_session_by_refresh(&token_hash("nope")).await, "find_session_by_refresh"), None);
}

/// Redeeming rotates the token; presenting a rotated token revokes the session (reuse detection).
pub async fn session_redeem_rotates_then_detects_reuse(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let session = add_session(s, alice.id, at(0), "r1").await;

    let req = redeem("r1", "r2", at(100));
    let outcome = ok(s.redeem_refresh_token(&req).await, "redeem r1");
    let expected = crate::model::Session { last_used_at: at(100), ..session.clone() };
    assert_eq!(outcome, RedeemOutcome::Rotated(expected.clone()), "the current token rotates");
    assert_audited(s, &req.rotated_audit, "rotation").await;
    assert_eq!(ok(s.get_session(session.id).await, "get_session"), Some(expected.clone()), "last_used_at set");
    assert_eq!(
        ok(s.find_session_by_refresh(&token_hash("r1")).await, "find rotated").map(|x| x.id),
        Some(session.id),
        "a rotated token still leads to its session"
    );
    assert_eq!(
        ok(s.find_session_by_refresh(&token_hash("r2")).await, "find replacement").map(|x| x.id),
        Some(session.id),
        "the replacement is stored"
    );

    let req2 = redeem("r2", "r3", at(200));
    let outcome = ok(s.redeem_refresh_token(&req2).await, "redeem r2");
    assert!(matches!(outcome, RedeemOutcome::Rotated(_)), "the replacement is the current token, got {outcome:?}");

    let reuse = redeem("r1", "r9", at(300));
    let outcome = ok(s.redeem_refresh_token(&reuse).await, "redeem r1 again");
    let revoked = crate::model::Session { last_used_at: at(200), revoked_at: Some(at(300)), ..session.clone() };
    assert_eq!(outcome, RedeemOutcome::Reused(revoked.clone()), "a rotated token is reuse: session revoked");
    audited_sync(
        find_audit(s, &reuse.reuse_audit).await,
        &reuse.reuse_audit.clone().actor(alice.id).subject(alice.id),
        "reuse audit (actor and subject are the session's user)",
    );
    assert_not_audited(s, &reuse.rotated_audit, "no rotation on reuse").await;
    assert_eq!(ok(s.find_session_by_refresh(&token_hash("r9")).await, "find"), None, "no replacement on reuse");

    let current = redeem("r3", "r4", at(400));
    let outcome = ok(s.redeem_refresh_token(&current).await, "redeem current token of a revoked session");
    assert_eq!(outcome, RedeemOutcome::SessionEnded(revoked.clone()), "the session ended");
    assert_not_audited(s, &current.rotated_audit, "nothing written for an ended session").await;

    let again = redeem("r2", "r5", at(500));
    let outcome = ok(s.redeem_refresh_token(&again).await, "redeem another rotated token");
    assert_eq!(outcome, RedeemOutcome::Reused(revoked), "reuse keeps the first revocation time");
}

/// Current tokens of expired or revoked sessions end nothing; unknown hashes are `Unknown`.
pub async fn session_redeem_ended_and_unknown(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let session = add_session(s, alice.id, at(0), "r1").await;
    let expiry = session.expires_at;

    let req = redeem("r1", "r2", expiry);
    let outcome = ok(s.redeem_refresh_token(&req).await, "redeem at expiry");
    assert_eq!(outcome, RedeemOutcome::SessionEnded(session.clone()), "now == expires_at ends the session");
    assert_not_audited(s, &req.rotated_audit, "nothing written").await;
    assert_eq!(ok(s.find_session_by_refresh(&token_hash("r2")).await, "find"), None, "no replacement stored");
    assert_eq!(ok(s.get_session(session.id).await, "get_session"), Some(session.clone()), "nothing changed");

    let late = redeem("r1", "r2", expiry + Duration::days(1));
    assert!(matches!(ok(s.redeem_refresh_token(&late).await, "redeem late"), RedeemOutcome::SessionEnded(_)));

    let revoked = add_session(s, alice.id, at(10), "q1").await;
    assert!(ok(s.revoke_session(alice.id, revoked.id, at(20), &audit("t")).await, "revoke_session"));
    let outcome = ok(s.redeem_refresh_token(&redeem("q1", "q2", at(30))).await, "redeem revoked");
    assert!(matches!(outcome, RedeemOutcome::SessionEnded(ref x) if x.id == revoked.id), "got {outcome:?}");

    let outcome = ok(s.redeem_refresh_token(&redeem("never", "x", at(30))).await, "redeem unknown");
    assert_eq!(outcome, RedeemOutcome::Unknown, "an unknown hash");
}

/// `list_active_sessions`: active ones only, newest first, of that user only.
pub async fn session_list_active(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let now = at(3600);
    let s1 = add_session(s, alice.id, at(0), "a1").await;
    let s2 = add_session(s, alice.id, at(10), "a2").await;
    let s3 = add_session(s, alice.id, at(20), "a3").await;
    let mut expired = session_record(alice.id, at(30));
    expired.expires_at = at(60);
    ok(s.create_session(&expired, &token_hash("a4"), &audit("t")).await, "create expired");
    add_session(s, bob.id, at(40), "b1").await;
    assert!(ok(s.revoke_session(alice.id, s2.id, at(50), &audit("t")).await, "revoke"));
    let active = ok(s.list_active_sessions(alice.id, now).await, "list_active_sessions");
    let ids: Vec<_> = active.iter().map(|x| x.id).collect();
    assert_eq!(ids, vec![s3.id, s1.id], "active sessions of the user, newest first");
    assert_eq!(active[0], s3, "full sessions are returned");
    let before_expiry = ok(s.list_active_sessions(alice.id, at(59)).await, "list_active_sessions");
    assert_eq!(before_expiry.len(), 3, "a session is active strictly before expires_at");
}

/// `revoke_session`: only the owner's un-revoked session; audit only when revoked.
pub async fn session_revoke_one(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let session = add_session(s, alice.id, at(0), "a1").await;

    let r = audit("test.revoke_foreign");
    assert!(!ok(s.revoke_session(bob.id, session.id, at(5), &r).await, "foreign"), "someone else's session");
    assert_not_audited(s, &r, "refused revoke").await;
    assert_eq!(ok(s.get_session(session.id).await, "get_session").and_then(|x| x.revoked_at), None);

    let r = audit(actions::SESSION_REVOKED);
    assert!(ok(s.revoke_session(alice.id, session.id, at(10), &r).await, "revoke"), "own active session");
    assert_audited(s, &r, "revoke_session").await;
    assert_eq!(ok(s.get_session(session.id).await, "get_session").and_then(|x| x.revoked_at), Some(at(10)));

    let r = audit("test.revoke_again");
    assert!(!ok(s.revoke_session(alice.id, session.id, at(20), &r).await, "again"), "already revoked");
    assert_not_audited(s, &r, "second revoke").await;
    assert_eq!(
        ok(s.get_session(session.id).await, "get_session").and_then(|x| x.revoked_at),
        Some(at(10)),
        "revoked_at is kept"
    );
    assert!(!ok(s.revoke_session(alice.id, SessionId::new(), at(20), &audit("t")).await, "unknown"));
}

/// `revoke_user_sessions`: every active session but `except`, counted; audit always written.
pub async fn session_revoke_all_except(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let keep = add_session(s, alice.id, at(0), "a1").await;
    let s2 = add_session(s, alice.id, at(1), "a2").await;
    let s3 = add_session(s, alice.id, at(2), "a3").await;
    let gone = add_session(s, alice.id, at(3), "a4").await;
    assert!(ok(s.revoke_session(alice.id, gone.id, at(4), &audit("t")).await, "revoke"));
    let b1 = add_session(s, bob.id, at(5), "b1").await;

    let r = audit(actions::SESSIONS_REVOKED);
    let n = ok(s.revoke_user_sessions(alice.id, Some(keep.id), at(10), &r).await, "revoke_user_sessions");
    assert_eq!(n, 2, "two active sessions besides the kept one");
    assert_audited(s, &r, "revoke_user_sessions").await;
    let revoked_at = |id| async move { ok(s.get_session(id).await, "get_session").and_then(|x| x.revoked_at) };
    assert_eq!(revoked_at(keep.id).await, None, "the excepted session stays");
    assert_eq!(revoked_at(s2.id).await, Some(at(10)));
    assert_eq!(revoked_at(s3.id).await, Some(at(10)));
    assert_eq!(revoked_at(gone.id).await, Some(at(4)), "already revoked sessions keep their time");
    assert_eq!(revoked_at(b1.id).await, None, "other users untouched");

    let r = audit("test.revoke_none");
    let n = ok(s.revoke_user_sessions(alice.id, Some(keep.id), at(20), &r).await, "again");
    assert_eq!(n, 0, "nothing left to revoke");
    assert_audited(s, &r, "revoke_user_sessions writes its record even when none was active").await;

    let n = ok(s.revoke_user_sessions(alice.id, None, at(30), &audit("t")).await, "all");
    assert_eq!(n, 1, "without except, the last one goes too");
    assert!(ok(s.list_active_sessions(alice.id, at(31)).await, "list").is_empty());
}

/// 16 tasks redeem one refresh token: exactly one `Rotated`, the others `Reused`, session revoked.
pub async fn concurrent_redeem_refresh_token(store: Arc<dyn Store>) {
    let alice = add_user(&*store, "alice").await;
    let session = add_session(&*store, alice.id, at(0), "shared").await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.redeem_refresh_token(&redeem("shared", &format!("replacement-{i}"), at(100))).await
        }));
    }
    let (mut rotated, mut reused) = (0, 0);
    for task in tasks {
        match task.await.expect("task panicked") {
            Ok(RedeemOutcome::Rotated(_)) => rotated += 1,
            Ok(RedeemOutcome::Reused(_)) => reused += 1,
            other => panic!("concurrent redeem: expected Rotated or Reused, got {other:?}"),
        }
    }
    assert_eq!(rotated, 1, "exactly one concurrent redeem rotates");
    assert_eq!(reused, 15, "every other concurrent redeem is reuse");
    let after = ok(store.get_session(session.id).await, "get_session").expect("session exists");
    assert_eq!(after.revoked_at, Some(at(100)), "reuse revoked the session");
    assert!(ok(store.list_active_sessions(alice.id, at(101)).await, "list").is_empty(), "no active session left");
    let records = |action: &str| {
        let filter = AuditFilter { action: Some(action.into()), ..Default::default() };
        let store = store.clone();
        async move { ok(store.list_audit(&filter, None, 100).await, "list_audit") }
    };
    let reuse = records(actions::SESSION_REUSE_DETECTED).await;
    assert_eq!(reuse.len(), 15, "one reuse record per Reused outcome");
    assert!(
        reuse.iter().all(|r| r.actor == Some(alice.id) && r.subject == Some(alice.id)),
        "reuse records name the session's user"
    );
    assert_eq!(records(actions::SESSION_REFRESHED).await.len(), 1, "one rotation record");
}
