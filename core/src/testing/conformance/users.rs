//! Cases for [`UserStore`](crate::storage::UserStore).

use std::sync::Arc;

use super::support::*;
use crate::ids::UserId;
use crate::model::{
    AgentStatus, AuditFilter, AuditRecord, OneTimeToken, OneTimeTokenKind, ProfileChange, Review, Role, UserRecord,
    actions,
};
use crate::storage::{CatalogQuery, ConflictKind, ConsumeOutcome, EndSessions, StorageError, Store};

/// `create_user` stores every field, `get_user` reads it back, the audit record is written.
pub async fn user_create_and_get(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = user_record("alice");
    let record = audit(actions::USER_REGISTERED);
    ok(s.create_user(&alice, &record).await, "create_user");
    assert_eq!(ok(s.get_user(alice.id).await, "get_user"), Some(alice.clone()), "get_user returns the stored user");
    assert_audited(s, &record, "create_user").await;
    assert_eq!(ok(s.get_user(UserId::new()).await, "get_user unknown"), None, "unknown user id");

    // Optional fields absent round-trip too.
    let mut bare = user_record("bare");
    bare.email = None;
    bare.external_id = None;
    bare.password_hash = None;
    bare.display_name = None;
    bare.bio = None;
    bare.role = Role::Admin;
    // Times round-trip to the nanosecond.
    bare.created_at = at(0) + chrono::Duration::nanoseconds(123_456_789);
    bare.updated_at = at(1) + chrono::Duration::nanoseconds(987_654_321);
    ok(s.create_user(&bare, &audit(actions::USER_LINKED)).await, "create_user without optional fields");
    assert_eq!(ok(s.get_user(bare.id).await, "get_user"), Some(bare), "user without optional fields");
}

/// Email, handle and external id are unique, failing with their own conflict kind and writing nothing.
pub async fn user_create_conflicts(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;

    let mut same_email = user_record("alice2");
    same_email.email = alice.email.clone();
    let record = audit(actions::USER_REGISTERED);
    expect_conflict(s.create_user(&same_email, &record).await, ConflictKind::Email, "same email");
    assert_not_audited(s, &record, "failed create_user (email)").await;
    assert_eq!(ok(s.get_user(same_email.id).await, "get_user"), None, "nothing written on an email conflict");
    assert_eq!(
        ok(s.find_user_by_handle(&handle("alice2")).await, "find_user_by_handle"),
        None,
        "handle of the failed user must stay free"
    );

    let mut same_handle = user_record("alice");
    same_handle.email = Some(email("other@example.com"));
    same_handle.external_id = Some("ext-other".into());
    expect_conflict(s.create_user(&same_handle, &record).await, ConflictKind::Handle, "same handle");
    assert_eq!(
        ok(s.find_user_by_email(&email("other@example.com")).await, "find_user_by_email"),
        None,
        "nothing written on a handle conflict"
    );

    let mut same_ext = user_record("carol");
    same_ext.external_id = alice.external_id.clone();
    expect_conflict(s.create_user(&same_ext, &record).await, ConflictKind::ExternalId, "same external id");
    assert_eq!(ok(s.get_user(same_ext.id).await, "get_user"), None, "nothing written on an external id conflict");
    assert_not_audited(s, &record, "failed create_user").await;

    // Absent emails and external ids never conflict with each other.
    for handle in ["nomail1", "nomail2"] {
        let mut u = user_record(handle);
        u.email = None;
        u.external_id = None;
        ok(s.create_user(&u, &audit(actions::USER_LINKED)).await, "users without email nor external id");
    }
    // The failed ones can be created once their values are free.
    ok(s.create_user(&user_record("alice2"), &audit(actions::USER_REGISTERED)).await, "create alice2");
}

/// Lookups by email, handle and external id.
pub async fn user_find_by_email_handle_external_id(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    assert_eq!(ok(s.find_user_by_email(&email("alice@example.com")).await, "by email"), Some(alice.clone()));
    assert_eq!(ok(s.find_user_by_email(&email("bob@example.com")).await, "by email"), Some(bob.clone()));
    assert_eq!(ok(s.find_user_by_handle(&handle("bob")).await, "by handle"), Some(bob.clone()));
    assert_eq!(ok(s.find_user_by_external_id("ext-alice").await, "by external id"), Some(alice));
    assert_eq!(ok(s.find_user_by_email(&email("nobody@example.com")).await, "unknown email"), None);
    assert_eq!(ok(s.find_user_by_handle(&handle("nobody")).await, "unknown handle"), None);
    assert_eq!(ok(s.find_user_by_external_id("ext-nobody").await, "unknown external id"), None);
}

/// An address differing only in case and padding names the same account:
/// core folds it once ([`Email::key`](crate::model::Email::key)) and every
/// backend compares that key exactly, for lookups and for uniqueness.
pub async fn user_email_lookup_ignores_case(store: Arc<dyn Store>) {
    let s = &*store;
    let mut mixed = user_record("mixed");
    mixed.email = Some(email("  Mixed.Case@Example.COM "));
    ok(s.create_user(&mixed, &audit(actions::USER_REGISTERED)).await, "create_user");
    assert_eq!(mixed.email.as_ref().map(|e| e.key()), Some("mixed.case@example.com"), "stored form is folded");
    for spelling in ["mixed.case@example.com", "MIXED.CASE@EXAMPLE.COM", "Mixed.Case@example.Com"] {
        let found = ok(s.find_user_by_email(&email(spelling)).await, "find_user_by_email");
        assert_eq!(found.map(|u| u.id), Some(mixed.id), "{spelling} finds the account");
    }
    let mut twin = user_record("twin");
    twin.email = Some(email("MIXED.case@EXAMPLE.com"));
    let record = audit(actions::USER_REGISTERED);
    expect_conflict(s.create_user(&twin, &record).await, ConflictKind::Email, "same address in other case");
    assert_not_audited(s, &record, "failed create_user (email case)").await;
}

/// `update_profile` applies only the given fields, clears `Some(None)` ones, sets `updated_at`.
pub async fn user_update_profile(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let patch = ProfileChange {
        handle: Some(handle("alicia")),
        display_name: Some(Some("Alicia".into())),
        bio: Some(None),
        avatar_url: None,
    };
    let record = audit(actions::PROFILE_UPDATED);
    let updated = ok(s.update_profile(alice.id, &patch, at(60), &record).await, "update_profile");
    let expected = UserRecord {
        handle: handle("alicia"),
        display_name: Some("Alicia".into()),
        bio: None,
        updated_at: at(60),
        ..alice.clone()
    };
    assert_eq!(updated, expected, "update_profile result");
    assert_eq!(ok(s.get_user(alice.id).await, "get_user"), Some(expected.clone()), "update_profile persisted");
    assert_eq!(ok(s.find_user_by_handle(&handle("alice")).await, "old handle"), None, "the old handle is released");
    assert_eq!(ok(s.find_user_by_handle(&handle("alicia")).await, "new handle"), Some(expected.clone()));
    assert_audited(s, &record, "update_profile").await;

    // The handle is free for someone else now.
    let mut newcomer = user_record("alice");
    newcomer.email = Some(email("newcomer@example.com"));
    newcomer.external_id = None;
    ok(s.create_user(&newcomer, &audit(actions::USER_REGISTERED)).await, "the released handle is free");

    // An empty patch still stamps the change.
    let same = ok(
        s.update_profile(alice.id, &ProfileChange::default(), at(120), &audit(actions::PROFILE_UPDATED)).await,
        "empty patch",
    );
    assert_eq!(same, UserRecord { updated_at: at(120), ..expected }, "empty patch changes only updated_at");
}

/// `update_profile`: `Conflict(Handle)` for a taken handle (nothing written), own handle allowed, `NotFound`.
pub async fn user_update_profile_conflicts(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    add_user(s, "bob").await;
    let patch =
        ProfileChange { handle: Some(handle("bob")), display_name: Some(Some("Changed".into())), ..Default::default() };
    let record = audit(actions::PROFILE_UPDATED);
    expect_conflict(s.update_profile(alice.id, &patch, at(5), &record).await, ConflictKind::Handle, "taken handle");
    assert_eq!(ok(s.get_user(alice.id).await, "get_user"), Some(alice.clone()), "nothing changes on a conflict");
    assert_not_audited(s, &record, "failed update_profile").await;

    let own = ProfileChange { handle: Some(handle("alice")), ..Default::default() };
    let same = ok(s.update_profile(alice.id, &own, at(6), &audit(actions::PROFILE_UPDATED)).await, "own handle");
    assert_eq!(same.handle, "alice", "keeping one's own handle is not a conflict");

    expect_not_found(
        s.update_profile(UserId::new(), &ProfileChange::default(), at(7), &audit(actions::PROFILE_UPDATED)).await,
        "update_profile of an unknown user",
    );
}

/// Every user mutation answers `NotFound` for an unknown user.
pub async fn user_mutations_not_found(store: Arc<dyn Store>) {
    let s = &*store;
    let nobody = UserId::new();
    let r = audit("test.not_found");
    expect_not_found(s.set_password_hash(nobody, "h", EndSessions::All, at(1), &r).await, "set_password_hash");
    expect_not_found(s.set_role(nobody, Role::Admin, at(1), &r).await, "set_role");
    expect_not_found(s.set_disabled(nobody, true, at(1), &r).await, "set_disabled");
    expect_not_found(s.delete_user(nobody, at(1), &r).await, "delete_user");
    assert_not_audited(s, &r, "failed mutations").await;
}

/// `set_password_hash` replaces the hash and ends exactly the chosen sessions.
pub async fn user_set_password_hash_ends_chosen_sessions(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let s1 = add_session(s, alice.id, at(0), "a1").await;
    let s2 = add_session(s, alice.id, at(1), "a2").await;
    let s3 = add_session(s, alice.id, at(2), "a3").await;
    let b1 = add_session(s, bob.id, at(3), "b1").await;
    let revoked = |id| async move { ok(s.get_session(id).await, "get_session").and_then(|x| x.revoked_at) };

    let r = audit(actions::PASSWORD_REHASHED);
    ok(s.set_password_hash(alice.id, "hash-2", EndSessions::None, at(10), &r).await, "rehash");
    assert_audited(s, &r, "set_password_hash").await;
    let user = ok(s.get_user(alice.id).await, "get_user").expect("alice exists");
    assert_eq!(user.password_hash.as_deref(), Some("hash-2"), "password hash replaced");
    for id in [s1.id, s2.id, s3.id] {
        assert_eq!(revoked(id).await, None, "EndSessions::None keeps every session");
    }

    let r = audit(actions::PASSWORD_CHANGED);
    ok(s.set_password_hash(alice.id, "hash-3", EndSessions::AllExcept(s1.id), at(20), &r).await, "change");
    assert_audited(s, &r, "set_password_hash").await;
    assert_eq!(revoked(s1.id).await, None, "AllExcept keeps the given session");
    assert_eq!(revoked(s2.id).await, Some(at(20)), "AllExcept ends the others at now");
    assert_eq!(revoked(s3.id).await, Some(at(20)), "AllExcept ends the others at now");
    assert_eq!(revoked(b1.id).await, None, "other users' sessions are untouched");

    let s4 = add_session(s, alice.id, at(25), "a4").await;
    ok(s.set_password_hash(alice.id, "hash-4", EndSessions::All, at(30), &audit(actions::PASSWORD_RESET)).await, "all");
    assert_eq!(revoked(s1.id).await, Some(at(30)), "All ends every session");
    assert_eq!(revoked(s4.id).await, Some(at(30)), "All ends every session");
    assert_eq!(revoked(s2.id).await, Some(at(20)), "an ended session keeps its first revocation time");
    assert_eq!(revoked(b1.id).await, None, "other users' sessions are untouched");
    let user = ok(s.get_user(alice.id).await, "get_user").expect("alice exists");
    assert_eq!(user.password_hash.as_deref(), Some("hash-4"));
}

/// `set_role` changes the role, visible through `get_user` and `session_auth`.
pub async fn user_set_role(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let session = add_session(s, alice.id, at(0), "a1").await;
    let r = audit(actions::ROLE_CHANGED);
    let updated = ok(s.set_role(alice.id, Role::Admin, at(10), &r).await, "set_role");
    assert_eq!(updated.role, Role::Admin, "set_role result");
    assert_eq!(ok(s.get_user(alice.id).await, "get_user").map(|u| u.role), Some(Role::Admin), "role persisted");
    let auth = ok(s.session_auth(session.id).await, "session_auth").expect("session exists");
    assert_eq!(auth.role, Role::Admin, "session_auth reports the current role");
    assert_audited(s, &r, "set_role").await;
    let back = ok(s.set_role(alice.id, Role::User, at(11), &audit(actions::ROLE_CHANGED)).await, "set_role back");
    assert_eq!(back.role, Role::User);
}

/// `set_disabled(true)` ends every session of the user; enabling does not revive them.
pub async fn user_set_disabled_ends_sessions(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let s1 = add_session(s, alice.id, at(0), "a1").await;
    let s2 = add_session(s, alice.id, at(1), "a2").await;
    let b1 = add_session(s, bob.id, at(2), "b1").await;
    let r = audit(actions::USER_DISABLED);
    let updated = ok(s.set_disabled(alice.id, true, at(10), &r).await, "set_disabled");
    assert!(updated.disabled, "set_disabled result");
    assert_audited(s, &r, "set_disabled").await;
    for id in [s1.id, s2.id] {
        let auth = ok(s.session_auth(id).await, "session_auth").expect("session exists");
        assert!(auth.user_disabled, "session_auth reports the user disabled");
        assert_eq!(auth.revoked_at, Some(at(10)), "disabling ends every session at now");
    }
    assert!(ok(s.list_active_sessions(alice.id, at(11)).await, "list_active_sessions").is_empty());
    assert_eq!(ok(s.get_session(b1.id).await, "get_session").and_then(|x| x.revoked_at), None, "bob untouched");

    let enabled = ok(s.set_disabled(alice.id, false, at(20), &audit(actions::USER_ENABLED)).await, "enable");
    assert!(!enabled.disabled, "enabled again");
    assert!(
        ok(s.list_active_sessions(alice.id, at(21)).await, "list_active_sessions").is_empty(),
        "enabling does not revive ended sessions"
    );
}

/// `delete_user` deletes sessions, removes tokens, installs and ratings (updating counters),
/// soft-deletes owned agents, frees email and external id and retires the handle.
pub async fn user_delete_cascades(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let alices = add_published(s, alice.id, "alices-agent", &definition("Alice Agent"), at(0)).await;
    let bobs = add_published(s, bob.id, "bobs-agent", &definition("Bob Agent"), at(0)).await;
    let bobs_draft = add_agent(s, bob.id, "bobs-draft", &definition("Bob Draft")).await;
    let session = add_session(s, bob.id, at(0), "b1").await;
    ok(s.install(bob.id, alices.id, None, at(1), &audit(actions::AGENT_INSTALLED)).await, "install");
    ok(s.install(alice.id, alices.id, None, at(1), &audit(actions::AGENT_INSTALLED)).await, "install");
    let review = Review {
        id: crate::ids::ReviewId::new(),
        agent_id: alices.id,
        user_id: bob.id,
        stars: crate::model::Stars::new(2).expect("1..=5 stars"),
        title: None,
        body: None,
        version: None,
        created_at: at(2),
        updated_at: at(2),
    };
    ok(s.upsert_rating(&review, &audit(actions::RATING_UPSERTED)).await, "upsert_rating");
    let token = OneTimeToken {
        hash: token_hash("bob-reset"),
        kind: OneTimeTokenKind::PasswordReset,
        user_id: bob.id,
        email: None,
        created_at: at(0),
        expires_at: at(3600),
    };
    ok(s.put_one_time_token(&token, &audit(actions::PASSWORD_RESET_REQUESTED)).await, "put_one_time_token");

    let r = audit(actions::USER_DELETED);
    ok(s.delete_user(bob.id, at(100), &r).await, "delete_user");
    assert_audited(s, &r, "delete_user").await;

    assert_eq!(ok(s.get_user(bob.id).await, "get_user"), None, "the user row is gone");
    assert_eq!(ok(s.find_user_by_email(&email("bob@example.com")).await, "by email"), None);
    assert_eq!(ok(s.find_user_by_handle(&handle("bob")).await, "by handle"), None);
    assert_eq!(ok(s.find_user_by_external_id("ext-bob").await, "by external id"), None);
    assert_eq!(ok(s.get_session(session.id).await, "get_session"), None, "the user's sessions are deleted");
    assert_eq!(ok(s.session_auth(session.id).await, "session_auth"), None, "session_auth of a deleted user");
    assert_eq!(
        ok(s.count_one_time_tokens(bob.id, OneTimeTokenKind::PasswordReset).await, "count_one_time_tokens"),
        0,
        "one-time tokens removed"
    );
    let outcome = ok(s.reset_password_with_token(&token.hash, "x", at(101), &audit("test")).await, "reset");
    assert_eq!(outcome, ConsumeOutcome::Unknown, "a deleted user's token no longer works");

    assert_eq!(ok(s.get_install(bob.id, alices.id).await, "get_install"), None, "installs removed");
    let stats = ok(s.get_stats(alices.id).await, "get_stats");
    assert_eq!(stats.install_count, 1, "install count decremented (alice's own install stays)");
    assert_eq!((stats.rating_count, stats.rating_sum, stats.histogram), (0, 0, [0; 5]), "rating aggregate updated");
    assert_eq!(ok(s.get_review(review.id).await, "get_review"), None, "ratings removed");

    for agent in [bobs.id, bobs_draft.id] {
        let a = ok(s.get_agent(agent).await, "get_agent").expect("agents are soft-deleted, not removed");
        assert_eq!(a.status, AgentStatus::Deleted, "owned agents are soft-deleted");
    }
    assert_eq!(ok(s.get_catalog_entry(bobs.id).await, "get_catalog_entry"), None, "gone from the catalogue");
    let page = ok(s.list_catalog(&CatalogQuery { limit: 100, ..Default::default() }).await, "list_catalog");
    let ids: Vec<_> = page.entries.iter().map(|(e, _)| e.agent.id).collect();
    assert_eq!(ids, vec![alices.id], "only alice's agent stays listed");

    // Email and external id are free again; the handle is retired (see `handles`).
    let mut again = user_record("bob");
    expect_conflict(s.create_user(&again, &audit(actions::USER_REGISTERED)).await, ConflictKind::Handle, "retired");
    again.handle = handle("bob-again");
    ok(s.create_user(&again, &audit(actions::USER_REGISTERED)).await, "re-register with the freed identifiers");
    assert_eq!(ok(s.get_user(alice.id).await, "get_user").map(|u| u.id), Some(alice.id), "others untouched");
}

/// `put_one_time_token` keeps only the newest token per user and kind.
pub async fn user_one_time_token_replaces_earlier(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let token = |label: &str, kind, user: UserId| OneTimeToken {
        hash: token_hash(label),
        kind,
        user_id: user,
        email: Some(email("alice@example.com")),
        created_at: at(0),
        expires_at: at(3600),
    };
    let r1 = audit(actions::PASSWORD_RESET_REQUESTED);
    ok(s.put_one_time_token(&token("r1", OneTimeTokenKind::PasswordReset, alice.id), &r1).await, "put r1");
    assert_audited(s, &r1, "put_one_time_token").await;
    ok(s.put_one_time_token(&token("r2", OneTimeTokenKind::PasswordReset, alice.id), &audit("t")).await, "put r2");
    ok(s.put_one_time_token(&token("v1", OneTimeTokenKind::EmailVerification, alice.id), &audit("t")).await, "v1");
    ok(s.put_one_time_token(&token("b1", OneTimeTokenKind::PasswordReset, bob.id), &audit("t")).await, "put b1");
    let count = |u, k| async move { ok(s.count_one_time_tokens(u, k).await, "count_one_time_tokens") };
    assert_eq!(count(alice.id, OneTimeTokenKind::PasswordReset).await, 1, "the earlier reset token is replaced");
    assert_eq!(count(alice.id, OneTimeTokenKind::EmailVerification).await, 1, "kinds are separate");
    assert_eq!(count(bob.id, OneTimeTokenKind::PasswordReset).await, 1, "users are separate");

    let old = ok(s.reset_password_with_token(&token_hash("r1"), "h", at(10), &audit("t")).await, "reset r1");
    assert_eq!(old, ConsumeOutcome::Unknown, "only the newest link works");
    let new = ok(s.reset_password_with_token(&token_hash("r2"), "h", at(10), &audit("t")).await, "reset r2");
    assert!(matches!(new, ConsumeOutcome::Applied(_)), "the newest link works, got {new:?}");
}

/// `reset_password_with_token`: applied once, then unknown; expired tokens are deleted; kinds do not mix.
pub async fn user_reset_password_with_token(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let session = add_session(s, alice.id, at(0), "a1").await;
    let reset = OneTimeToken {
        hash: token_hash("reset"),
        kind: OneTimeTokenKind::PasswordReset,
        user_id: alice.id,
        email: None,
        created_at: at(0),
        expires_at: at(3600),
    };
    ok(s.put_one_time_token(&reset, &audit(actions::PASSWORD_RESET_REQUESTED)).await, "put");

    let r = AuditRecord::new(at(600), actions::PASSWORD_RESET).target("user:reset");
    let outcome = ok(s.reset_password_with_token(&reset.hash, "new-hash", at(600), &r).await, "reset");
    let ConsumeOutcome::Applied(user) = outcome else { panic!("a valid token must be Applied, got {outcome:?}") };
    assert_eq!(user.id, alice.id, "Applied carries the token's user");
    assert_eq!(user.password_hash.as_deref(), Some("new-hash"), "Applied carries the updated user");
    let stored = ok(s.get_user(alice.id).await, "get_user").expect("alice exists");
    assert_eq!(stored.password_hash.as_deref(), Some("new-hash"), "password hash replaced");
    assert_eq!(
        ok(s.get_session(session.id).await, "get_session").and_then(|x| x.revoked_at),
        Some(at(600)),
        "a reset ends every session"
    );
    audited_sync(find_audit(s, &r).await, &r.clone().actor(alice.id).subject(alice.id), "reset (actor/subject filled)");
    assert_eq!(ok(s.count_one_time_tokens(alice.id, OneTimeTokenKind::PasswordReset).await, "count"), 0, "used up");
    let again = ok(s.reset_password_with_token(&reset.hash, "other", at(601), &audit("t")).await, "reuse");
    assert_eq!(again, ConsumeOutcome::Unknown, "a used token is unknown");

    // Expired: deleted, nothing changed.
    let expired = OneTimeToken { hash: token_hash("late"), expires_at: at(700), ..reset.clone() };
    ok(s.put_one_time_token(&expired, &audit(actions::PASSWORD_RESET_REQUESTED)).await, "put");
    let r = audit("test.expired");
    let outcome = ok(s.reset_password_with_token(&expired.hash, "late-hash", at(700), &r).await, "expired");
    assert_eq!(outcome, ConsumeOutcome::Expired, "now == expires_at is expired");
    assert_not_audited(s, &r, "expired reset").await;
    assert_eq!(ok(s.count_one_time_tokens(alice.id, OneTimeTokenKind::PasswordReset).await, "count"), 0, "deleted");
    let stored = ok(s.get_user(alice.id).await, "get_user").expect("alice exists");
    assert_eq!(stored.password_hash.as_deref(), Some("new-hash"), "an expired token changes nothing");
    let outcome = ok(s.reset_password_with_token(&expired.hash, "x", at(701), &audit("t")).await, "after expiry");
    assert_eq!(outcome, ConsumeOutcome::Unknown, "an expired token is deleted");

    // A verification token is not a reset token.
    let verify = OneTimeToken {
        hash: token_hash("verify"),
        kind: OneTimeTokenKind::EmailVerification,
        email: alice.email.clone(),
        ..reset.clone()
    };
    ok(s.put_one_time_token(&verify, &audit(actions::EMAIL_VERIFICATION_SENT)).await, "put");
    let outcome = ok(s.reset_password_with_token(&verify.hash, "x", at(10), &audit("t")).await, "wrong kind");
    assert_eq!(outcome, ConsumeOutcome::Unknown, "a verification token cannot reset a password");
    let outcome = ok(s.reset_password_with_token(&token_hash("never"), "x", at(10), &audit("t")).await, "unknown");
    assert_eq!(outcome, ConsumeOutcome::Unknown);
}

/// `verify_email_with_token`: applied when the email still matches; unknown when it changed; expired deleted.
pub async fn user_verify_email_with_token(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let token = OneTimeToken {
        hash: token_hash("verify"),
        kind: OneTimeTokenKind::EmailVerification,
        user_id: alice.id,
        email: alice.email.clone(),
        created_at: at(0),
        expires_at: at(3600),
    };
    // A token for another address (the email changed since) is unknown and changes nothing.
    let stale = OneTimeToken { hash: token_hash("stale"), email: Some(email("old@example.com")), ..token.clone() };
    ok(s.put_one_time_token(&stale, &audit(actions::EMAIL_VERIFICATION_SENT)).await, "put stale");
    let outcome = ok(s.verify_email_with_token(&stale.hash, at(10), &audit("t")).await, "stale email");
    assert_eq!(outcome, ConsumeOutcome::Unknown, "a token for another email is Unknown");
    assert!(!ok(s.get_user(alice.id).await, "get_user").expect("alice").email_verified, "not verified");

    ok(s.put_one_time_token(&token, &audit(actions::EMAIL_VERIFICATION_SENT)).await, "put");
    let r = AuditRecord::new(at(20), actions::EMAIL_VERIFIED);
    let outcome = ok(s.verify_email_with_token(&token.hash, at(20), &r).await, "verify");
    let ConsumeOutcome::Applied(user) = outcome else { panic!("a valid token must be Applied, got {outcome:?}") };
    assert!(user.email_verified, "Applied carries the verified user");
    assert!(ok(s.get_user(alice.id).await, "get_user").expect("alice").email_verified, "verification persisted");
    audited_sync(find_audit(s, &r).await, &r.clone().actor(alice.id).subject(alice.id), "verify (actor/subject)");
    let again = ok(s.verify_email_with_token(&token.hash, at(21), &audit("t")).await, "reuse");
    assert_eq!(again, ConsumeOutcome::Unknown, "a used token is unknown");

    let bob = add_user(s, "bob").await;
    let late = OneTimeToken { hash: token_hash("late"), user_id: bob.id, email: bob.email.clone(), ..token.clone() };
    ok(s.put_one_time_token(&late, &audit(actions::EMAIL_VERIFICATION_SENT)).await, "put");
    let outcome = ok(s.verify_email_with_token(&late.hash, at(3600), &audit("t")).await, "expired");
    assert_eq!(outcome, ConsumeOutcome::Expired, "now == expires_at is expired");
    assert_eq!(
        ok(s.count_one_time_tokens(bob.id, OneTimeTokenKind::EmailVerification).await, "count"),
        0,
        "an expired token is deleted"
    );
    assert!(!ok(s.get_user(bob.id).await, "get_user").expect("bob").email_verified, "expired changes nothing");
}

/// `change_email_with_token`: applied once (new address, verified, every other
/// one-time token of the user deleted); a taken address is `Conflict(Email)`
/// and changes nothing; expired deleted; other kinds unknown; a concurrent
/// registration of the same address and the confirmation have one winner.
pub async fn user_change_email_with_token(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let change = |label: &str, to: &str| OneTimeToken {
        hash: token_hash(label),
        kind: OneTimeTokenKind::EmailChange,
        user_id: alice.id,
        email: Some(email(to)),
        created_at: at(0),
        expires_at: at(600),
    };
    // A reset link and a verification link of the old address are outstanding.
    add_one_time_token(s, "alice-reset", OneTimeTokenKind::PasswordReset, alice.id, at(600)).await;
    let verify = OneTimeToken {
        hash: token_hash("alice-verify"),
        kind: OneTimeTokenKind::EmailVerification,
        user_id: alice.id,
        email: alice.email.clone(),
        created_at: at(0),
        expires_at: at(600),
    };
    ok(s.put_one_time_token(&verify, &audit(actions::EMAIL_VERIFICATION_SENT)).await, "put verify");

    // Bob's address is taken: conflict, nothing changes, the token stays.
    let taken = change("to-bob", bob.email.as_deref().expect("bob has an email"));
    ok(s.put_one_time_token(&taken, &audit(actions::EMAIL_CHANGE_REQUESTED)).await, "put taken");
    let r = audit("test.taken");
    match s.change_email_with_token(&taken.hash, at(10), &r).await {
        Err(StorageError::Conflict(ConflictKind::Email)) => {}
        other => panic!("a taken address must be Conflict(Email), got {other:?}"),
    }
    assert_not_audited(s, &r, "conflicting email change").await;
    assert_eq!(ok(s.get_user(alice.id).await, "get_user").expect("alice").email, alice.email, "unchanged");
    assert_eq!(ok(s.count_one_time_tokens(alice.id, OneTimeTokenKind::PasswordReset).await, "count"), 1);

    // The newest change link replaces the earlier one and works.
    let token = change("to-new", "alice.new@example.com");
    ok(s.put_one_time_token(&token, &audit(actions::EMAIL_CHANGE_REQUESTED)).await, "put");
    let stale = ok(s.change_email_with_token(&taken.hash, at(10), &audit("t")).await, "replaced");
    assert_eq!(stale, ConsumeOutcome::Unknown, "only the newest change link works");
    let r = AuditRecord::new(at(20), actions::EMAIL_CHANGED).target("user:alice");
    let outcome = ok(s.change_email_with_token(&token.hash, at(20), &r).await, "change");
    let ConsumeOutcome::Applied(user) = outcome else { panic!("a valid token must be Applied, got {outcome:?}") };
    assert_eq!(user.email.as_deref(), Some("alice.new@example.com"), "Applied carries the new address");
    assert!(user.email_verified, "the new address is verified by the link");
    assert_eq!(user.updated_at, at(20));
    let stored = ok(s.get_user(alice.id).await, "get_user").expect("alice");
    assert_eq!(stored.email.as_deref(), Some("alice.new@example.com"), "change persisted");
    assert!(stored.email_verified);
    audited_sync(find_audit(s, &r).await, &r.clone().actor(alice.id).subject(alice.id), "change (actor/subject)");
    let found = ok(s.find_user_by_email(&email("alice.new@example.com")).await, "find new").map(|u| u.id);
    assert_eq!(found, Some(alice.id), "the new address finds the user");
    let old = ok(s.find_user_by_email(alice.email.as_ref().expect("email")).await, "find old");
    assert!(old.is_none(), "the old address is free");
    for kind in [OneTimeTokenKind::PasswordReset, OneTimeTokenKind::EmailVerification, OneTimeTokenKind::EmailChange] {
        assert_eq!(ok(s.count_one_time_tokens(alice.id, kind).await, "count"), 0, "{kind:?} tokens die");
    }
    let again = ok(s.change_email_with_token(&token.hash, at(21), &audit("t")).await, "reuse");
    assert_eq!(again, ConsumeOutcome::Unknown, "a used token is unknown");

    // The freed address can be registered by someone else.
    let mut carol = user_record("carol");
    carol.email = alice.email.clone();
    ok(s.create_user(&carol, &audit(actions::USER_REGISTERED)).await, "the old address is free to register");

    // Expired: deleted, nothing changed.
    let late = OneTimeToken { hash: token_hash("late"), email: Some(email("late@example.com")), ..token.clone() };
    ok(s.put_one_time_token(&late, &audit(actions::EMAIL_CHANGE_REQUESTED)).await, "put late");
    let outcome = ok(s.change_email_with_token(&late.hash, at(600), &audit("t")).await, "expired");
    assert_eq!(outcome, ConsumeOutcome::Expired, "now == expires_at is expired");
    assert_eq!(ok(s.count_one_time_tokens(alice.id, OneTimeTokenKind::EmailChange).await, "count"), 0, "deleted");
    let stored = ok(s.get_user(alice.id).await, "get_user").expect("alice");
    assert_eq!(stored.email.as_deref(), Some("alice.new@example.com"), "an expired token changes nothing");

    // Other kinds are not change tokens, and change tokens verify nothing else.
    add_one_time_token(s, "bob-reset", OneTimeTokenKind::PasswordReset, bob.id, at(600)).await;
    let outcome = ok(s.change_email_with_token(&token_hash("bob-reset"), at(10), &audit("t")).await, "kind");
    assert_eq!(outcome, ConsumeOutcome::Unknown, "a reset token cannot change an email");
    let bob_change = OneTimeToken {
        hash: token_hash("bob-change"),
        user_id: bob.id,
        email: Some(email("bob.new@example.com")),
        ..token.clone()
    };
    ok(s.put_one_time_token(&bob_change, &audit(actions::EMAIL_CHANGE_REQUESTED)).await, "put");
    let outcome = ok(s.verify_email_with_token(&bob_change.hash, at(10), &audit("t")).await, "verify with change");
    assert_eq!(outcome, ConsumeOutcome::Unknown, "a change token is not a verification token");
    let outcome = ok(s.reset_password_with_token(&bob_change.hash, "h", at(10), &audit("t")).await, "reset");
    assert_eq!(outcome, ConsumeOutcome::Unknown, "a change token is not a reset token");

    // A registration of bob's new address races the confirmation: one winner.
    let racer_store = store.clone();
    let register = tokio::spawn(async move {
        let mut racer = user_record("racer");
        racer.email = Some(email("bob.new@example.com"));
        racer_store.create_user(&racer, &audit(actions::USER_REGISTERED)).await
    });
    let confirm_store = store.clone();
    let confirm = tokio::spawn(async move {
        confirm_store.change_email_with_token(&token_hash("bob-change"), at(30), &audit("test.race")).await
    });
    let registered = register.await.expect("task panicked");
    let confirmed = confirm.await.expect("task panicked");
    match (&registered, &confirmed) {
        (Ok(()), Err(StorageError::Conflict(ConflictKind::Email))) => {}
        (Err(StorageError::Conflict(ConflictKind::Email)), Ok(ConsumeOutcome::Applied(_))) => {}
        other => panic!("a registration and a confirmation of one address must have one winner, got {other:?}"),
    }
    let owners = ok(s.find_user_by_email(&email("bob.new@example.com")).await, "find").into_iter().count();
    assert_eq!(owners, 1, "exactly one account owns the address");
}

/// 16 concurrent `create_user` with the same email: exactly one wins, the others get `Conflict(Email)`.
pub async fn concurrent_create_user_same_email(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut user = user_record(&format!("racer{i}"));
            user.email = Some(email("same@example.com"));
            user.external_id = None;
            store.create_user(&user, &audit(actions::USER_REGISTERED)).await.map(|()| user.id)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("task panicked") {
            Ok(id) => winners.push(id),
            Err(StorageError::Conflict(ConflictKind::Email)) => {}
            Err(other) => panic!("concurrent create_user: expected Conflict(Email), got {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one concurrent create_user with the same email wins");
    let found = ok(store.find_user_by_email(&email("same@example.com")).await, "find_user_by_email");
    assert_eq!(found.map(|u| u.id), Some(winners[0]), "the winner owns the email");
    let registered = AuditFilter { action: Some(actions::USER_REGISTERED.into()), ..Default::default() };
    let records = ok(store.list_audit(&registered, None, 100).await, "list_audit");
    assert_eq!(records.len(), 1, "only the winner's audit record is written");
}

/// 16 concurrent `create_user` with the same handle: exactly one wins, the others get `Conflict(Handle)`.
pub async fn concurrent_create_user_same_handle(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut user = user_record("samehandle");
            user.email = Some(email(&format!("racer{i}@example.com")));
            user.external_id = Some(format!("ext-racer{i}"));
            store.create_user(&user, &audit(actions::USER_REGISTERED)).await
        }));
    }
    let mut wins = 0;
    for task in tasks {
        match task.await.expect("task panicked") {
            Ok(()) => wins += 1,
            Err(StorageError::Conflict(ConflictKind::Handle)) => {}
            Err(other) => panic!("concurrent create_user: expected Conflict(Handle), got {other:?}"),
        }
    }
    assert_eq!(wins, 1, "exactly one concurrent create_user with the same handle wins");
}

/// 8 concurrent `reset_password_with_token` with one token: exactly one `Applied` (with the new
/// hash, ending the user's sessions), the others `Unknown`; one audit record.
pub async fn concurrent_reset_password_with_token(store: Arc<dyn Store>) {
    let alice = add_user(&*store, "alice").await;
    let session = add_session(&*store, alice.id, at(0), "a1").await;
    add_one_time_token(&*store, "shared-reset", OneTimeTokenKind::PasswordReset, alice.id, at(3600)).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let hash = format!("racer-hash-{i}");
            let r = AuditRecord::new(at(60), actions::PASSWORD_RESET).target(format!("reset:{i}"));
            store.reset_password_with_token(&token_hash("shared-reset"), &hash, at(60), &r).await.map(|o| (hash, o))
        }));
    }
    let mut applied = Vec::new();
    for task in tasks {
        match ok(task.await.expect("task panicked"), "concurrent reset_password_with_token") {
            (hash, ConsumeOutcome::Applied(user)) => {
                assert_eq!(user.password_hash.as_deref(), Some(hash.as_str()), "Applied carries the new hash");
                applied.push(hash);
            }
            (_, ConsumeOutcome::Unknown) => {}
            (_, other) => panic!("concurrent reset: expected Applied or Unknown, got {other:?}"),
        }
    }
    assert_eq!(applied.len(), 1, "a reset token works exactly once");
    let stored = ok(store.get_user(alice.id).await, "get_user").expect("alice exists");
    assert_eq!(stored.password_hash, applied.first().cloned(), "the winner's hash is stored");
    assert_eq!(
        ok(store.get_session(session.id).await, "get_session").and_then(|x| x.revoked_at),
        Some(at(60)),
        "the reset ended the session"
    );
    let resets = AuditFilter { action: Some(actions::PASSWORD_RESET.into()), ..Default::default() };
    assert_eq!(ok(store.list_audit(&resets, None, 100).await, "list_audit").len(), 1, "one audit record");
}
