//! Email change with re-authentication (issue item 12) and the 10-minute
//! lifetime of every emailed link (SECURITY.md requirement 27).

use std::time::Duration;

use agentmart_core::OneTimeTokenKind;
use agentmart_core::storage::{AuditStore, UserStore};
use agentmart_core::{AuditFilter, Config, ErrorCode, MessageKind, actions};

use super::*;

#[tokio::test]
async fn email_change_needs_the_password_and_changes_the_address_only_when_the_new_one_confirms() {
    let h = harness();
    let auth = h.mart.auth();
    let ada = h.register("ada@example.com").await;
    let principal = h.principal(&ada.tokens).await;

    // Re-authentication: a wrong password changes nothing and sends nothing.
    let wrong = auth.request_email_change(&principal, "ada.new@example.com", "not my password").await;
    assert_eq!(code(wrong), ErrorCode::InvalidCredentials);
    assert!(h.notifier.last("ada.new@example.com", MessageKind::EmailChange).is_none());

    auth.request_email_change(&principal, " Ada.New@Example.com ", PASSWORD).await.unwrap();
    let message = h.notifier.last("ada.new@example.com", MessageKind::EmailChange).expect("a link to the new address");
    assert!(message.token.starts_with("amc_"), "{message:?}");
    assert_eq!(message.link, format!("http://localhost:8080/confirm-email-change?token={}", message.token));
    assert!(h.notifier.last("ada@example.com", MessageKind::EmailChange).is_none(), "never to the old address");
    // Until the link is used, the account keeps its address (and can still log in with it).
    assert_eq!(auth.profile(&principal).await.unwrap().email.as_deref(), Some("ada@example.com"));
    h.login("ada@example.com", "home").await;

    // A verification token is not a change token, and vice versa.
    assert_eq!(code(auth.verify_email(&message.token).await), ErrorCode::TokenInvalid);
    let verification = h.last_token("ada@example.com", MessageKind::EmailVerification);
    assert_eq!(code(auth.confirm_email_change(&verification).await), ErrorCode::TokenInvalid);

    auth.confirm_email_change(&message.token).await.unwrap();
    let profile = auth.profile(&principal).await.unwrap();
    assert_eq!(profile.email.as_deref(), Some("ada.new@example.com"));
    assert!(profile.email_verified, "the link proved the new address");
    // The old address is told, without any secret.
    let notice = h.notifier.last("ada@example.com", MessageKind::EmailChanged).expect("the old address is told");
    assert!(notice.token.is_empty());
    // Single use.
    assert_eq!(code(auth.confirm_email_change(&message.token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.confirm_email_change("amc_short").await), ErrorCode::TokenInvalid);
    // The new address signs in; the old one names no account any more and is free.
    h.login("ada.new@example.com", "home").await;
    assert_eq!(
        code(auth.login(login_req("ada@example.com", PASSWORD), &client("home")).await),
        ErrorCode::InvalidCredentials
    );
    h.register("ada@example.com").await;
    // Both steps are audited.
    for action in [actions::EMAIL_CHANGE_REQUESTED, actions::EMAIL_CHANGED] {
        let filter = AuditFilter { action: Some(action.into()), ..Default::default() };
        let records = h.store.list_audit(&filter, None, 10).await.unwrap();
        assert_eq!(records.len(), 1, "{action}");
        assert_eq!(records[0].subject, Some(ada.user.id), "{action}");
    }
}

#[tokio::test]
async fn email_change_refuses_taken_unchanged_and_malformed_addresses() {
    let h = harness();
    let auth = h.mart.auth();
    let principal = h.principal(&h.register("ada@example.com").await.tokens).await;
    h.register("bob@example.com").await;

    assert_eq!(code(auth.request_email_change(&principal, "BOB@example.com", PASSWORD).await), ErrorCode::EmailTaken);
    // The taken answer needs the password first: no more of an oracle than registration.
    assert_eq!(
        code(auth.request_email_change(&principal, "bob@example.com", "not my password").await),
        ErrorCode::InvalidCredentials
    );
    let same = auth.request_email_change(&principal, "ADA@example.com", PASSWORD).await.unwrap_err();
    assert_eq!((same.code(), same.field_errors()[0].field.as_str()), (ErrorCode::ValidationFailed, "new_email"));
    let bad = auth.request_email_change(&principal, "not an email", PASSWORD).await.unwrap_err();
    assert_eq!((bad.code(), bad.field_errors()[0].field.as_str()), (ErrorCode::ValidationFailed, "new_email"));
    assert!(h.notifier.messages().iter().all(|m| m.kind != MessageKind::EmailChange));

    // Someone registers the new address between the request and the confirmation: the store decides.
    auth.request_email_change(&principal, "carol@example.com", PASSWORD).await.unwrap();
    let token = h.last_token("carol@example.com", MessageKind::EmailChange);
    h.register("carol@example.com").await;
    assert_eq!(code(auth.confirm_email_change(&token).await), ErrorCode::EmailTaken);
    assert_eq!(auth.profile(&principal).await.unwrap().email.as_deref(), Some("ada@example.com"));
    assert!(h.notifier.last("ada@example.com", MessageKind::EmailChanged).is_none());
}

#[tokio::test]
async fn confirming_an_email_change_kills_reset_links_and_change_links_expire_in_ten_minutes() {
    let h = harness();
    let auth = h.mart.auth();
    let ada = h.register("ada@example.com").await;
    let principal = h.principal(&ada.tokens).await;

    auth.request_password_reset("ada@example.com", &client("x")).await.unwrap();
    let reset = h.last_token("ada@example.com", MessageKind::PasswordReset);
    auth.request_email_change(&principal, "ada.new@example.com", PASSWORD).await.unwrap();
    let older = h.last_token("ada.new@example.com", MessageKind::EmailChange);
    auth.request_email_change(&principal, "ada.other@example.com", PASSWORD).await.unwrap();
    let newer = h.last_token("ada.other@example.com", MessageKind::EmailChange);
    assert_eq!(code(auth.confirm_email_change(&older).await), ErrorCode::TokenInvalid, "only the newest link works");

    auth.confirm_email_change(&newer).await.unwrap();
    assert_eq!(h.store.count_one_time_tokens(ada.user.id, OneTimeTokenKind::PasswordReset).await.unwrap(), 0);
    assert_eq!(code(auth.reset_password(&reset, "a brand new passphrase").await), ErrorCode::TokenInvalid);

    // A change link lives 10 minutes.
    auth.request_email_change(&principal, "ada.third@example.com", PASSWORD).await.unwrap();
    let late = h.last_token("ada.third@example.com", MessageKind::EmailChange);
    h.clock.advance(chrono::Duration::minutes(10));
    assert_eq!(code(auth.confirm_email_change(&late).await), ErrorCode::TokenExpired);
    assert_eq!(auth.profile(&principal).await.unwrap().email.as_deref(), Some("ada.other@example.com"));
}

#[tokio::test]
async fn email_change_of_a_disabled_account_is_refused_at_confirmation() {
    let h = harness();
    let auth = h.mart.auth();
    let ada = h.register("ada@example.com").await;
    let principal = h.principal(&ada.tokens).await;
    auth.request_email_change(&principal, "ada.new@example.com", PASSWORD).await.unwrap();
    let token = h.last_token("ada.new@example.com", MessageKind::EmailChange);
    let admin = h.admin().await;
    let disable = AdminUserUpdate { disabled: Some(true), role: None };
    h.mart.admin().update_user(&admin, ada.user.id, disable).await.unwrap();
    assert_eq!(code(auth.confirm_email_change(&token).await), ErrorCode::TokenInvalid);
    assert_eq!(h.store.get_user(ada.user.id).await.unwrap().unwrap().email.as_deref(), Some("ada@example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_on_email_change_share_the_confirm_password_budget() {
    let mut config = Config::for_tests();
    config.throttle.per_client_failures = 3;
    config.throttle.per_account_failures = 6;
    let h = harness_with(config);
    let principal = h.principal(&h.register("ada@example.com").await.tokens).await;
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let (auth, principal) = (h.mart.auth(), principal.clone());
        tasks.push(tokio::spawn(async move {
            auth.request_email_change(&principal, "ada.new@example.com", "not my password").await
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(code(task.await.unwrap()));
    }
    let checked = codes.iter().filter(|c| **c == ErrorCode::InvalidCredentials).count();
    let refused = codes.iter().filter(|c| **c == ErrorCode::RateLimited).count();
    assert_eq!((checked, refused), (3, 27), "{codes:?}");
    // The same budget as change_password: it is throttled too now.
    let change = h.mart.auth().change_password(&principal, "not my password", "a brand new passphrase").await;
    assert_eq!(code(change), ErrorCode::RateLimited);
    h.clock.advance(chrono::Duration::seconds(1));
    h.mart.auth().request_email_change(&principal, "ada.new@example.com", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn every_emailed_link_lives_at_most_ten_minutes_by_default_and_stays_configurable() {
    let defaults = Config::with_hs256_secret(vec![7u8; 32]);
    for ttl in [defaults.password_reset_ttl, defaults.email_verification_ttl, defaults.email_change_ttl] {
        assert!(ttl <= Duration::from_secs(600), "{ttl:?}");
    }
    let h = harness();
    let auth = h.mart.auth();
    let ada = h.register("ada@example.com").await;
    let principal = h.principal(&ada.tokens).await;
    let first = h.last_token("ada@example.com", MessageKind::EmailVerification);
    auth.request_password_reset("ada@example.com", &client("x")).await.unwrap();
    let reset = h.last_token("ada@example.com", MessageKind::PasswordReset);
    h.clock.advance(chrono::Duration::minutes(10));
    assert_eq!(code(auth.verify_email(&first).await), ErrorCode::TokenExpired);
    assert_eq!(code(auth.reset_password(&reset, "a brand new passphrase").await), ErrorCode::TokenExpired);
    // A verification can be asked for again, and the new link works (once).
    auth.request_email_verification(&principal).await.unwrap();
    let second = h.last_token("ada@example.com", MessageKind::EmailVerification);
    h.clock.advance(chrono::Duration::minutes(9));
    auth.verify_email(&second).await.unwrap();
    assert_eq!(code(auth.verify_email(&second).await), ErrorCode::TokenInvalid);

    // Longer lifetimes remain a host's choice.
    let mut config = Config::for_tests();
    config.email_verification_ttl = Duration::from_secs(3600);
    let h = harness_with(config);
    h.register("bob@example.com").await;
    let token = h.last_token("bob@example.com", MessageKind::EmailVerification);
    h.clock.advance(chrono::Duration::minutes(59));
    h.mart.auth().verify_email(&token).await.unwrap();
    // Lifetimes under a minute are refused.
    let mut config = Config::for_tests();
    config.email_change_ttl = Duration::from_secs(5);
    let err = config.validate().unwrap_err();
    assert_eq!(err.field_errors()[0].field, "email_change_ttl");
}
