//! Login throttling and the notification cap, with their counters in the
//! store (see the module docs of [`crate::auth`] for the design).

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::AuthService;
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

/// The bucket an IP address is counted in, by login throttling and by the
/// HTTP adapter's per-IP rate limit alike: the address itself for IPv4, its
/// /64 network (`2001:db8:1:2::/64`) for IPv6, because one subscriber usually
/// holds a whole /64 and could otherwise rotate through 2^64 fresh keys. An
/// IPv4-mapped IPv6 address (`::ffff:198.51.100.4`) counts as its IPv4 address.
/// Text that is not an address is returned trimmed, unchanged.
///
/// ```
/// use agentmart_core::auth::ip_bucket;
/// assert_eq!(ip_bucket("203.0.113.7"), "203.0.113.7");
/// assert_eq!(ip_bucket("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
/// assert_eq!(ip_bucket("::ffff:198.51.100.4"), "198.51.100.4");
/// ```
pub fn ip_bucket(ip: &str) -> String {
    let ip = ip.trim();
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_string(),
    }
}

/// A bounded, separator-free form of the caller's client key: the explicit
/// [`ClientInfo::client_key`], else the IP; an address (either way) is
/// counted by its [`ip_bucket`]. Short keys of plain characters stay
/// readable; anything else is hashed.
///
/// `None` when the caller gave neither: such a client has no key of its own,
/// and folding every such client into one shared key would let one of them
/// mark it "known" (by logging in once) and so lift the account-wide limit
/// for all of them. [`LoginThrottle`] applies only the account-wide budget
/// to them instead (fail-closed).
pub(crate) fn client_key(client: &ClientInfo) -> Option<String> {
    let raw = ip_bucket(given(client.client_key.as_deref()).or_else(|| given(client.ip.as_deref()))?);
    let plain = raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'-' | b'_' | b'/'));
    Some(if raw.len() <= 64 && plain {
        raw
    } else {
        format!("h-{}", hex::encode(&Sha256::digest(raw.as_bytes())[..16]))
    })
}

/// A non-blank value, trimmed.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
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
    /// `None` for a client without a key (see [`client_key`]): only the
    /// account-wide counter applies to it.
    client_key: Option<String>,
    known_key: Option<String>,
}

impl<'a> LoginThrottle<'a> {
    /// The throttle for this account (see [`account_key`]) and client.
    pub(crate) fn new(inner: &'a Inner, account: &str, client: &ClientInfo) -> Self {
        let client = client_key(client);
        Self {
            inner,
            account_key: format!("login:acct:{account}"),
            client_key: client.as_ref().map(|c| format!("login:acct:{account}:client:{c}")),
            known_key: client.as_ref().map(|c| format!("{}{account}:{c}", crate::sweep::KNOWN_CLIENT_PREFIX)),
        }
    }

    /// Reserves one attempt before the password is checked, or refuses it
    /// with `rate_limited`.
    ///
    /// The attempt is counted first (the reservation *is* the failure if the
    /// password turns out wrong) and the decision comes from the count the
    /// store returns, so parallel attempts cannot all pass a check made
    /// before any of them was counted: of N concurrent attempts at most the
    /// remaining budget is admitted. Past the budget, an attempt is admitted
    /// only once the back-off since the latest failure has run out, and only
    /// the first one to be counted after that (its count is exactly one more
    /// than the state it checked). A refused attempt takes its reservation
    /// back, so counts are password checks, not requests.
    pub(crate) async fn reserve(&self, now: DateTime<Utc>) -> Result<()> {
        let config = &self.inner.config.throttle;
        if !config.enabled {
            return Ok(());
        }
        let store = &self.inner.store;
        let window = chrono::Duration::from_std(config.window).map_err(Error::internal)?;
        let limits = Limits { window, max: config.max_backoff, now };

        let client_before = match &self.client_key {
            Some(key) => store.get_counter(key).await?,
            None => None,
        };
        if let Some(counter) = &client_before
            && let Some(retry_after) = wait_for(counter, config.per_client_failures, config.max_backoff, now)
        {
            return Err(Error::RateLimited { retry_after });
        }
        // A keyless client is never "known": the account-wide budget always applies.
        let known = match &self.known_key {
            Some(key) => store.get_counter(key).await?.is_some(),
            None => false,
        };
        let account_before = store.get_counter(&self.account_key).await?;
        if !known
            && let Some(counter) = &account_before
            && let Some(retry_after) = wait_for(counter, config.per_account_failures, config.max_backoff, now)
        {
            return Err(Error::RateLimited { retry_after });
        }

        // Reserve: count the attempt, then decide from the counts returned.
        let client_after = match &self.client_key {
            Some(key) => Some(store.hit_counter(key, now, window).await?),
            None => None,
        };
        let account_after = store.hit_counter(&self.account_key, now, window).await?;
        let mut refused = client_after
            .as_ref()
            .and_then(|after| limits.refusal(client_before.as_ref(), after, config.per_client_failures));
        if refused.is_none() && !known {
            refused = limits.refusal(account_before.as_ref(), &account_after, config.per_account_failures);
        }
        if let Some(retry_after) = refused {
            self.release().await?;
            return Err(Error::RateLimited { retry_after });
        }
        Ok(())
    }

    /// Takes the reservation back from both counters.
    async fn release(&self) -> Result<()> {
        if let Some(key) = &self.client_key {
            self.inner.store.release_counter(key).await?;
        }
        self.inner.store.release_counter(&self.account_key).await?;
        Ok(())
    }

    /// After a successful login: the reservation was not a failure, so the
    /// account-wide counter takes it back; this client's failures are
    /// forgotten and it is marked as known to the account (so account-wide
    /// back-off never applies to it). A keyless client cannot be recognised
    /// later, so nothing more is recorded for it. A failed attempt needs no
    /// call: its reservation stays counted as the failure.
    pub(crate) async fn record_success(&self, now: DateTime<Utc>) -> Result<()> {
        if !self.inner.config.throttle.enabled {
            return Ok(());
        }
        self.inner.store.release_counter(&self.account_key).await?;
        let (Some(client_key), Some(known_key)) = (&self.client_key, &self.known_key) else { return Ok(()) };
        self.inner.store.clear_counter(client_key).await?;
        self.inner.store.hit_counter(known_key, now, KNOWN_CLIENT_WINDOW).await?;
        Ok(())
    }
}

/// The window, back-off cap and time of one reservation.
struct Limits {
    window: chrono::Duration,
    max: Duration,
    now: DateTime<Utc>,
}

impl Limits {
    /// `Some(retry_after)` when the attempt counted as `after` must be
    /// refused: it is past the budget `limit` and it is not the single
    /// attempt that followed the state `before` it was checked against (a
    /// concurrent attempt was counted in between).
    fn refusal(&self, before: Option<&Counter>, after: &Counter, limit: u32) -> Option<Duration> {
        if after.count <= limit {
            return None;
        }
        let live_before = before.filter(|c| c.window_started_at > self.now - self.window).map_or(0, |c| c.count);
        if after.count == live_before.saturating_add(1) {
            return None;
        }
        Some(wait_for(after, limit, self.max, self.now).unwrap_or(Duration::from_secs(1)))
    }
}

impl AuthService {
    /// Counts one request of the client at `ip` against a fixed-window limit
    /// of `max_requests` per `window`, in the store (so every server over one
    /// database shares it) and by core's clock, under the key
    /// `<scope>:ip:<bucket>` where the bucket is [`ip_bucket`] (an IPv6
    /// client counts by its /64). `rate_limited` with the time left in the
    /// window once the limit is passed. The HTTP adapter's per-IP limit on
    /// `/v1/auth/*` is this call with scope `http:auth`.
    ///
    /// Counting happens whether or not [`ThrottleConfig::enabled`](crate::ThrottleConfig::enabled)
    /// is set: the caller chose the limit. A window too long for the clock
    /// (more than about 292 billion years) is `validation_failed` on `window`.
    pub async fn count_request(&self, scope: &str, ip: &str, max_requests: u32, window: Duration) -> Result<()> {
        let window = chrono::Duration::from_std(window)
            .map_err(|_| Error::invalid("window", "out_of_range", "the window is too long"))?;
        let now = self.inner.now();
        let key = format!("{scope}:ip:{}", ip_bucket(ip));
        let counter = self.inner.store.hit_counter(&key, now, window).await?;
        if counter.count > max_requests {
            let retry_after =
                positive_whole_seconds(counter.window_started_at + window - now).unwrap_or(Duration::from_secs(1));
            return Err(Error::RateLimited { retry_after });
        }
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
        let ip = ClientInfo::from_ip("192.0.2.1");
        assert_eq!(client_key(&ip).as_deref(), Some("192.0.2.1"));
        let keyed = ClientInfo { client_key: Some("device-42".into()), ..ClientInfo::from_ip("10.0.0.1") };
        assert_eq!(client_key(&keyed).as_deref(), Some("device-42"));
        let odd = ClientInfo { client_key: Some("a key/with spaces".into()), ..Default::default() };
        let hashed = client_key(&odd).unwrap();
        assert!(hashed.starts_with("h-") && hashed.len() == 34, "{hashed}");
        assert_eq!(client_key(&odd).unwrap(), hashed);
    }

    #[test]
    fn a_client_without_key_or_ip_has_no_key_of_its_own() {
        assert_eq!(client_key(&ClientInfo::default()), None);
        let blank = ClientInfo { client_key: Some("  ".into()), ip: Some(String::new()), user_agent: None };
        assert_eq!(client_key(&blank), None);
        // Only the IP: it is the key.
        let ip_only = ClientInfo { ip: Some("198.51.100.4".into()), ..Default::default() };
        assert_eq!(client_key(&ip_only).as_deref(), Some("198.51.100.4"));
        // `ClientInfo::require_known` (what the bindings check) is this same rule.
        let key_only = ClientInfo { client_key: Some("device-42".into()), ..Default::default() };
        for client in [ClientInfo::default(), blank, ip_only, key_only] {
            assert_eq!(client.is_known(), client_key(&client).is_some(), "{client:?}");
            assert_eq!(client.require_known().is_ok(), client.is_known());
        }
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let a = client_key(&ClientInfo::from_ip("2001:db8:1:2:aaaa::1")).unwrap();
        let b = client_key(&ClientInfo::from_ip("2001:db8:1:2:bbbb:cccc:dddd:9")).unwrap();
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, b, "one /64, one key");
        assert_ne!(client_key(&ClientInfo::from_ip("2001:db8:1:3::1")).unwrap(), a);
        // An explicit key that is an address is bucketed too (`from_ip` sets both).
        let explicit = ClientInfo { client_key: Some("2001:db8:1:2::77".into()), ..Default::default() };
        assert_eq!(client_key(&explicit).unwrap(), a);
        assert_eq!(ip_bucket("::ffff:198.51.100.4"), "198.51.100.4");
        assert_eq!(ip_bucket(" 203.0.113.7 "), "203.0.113.7");
        assert_eq!(ip_bucket("not-an-ip"), "not-an-ip");
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
