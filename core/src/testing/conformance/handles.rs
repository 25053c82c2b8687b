//! Deleting an account retires its handle and purges what is keyed by its id
//! ([`UserStore::delete_user`](crate::storage::UserStore::delete_user),
//! [`retired_handle`](crate::storage::UserStore::retired_handle),
//! [`release_retired_handle`](crate::storage::UserStore::release_retired_handle)).

use std::sync::Arc;

use super::support::*;
use crate::model::{OneTimeTokenKind, ProfileChange, RetiredHandle, UsageEvent, actions};
use crate::storage::{ConflictKind, RedeemOutcome, RedeemRefresh, StorageError, Store};

/// After `delete_user`, the handle is retired (`retired_handle` answers it
/// with the user and time), and `create_user` and `update_profile` with it
/// fail with `Conflict(Handle)`, writing nothing; the email is free.
/// `release_retired_handle` frees it only once `retired_at <= retired_before`.
pub async fn user_delete_retires_handle(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    assert_eq!(ok(s.retired_handle(&handle("alice")).await, "retired_handle"), None, "a live handle is not retired");
    ok(s.delete_user(alice.id, at(100), &audit(actions::USER_DELETED)).await, "delete_user");
    let retired = ok(s.retired_handle(&handle("alice")).await, "retired_handle");
    assert_eq!(
        retired,
        Some(RetiredHandle { handle: handle("alice"), user_id: alice.id, retired_at: at(100) }),
        "delete_user retires the handle"
    );

    let mut taker = user_record("alice");
    taker.email = Some(email("taker@example.com"));
    taker.external_id = None;
    let r = audit(actions::USER_REGISTERED);
    expect_conflict(s.create_user(&taker, &r).await, ConflictKind::Handle, "create_user with a retired handle");
    assert_not_audited(s, &r, "create_user with a retired handle").await;
    assert_eq!(ok(s.get_user(taker.id).await, "get_user"), None, "nothing written");

    let patch = ProfileChange::handle(handle("alice"));
    let r = audit(actions::PROFILE_UPDATED);
    expect_conflict(
        s.update_profile(bob.id, &patch, at(110), &r).await,
        ConflictKind::Handle,
        "update_profile to a retired handle",
    );
    assert_not_audited(s, &r, "update_profile to a retired handle").await;
    assert_eq!(ok(s.get_user(bob.id).await, "get_user").map(|u| u.handle), Some(handle("bob")), "bob unchanged");

    // The deleted account's email is free.
    let mut again = user_record("alice-two");
    again.email = alice.email.clone();
    again.external_id = None;
    ok(s.create_user(&again, &audit(actions::USER_REGISTERED)).await, "the email of a deleted account is free");

    // Release only past the cutoff.
    assert!(!ok(s.release_retired_handle(&handle("alice"), at(99)).await, "release"), "too young: kept");
    assert!(!ok(s.release_retired_handle(&handle("nobody"), at(1000)).await, "release"), "no record: false");
    assert!(ok(s.retired_handle(&handle("alice")).await, "retired_handle").is_some(), "still retired");
    assert!(ok(s.release_retired_handle(&handle("alice"), at(100)).await, "release"), "old enough: released");
    assert_eq!(ok(s.retired_handle(&handle("alice")).await, "retired_handle"), None, "released");
    ok(s.create_user(&taker, &audit(actions::USER_REGISTERED)).await, "a released handle can be taken");
}

/// `delete_user` leaves nothing keyed by the user id: its sessions (revoked
/// ones too) and every refresh hash are gone, counters whose key contains the
/// id are gone (others stay), the user's usage-set entries are gone (the day
/// totals stay), one-time tokens are gone; install counts and rating
/// aggregates of other users' agents stay consistent.
pub async fn user_delete_purges_user_keyed_data(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let helper = add_published(s, alice.id, "helper", &definition("Helper"), at(0)).await;
    let live = add_session(s, bob.id, at(0), "b-live").await;
    let ended = add_session(s, bob.id, at(1), "b-ended").await;
    let redeem = RedeemRefresh {
        presented: token_hash("b-live"),
        replacement: token_hash("b-live-2"),
        now: at(5),
        rotated_audit: audit("session.refreshed"),
        reuse_audit: audit("session.reuse"),
    };
    ok(s.redeem_refresh_token(&redeem).await, "redeem_refresh_token");
    ok(s.revoke_session(bob.id, ended.id, at(6), &audit(actions::SESSION_REVOKED)).await, "revoke_session");
    let alice_session = add_session(s, alice.id, at(0), "a1").await;
    add_one_time_token(s, "bob-verify", OneTimeTokenKind::EmailVerification, bob.id, at(3600)).await;
    let bob_keys = [
        format!("login:acct:{}", bob.id),
        format!("login:acct:{}:client:192.0.2.1", bob.id),
        format!("login:known:{}:192.0.2.1", bob.id),
        format!("login:acct:confirm:{}", bob.id),
        format!("notify:acct:{}", bob.id),
    ];
    let other_keys = [format!("login:acct:{}", alice.id), "http:auth:ip:192.0.2.1".to_string()];
    for key in bob_keys.iter().chain(other_keys.iter()) {
        ok(s.hit_counter(key, at(10), chrono::Duration::hours(1)).await, "hit_counter");
    }
    ok(s.install(bob.id, helper.id, None, at(20), &audit(actions::AGENT_INSTALLED)).await, "install");
    ok(s.install(alice.id, helper.id, None, at(20), &audit(actions::AGENT_INSTALLED)).await, "install");
    for user in [alice.id, bob.id] {
        let event =
            UsageEvent { agent_id: helper.id, user_id: user, event: "run".into(), units: 2, occurred_at: at(30) };
        ok(s.record_usage(&event, 1.0).await, "record_usage");
    }

    ok(s.delete_user(bob.id, at(100), &audit(actions::USER_DELETED)).await, "delete_user");

    for session in [&live, &ended] {
        assert_eq!(ok(s.get_session(session.id).await, "get_session"), None, "the user's sessions are deleted");
        assert_eq!(ok(s.session_auth(session.id).await, "session_auth"), None, "session_auth of a deleted session");
    }
    for refresh in ["b-live", "b-live-2", "b-ended"] {
        assert_eq!(
            ok(s.find_session_by_refresh(&token_hash(refresh)).await, "find_session_by_refresh"),
            None,
            "refresh hash `{refresh}` is deleted"
        );
    }
    let replay = RedeemRefresh { presented: token_hash("b-live-2"), replacement: token_hash("x"), ..redeem.clone() };
    assert_eq!(
        ok(s.redeem_refresh_token(&replay).await, "redeem"),
        RedeemOutcome::Unknown,
        "a deleted session's token is unknown"
    );
    assert_eq!(
        ok(s.get_session(alice_session.id).await, "get_session").map(|x| x.revoked_at),
        Some(None),
        "other users' sessions stay"
    );
    for key in &bob_keys {
        assert_eq!(ok(s.get_counter(key).await, "get_counter"), None, "counter `{key}` of the user is deleted");
    }
    for key in &other_keys {
        assert!(ok(s.get_counter(key).await, "get_counter").is_some(), "counter `{key}` of others stays");
    }
    assert_eq!(ok(s.count_one_time_tokens(bob.id, OneTimeTokenKind::EmailVerification).await, "count"), 0);

    // Usage: the day totals stay; the user's set entry is gone (so an export holds no trace of the user).
    let days = ok(s.usage_by_day(helper.id, at(30).date_naive(), at(30).date_naive()).await, "usage_by_day");
    assert_eq!(days.iter().map(|d| (d.events, d.units, d.users)).collect::<Vec<_>>(), vec![(2, 4, 2)], "totals stay");
    let records = super::transfer::all_records(s).await;
    let text = bob.id.to_string();
    let traces: Vec<&String> = records
        .iter()
        .filter(|r| {
            r.contains(&text) && !r.starts_with("{\"kind\":\"audit\"") && !r.starts_with("{\"kind\":\"retired_handle\"")
        })
        .collect();
    assert!(traces.is_empty(), "nothing but the audit trail and the retired handle names the deleted user: {traces:?}");
    assert_eq!(ok(s.get_stats(helper.id).await, "get_stats").install_count, 1, "install count follows");
    // An event by the same agent's remaining user still counts once per day.
    let event =
        UsageEvent { agent_id: helper.id, user_id: alice.id, event: "run".into(), units: 1, occurred_at: at(40) };
    ok(s.record_usage(&event, 1.0).await, "record_usage");
    let days = ok(s.usage_by_day(helper.id, at(30).date_naive(), at(30).date_naive()).await, "usage_by_day");
    assert_eq!(days[0].users, 2, "a known user of the day is not counted again");
}

/// 8 rounds of `delete_user` of the handle's holder racing `create_user` of
/// another user with the same handle: the registration always fails with
/// `Conflict(Handle)` (before the deletion commits the live holder has the
/// handle, after it the handle is retired), and the handle ends retired.
pub async fn concurrent_delete_user_and_create_same_handle(store: Arc<dyn Store>) {
    for round in 0..8 {
        let name = format!("racer-{round}");
        let holder = add_user(&*store, &name).await;
        let mut taker = user_record(&name);
        taker.email = Some(email(&format!("taker{round}@example.com")));
        taker.external_id = None;
        let (a, b) = (store.clone(), store.clone());
        let delete =
            tokio::spawn(async move { a.delete_user(holder.id, at(100), &audit(actions::USER_DELETED)).await });
        let create = tokio::spawn(async move { b.create_user(&taker, &audit(actions::USER_REGISTERED)).await });
        ok(delete.await.expect("task panicked"), "delete_user");
        match create.await.expect("task panicked") {
            Err(StorageError::Conflict(ConflictKind::Handle)) => {}
            Ok(()) => panic!("round {round}: a registration took the handle of an account deleted concurrently"),
            Err(other) => panic!("round {round}: expected Conflict(Handle), got {other:?}"),
        }
        assert!(
            ok(store.retired_handle(&handle(&name)).await, "retired_handle").is_some(),
            "round {round}: the handle is retired"
        );
        assert_eq!(ok(store.find_user_by_handle(&handle(&name)).await, "find_user_by_handle"), None);
    }
}
