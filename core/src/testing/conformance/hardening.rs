//! Cases for the session cap and idle window
//! ([`SessionStore::create_session_capped`](crate::storage::SessionStore::create_session_capped),
//! [`SessionStore::list_sessions_page`](crate::storage::SessionStore::list_sessions_page)),
//! one-time token lookup and deletion
//! ([`UserStore::find_one_time_token`](crate::storage::UserStore::find_one_time_token),
//! [`UserStore::delete_one_time_tokens`](crate::storage::UserStore::delete_one_time_tokens))
//! and paginated versions
//! ([`AgentStore::list_versions_page`](crate::storage::AgentStore::list_versions_page)).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::support::*;
use crate::ids::{AgentId, SessionId, UserId};
use crate::model::{AuditRecord, OneTimeToken, OneTimeTokenKind, Session, actions};
use crate::storage::{ActiveAt, SessionCap, Store};

/// Active at `now` with a one-hour idle window.
fn active_at(now: DateTime<Utc>) -> ActiveAt {
    ActiveAt { now, idle_since: now - Duration::hours(1) }
}

fn cap(max_active: u32, now: DateTime<Utc>, label: &str) -> SessionCap {
    SessionCap {
        max_active,
        active: active_at(now),
        evicted_audit: AuditRecord::new(now, actions::SESSIONS_EVICTED).target(format!("evicted:{label}")),
    }
}

async fn create_capped(
    store: &dyn Store,
    user: UserId,
    created: DateTime<Utc>,
    refresh: &str,
    max: u32,
) -> (Session, u64) {
    let session = session_record(user, created);
    let evicted = ok(
        store
            .create_session_capped(
                &session,
                &token_hash(refresh),
                &audit(actions::SESSION_CREATED),
                &cap(max, created, refresh),
            )
            .await,
        "create_session_capped",
    );
    (session, evicted)
}

fn ids(sessions: &[Session]) -> Vec<SessionId> {
    sessions.iter().map(|s| s.id).collect()
}

/// `create_session_capped` ends the oldest active sessions past the cap,
/// writes the eviction record once, and ignores revoked, expired and idle
/// sessions and other users' sessions when counting.
pub async fn session_capped_create_evicts_oldest(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let (a1, n) = create_capped(s, alice.id, at(0), "a1", 3).await;
    assert_eq!(n, 0, "below the cap nothing ends");
    let (a2, _) = create_capped(s, alice.id, at(10), "a2", 3).await;
    let (a3, _) = create_capped(s, alice.id, at(20), "a3", 3).await;
    create_capped(s, bob.id, at(25), "b1", 3).await;
    assert!(ok(s.find_session_by_refresh(&token_hash("a1")).await, "find").is_some(), "the token is stored");

    let session = session_record(alice.id, at(30));
    let c = cap(3, at(30), "a4");
    let r = audit(actions::SESSION_CREATED);
    let n = ok(s.create_session_capped(&session, &token_hash("a4"), &r, &c).await, "create_session_capped");
    assert_eq!(n, 1, "one session ends to make room");
    assert_audited(s, &r, "create_session_capped").await;
    assert_audited(s, &c.evicted_audit, "the eviction record").await;
    let ended = ok(s.get_session(a1.id).await, "get_session").expect("a1 exists");
    assert_eq!(ended.revoked_at, Some(at(30)), "the oldest session ended at now");
    let listed = ok(s.list_sessions_page(alice.id, active_at(at(31)), None, 10).await, "list_sessions_page");
    assert_eq!(ids(&listed), vec![session.id, a3.id, a2.id], "the newest three remain, newest first");
    let bobs = ok(s.list_sessions_page(bob.id, active_at(at(31)), None, 10).await, "list_sessions_page");
    assert_eq!(bobs.len(), 1, "another user's sessions are untouched");

    // An idle session (last used more than an hour before) does not count, and is not ended.
    let late = at(20 + 3600 + 5);
    let (fresh, n) = create_capped(s, alice.id, late, "a5", 3).await;
    assert_eq!(n, 0, "idle sessions do not count against the cap");
    assert_eq!(ok(s.get_session(a2.id).await, "get_session").and_then(|x| x.revoked_at), None, "idle: not revoked");
    let listed = ok(s.list_sessions_page(alice.id, active_at(late), None, 10).await, "list_sessions_page");
    assert_eq!(ids(&listed), vec![fresh.id, session.id], "idle sessions are not listed");

    // A cap of one: the new session is the only one left.
    let (only, n) = create_capped(s, alice.id, late + Duration::seconds(1), "a6", 1).await;
    assert_eq!(n, 2, "a cap of one ends every other active session");
    let listed = ok(s.list_sessions_page(alice.id, active_at(late + Duration::seconds(2)), None, 10).await, "list");
    assert_eq!(ids(&listed), vec![only.id]);
}

/// Below the cap no eviction record is written.
pub async fn session_capped_create_no_eviction_no_record(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let session = session_record(alice.id, at(0));
    let c = cap(2, at(0), "quiet");
    ok(s.create_session_capped(&session, &token_hash("q1"), &audit("t"), &c).await, "create_session_capped");
    assert_not_audited(s, &c.evicted_audit, "nothing ended, nothing recorded").await;
    assert_eq!(ok(s.get_session(session.id).await, "get_session"), Some(session), "round trip");
}

/// `list_sessions_page`: newest first, `limit + 1` items, resumes strictly
/// after the cursor position, skips revoked, expired and idle sessions.
pub async fn session_list_page(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(add_session(s, alice.id, at(i * 10), &format!("p{i}")).await);
    }
    // Two sessions with the same creation time: the id breaks the tie.
    let twin = add_session(s, alice.id, at(40), "twin").await;
    let revoked = add_session(s, alice.id, at(45), "rev").await;
    assert!(ok(s.revoke_session(alice.id, revoked.id, at(46), &audit("t")).await, "revoke"));
    let mut expired = session_record(alice.id, at(47));
    expired.expires_at = at(48);
    ok(s.create_session(&expired, &token_hash("exp"), &audit("t")).await, "create expired");

    let now = at(100);
    let mut expected: Vec<Session> = created.clone();
    expected.push(twin);
    expected.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let first = ok(s.list_sessions_page(alice.id, active_at(now), None, 2).await, "list_sessions_page");
    assert_eq!(first.len(), 3, "limit + 1 items tell that more follow");
    assert_eq!(ids(&first[..2]), ids(&expected[..2]), "newest first, ties by id descending");
    let mut seen = ids(&first[..2]);
    let mut after = first.get(1).map(|x| (x.created_at, x.id));
    while let Some(position) = after {
        let page = ok(s.list_sessions_page(alice.id, active_at(now), Some(position), 2).await, "next page");
        seen.extend(ids(&page[..page.len().min(2)]));
        after = if page.len() > 2 { page.get(1).map(|x| (x.created_at, x.id)) } else { None };
    }
    assert_eq!(seen, ids(&expected), "pages cover every active session once, in order");

    // Idle: a session last used at or before `idle_since` is not listed.
    let idle = ActiveAt { now, idle_since: at(20) };
    let listed = ok(s.list_sessions_page(alice.id, idle, None, 50).await, "list_sessions_page");
    assert!(listed.iter().all(|x| x.last_used_at > at(20)), "idle sessions are skipped");
    assert_eq!(listed.len(), 3, "the sessions created at 30, 40 and 40 are used after the idle cut");
    assert!(ok(s.list_sessions_page(UserId::new(), active_at(now), None, 5).await, "unknown user").is_empty());
}

/// Concurrent capped creates for one user never leave more active sessions than the cap.
pub async fn concurrent_session_capped_creates(store: Arc<dyn Store>) {
    let alice = add_user(&*store, "alice").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let session = session_record(alice.id, at(i));
            store
                .create_session_capped(
                    &session,
                    &token_hash(&format!("c{i}")),
                    &audit("t"),
                    &cap(3, at(20), &format!("c{i}")),
                )
                .await
        }));
    }
    let mut evicted = 0;
    for task in tasks {
        evicted += ok(task.await.expect("task panicked"), "concurrent create_session_capped");
    }
    let listed = ok(store.list_sessions_page(alice.id, active_at(at(21)), None, 50).await, "list_sessions_page");
    assert_eq!(listed.len(), 3, "exactly the cap of sessions stays active");
    assert_eq!(evicted, 9, "every other session was ended by one of the creates");
}

fn reset_token(user: UserId, label: &str, kind: OneTimeTokenKind) -> OneTimeToken {
    OneTimeToken {
        hash: token_hash(label),
        kind,
        user_id: user,
        email: Some("alice@example.com".parse().expect("valid email")),
        created_at: at(0),
        expires_at: at(600),
    }
}

/// `find_one_time_token` reads without consuming (expired tokens too);
/// `delete_one_time_tokens` deletes only the user's tokens of that kind.
pub async fn user_one_time_token_find_and_delete(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let bob = add_user(s, "bob").await;
    let reset = reset_token(alice.id, "reset-a", OneTimeTokenKind::PasswordReset);
    let verify = reset_token(alice.id, "verify-a", OneTimeTokenKind::EmailVerification);
    let bobs = reset_token(bob.id, "reset-b", OneTimeTokenKind::PasswordReset);
    for t in [&reset, &verify, &bobs] {
        ok(s.put_one_time_token(t, &audit("t")).await, "put_one_time_token");
    }
    assert_eq!(ok(s.find_one_time_token(&reset.hash).await, "find"), Some(reset.clone()), "round trip");
    assert_eq!(ok(s.find_one_time_token(&reset.hash).await, "find"), Some(reset.clone()), "finding does not consume");
    assert_eq!(ok(s.find_one_time_token(&token_hash("nope")).await, "find"), None, "unknown hash");

    let n = ok(s.delete_one_time_tokens(alice.id, OneTimeTokenKind::PasswordReset).await, "delete_one_time_tokens");
    assert_eq!(n, 1, "alice's reset token is deleted");
    assert_eq!(ok(s.find_one_time_token(&reset.hash).await, "find"), None, "gone");
    assert_eq!(ok(s.find_one_time_token(&verify.hash).await, "find"), Some(verify), "other kinds stay");
    assert_eq!(ok(s.find_one_time_token(&bobs.hash).await, "find"), Some(bobs), "other users' tokens stay");
    let n = ok(s.delete_one_time_tokens(alice.id, OneTimeTokenKind::PasswordReset).await, "delete again");
    assert_eq!(n, 0, "nothing left to delete");
    assert_eq!(ok(s.delete_one_time_tokens(UserId::new(), OneTimeTokenKind::PasswordReset).await, "unknown user"), 0);
    let consumed = ok(s.reset_password_with_token(&reset.hash, "$argon2id$new", at(1), &audit("t")).await, "reset");
    assert_eq!(consumed, crate::storage::ConsumeOutcome::Unknown, "a deleted token cannot be used");
}

/// `list_versions_page`: semver order newest first, `limit + 1` items, strictly below `before`.
pub async fn agent_versions_page(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = add_user(s, "alice").await;
    let agent = add_agent(s, alice.id, "helper", &definition("One")).await;
    let mut expected = None;
    for (i, version) in ["0.9.0", "1.2.0", "1.10.0", "2.0.0-beta.1", "2.0.0"].iter().enumerate() {
        ok(publish(s, &agent, version, expected, &definition(version), at(i as i64)).await, "publish");
        expected = Some(version);
    }
    let text = |page: &[crate::model::AgentVersion]| page.iter().map(|x| x.version.to_string()).collect::<Vec<_>>();
    let first = ok(s.list_versions_page(agent.id, None, 2).await, "list_versions_page");
    assert_eq!(text(&first), ["2.0.0", "2.0.0-beta.1", "1.10.0"], "limit + 1, semver order");
    assert_eq!(first[0].definition, definition("2.0.0"), "full rows are returned");
    let second = ok(s.list_versions_page(agent.id, Some(&v("2.0.0-beta.1")), 2).await, "page 2");
    assert_eq!(text(&second), ["1.10.0", "1.2.0", "0.9.0"]);
    let last = ok(s.list_versions_page(agent.id, Some(&v("1.2.0")), 2).await, "page 3");
    assert_eq!(text(&last), ["0.9.0"], "the last page has no extra item");
    let below_all = ok(s.list_versions_page(agent.id, Some(&v("0.1.0")), 2).await, "below every version");
    assert!(below_all.is_empty());
    let between = ok(s.list_versions_page(agent.id, Some(&v("1.5.0")), 10).await, "an unpublished bound");
    assert_eq!(text(&between), ["1.2.0", "0.9.0"], "the bound need not be published");
    assert!(ok(s.list_versions_page(AgentId::new(), None, 5).await, "unknown agent").is_empty());
}
