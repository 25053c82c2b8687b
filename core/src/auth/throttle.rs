//! Login throttling and the notification cap, with their counters in the
//! store (see the module docs of [`crate::auth`] for the design).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::context::Inner;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::model::{ClientInfo, Counter};

/// How long a "this client logged in here before" marker is kept (its window;
/// the marker is only read for existence, so the value hardly matters).
const KNOWN_CLIENT_WINDOW: chrono::Duration = chrono::Duration::days(3650);

/// The back-off after `count` failures when `limit` are allowed: none below
/// the limit, then 1 s, 2 s, 4 s... doubling with each further failure, at
/// most `max`.
pub(crate) fn backoff(count: u32, limit: u32, max: Duration) -> Option<Duration> {
    if count < limit {
        return None;
    }
    let exponent = (count - limit).min(40);
    Some(Duration::from_secs(1u64 << exponent).min(max))
}

/// How long the caller must still wait given this failure counter, if at all:
/// the back-off runs from the latest failure.
pub(crate) fn wait_for(counter: &Counter, limit: u32, max: Duration, now: DateTime<Utc>) -> Option<Duration> {
    let backoff = backoff(counter.count, limit, max)?;
    let until = counter.last_hit_at + chrono::Duration::from_std(backoff).ok()?;
    positive_whole_seconds(until - now)
}

/// A positive delay rounded up to whole seconds; `None` when not positive.
fn positive_whole_seconds(delta: chrono::Duration) -> Option<Duration> {
    let millis = delta.num_milliseconds();
    if millis <= 0 {
        return None;
    }
    let secs = u64::try_from(millis).ok()?.div_ceil(1000);
    Some(Duration::from_secs(secs))
}

/// A bounded, separator-free form of the caller's client key. Short keys of
/// plain characters (IPs, device ids) stay readable; anything else is hashed.
/// Without a client key the IP is used, and without either all anonymous
/// clients share one key.
pub(crate) fn client_key(client: &ClientInfo) -> String {
    let raw = client.client_key.as_deref().or(client.ip.as_deref()).map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return "anonymous".into();
    }
    if raw.len() <= 64 && raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'-' | b'_')) {
        raw.to_string()
    } else {
        format!("h-{}", hex::encode(&Sha256::digest(raw.as_bytes())[..16]))
    }
}

/// The throttling identity of an account: the user id, or for an email that
/// has no account a hash of it, so that unknown emails are throttled exactly
/// like real ones and the answers do not reveal which accounts exist.
pub(crate) fn account_key(user: Option<UserId>, email: &str) -> String {
    match user {
        Some(id) => id.to_string(),
        None => format!("unknown-{}", hex::encode(&Sha256::digest(email.as_bytes())[..16])),
    }
}

/// The login throttle of one account seen from one client.
pub(crate) struct LoginThrottle<'a> {
    inner: &'a Inner,
    account_key: String,
    client_key: String,
    known_key: String,
}

impl<'a> LoginThrottle<'a> {
    /// The throttle for this account (see [`account_key`]) and client.
    pub(crate) fn new(inner: &'a Inner, account: &str, client: &ClientInfo) -> Self {
        let client = client_key(client);
        Self {
            inner,
            account_key: format!("login:acct:{account}"),
            client_key: format!("login:acct:{account}:client:{client}"),
            known_key: format!("login:known:{account}:{client}"),
        }
    }

    /// `rate_limited` when this client must wait before trying this account again.
    pub(crate) async fn check(&self, now: DateTime<Utc>) -> Result<()> {
        let config = &self.inner.config.throttle;
        if !config.enabled {
            return Ok(());
        }
        let store = &self.inner.store;
        if let Some(counter) = store.get_counter(&self.client_key).await?
            && let Some(retry_after) = wait_for(&counter, config.per_client_failures, config.max_backoff, now)
        {
            return Err(Error::RateLimited { retry_after });
        }
        if let Some(counter) = store.get_counter(&self.account_key).await?
            && let Some(retry_after) = wait_for(&counter, config.per_account_failures, config.max_backoff, now)
            && store.get_counter(&self.known_key).await?.is_none()
        {
            return Err(Error::RateLimited { retry_after });
        }
        Ok(())
    }

    /// Counts a failed attempt for the client and for the account.
    pub(crate) async fn record_failure(&self, now: DateTime<Utc>) -> Result<()> {
        let config = &self.inner.config.throttle;
        if !config.enabled {
            return Ok(());
        }
        let window = chrono::Duration::from_std(config.window).map_err(Error::internal)?;
        self.inner.store.hit_counter(&self.client_key, now, window).await?;
        self.inner.store.hit_counter(&self.account_key, now, window).await?;
        Ok(())
    }

    /// After a successful login: forgets this client's failures and marks it
    /// as known to the account (so account-wide back-off never applies to it).
    pub(crate) async fn record_success(&self, now: DateTime<Utc>) -> Result<()> {
        if !self.inner.config.throttle.enabled {
            return Ok(());
        }
        self.inner.store.clear_counter(&self.client_key).await?;
        self.inner.store.hit_counter(&self.known_key, now, KNOWN_CLIENT_WINDOW).await?;
        Ok(())
    }
}

/// Counts one notification (reset or verification message) for the user and
/// returns `Err(retry_after)` when the cap of the window is exceeded.
pub(crate) async fn count_notification(
    inner: &Inner,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<std::result::Result<(), Duration>> {
    let config = &inner.config.throttle;
    if !config.enabled {
        return Ok(Ok(()));
    }
    let window = chrono::Duration::from_std(config.window).map_err(Error::internal)?;
    let counter = inner.store.hit_counter(&format!("notify:acct:{user}"), now, window).await?;
    if counter.count > config.notifications_per_window {
        let wait = positive_whole_seconds(counter.window_started_at + window - now).unwrap_or(Duration::from_secs(1));
        return Ok(Err(wait));
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_limit_and_is_capped() {
        let max = Duration::from_secs(900);
        assert_eq!(backoff(4, 5, max), None);
        assert_eq!(backoff(5, 5, max), Some(Duration::from_secs(1)));
        assert_eq!(backoff(6, 5, max), Some(Duration::from_secs(2)));
        assert_eq!(backoff(9, 5, max), Some(Duration::from_secs(16)));
        assert_eq!(backoff(15, 5, max), Some(max));
        assert_eq!(backoff(u32::MAX, 5, max), Some(max));
    }

    #[test]
    fn wait_runs_from_the_latest_failure_and_rounds_up() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let counter = Counter { count: 8, window_started_at: t0, last_hit_at: t0 + chrono::Duration::seconds(10) };
        let max = Duration::from_secs(900);
        // 8 failures with a limit of 5: 8 s after the last one.
        assert_eq!(wait_for(&counter, 5, max, t0 + chrono::Duration::seconds(10)), Some(Duration::from_secs(8)));
        assert_eq!(
            wait_for(&counter, 5, max, t0 + chrono::Duration::milliseconds(12_500)),
            Some(Duration::from_secs(6))
        );
        assert_eq!(wait_for(&counter, 5, max, t0 + chrono::Duration::seconds(18)), None);
        assert_eq!(wait_for(&counter, 9, max, t0), None);
    }

    #[test]
    fn client_keys_are_bounded_and_separator_free() {
        let ip = ClientInfo::from_ip("2001:db8::1");
        assert_eq!(client_key(&ip), "2001:db8::1");
        let keyed = ClientInfo { client_key: Some("device-42".into()), ..ClientInfo::from_ip("10.0.0.1") };
        assert_eq!(client_key(&keyed), "device-42");
        assert_eq!(client_key(&ClientInfo::default()), "anonymous");
        let odd = ClientInfo { client_key: Some("a key/with spaces".into()), ..Default::default() };
        let hashed = client_key(&odd);
        assert!(hashed.starts_with("h-") && hashed.len() == 34, "{hashed}");
        assert_eq!(client_key(&odd), hashed);
    }

    #[test]
    fn unknown_accounts_get_a_stable_key() {
        let a = account_key(None, "nobody@example.com");
        assert_eq!(a, account_key(None, "nobody@example.com"));
        assert_ne!(a, account_key(None, "other@example.com"));
        let id = UserId::new();
        assert_eq!(account_key(Some(id), "x@example.com"), id.to_string());
    }
}
