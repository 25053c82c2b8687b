//! Accounts, sessions, tokens, throttling, recovery, bring-your-own-identity
//! and the admin user calls, through the public API over `MemoryStore`.

use std::sync::Arc;
use std::time::Duration;

use agentmart_core::auth::{AdminUserUpdate, ExternalIdentity, LoginRequest, RegisterRequest, Registered};
use agentmart_core::storage::{Store, UserStore};
use agentmart_core::testing::MemoryStore;
use agentmart_core::{
    Agentmart, AuditFilter, ClientInfo, Config, ErrorCode, HashingParams, JwtKey, ManualClock, MemoryNotifier,
    MessageKind, PageRequest, Principal, ProfilePatch, Role, TokenPair, actions,
};
use chrono::{DateTime, Utc};

mod email_change;
mod throttle;

const PASSWORD: &str = "correct horse battery staple";

struct Harness {
    mart: Agentmart,
    store: Arc<MemoryStore>,
    clock: ManualClock,
    notifier: MemoryNotifier,
}

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc)
}

fn harness_with(config: Config) -> Harness {
    let store = Arc::new(MemoryStore::new());
    harness_on(store, config, ManualClock::new(start()))
}

fn harness_on(store: Arc<MemoryStore>, config: Config, clock: ManualClock) -> Harness {
    let notifier = MemoryNotifier::new();
    let dyn_store: Arc<dyn Store> = store.clone();
    let mart = Agentmart::builder(dyn_store, config)
        .clock(Arc::new(clock.clone()))
        .notifier(Arc::new(notifier.clone()))
        .build()
        .unwrap();
    Harness { mart, store, clock, notifier }
}

fn harness() -> Harness {
    harness_with(Config::for_tests())
}

fn client(key: &str) -> ClientInfo {
    ClientInfo { ip: Some("198.51.100.1".into()), user_agent: Some("tests/1.0".into()), client_key: Some(key.into()) }
}

fn register_req(email: &str) -> RegisterRequest {
    RegisterRequest { email: email.into(), password: PASSWORD.into(), handle: None, display_name: None }
}

fn login_req(email: &str, password: &str) -> LoginRequest {
    LoginRequest { email: email.into(), password: password.into() }
}

impl Harness {
    async fn register(&self, email: &str) -> Registered {
        self.mart.auth().register(register_req(email), &client("home")).await.unwrap()
    }

    async fn login(&self, email: &str, key: &str) -> TokenPair {
        self.mart.auth().login(login_req(email, PASSWORD), &client(key)).await.unwrap()
    }

    async fn principal(&self, tokens: &TokenPair) -> Principal {
        self.mart.auth().authenticate(&tokens.access_token).await.unwrap()
    }

    fn last_token(&self, to: &str, kind: MessageKind) -> String {
        self.notifier.last(to, kind).expect("a message was sent").token
    }

    /// An administrator (appointed through the trusted call) and their principal.
    async fn admin(&self) -> Principal {
        let admin = self.register("admin@example.com").await;
        self.mart.admin().set_role_by_email("admin@example.com", Role::Admin).await.unwrap();
        self.principal(&admin.tokens).await
    }
}

fn code<T: std::fmt::Debug>(result: agentmart_core::Result<T>) -> ErrorCode {
    result.expect_err("expected an error").code()
}

// ---------------------------------------------------------------- register

#[tokio::test]
async fn register_normalises_derives_a_handle_starts_a_session_and_sends_verification() {
    let h = harness();
    let out = h
        .mart
        .auth()
        .register(
            RegisterRequest {
                email: "  Ada.Lovelace+mart@Example.COM ".into(),
                password: PASSWORD.into(),
                handle: None,
                display_name: Some(" Ada ".into()),
            },
            &client("home"),
        )
        .await
        .unwrap();
    assert_eq!(out.user.email.as_deref(), Some("ada.lovelace+mart@example.com"));
    assert_eq!(out.user.handle, "ada-lovelace");
    assert_eq!(out.user.display_name.as_deref(), Some("Ada"));
    assert!(!out.user.email_verified);
    assert_eq!(out.user.role, Role::User);
    assert_eq!(out.tokens.token_type, "Bearer");
    assert_eq!(out.tokens.expires_in, 15 * 60);
    assert!(out.tokens.refresh_token.starts_with("amr_"));
    let principal = h.principal(&out.tokens).await;
    assert_eq!(principal.user_id, out.user.id);
    assert!(principal.session_id.is_some());

    let message = h.notifier.last("ada.lovelace+mart@example.com", MessageKind::EmailVerification).unwrap();
    assert!(message.token.starts_with("amv_"));
    assert_eq!(message.link, format!("http://localhost:8080/verify-email?token={}", message.token));

    // Neither the password nor any token is stored in clear.
    let stored = h.store.get_user(out.user.id).await.unwrap().unwrap();
    assert!(stored.password_hash.as_deref().unwrap().starts_with("$argon2id$"));
    let audit = h.mart.auth().my_audit(&principal, PageRequest::default()).await.unwrap();
    let dump = serde_json::to_string(&audit).unwrap();
    assert!(!dump.contains(PASSWORD) && !dump.contains(&out.tokens.refresh_token) && !dump.contains(&message.token));
    assert!(audit.items.iter().any(|r| r.action == actions::USER_REGISTERED));
}

#[test]
fn requests_never_show_passwords_in_debug_output() {
    let register = format!("{:?}", register_req("ada@example.com"));
    let login = format!("{:?}", login_req("ada@example.com", PASSWORD));
    assert!(register.contains("ada@example.com") && !register.contains(PASSWORD), "{register}");
    assert!(!login.contains(PASSWORD), "{login}");
}

#[tokio::test]
async fn register_reports_every_failing_field_together() {
    let h = harness();
    let err = h
        .mart
        .auth()
        .register(
            RegisterRequest {
                email: "not-an-email".into(),
                password: "short".into(),
                handle: Some("-bad_handle".into()),
                display_name: Some("x".repeat(101)),
            },
            &client("home"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ValidationFailed);
    let fields: Vec<(&str, &str)> = err.field_errors().iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
    assert_eq!(
        fields,
        vec![
            ("email", "invalid_format"),
            ("password", "too_short"),
            ("handle", "invalid_format"),
            ("display_name", "too_long")
        ]
    );
}

#[tokio::test]
async fn passwords_count_characters_reject_common_ones_and_have_no_composition_rules() {
    let h = harness();
    let auth = h.mart.auth();
    let try_pw = |email: &str, pw: &str| {
        let req = RegisterRequest { email: email.into(), password: pw.into(), handle: None, display_name: None };
        let auth = auth.clone();
        async move { auth.register(req, &client("home")).await }
    };
    for common in ["password", "PassWord1", "qwertyuiop", "ILOVEYOU"] {
        let err = try_pw("a@example.com", common).await.unwrap_err();
        assert_eq!(err.field_errors()[0].code, "too_common", "{common}");
    }
    // 7 four-byte characters are too short; 8 two-byte characters are enough.
    assert_eq!(try_pw("a@example.com", "🦀🦀🦀🦀🦀🦀🦀").await.unwrap_err().field_errors()[0].code, "too_short");
    assert!(try_pw("b@example.com", "éèàùçœæø").await.is_ok());
    assert_eq!(try_pw("c@example.com", &"x".repeat(129)).await.unwrap_err().field_errors()[0].code, "too_long");
    assert!(try_pw("c@example.com", &"y".repeat(128)).await.is_ok());
    // Lower-case words only: fine.
    assert!(try_pw("d@example.com", "purple monkey dishwasher").await.is_ok());
}

#[tokio::test]
async fn emails_are_unique_case_insensitively_and_handles_are_unique() {
    let h = harness();
    let auth = h.mart.auth();
    h.register("ada@example.com").await;
    assert_eq!(code(auth.register(register_req("ADA@Example.com"), &client("x")).await), ErrorCode::EmailTaken);

    let mut req = register_req("other@example.com");
    req.handle = Some("Ada".into()); // normalised to "ada", which is taken
    assert_eq!(code(auth.register(req, &client("x")).await), ErrorCode::HandleTaken);

    // A derived handle that is taken gets a short random suffix.
    let second = h.register("ada@example.org").await;
    assert!(second.user.handle.starts_with("ada-") && second.user.handle.len() == 8, "{}", second.user.handle);
}

// ---------------------------------------------------------------- login

#[tokio::test]
async fn login_answers_the_same_for_unknown_email_wrong_password_and_disabled_user() {
    let h = harness();
    let auth = h.mart.auth();
    h.register("ada@example.com").await;
    let tokens = auth.login(login_req(" ADA@example.com", PASSWORD), &client("home")).await.unwrap();
    assert!(auth.authenticate(&tokens.access_token).await.is_ok());

    let wrong = auth.login(login_req("ada@example.com", "not the password"), &client("home")).await.unwrap_err();
    let unknown = auth.login(login_req("nobody@example.com", PASSWORD), &client("home")).await.unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::InvalidCredentials);
    assert_eq!(unknown.code(), ErrorCode::InvalidCredentials);
    assert_eq!(wrong.to_string(), unknown.to_string());
    let garbage = auth.login(login_req("", ""), &client("home")).await;
    assert_eq!(code(garbage), ErrorCode::InvalidCredentials);

    // Known and unknown emails write the same kind of audit record; the
    // unknown one is keyed by a hash of the email, which never appears.
    let admin = h.admin().await;
    let filter = AuditFilter { action: Some(actions::LOGIN_FAILED.into()), ..Default::default() };
    let failed = h.mart.admin().audit(&admin, filter, PageRequest::default()).await.unwrap().items;
    let targets: Vec<String> = failed.iter().map(|r| r.target.clone().unwrap_or_default()).collect();
    assert_eq!(failed.len(), 3, "{targets:?}");
    assert_eq!(targets.iter().filter(|t| t.starts_with("user:")).count(), 1, "{targets:?}");
    assert_eq!(targets.iter().filter(|t| t.starts_with("account:unknown-")).count(), 2, "{targets:?}");
    assert!(targets.iter().all(|t| !t.contains("nobody")), "{targets:?}");
}

#[tokio::test]
async fn login_upgrades_hashes_made_with_other_parameters() {
    let store = Arc::new(MemoryStore::new());
    let old = harness_on(store.clone(), Config::for_tests(), ManualClock::new(start()));
    let registered = old.register("ada@example.com").await;
    let before = store.get_user(registered.user.id).await.unwrap().unwrap().password_hash.unwrap();
    assert!(before.contains("m=64,t=1,p=1"), "{before}");

    let mut config = Config::for_tests();
    config.hashing = HashingParams { m_cost: 128, t_cost: 2, p_cost: 1 };
    let new = harness_on(store.clone(), config, ManualClock::new(start()));
    new.login("ada@example.com", "home").await;
    let after = store.get_user(registered.user.id).await.unwrap().unwrap().password_hash.unwrap();
    assert!(after.contains("m=128,t=2,p=1"), "{after}");
    // The old session survives the upgrade and the new hash still verifies.
    assert!(new.mart.auth().authenticate(&registered.tokens.access_token).await.is_ok());
    new.login("ada@example.com", "home").await;
    let filter = AuditFilter { action: Some(actions::PASSWORD_REHASHED.into()), ..Default::default() };
    let admin = new.admin().await;
    assert_eq!(new.mart.admin().audit(&admin, filter, PageRequest::default()).await.unwrap().items.len(), 1);
}

#[tokio::test]
async fn production_argon2_parameters_hash_and_verify() {
    let mut config = Config::for_tests();
    config.hashing = HashingParams::OWASP;
    let h = harness_with(config);
    let registered = h.register("ada@example.com").await;
    let phc = h.store.get_user(registered.user.id).await.unwrap().unwrap().password_hash.unwrap();
    let parts: Vec<&str> = phc.split('$').collect();
    assert_eq!(parts[1..4], ["argon2id", "v=19", "m=19456,t=2,p=1"], "{phc}");
    assert!(parts[4].len() >= 22, "a salt of at least 16 bytes");
    assert_eq!(parts[5].len(), 43, "a 32-byte hash");
    h.login("ada@example.com", "home").await;
    let wrong =
        h.mart.auth().login(login_req("ada@example.com", "correct horse battery stapler"), &client("home")).await;
    assert_eq!(code(wrong), ErrorCode::InvalidCredentials);
    // A second registration with the same password gets a different salt.
    let other = h.register("bob@example.com").await;
    let other_phc = h.store.get_user(other.user.id).await.unwrap().unwrap().password_hash.unwrap();
    assert_ne!(phc, other_phc);
}

// ---------------------------------------------------------------- tokens and sessions

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_session() {
    let h = harness();
    let auth = h.mart.auth();
    let first = h.register("ada@example.com").await.tokens;
    let second = auth.refresh(&first.refresh_token, &client("home")).await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_ne!(second.access_token, first.access_token);
    assert!(auth.authenticate(&second.access_token).await.is_ok());

    // The rotated token comes back: the whole session ends.
    assert_eq!(code(auth.refresh(&first.refresh_token, &client("thief")).await), ErrorCode::TokenReused);
    assert_eq!(code(auth.authenticate(&second.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.refresh(&second.refresh_token, &client("home")).await), ErrorCode::TokenInvalid);
}

#[tokio::test]
async fn refresh_refuses_unknown_malformed_and_expired_tokens() {
    let h = harness();
    let auth = h.mart.auth();
    let tokens = h.register("ada@example.com").await.tokens;
    assert_eq!(code(auth.refresh("garbage", &client("home")).await), ErrorCode::TokenInvalid);
    let unknown = format!("amr_{}", "A".repeat(43));
    assert_eq!(code(auth.refresh(&unknown, &client("home")).await), ErrorCode::TokenInvalid);
    h.clock.advance(chrono::Duration::days(31));
    assert_eq!(code(auth.refresh(&tokens.refresh_token, &client("home")).await), ErrorCode::TokenExpired);
}

#[tokio::test]
async fn access_tokens_expire_and_logout_is_effective_at_once() {
    let h = harness();
    let auth = h.mart.auth();
    let tokens = h.register("ada@example.com").await.tokens;
    let principal = h.principal(&tokens).await;
    h.clock.advance(chrono::Duration::minutes(15) + chrono::Duration::seconds(31));
    assert_eq!(code(auth.authenticate(&tokens.access_token).await), ErrorCode::TokenExpired);
    let fresh = auth.refresh(&tokens.refresh_token, &client("home")).await.unwrap();
    assert!(auth.authenticate(&fresh.access_token).await.is_ok());

    auth.logout(&principal).await.unwrap();
    assert_eq!(code(auth.authenticate(&fresh.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.refresh(&fresh.refresh_token, &client("home")).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.authenticate("not-a-token").await), ErrorCode::TokenInvalid);
}

#[tokio::test]
async fn sessions_are_listed_with_current_and_can_be_revoked_one_by_one_or_all() {
    let h = harness();
    let auth = h.mart.auth();
    let a = h.register("ada@example.com").await.tokens;
    h.clock.advance(chrono::Duration::seconds(5));
    let b = h.login("ada@example.com", "laptop").await;
    h.clock.advance(chrono::Duration::seconds(5));
    let c = h.login("ada@example.com", "phone").await;
    let pa = h.principal(&a).await;
    let pb = h.principal(&b).await;

    let list = auth.sessions(&pa).await.unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list.iter().filter(|s| s.current).count(), 1);
    assert_eq!(list.iter().find(|s| s.current).unwrap().id, pa.session_id.unwrap());
    assert_eq!(list[0].id, h.principal(&c).await.session_id.unwrap(), "newest first");
    assert_eq!(list[0].user_agent.as_deref(), Some("tests/1.0"));

    // Someone else's session is not found, and neither is an unknown one.
    let eve = h.register("eve@example.com").await.tokens;
    let pe = h.principal(&eve).await;
    assert_eq!(code(auth.revoke_session(&pe, pb.session_id.unwrap()).await), ErrorCode::NotFound);
    assert!(auth.authenticate(&b.access_token).await.is_ok());

    auth.revoke_session(&pa, pb.session_id.unwrap()).await.unwrap();
    assert_eq!(code(auth.authenticate(&b.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(auth.sessions(&pa).await.unwrap().len(), 2);

    auth.logout_all(&pa).await.unwrap();
    assert_eq!(code(auth.authenticate(&a.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.authenticate(&c.access_token).await), ErrorCode::TokenInvalid);
    assert!(auth.authenticate(&eve.access_token).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_refreshes_of_one_token_have_exactly_one_winner() {
    let h = harness();
    let tokens = h.register("ada@example.com").await.tokens;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let auth = h.mart.auth();
        let token = tokens.refresh_token.clone();
        tasks.push(tokio::spawn(async move { auth.refresh(&token, &client(&format!("c{i}"))).await }));
    }
    let mut wins = Vec::new();
    let mut reused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(pair) => wins.push(pair),
            Err(e) => {
                assert_eq!(e.code(), ErrorCode::TokenReused);
                reused += 1;
            }
        }
    }
    assert_eq!((wins.len(), reused), (1, 15));
    // Reuse was detected, so the session (and the winner's tokens) is revoked.
    assert_eq!(code(h.mart.auth().authenticate(&wins[0].access_token).await), ErrorCode::TokenInvalid);
}

// ---------------------------------------------------------------- password reset and change

#[tokio::test]
async fn password_reset_is_single_use_expiring_and_ends_every_session() {
    let h = harness();
    let auth = h.mart.auth();
    let tokens = h.register("ada@example.com").await.tokens;

    // Unknown emails get the same answer and no message.
    auth.request_password_reset("nobody@example.com", &client("x")).await.unwrap();
    assert!(h.notifier.messages().iter().all(|m| m.kind != MessageKind::PasswordReset));

    auth.request_password_reset("ADA@example.com", &client("x")).await.unwrap();
    let message = h.notifier.last("ada@example.com", MessageKind::PasswordReset).unwrap();
    assert!(message.token.starts_with("amp_"));
    assert_eq!(message.link, format!("http://localhost:8080/reset-password?token={}", message.token));

    // The new password follows the policy.
    let weak = auth.reset_password(&message.token, "password").await.unwrap_err();
    assert_eq!(
        (weak.field_errors()[0].field.as_str(), weak.field_errors()[0].code.as_str()),
        ("new_password", "too_common")
    );

    auth.reset_password(&message.token, "a brand new passphrase").await.unwrap();
    assert_eq!(code(auth.authenticate(&tokens.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.refresh(&tokens.refresh_token, &client("home")).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.reset_password(&message.token, "another new passphrase").await), ErrorCode::TokenInvalid);
    assert_eq!(
        code(auth.login(login_req("ada@example.com", PASSWORD), &client("home")).await),
        ErrorCode::InvalidCredentials
    );
    auth.login(login_req("ada@example.com", "a brand new passphrase"), &client("home")).await.unwrap();

    // Only the newest link works, and links expire.
    auth.request_password_reset("ada@example.com", &client("x")).await.unwrap();
    let older = h.last_token("ada@example.com", MessageKind::PasswordReset);
    auth.request_password_reset("ada@example.com", &client("x")).await.unwrap();
    let newer = h.last_token("ada@example.com", MessageKind::PasswordReset);
    assert_eq!(code(auth.reset_password(&older, "yet another passphrase").await), ErrorCode::TokenInvalid);
    h.clock.advance(chrono::Duration::minutes(10));
    assert_eq!(code(auth.reset_password(&newer, "yet another passphrase").await), ErrorCode::TokenExpired);
    assert_eq!(code(auth.reset_password("amp_short", "yet another passphrase").await), ErrorCode::TokenInvalid);
}

#[tokio::test]
async fn change_password_needs_the_current_one_and_ends_other_sessions() {
    let h = harness();
    let auth = h.mart.auth();
    let here = h.register("ada@example.com").await.tokens;
    let elsewhere = h.login("ada@example.com", "laptop").await;
    let principal = h.principal(&here).await;

    let wrong = auth.change_password(&principal, "not my password", "a brand new passphrase").await;
    assert_eq!(code(wrong), ErrorCode::InvalidCredentials);
    let weak = auth.change_password(&principal, PASSWORD, "short").await.unwrap_err();
    assert_eq!(weak.field_errors()[0].field, "new_password");

    auth.change_password(&principal, PASSWORD, "a brand new passphrase").await.unwrap();
    assert!(auth.authenticate(&here.access_token).await.is_ok(), "the caller's session stays");
    assert_eq!(code(auth.authenticate(&elsewhere.access_token).await), ErrorCode::TokenInvalid);
    auth.login(login_req("ada@example.com", "a brand new passphrase"), &client("home")).await.unwrap();
}

// ---------------------------------------------------------------- email verification and notification cap

#[tokio::test]
async fn email_verification_is_single_use_and_expiring() {
    let h = harness();
    let auth = h.mart.auth();
    let tokens = h.register("ada@example.com").await.tokens;
    let principal = h.principal(&tokens).await;
    let token = h.last_token("ada@example.com", MessageKind::EmailVerification);
    auth.verify_email(&token).await.unwrap();
    assert!(auth.profile(&principal).await.unwrap().email_verified);
    assert_eq!(code(auth.verify_email(&token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.verify_email("amv_nope").await), ErrorCode::TokenInvalid);

    // Nothing to resend once verified.
    let before = h.notifier.messages().len();
    auth.request_email_verification(&principal).await.unwrap();
    assert_eq!(h.notifier.messages().len(), before);

    let bob = h.register("bob@example.com").await;
    let bob_token = h.last_token("bob@example.com", MessageKind::EmailVerification);
    // Links live 10 minutes (SECURITY.md 27).
    h.clock.advance(chrono::Duration::minutes(10));
    assert_eq!(code(auth.verify_email(&bob_token).await), ErrorCode::TokenExpired);
    let bob_principal = h.mart.auth().principal_for_user(bob.user.id).await.unwrap();
    auth.request_email_verification(&bob_principal).await.unwrap();
    auth.verify_email(&h.last_token("bob@example.com", MessageKind::EmailVerification)).await.unwrap();
}

#[tokio::test]
async fn notifications_are_capped_per_account_per_window() {
    let h = harness();
    let auth = h.mart.auth();
    let tokens = h.register("ada@example.com").await.tokens; // message 1 of 5
    let principal = h.principal(&tokens).await;
    for _ in 0..4 {
        auth.request_email_verification(&principal).await.unwrap();
    }
    let err = auth.request_email_verification(&principal).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60 * 60)));
    // Password-reset requests stay silent past the cap (no account oracle).
    auth.request_password_reset("ada@example.com", &client("x")).await.unwrap();
    assert!(h.notifier.last("ada@example.com", MessageKind::PasswordReset).is_none());
    h.clock.advance(chrono::Duration::minutes(60));
    auth.request_password_reset("ada@example.com", &client("x")).await.unwrap();
    assert!(h.notifier.last("ada@example.com", MessageKind::PasswordReset).is_some());
}

// ---------------------------------------------------------------- profiles and deletion

#[tokio::test]
async fn profiles_validate_every_field_and_can_clear_optional_ones() {
    let h = harness();
    let auth = h.mart.auth();
    let principal = h.principal(&h.register("ada@example.com").await.tokens).await;
    h.register("bob@example.com").await;

    let updated = auth
        .update_profile(
            &principal,
            ProfilePatch {
                handle: Some("Countess".into()),
                display_name: Some(Some("Ada L.".into())),
                bio: Some(Some("Wrote the first program.\nLiked engines.".into())),
                avatar_url: Some(Some("https://cdn.example.com/ada.png".into())),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.handle, "countess");
    assert_eq!(updated.avatar_url.as_deref(), Some("https://cdn.example.com/ada.png"));
    assert_eq!(auth.profile(&principal).await.unwrap(), updated);

    let err = auth
        .update_profile(
            &principal,
            ProfilePatch {
                handle: Some("x".into()),
                display_name: Some(Some("n".repeat(101))),
                bio: Some(Some("b".repeat(1001))),
                avatar_url: Some(Some("javascript:alert(1)".into())),
            },
        )
        .await
        .unwrap_err();
    let fields: Vec<&str> = err.field_errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["handle", "display_name", "bio", "avatar_url"]);

    let taken = auth.update_profile(&principal, ProfilePatch { handle: Some("bob".into()), ..Default::default() });
    assert_eq!(code(taken.await), ErrorCode::HandleTaken);

    let cleared = auth
        .update_profile(&principal, ProfilePatch { bio: Some(None), avatar_url: Some(None), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((cleared.bio, cleared.avatar_url), (None, None));
    assert_eq!(cleared.display_name.as_deref(), Some("Ada L."));
}

#[tokio::test]
async fn deleting_an_account_needs_the_password_and_frees_the_email() {
    let h = harness();
    let auth = h.mart.auth();
    let tokens = h.register("ada@example.com").await.tokens;
    let principal = h.principal(&tokens).await;
    assert_eq!(code(auth.delete_account(&principal, "not my password").await), ErrorCode::InvalidCredentials);
    auth.delete_account(&principal, PASSWORD).await.unwrap();
    assert_eq!(code(auth.authenticate(&tokens.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.profile(&principal).await), ErrorCode::Unauthenticated);
    assert_eq!(
        code(auth.login(login_req("ada@example.com", PASSWORD), &client("home")).await),
        ErrorCode::InvalidCredentials
    );
    // The email is free again; the handle is retired, so a new one is derived.
    let again = h.register("ada@example.com").await;
    assert_ne!(again.user.handle, "ada");
}

// ---------------------------------------------------------------- admin, roles, disabled users

#[tokio::test]
async fn role_changes_apply_at_once_and_admin_calls_need_the_admin_role() {
    let h = harness();
    let tokens = h.register("ada@example.com").await.tokens;
    let ada = h.principal(&tokens).await;
    assert_eq!(
        code(h.mart.admin().audit(&ada, AuditFilter::default(), PageRequest::default()).await),
        ErrorCode::Forbidden
    );
    let update = AdminUserUpdate { role: Some(Role::Admin), disabled: None };
    assert_eq!(code(h.mart.admin().update_user(&ada, ada.user_id, update).await), ErrorCode::Forbidden);

    let admin = h.admin().await;
    let update = AdminUserUpdate { role: Some(Role::Admin), disabled: None };
    assert_eq!(h.mart.admin().update_user(&admin, ada.user_id, update).await.unwrap().role, Role::Admin);
    // The same access token now carries admin rights, and losing them is just as immediate.
    let ada = h.principal(&tokens).await;
    assert_eq!(ada.role, Role::Admin);
    assert!(h.mart.admin().audit(&ada, AuditFilter::default(), PageRequest::default()).await.is_ok());
    let demote = AdminUserUpdate { role: Some(Role::User), disabled: None };
    h.mart.admin().update_user(&admin, ada.user_id, demote).await.unwrap();
    assert_eq!(h.principal(&tokens).await.role, Role::User);

    // Admins cannot lock themselves out; unknown users are not found.
    let self_disable = AdminUserUpdate { disabled: Some(true), role: None };
    assert_eq!(code(h.mart.admin().update_user(&admin, admin.user_id, self_disable).await), ErrorCode::Conflict);
    let ghost = agentmart_core::UserId::new();
    let update = AdminUserUpdate { disabled: Some(true), role: None };
    assert_eq!(code(h.mart.admin().update_user(&admin, ghost, update).await), ErrorCode::NotFound);
    assert_eq!(code(h.mart.admin().set_role_by_email("nobody@example.com", Role::Admin).await), ErrorCode::NotFound);
}

#[tokio::test]
async fn disabled_users_lose_every_session_and_cannot_log_in() {
    let h = harness();
    let auth = h.mart.auth();
    let registered = h.register("ada@example.com").await;
    let admin = h.admin().await;
    let update = AdminUserUpdate { disabled: Some(true), role: None };
    h.mart.admin().update_user(&admin, registered.user.id, update).await.unwrap();

    assert_eq!(code(auth.authenticate(&registered.tokens.access_token).await), ErrorCode::TokenInvalid);
    assert_eq!(code(auth.refresh(&registered.tokens.refresh_token, &client("home")).await), ErrorCode::TokenInvalid);
    assert_eq!(
        code(auth.login(login_req("ada@example.com", PASSWORD), &client("home")).await),
        ErrorCode::InvalidCredentials
    );
    assert_eq!(code(auth.principal_for_user(registered.user.id).await), ErrorCode::Forbidden);
    auth.request_password_reset("ada@example.com", &client("x")).await.unwrap();
    assert!(h.notifier.last("ada@example.com", MessageKind::PasswordReset).is_none());

    let update = AdminUserUpdate { disabled: Some(false), role: None };
    h.mart.admin().update_user(&admin, registered.user.id, update).await.unwrap();
    h.login("ada@example.com", "home").await;
    let filter = AuditFilter {
        subject: Some(registered.user.id),
        action: Some(actions::USER_DISABLED.into()),
        ..Default::default()
    };
    let page = h.mart.admin().audit(&admin, filter, PageRequest::default()).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].actor, Some(admin.user_id));
}

// ---------------------------------------------------------------- bring your own identity

#[tokio::test]
async fn external_identities_get_a_stable_passwordless_user() {
    let h = harness();
    let auth = h.mart.auth();
    let identity = ExternalIdentity {
        external_id: "host-user-42".into(),
        handle: None,
        display_name: Some("Grace Hopper".into()),
        email: Some("Grace@Example.com".into()),
    };
    let first = auth.principal_for_external(identity.clone()).await.unwrap();
    assert_eq!((first.session_id, first.role), (None, Role::User));
    let again = auth.principal_for_external(ExternalIdentity { display_name: None, ..identity }).await.unwrap();
    assert_eq!(again.user_id, first.user_id);

    let profile = auth.profile(&first).await.unwrap();
    assert_eq!(profile.handle, "grace");
    assert_eq!(profile.email.as_deref(), Some("grace@example.com"));
    assert_eq!(profile.display_name.as_deref(), Some("Grace Hopper"));
    // No agentmart password: password login is impossible.
    assert_eq!(
        code(auth.login(login_req("grace@example.com", "anything at all"), &client("x")).await),
        ErrorCode::InvalidCredentials
    );
    assert_eq!(auth.principal_for_user(first.user_id).await.unwrap(), first);
    assert_eq!(code(auth.principal_for_user(agentmart_core::UserId::new()).await), ErrorCode::NotFound);
    let linked = auth.my_audit(&first, PageRequest::default()).await.unwrap();
    assert!(linked.items.iter().any(|r| r.action == actions::USER_LINKED));

    let bare = auth.principal_for_external(ExternalIdentity { external_id: "7".into(), ..Default::default() });
    // A one-character base is too short for a handle: it gets a suffix.
    assert!(auth.profile(&bare.await.unwrap()).await.unwrap().handle.starts_with("7-"));
    let bare = auth.principal_for_external(ExternalIdentity { external_id: "7".into(), ..Default::default() }).await;
    let bare = bare.unwrap();
    // Without an email there is nothing to verify; without a session nothing to log out.
    assert_eq!(code(auth.request_email_verification(&bare).await), ErrorCode::Conflict);
    auth.logout(&bare).await.unwrap();
    let empty = auth.principal_for_external(ExternalIdentity::default()).await.unwrap_err();
    assert_eq!(empty.field_errors()[0].field, "external_id");

    let admin = h.admin().await;
    let update = AdminUserUpdate { disabled: Some(true), role: None };
    h.mart.admin().update_user(&admin, first.user_id, update).await.unwrap();
    let disabled =
        auth.principal_for_external(ExternalIdentity { external_id: "host-user-42".into(), ..Default::default() });
    assert_eq!(code(disabled.await), ErrorCode::Forbidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_sightings_of_an_external_identity_create_one_user() {
    let h = harness();
    let barrier = Arc::new(tokio::sync::Barrier::new(32));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let auth = h.mart.auth();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            auth.principal_for_external(ExternalIdentity {
                external_id: "sso|123".into(),
                email: Some("lin@example.com".into()),
                ..Default::default()
            })
            .await
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().user_id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);
}

// ---------------------------------------------------------------- audit pages

#[tokio::test]
async fn audit_pages_follow_cursors_and_refuse_bad_ones() {
    let h = harness();
    let auth = h.mart.auth();
    let tokens = h.register("ada@example.com").await.tokens;
    let principal = h.principal(&tokens).await;
    for _ in 0..4 {
        h.clock.advance(chrono::Duration::seconds(1));
        auth.refresh(
            &auth.login(login_req("ada@example.com", PASSWORD), &client("home")).await.unwrap().refresh_token,
            &client("home"),
        )
        .await
        .unwrap();
    }
    let all = auth.my_audit(&principal, PageRequest { limit: Some(100), cursor: None }).await.unwrap();
    assert!(all.next_cursor.is_none());
    assert!(all.items.len() >= 10, "{}", all.items.len());
    assert!(all.items.iter().all(|r| r.subject == Some(principal.user_id)));
    assert!(all.items.windows(2).all(|w| w[0].id > w[1].id), "newest first");

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = auth.my_audit(&principal, PageRequest { limit: Some(3), cursor }).await.unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|r| r.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, all.items.iter().map(|r| r.id).collect::<Vec<_>>());

    // Other users' records are not visible.
    let bob = h.principal(&h.register("bob@example.com").await.tokens).await;
    let bobs = auth.my_audit(&bob, PageRequest::default()).await.unwrap();
    assert!(bobs.items.iter().all(|r| r.subject == Some(bob.user_id)));

    let bad = PageRequest { limit: None, cursor: Some("not-a-cursor".into()) };
    assert_eq!(code(auth.my_audit(&principal, bad).await), ErrorCode::MalformedRequest);
    let too_big = PageRequest { limit: Some(101), cursor: None };
    assert_eq!(code(auth.my_audit(&principal, too_big).await), ErrorCode::ValidationFailed);

    let admin = h.admin().await;
    let filter = AuditFilter { action: Some(actions::SESSION_REFRESHED.into()), ..Default::default() };
    let refreshed = h.mart.admin().audit(&admin, filter, PageRequest::default()).await.unwrap();
    assert_eq!(refreshed.items.len(), 4);
}

// ---------------------------------------------------------------- asymmetric keys

const ES_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGn2iokUTHHWCMPd3\nDz/wmcbh8vDc4sQsm6pM9qLaJm+hRANCAASQhM3Q1L/ow6cTm19186PlzUOX4x7D\n/CNDmDjIsZ8WoyUVHhg5+t25pwnOEso1rxbKSYzuwORAZA5KxGvbHypp\n-----END PRIVATE KEY-----\n";
const ES_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkITN0NS/6MOnE5tfdfOj5c1Dl+Me\nw/wjQ5g4yLGfFqMlFR4YOfrduacJzhLKNa8WykmM7sDkQGQOSsRr2x8qaQ==\n-----END PUBLIC KEY-----\n";

#[tokio::test]
async fn es256_instances_issue_tokens_verifiable_from_their_jwks() {
    let mut config = Config::with_jwt_key(JwtKey::es256_pem(Some(ES_PRIVATE.into()), ES_PUBLIC.into()).with_kid("k1"));
    config.hashing = HashingParams::INSECURE_FAST_FOR_TESTS;
    let h = harness_with(config);
    let tokens = h.register("ada@example.com").await.tokens;
    assert!(h.mart.auth().authenticate(&tokens.access_token).await.is_ok());
    let jwks = h.mart.auth().jwks();
    assert_eq!(jwks["keys"][0]["kid"], "k1");
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
    // An HS256 instance (the default) publishes no keys.
    assert_eq!(harness().mart.auth().jwks(), serde_json::json!({"keys": []}));
}
