//! Session idle timeout, the per-user session cap, logout-others, the
//! admin's session kill, paginated sessions, and reset links that die with
//! the password (issue 10 items 8, 10 and 11), with the manual clock.

use std::sync::Arc;

use agentmart_core::auth::{AdminUserUpdate, LoginRequest, RegisterRequest};
use agentmart_core::storage::Store;
use agentmart_core::testing::{Fault, FaultyStore, MemoryStore};
use agentmart_core::{
    Agentmart, AuditFilter, ClientInfo, Config, ErrorCode, ManualClock, MemoryNotifier, MessageKind, OneTimeTokenKind,
    PageRequest, Principal, Role, TokenPair, actions,
};
use chrono::{DateTime, Duration, Utc};

const PASSWORD: &str = "correct horse battery staple";

struct Harness {
    mart: Agentmart,
    store: Arc<dyn Store>,
    clock: ManualClock,
    notifier: MemoryNotifier,
}

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc)
}

fn harness_on(store: Arc<dyn Store>, config: Config) -> Harness {
    let clock = ManualClock::new(start());
    let notifier = MemoryNotifier::new();
    let mart = Agentmart::builder(store.clone(), config)
        .clock(Arc::new(clock.clone()))
        .notifier(Arc::new(notifier.clone()))
        .build()
        .unwrap();
    Harness { mart, store, clock, notifier }
}

fn harness_with(config: Config) -> Harness {
    harness_on(Arc::new(MemoryStore::new()), config)
}

fn client(key: &str) -> ClientInfo {
    ClientInfo { ip: Some("198.51.100.1".into()), user_agent: Some("tests/1.0".into()), client_key: Some(key.into()) }
}

impl Harness {
    async fn register(&self, email: &str) -> TokenPair {
        let req = RegisterRequest { email: email.into(), password: PASSWORD.into(), handle: None, display_name: None };
        self.mart.auth().register(req, &client("home")).await.unwrap().tokens
    }

    async fn login(&self, email: &str) -> TokenPair {
        let req = LoginRequest { email: email.into(), password: PASSWORD.into() };
        self.mart.auth().login(req, &client("home")).await.unwrap()
    }

    async fn principal(&self, tokens: &TokenPair) -> Principal {
        self.mart.auth().authenticate(&tokens.access_token).await.unwrap()
    }

    async fn reset_link(&self, email: &str) -> String {
        self.mart.auth().request_password_reset(email, &client("x")).await.unwrap();
        self.notifier.last(email, MessageKind::PasswordReset).expect("a reset message").token
    }

    async fn reset_tokens(&self, user: &Principal) -> u64 {
        self.store.count_one_time_tokens(user.user_id, OneTimeTokenKind::PasswordReset).await.unwrap()
    }
}

fn code<T: std::fmt::Debug>(result: agentmart_core::Result<T>) -> ErrorCode {
    result.expect_err("expected an error").code()
}

#[tokio::test]
async fn an_idle_session_cannot_be_refreshed_and_each_refresh_restarts_the_window() {
    let mut config = Config::for_tests();
    config.session_idle_timeout = std::time::Duration::from_secs(3600);
    let h = harness_with(config);
    let auth = h.mart.auth();
    let tokens = h.register("ada@example.com").await;

    // Refreshing just inside the window works and starts it again.
    h.clock.advance(Duration::seconds(3599));
    let tokens = auth.refresh(&tokens.refresh_token, &client("home")).await.unwrap();
    h.clock.advance(Duration::seconds(3599));
    let tokens = auth.refresh(&tokens.refresh_token, &client("home")).await.unwrap();

    // At the boundary the session is idle: refused like an expired token, and no longer listed.
    h.clock.advance(Duration::seconds(3600));
    assert_eq!(code(auth.refresh(&tokens.refresh_token, &client("home")).await), ErrorCode::TokenExpired);
    let fresh = h.login("ada@example.com").await;
    let me = h.principal(&fresh).await;
    let listed = auth.sessions(&me).await.unwrap();
    assert_eq!(listed.len(), 1, "the idle session is not active any more");
    assert!(listed[0].current);
}

#[tokio::test]
async fn the_default_idle_timeout_is_seven_days_and_the_absolute_lifetime_still_applies() {
    let config = Config::for_tests();
    assert_eq!(config.session_idle_timeout, std::time::Duration::from_secs(7 * 24 * 3600));
    assert_eq!(config.max_sessions_per_user, 100);
    let h = harness_with(config);
    let auth = h.mart.auth();
    let mut tokens = h.register("ada@example.com").await;
    // Refreshing every 6 days keeps the session alive until its 30-day lifetime ends.
    for _ in 0..4 {
        h.clock.advance(Duration::days(6));
        tokens = auth.refresh(&tokens.refresh_token, &client("home")).await.unwrap();
    }
    h.clock.advance(Duration::days(6) + Duration::seconds(1));
    assert_eq!(code(auth.refresh(&tokens.refresh_token, &client("home")).await), ErrorCode::TokenExpired);

    // And 7 days without a refresh end a session.
    let other = h.login("ada@example.com").await;
    h.clock.advance(Duration::days(7));
    assert_eq!(code(auth.refresh(&other.refresh_token, &client("home")).await), ErrorCode::TokenExpired);
}

#[tokio::test]
async fn invalid_idle_and_cap_settings_are_refused() {
    let mut config = Config::for_tests();
    config.session_idle_timeout = std::time::Duration::from_secs(60);
    config.max_sessions_per_user = 0;
    let err = config.validate().unwrap_err();
    let fields: Vec<&str> = err.field_errors().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["session_idle_timeout", "max_sessions_per_user"]);
}

#[tokio::test]
async fn past_the_session_cap_the_oldest_sessions_end_first() {
    let mut config = Config::for_tests();
    config.max_sessions_per_user = 3;
    let h = harness_with(config);
    let auth = h.mart.auth();
    let first = h.register("ada@example.com").await;
    h.clock.advance(Duration::seconds(1));
    let second = h.login("ada@example.com").await;
    h.clock.advance(Duration::seconds(1));
    let third = h.login("ada@example.com").await;
    h.clock.advance(Duration::seconds(1));
    let fourth = h.login("ada@example.com").await;

    assert_eq!(code(auth.refresh(&first.refresh_token, &client("home")).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.authenticate(&first.access_token).await), ErrorCode::TokenInvalid);
    auth.authenticate(&second.access_token).await.unwrap();
    let me = h.principal(&fourth).await;
    let listed = auth.sessions(&me).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed[0].current, "newest first, the caller's marked");
    let third_id = h.principal(&third).await.session_id.unwrap();
    assert_eq!(listed[1].id, third_id);

    let filter = AuditFilter { action: Some(actions::SESSIONS_EVICTED.into()), ..AuditFilter::default() };
    let records = h.store.list_audit(&filter, None, 10).await.unwrap();
    assert_eq!(records.len(), 1, "the eviction is audited");
    assert_eq!(records[0].subject, Some(me.user_id));
}

#[tokio::test]
async fn logout_others_keeps_only_the_current_session() {
    let h = harness_with(Config::for_tests());
    let auth = h.mart.auth();
    let a = h.register("ada@example.com").await;
    let b = h.login("ada@example.com").await;
    let c = h.login("ada@example.com").await;
    let bob = h.register("bob@example.com").await;
    let me = h.principal(&b).await;
    assert_eq!(auth.logout_others(&me).await.unwrap(), 2);
    assert_eq!(code(auth.authenticate(&a.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.refresh(&c.refresh_token, &client("home")).await), ErrorCode::TokenInvalid);
    auth.authenticate(&b.access_token).await.unwrap();
    auth.refresh(&b.refresh_token, &client("home")).await.unwrap();
    auth.authenticate(&bob.access_token).await.unwrap();
    let filter = AuditFilter { action: Some(actions::SESSIONS_REVOKED_OTHERS.into()), ..AuditFilter::default() };
    assert_eq!(h.store.list_audit(&filter, None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_admin_ends_every_session_of_a_user_with_an_audit_record() {
    let h = harness_with(Config::for_tests());
    let auth = h.mart.auth();
    let admin_tokens = h.register("admin@example.com").await;
    h.mart.admin().set_role_by_email("admin@example.com", Role::Admin).await.unwrap();
    let admin = h.principal(&admin_tokens).await;
    let one = h.register("ada@example.com").await;
    let two = h.login("ada@example.com").await;
    let ada = h.principal(&one).await;

    let user = h.principal(&two).await;
    assert_eq!(code(h.mart.admin().revoke_user_sessions(&user, ada.user_id).await), ErrorCode::Forbidden);
    assert_eq!(
        code(h.mart.admin().revoke_user_sessions(&admin, agentmart_core::UserId::new()).await),
        ErrorCode::NotFound
    );
    assert_eq!(h.mart.admin().revoke_user_sessions(&admin, ada.user_id).await.unwrap(), 2);
    assert_eq!(code(auth.authenticate(&one.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.refresh(&two.refresh_token, &client("home")).await), ErrorCode::TokenInvalid);
    auth.authenticate(&admin_tokens.access_token).await.unwrap();
    let filter = AuditFilter { action: Some(actions::SESSIONS_REVOKED_BY_ADMIN.into()), ..AuditFilter::default() };
    let records = h.store.list_audit(&filter, None, 10).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!((records[0].actor, records[0].subject), (Some(admin.user_id), Some(ada.user_id)));

    // A demoted admin whose principal is still cached is refused: the role is re-read.
    let other_admin_tokens = h.register("second@example.com").await;
    h.mart.admin().set_role_by_email("second@example.com", Role::Admin).await.unwrap();
    let cached = h.principal(&other_admin_tokens).await;
    h.mart.admin().set_role_by_email("second@example.com", Role::User).await.unwrap();
    assert_eq!(code(h.mart.admin().revoke_user_sessions(&cached, ada.user_id).await), ErrorCode::Forbidden);
}

#[tokio::test]
async fn sessions_are_paginated_with_signed_cursors() {
    let h = harness_with(Config::for_tests());
    let auth = h.mart.auth();
    h.register("ada@example.com").await;
    for _ in 0..4 {
        h.clock.advance(Duration::seconds(1));
        h.login("ada@example.com").await;
    }
    let current = h.login("ada@example.com").await;
    let me = h.principal(&current).await;
    let first = auth.sessions_page(&me, PageRequest { limit: Some(2), cursor: None }).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert!(first.items[0].current);
    let mut ids: Vec<_> = first.items.iter().map(|s| s.id).collect();
    let mut cursor = first.next_cursor;
    while let Some(c) = cursor {
        let page = auth.sessions_page(&me, PageRequest { limit: Some(2), cursor: Some(c) }).await.unwrap();
        ids.extend(page.items.iter().map(|s| s.id));
        cursor = page.next_cursor;
    }
    assert_eq!(ids.len(), 6, "every session once");
    let all: Vec<_> = auth.sessions(&me).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, all, "pages and the whole list agree");
    let default = auth.sessions_page(&me, PageRequest::default()).await.unwrap();
    assert_eq!((default.items.len(), default.next_cursor), (6, None), "default limit 20");

    // Another user's cursor, or a tampered one, is refused.
    let bob_tokens = h.register("bob@example.com").await;
    h.login("bob@example.com").await;
    let bob = h.principal(&bob_tokens).await;
    let foreign =
        auth.sessions_page(&bob, PageRequest { limit: Some(1), cursor: None }).await.unwrap().next_cursor.unwrap();
    let bad = auth.sessions_page(&me, PageRequest { limit: None, cursor: Some(foreign) }).await;
    assert_eq!(code(bad), ErrorCode::MalformedRequest);
    let bad = auth.sessions_page(&me, PageRequest { limit: Some(101), cursor: None }).await;
    assert_eq!(code(bad), ErrorCode::ValidationFailed);
}

#[tokio::test]
async fn reset_links_die_with_a_password_change_a_reset_a_disable_and_a_login() {
    let h = harness_with(Config::for_tests());
    let auth = h.mart.auth();
    let tokens = h.register("ada@example.com").await;
    let ada = h.principal(&tokens).await;

    // A password change.
    let link = h.reset_link("ada@example.com").await;
    assert_eq!(h.reset_tokens(&ada).await, 1);
    auth.change_password(&ada, PASSWORD, "a fresh new passphrase").await.unwrap();
    assert_eq!(h.reset_tokens(&ada).await, 0);
    assert_eq!(code(auth.reset_password(&link, "an attacker's passphrase").await), ErrorCode::TokenInvalid);
    auth.change_password(&ada, "a fresh new passphrase", PASSWORD).await.unwrap();

    // A successful login.
    let link = h.reset_link("ada@example.com").await;
    h.login("ada@example.com").await;
    assert_eq!(h.reset_tokens(&ada).await, 0);
    assert_eq!(code(auth.reset_password(&link, "an attacker's passphrase").await), ErrorCode::TokenInvalid);

    // A reset removes every outstanding link.
    let link = h.reset_link("ada@example.com").await;
    auth.reset_password(&link, "the reset passphrase").await.unwrap();
    assert_eq!(h.reset_tokens(&ada).await, 0);

    // Disabling the account.
    let link = h.reset_link("ada@example.com").await;
    let admin_tokens = h.register("admin@example.com").await;
    h.mart.admin().set_role_by_email("admin@example.com", Role::Admin).await.unwrap();
    let admin = h.principal(&admin_tokens).await;
    let update = AdminUserUpdate { disabled: Some(true), role: None };
    h.mart.admin().update_user(&admin, ada.user_id, update).await.unwrap();
    assert_eq!(h.reset_tokens(&ada).await, 0);
    assert_eq!(code(auth.reset_password(&link, "an attacker's passphrase").await), ErrorCode::TokenInvalid);
}

#[tokio::test]
async fn a_reset_refuses_disabled_users_even_with_a_stored_link() {
    let h = harness_with(Config::for_tests());
    let auth = h.mart.auth();
    let tokens = h.register("ada@example.com").await;
    let ada = h.principal(&tokens).await;
    let link = h.reset_link("ada@example.com").await;
    // Disable behind the service's back (another instance, an operator): the link is still stored.
    let audit = agentmart_core::AuditRecord::new(start(), actions::USER_DISABLED);
    h.store.set_disabled(ada.user_id, true, start(), &audit).await.unwrap();
    assert_eq!(h.reset_tokens(&ada).await, 1);
    assert_eq!(code(auth.reset_password(&link, "an attacker's passphrase").await), ErrorCode::TokenInvalid);
    assert_eq!(h.reset_tokens(&ada).await, 0, "the refused link is gone");
}

#[tokio::test]
async fn a_reset_looks_the_token_up_before_hashing_and_consuming() {
    let faulty = Arc::new(FaultyStore::new(Arc::new(MemoryStore::new())));
    let h = harness_on(faulty.clone(), Config::for_tests());
    let auth = h.mart.auth();
    h.register("ada@example.com").await;
    let link = h.reset_link("ada@example.com").await;
    // The consuming call fails if reached: unknown, expired and malformed
    // tokens are answered from the lookup alone.
    faulty.fail_method("reset_password_with_token", Fault::backend("must not be reached"));
    let unknown = format!("{}x", &link[..link.len() - 1]);
    assert_eq!(code(auth.reset_password(&unknown, "a brand new passphrase").await), ErrorCode::TokenInvalid);
    h.clock.advance(Duration::minutes(31));
    assert_eq!(code(auth.reset_password(&link, "a brand new passphrase").await), ErrorCode::TokenExpired);
    faulty.heal();
    // The expired link was deleted by the lookup path.
    let link2 = h.reset_link("ada@example.com").await;
    auth.reset_password(&link2, "a brand new passphrase").await.unwrap();
}
