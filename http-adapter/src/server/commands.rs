//! The commands: `serve`, `migrate`, `admin grant`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentmart_core::{Agentmart, Config, Notifier};
use agentmart_http::{HttpOptions, RateLimit, SweepSchedule, router, spawn_sweeper};
use ipnet::IpNet;

use super::args::{ServeArgs, StoreArgs};
use super::config_file::FileConfig;
use super::notifiers::{OutboxNotifier, ServerLogNotifier};
use super::store_url::StoreUrl;
use super::{Fatal, fatal, keys, shutdown};

/// Parses `10.0.0.0/8` or a single address.
fn parse_proxy(text: &str) -> Result<IpNet, Fatal> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(net);
    }
    match text.parse::<std::net::IpAddr>() {
        Ok(ip) => Ok(IpNet::from(ip)),
        Err(_) => fatal!("`{text}` is not an IP address or CIDR range (trusted proxies)"),
    }
}

/// The router options from the file, the flags and `--no-limits`.
pub(crate) fn http_options(args: &ServeArgs, file: &FileConfig) -> Result<HttpOptions, Fatal> {
    let http = &file.http;
    let mut options = HttpOptions::default();
    if let Some(bytes) = http.body_limit_bytes {
        options.body_limit = (bytes > 0).then_some(bytes);
    }
    if let Some(secs) = http.request_timeout_secs {
        options.request_timeout = (secs > 0).then(|| Duration::from_secs(secs));
    }
    if http.auth_rate_limit.is_some() || http.auth_rate_limit_window_secs.is_some() {
        let max = http.auth_rate_limit.unwrap_or(60);
        let window = Duration::from_secs(http.auth_rate_limit_window_secs.unwrap_or(60).max(1));
        options.auth_rate_limit = (max > 0).then(|| RateLimit::new(max, window));
    }
    let origins = if args.cors_origins.is_empty() { &http.cors_origins } else { &args.cors_origins };
    options.cors_allowed_origins = origins.iter().filter(|o| !o.trim().is_empty()).cloned().collect();
    let proxies = if args.trusted_proxies.is_empty() { &http.trusted_proxies } else { &args.trusted_proxies };
    options.trusted_proxies =
        proxies.iter().filter(|p| !p.trim().is_empty()).map(|p| parse_proxy(p)).collect::<Result<_, _>>()?;
    options.hsts_max_age = http.hsts_max_age_secs.filter(|s| *s > 0).map(Duration::from_secs);
    if let Some(metrics) = http.metrics {
        options.metrics = metrics;
    }
    options.console = !args.no_console && args.console.or(http.console).unwrap_or(true);
    options.auth_routes = args.auth_routes.or(http.auth_routes).unwrap_or(true);
    if args.no_limits {
        options.body_limit = None;
        options.request_timeout = None;
        options.auth_rate_limit = None;
    }
    Ok(options)
}

/// The write limits of the file, then of `--write-limit KEY=N` flags.
fn write_limits(args: &ServeArgs, file: &FileConfig) -> Result<agentmart_core::WriteLimits, Fatal> {
    let mut section = file.write_limits.clone();
    for item in args.write_limits.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let parsed = item.split_once('=').and_then(|(k, v)| Some((k.trim(), v.trim().parse::<u64>().ok()?)));
        match parsed {
            Some((key, value)) if section.set(key, value) => {}
            _ => return fatal!("`{item}` is not KEY=N with a known key (--write-limit)"),
        }
    }
    let mut limits = agentmart_core::WriteLimits::default();
    section.apply(&mut limits);
    if args.no_limits {
        limits.enabled = false;
    }
    Ok(limits)
}

/// The core configuration around the signing key.
pub(crate) fn core_config(args: &ServeArgs, file: &FileConfig, key: agentmart_core::JwtKey) -> Result<Config, Fatal> {
    let mut config = Config::with_jwt_key(key);
    let auth = &file.auth;
    if let Some(secs) = auth.access_token_ttl_secs {
        config.access_token_ttl = Duration::from_secs(secs);
    }
    if let Some(secs) = auth.session_ttl_secs {
        config.session_ttl = Duration::from_secs(secs);
    }
    if let Some(secs) = args.session_idle_timeout.or(auth.session_idle_timeout_secs) {
        config.session_idle_timeout = Duration::from_secs(secs);
    }
    if let Some(max) = args.max_sessions_per_user.or(auth.max_sessions_per_user) {
        config.max_sessions_per_user = max;
    }
    if let Some(enabled) = auth.login_throttling {
        config.throttle.enabled = enabled;
    }
    if let Some(issuer) = &auth.issuer {
        config.jwt.issuer.clone_from(issuer);
    }
    if let Some(audience) = &auth.audience {
        config.jwt.audience.clone_from(audience);
    }
    config.public_base_url = args
        .public_url
        .clone()
        .or_else(|| file.public_url.clone())
        .unwrap_or_else(|| format!("http://{}", args.listen))
        .trim_end_matches('/')
        .to_string();
    if args.no_limits {
        config.throttle.enabled = false;
    }
    config.write_limits = write_limits(args, file)?;
    if let Some(secs) = file.sweep.session_grace_secs {
        config.sweep.session_grace = Duration::from_secs(secs);
    }
    if let Some(secs) = file.sweep.counter_idle_secs {
        config.sweep.counter_idle = Duration::from_secs(secs);
    }
    // Never purge a rate-limit counter whose window may still be running.
    let rate_window = Duration::from_secs(file.http.auth_rate_limit_window_secs.unwrap_or(60).max(1));
    config.sweep.counter_idle = config.sweep.counter_idle.max(rate_window);
    Ok(config)
}

/// The background sweeper's schedule: the flags, else the file, else every 60 s, 1,000 per kind.
pub(crate) fn sweep_schedule(args: &ServeArgs, file: &FileConfig) -> SweepSchedule {
    let mut schedule = SweepSchedule::default();
    if let Some(secs) = args.sweep_interval.or(file.sweep.interval_secs) {
        schedule.interval = Duration::from_secs(secs.max(1));
    }
    if let Some(batch) = args.sweep_batch.or(file.sweep.batch) {
        schedule.batch = batch;
    }
    schedule
}

/// How long a shutdown waits for in-flight requests: the flag (or its
/// environment variable), else the file, else 30 s; 0 does not wait.
pub(crate) fn shutdown_timeout(args: &ServeArgs, file: &FileConfig) -> Duration {
    args.shutdown_timeout
        .or(file.http.shutdown_timeout_secs)
        .map(Duration::from_secs)
        .unwrap_or(shutdown::DEFAULT_TIMEOUT)
}

/// `agentmart serve`.
pub(crate) async fn serve(args: ServeArgs) -> Result<(), Fatal> {
    let started = Instant::now();
    let signals = shutdown::Signals::install()?;
    let file = match &args.config {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    let options = http_options(&args, &file)?;
    let drain = shutdown_timeout(&args, &file);
    let url = StoreUrl::parse(&args.store.store)?;
    let store = url.open().await?;
    let (key, warning) = keys::resolve(&args, std::env::var("AGENTMART_JWT_SECRET").ok(), url.data_dir().as_deref())?;
    if let Some(warning) = warning {
        tracing::warn!("{warning}");
    }
    let config = core_config(&args, &file, key)?;
    let notifier: Arc<dyn Notifier> = match &args.outbox {
        Some(dir) => Arc::new(
            OutboxNotifier::new(dir.clone())
                .map_err(|e| Fatal(format!("cannot use the outbox {}: {e}", dir.display())))?,
        ),
        None => Arc::new(ServerLogNotifier { reveal: args.dev }),
    };
    let backend = store.backend_name();
    let mart = Agentmart::builder(store, config).notifier(notifier).build()?;
    if args.dev {
        tracing::warn!(
            "--dev: the tokens of password-reset and verification messages are logged in clear; never use it in production"
        );
    }
    if args.no_limits {
        tracing::warn!(
            "--no-limits: body size, timeouts, rate limits, write limits and login throttling are OFF (load tests only)"
        );
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Fatal(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener.local_addr().map_err(|e| Fatal(format!("cannot read the bound address: {e}")))?;
    let console = if options.console { ", web console at /" } else { "" };
    let app = router(mart.clone(), options).into_make_service_with_connect_info::<SocketAddr>();
    tracing::info!(
        store = backend,
        startup_ms = started.elapsed().as_millis() as u64,
        "agentmart serving http://{addr} (API under /v1, health at /healthz{console})"
    );
    let schedule = sweep_schedule(&args, &file);
    let sweeper = spawn_sweeper(mart.clone(), schedule);
    let stopping = shutdown::watch(signals, drain);
    let server = axum::serve(listener, app).with_graceful_shutdown(shutdown::requested(stopping.clone()));
    let drain_expired = async {
        shutdown::requested(stopping).await;
        tokio::time::sleep(drain).await;
    };
    // `axum::serve` drops the listener at the first signal, then resolves once
    // every connection has finished its in-flight request; the drain bound cuts
    // the wait short (the connections still open are closed when the runtime stops).
    let served = tokio::select! {
        served = std::future::IntoFuture::into_future(server) => {
            tracing::info!("stopped accepting; in-flight requests finished; flushing the store");
            served
        }
        () = drain_expired => {
            tracing::warn!(
                timeout_secs = drain.as_secs(),
                "shutdown timeout: closing the connections still open; flushing the store"
            );
            Ok(())
        }
    };
    // The sweeper's call in progress (one bounded batch) finishes first.
    let swept = sweeper.stop().await;
    tracing::info!(sessions = swept.sessions, counters = swept.counters, "sweeper stopped");
    let flushed = mart.flush().await;
    served.map_err(|e| Fatal(format!("server error: {e}")))?;
    flushed?;
    tracing::info!("agentmart stopped");
    Ok(())
}

/// `agentmart migrate`.
pub(crate) async fn migrate(args: StoreArgs) -> Result<(), Fatal> {
    let url = StoreUrl::parse(&args.store)?;
    let report = url.migrate().await?;
    println!("{report}");
    Ok(())
}

/// `agentmart admin grant --email E [--force]`: refuses an account whose
/// email is not verified unless `force`.
pub(crate) async fn admin_grant(email: String, force: bool, args: StoreArgs) -> Result<(), Fatal> {
    let url = StoreUrl::parse(&args.store)?;
    let store = url.open().await?;
    // The signing key is not used by this call; a throwaway one satisfies the configuration.
    let mut throwaway = [0u8; 32];
    getrandom::fill(&mut throwaway).map_err(|e| Fatal(format!("no randomness from the OS: {e}")))?;
    let mart = Agentmart::new(store, Config::with_hs256_secret(throwaway.to_vec()))?;
    let profile = match mart.admin().grant_admin_by_email(&email, force).await {
        Err(agentmart_core::Error::Conflict(_)) if !force => {
            return Err(Fatal(format!(
                "the email {} is not verified: verify it first, or run again with --force to grant anyway",
                email.trim()
            )));
        }
        other => other?,
    };
    mart.flush().await?;
    println!("{} (@{}) is now an admin", email.trim(), profile.handle);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn serve_args(extra: &[&str]) -> ServeArgs {
        let mut argv = vec!["agentmart", "serve"];
        argv.extend_from_slice(extra);
        match super::super::args::Cli::try_parse_from(argv).unwrap().command {
            super::super::args::Command::Serve(args) => args,
            _ => panic!("expected serve"),
        }
    }

    #[test]
    fn no_limits_switches_every_limit_off() {
        let args = serve_args(&["--no-limits"]);
        let options = http_options(&args, &FileConfig::default()).unwrap();
        assert!(options.body_limit.is_none() && options.request_timeout.is_none() && options.auth_rate_limit.is_none());
        let config = core_config(&args, &FileConfig::default(), agentmart_core::JwtKey::hs256(vec![1; 32])).unwrap();
        assert!(!config.throttle.enabled);
        assert!(!config.write_limits.enabled, "--no-limits switches the write limits off");
    }

    #[test]
    fn write_limits_come_from_the_file_then_the_flags() {
        let key = || agentmart_core::JwtKey::hs256(vec![1; 32]);
        let defaults = core_config(&serve_args(&[]), &FileConfig::default(), key()).unwrap();
        assert_eq!(defaults.write_limits, agentmart_core::WriteLimits::default());
        assert!(defaults.write_limits.enabled);
        let file: FileConfig = toml::from_str("[write_limits]\npublishes = 5\nwindow_secs = 600\n").unwrap();
        let args = serve_args(&["--write-limit", "publishes=7,rating_writes=9"]);
        let config = core_config(&args, &file, key()).unwrap();
        let limits = &config.write_limits;
        assert_eq!((limits.publishes, limits.rating_writes, limits.window), (7, 9, Duration::from_secs(600)));
        assert_eq!(limits.agent_creates, 60);
        let bad = serve_args(&["--write-limit", "nope=1"]);
        assert!(core_config(&bad, &FileConfig::default(), key()).is_err());
        let off = core_config(&serve_args(&["--no-limits", "--write-limit", "publishes=3"]), &file, key()).unwrap();
        assert!(!off.write_limits.enabled);
    }

    #[test]
    fn proxies_and_origins_come_from_flags() {
        let args = serve_args(&["--trusted-proxy", "10.0.0.0/8,192.168.1.1", "--cors-origin", "https://a.example"]);
        let options = http_options(&args, &FileConfig::default()).unwrap();
        assert_eq!(options.trusted_proxies.len(), 2);
        assert_eq!(options.cors_allowed_origins, ["https://a.example"]);
        assert!(http_options(&serve_args(&["--trusted-proxy", "nope"]), &FileConfig::default()).is_err());
    }

    #[test]
    fn sweep_settings_come_from_flags_then_the_file() {
        let defaults = sweep_schedule(&serve_args(&[]), &FileConfig::default());
        assert_eq!((defaults.interval, defaults.batch), (Duration::from_secs(60), 1000));
        let file: FileConfig = toml::from_str(
            "[sweep]\ninterval_secs = 5\nbatch = 7\nsession_grace_secs = 100\ncounter_idle_secs = 10\n\
             [http]\nauth_rate_limit_window_secs = 3600\n",
        )
        .unwrap();
        let from_file = sweep_schedule(&serve_args(&[]), &file);
        assert_eq!((from_file.interval, from_file.batch), (Duration::from_secs(5), 7));
        let flags = sweep_schedule(&serve_args(&["--sweep-interval", "9", "--sweep-batch", "0"]), &file);
        assert_eq!((flags.interval, flags.batch), (Duration::from_secs(9), 0));
        let config = core_config(&serve_args(&[]), &file, agentmart_core::JwtKey::hs256(vec![1; 32])).unwrap();
        assert_eq!(config.sweep.session_grace, Duration::from_secs(100));
        assert_eq!(config.sweep.counter_idle, Duration::from_secs(3600), "never shorter than the rate-limit window");
    }

    #[test]
    fn defaults_keep_limits_on() {
        let options = http_options(&serve_args(&[]), &FileConfig::default()).unwrap();
        assert_eq!(options.body_limit, Some(agentmart_http::DEFAULT_BODY_LIMIT));
        assert!(options.auth_rate_limit.is_some() && options.request_timeout.is_some());
        assert!(options.cors_allowed_origins.is_empty() && options.trusted_proxies.is_empty());
        assert!(options.hsts_max_age.is_none());
        assert!(options.console);
    }

    #[test]
    fn auth_routes_follow_the_flag_then_the_file() {
        let off_in_file = FileConfig {
            http: super::super::config_file::HttpSection { auth_routes: Some(false), ..Default::default() },
            ..Default::default()
        };
        assert!(http_options(&serve_args(&[]), &FileConfig::default()).unwrap().auth_routes);
        assert!(!http_options(&serve_args(&["--auth-routes", "false"]), &FileConfig::default()).unwrap().auth_routes);
        assert!(!http_options(&serve_args(&[]), &off_in_file).unwrap().auth_routes);
        assert!(http_options(&serve_args(&["--auth-routes", "true"]), &off_in_file).unwrap().auth_routes);
    }

    #[test]
    fn the_shutdown_timeout_follows_the_flag_then_the_file() {
        let in_file = FileConfig {
            http: super::super::config_file::HttpSection { shutdown_timeout_secs: Some(5), ..Default::default() },
            ..Default::default()
        };
        assert_eq!(shutdown_timeout(&serve_args(&[]), &FileConfig::default()), Duration::from_secs(30));
        assert_eq!(shutdown_timeout(&serve_args(&[]), &in_file), Duration::from_secs(5));
        assert_eq!(shutdown_timeout(&serve_args(&["--shutdown-timeout", "0"]), &in_file), Duration::ZERO);
        assert!(super::super::args::Cli::try_parse_from(["agentmart", "serve", "--shutdown-timeout", "-1"]).is_err());
    }

    #[test]
    fn the_console_follows_flags_then_the_file() {
        let off_in_file = FileConfig {
            http: super::super::config_file::HttpSection { console: Some(false), ..Default::default() },
            ..Default::default()
        };
        assert!(!http_options(&serve_args(&["--no-console"]), &FileConfig::default()).unwrap().console);
        assert!(!http_options(&serve_args(&["--console", "false"]), &FileConfig::default()).unwrap().console);
        assert!(!http_options(&serve_args(&[]), &off_in_file).unwrap().console);
        assert!(http_options(&serve_args(&["--console", "true"]), &off_in_file).unwrap().console);
        assert!(!http_options(&serve_args(&["--console", "true", "--no-console"]), &off_in_file).unwrap().console);
    }

    #[test]
    fn the_session_idle_timeout_and_cap_follow_the_flag_then_the_file() {
        let key = || agentmart_core::JwtKey::hs256(vec![1; 32]);
        let in_file = FileConfig {
            auth: super::super::config_file::AuthSection {
                session_idle_timeout_secs: Some(3600),
                max_sessions_per_user: Some(5),
                ..Default::default()
            },
            ..Default::default()
        };
        let defaults = core_config(&serve_args(&[]), &FileConfig::default(), key()).unwrap();
        assert_eq!(defaults.session_idle_timeout, Duration::from_secs(7 * 24 * 3600));
        assert_eq!(defaults.max_sessions_per_user, 100);
        let from_file = core_config(&serve_args(&[]), &in_file, key()).unwrap();
        assert_eq!((from_file.session_idle_timeout, from_file.max_sessions_per_user), (Duration::from_secs(3600), 5));
        let args = serve_args(&["--session-idle-timeout", "7200", "--max-sessions-per-user", "9"]);
        let from_flags = core_config(&args, &in_file, key()).unwrap();
        assert_eq!((from_flags.session_idle_timeout, from_flags.max_sessions_per_user), (Duration::from_secs(7200), 9));
    }
}
