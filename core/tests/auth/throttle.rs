//! Login throttling: back-off, the known-client rule, reservations under
//! concurrency, and the per-account hourly bound.

use std::time::Duration;

use agentmart_core::{Clock, Config, ErrorCode, ThrottleConfig};

use super::*;

fn throttled_config() -> Config {
    let mut config = Config::for_tests();
    config.throttle.per_client_failures = 3;
    config.throttle.per_account_failures = 6;
    config
}

#[tokio::test]
async fn repeated_failures_from_one_client_back_off_exponentially() {
    let h = harness_with(throttled_config());
    let auth = h.mart.auth();
    h.register("ada@example.com").await;
    let attempt = |pw: &'static str| {
        let auth = auth.clone();
        async move { auth.login(login_req("ada@example.com", pw), &client("attacker")).await }
    };
    for _ in 0..3 {
        assert_eq!(code(attempt("wrong password!").await), ErrorCode::InvalidCredentials);
    }
    // Even the right password waits now.
    let err = attempt(PASSWORD).await.unwrap_err();
    assert_eq!((err.code(), err.retry_after()), (ErrorCode::RateLimited, Some(Duration::from_secs(1))));
    h.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(code(attempt("wrong password!").await), ErrorCode::InvalidCredentials);
    assert_eq!(attempt(PASSWORD).await.unwrap_err().retry_after(), Some(Duration::from_secs(2)));
    h.clock.advance(chrono::Duration::seconds(2));
    assert_eq!(code(attempt("wrong password!").await), ErrorCode::InvalidCredentials);
    assert_eq!(attempt(PASSWORD).await.unwrap_err().retry_after(), Some(Duration::from_secs(4)));
    // Another client is not slowed down (the account-wide limit is not reached).
    h.login("ada@example.com", "home").await;
    // After the back-off a success clears this client's failures.
    h.clock.advance(chrono::Duration::seconds(4));
    attempt(PASSWORD).await.unwrap();
    assert_eq!(code(attempt("wrong password!").await), ErrorCode::InvalidCredentials);
    assert_eq!(code(attempt("wrong password!").await), ErrorCode::InvalidCredentials);
    attempt(PASSWORD).await.unwrap();
}

#[tokio::test]
async fn an_attack_from_many_clients_does_not_lock_the_victim_out() {
    let h = harness_with(throttled_config());
    let auth = h.mart.auth();
    h.register("victim@example.com").await;
    // The victim has logged in from their laptop before.
    h.login("victim@example.com", "victims-laptop").await;
    for i in 0..6 {
        let res = auth.login(login_req("victim@example.com", "guess"), &client(&format!("bot-{i}"))).await;
        assert_eq!(code(res), ErrorCode::InvalidCredentials);
    }
    // Past the account-wide limit, clients that never logged in here wait...
    let err = auth.login(login_req("victim@example.com", PASSWORD), &client("bot-new")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::RateLimited);
    assert!(err.retry_after().unwrap() >= Duration::from_secs(1));
    // ...but the victim's known device gets straight in.
    h.login("victim@example.com", "victims-laptop").await;
}

#[tokio::test]
async fn unknown_emails_are_throttled_like_real_accounts() {
    let h = harness_with(throttled_config());
    let auth = h.mart.auth();
    for _ in 0..3 {
        let res = auth.login(login_req("ghost@example.com", "guess"), &client("prober")).await;
        assert_eq!(code(res), ErrorCode::InvalidCredentials);
    }
    let res = auth.login(login_req("ghost@example.com", "guess"), &client("prober")).await;
    assert_eq!(code(res), ErrorCode::RateLimited);
}

#[tokio::test]
async fn throttling_can_be_switched_off() {
    let mut config = throttled_config();
    config.throttle.enabled = false;
    let h = harness_with(config);
    let auth = h.mart.auth();
    h.register("ada@example.com").await;
    for _ in 0..10 {
        let res = auth.login(login_req("ada@example.com", "wrong password"), &client("x")).await;
        assert_eq!(code(res), ErrorCode::InvalidCredentials);
    }
    h.login("ada@example.com", "x").await;
}

/// Runs `n` logins for `email` at once, from the clients `key_of(i)`; returns
/// how many got as far as a password check (`invalid_credentials`) and how
/// many were refused (`rate_limited`).
async fn parallel_guesses(h: &Harness, email: &str, n: usize, key_of: impl Fn(usize) -> String) -> (usize, usize) {
    let mut tasks = Vec::new();
    for i in 0..n {
        let auth = h.mart.auth();
        let (email, key) = (email.to_string(), key_of(i));
        tasks.push(tokio::spawn(async move { auth.login(login_req(&email, "a wrong guess"), &client(&key)).await }));
    }
    let (mut checked, mut refused) = (0, 0);
    for task in tasks {
        match code(task.await.unwrap()) {
            ErrorCode::InvalidCredentials => checked += 1,
            ErrorCode::RateLimited => refused += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    (checked, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_guesses_get_at_most_the_budget_of_password_checks() {
    let h = harness_with(throttled_config());
    h.register("ada@example.com").await;
    // 40 guesses at once from one client: the per-client budget (3) of checks.
    assert_eq!(parallel_guesses(&h, "ada@example.com", 40, |_| "attacker".into()).await, (3, 37));
    // 40 at once from 40 new clients: the account-wide budget (6) in all,
    // the 3 above included.
    assert_eq!(parallel_guesses(&h, "ada@example.com", 40, |i| format!("bot-{i}")).await, (3, 37));
    // Refused attempts were taken back: after the back-off, exactly one more
    // check is admitted per back-off step, however many arrive together.
    h.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(parallel_guesses(&h, "ada@example.com", 20, |i| format!("late-{i}")).await, (1, 19));
    // Unknown emails are throttled the same way (no oracle).
    assert_eq!(parallel_guesses(&h, "ghost@example.com", 40, |_| "prober".into()).await, (3, 37));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_current_passwords_get_at_most_the_budget_of_checks() {
    let h = harness_with(throttled_config());
    let principal = h.principal(&h.register("ada@example.com").await.tokens).await;
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let (auth, principal) = (h.mart.auth(), principal.clone());
        tasks.push(tokio::spawn(async move {
            auth.change_password(&principal, "not my password", "a brand new passphrase").await
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(code(task.await.unwrap()));
    }
    let checked = codes.iter().filter(|c| **c == ErrorCode::InvalidCredentials).count();
    let refused = codes.iter().filter(|c| **c == ErrorCode::RateLimited).count();
    assert_eq!((checked, refused), (3, 27), "{codes:?}");
    // The owner's right password still works once the back-off has passed.
    h.clock.advance(chrono::Duration::seconds(1));
    h.mart.auth().change_password(&principal, PASSWORD, "a brand new passphrase").await.unwrap();
}

/// An attacker with a fresh client for every guess (so only the account-wide
/// budget holds it back), retrying the moment `retry_after` allows, for five
/// hours; `pause` first makes one guess and then waits that long, to line a
/// budget up at the end of one window and the next at the start of another.
async fn attack(pause: Option<chrono::Duration>) -> Vec<DateTime<Utc>> {
    let mut config = Config::for_tests();
    config.throttle = ThrottleConfig::default();
    let h = harness_with(config);
    h.register("victim@example.com").await;
    let auth = h.mart.auth();
    let end = start() + chrono::Duration::hours(5);
    let mut checks = Vec::new();
    let mut attempt = 0u64;
    while h.clock.now() < end {
        attempt += 1;
        let result = auth.login(login_req("victim@example.com", "a guess"), &client(&format!("bot-{attempt}"))).await;
        match result {
            Err(err) if err.code() == ErrorCode::InvalidCredentials => {
                checks.push(h.clock.now());
                if let (Some(pause), 1) = (pause, checks.len()) {
                    h.clock.advance(pause);
                }
            }
            Err(err) if err.code() == ErrorCode::RateLimited => {
                h.clock.advance(chrono::Duration::from_std(err.retry_after().unwrap()).unwrap());
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    checks
}

#[tokio::test]
async fn failed_logins_per_account_stay_at_or_below_100_in_any_hour() {
    for pause in [None, Some(chrono::Duration::minutes(59)), Some(chrono::Duration::minutes(30))] {
        let checks = attack(pause).await;
        let worst = checks
            .iter()
            .map(|from| checks.iter().filter(|t| **t >= *from && **t < *from + chrono::Duration::hours(1)).count())
            .max()
            .unwrap();
        assert!(worst <= 100, "{worst} password checks in one hour (pause {pause:?})");
        // The bound is the budget, not a lockout: the attacker is slowed, not stopped.
        assert!(checks.len() >= 5 * 30, "{} checks in five hours (pause {pause:?})", checks.len());
        println!("pause {pause:?}: {} checks in 5 h, at most {worst} in any hour", checks.len());
    }
}
