//! Command-line arguments (each flag also reads an environment variable).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

/// agentmart — an AI-agent marketplace server: accounts, a builder for custom
/// agents, and a marketplace to browse, install, rate and use them.
///
/// Quick start: `agentmart serve --dev` serves the JSON API on
/// http://127.0.0.1:8080 (see /docs there) with its data in ./agentmart-data.
#[derive(Debug, Parser)]
#[command(name = "agentmart", version, about, long_about, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,

    /// Log line format.
    #[arg(long, global = true, env = "AGENTMART_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
}

const AFTER_HELP: &str = "\
Examples:
  agentmart serve --dev                       try it locally (tokens of emails shown in the log)
  agentmart serve --outbox ./outbox           write reset/verification emails as JSON files
  AGENTMART_JWT_SECRET=$(openssl rand -hex 32) agentmart serve --listen 0.0.0.0:8080 --store sled:/var/lib/agentmart
  agentmart admin grant --email you@example.com   make a verified user an administrator (--force: unverified too)
  agentmart copy --from sled:./agentmart-data --to postgres://app@db/agentmart   move to PostgreSQL
  agentmart export --store sled:./agentmart-data > backup.jsonl; agentmart import --store sqlite:./am.db < backup.jsonl

Every flag can also be set by its environment variable (shown in `agentmart serve --help`).
Logs go to stderr; choose what is logged with AGENTMART_LOG or RUST_LOG (e.g. `info`, `agentmart_http=debug`).";

/// Log line formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The commands.
// Parsed once at startup: boxing `ServeArgs` would only add noise at every use.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the HTTP server until SIGTERM or Ctrl-C (in-flight requests drain; a second signal exits at once).
    Serve(ServeArgs),
    /// Create or upgrade the store's schema, then exit.
    Migrate(StoreArgs),
    /// Write every record of the store to stdout as JSON lines (users with
    /// password hashes: keep the file as safe as the store).
    Export(ExportArgs),
    /// Read an export from stdin into an empty store.
    Import(ImportArgs),
    /// Copy every record of one store into another, empty one (e.g. sled to PostgreSQL).
    Copy(CopyArgs),
    /// Administration tasks.
    Admin {
        /// The task.
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// Administration tasks.
#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Give a registered user the admin role.
    Grant {
        /// The user's email address.
        #[arg(long)]
        email: String,
        /// Grant even though the user's email is not verified.
        #[arg(long)]
        force: bool,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub(crate) struct StoreArgs {
    /// The store: `sled:PATH` (embedded, the default); `sqlite:PATH` and
    /// `postgres://...` come with the SQL backend.
    #[arg(long, env = "AGENTMART_STORE", default_value = "sled:./agentmart-data")]
    pub(crate) store: String,
}

/// Options of `export`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ExportArgs {
    /// The store to read.
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// Include sessions and refresh/one-time token hashes (by default users log in again after an import).
    #[arg(long)]
    pub(crate) sessions: bool,
}

/// Options of `import`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ImportArgs {
    /// The store to write.
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// Import even when the store already holds users, agents or audit records.
    #[arg(long)]
    pub(crate) force: bool,
}

/// Options of `copy`.
#[derive(Debug, Clone, Args)]
pub(crate) struct CopyArgs {
    /// The store to read (e.g. `sled:./agentmart-data`).
    #[arg(long)]
    pub(crate) from: String,
    /// The store to write (e.g. `postgres://user@host/db`).
    #[arg(long)]
    pub(crate) to: String,
    /// Include sessions and refresh/one-time token hashes.
    #[arg(long)]
    pub(crate) sessions: bool,
    /// Copy even when the target already holds users, agents or audit records.
    #[arg(long)]
    pub(crate) force: bool,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "AGENTMART_LISTEN", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,

    /// Where the data lives.
    #[command(flatten)]
    pub(crate) store: StoreArgs,

    /// Write each outgoing message (password reset, email verification) as one
    /// JSON file in this directory instead of logging it.
    #[arg(long, env = "AGENTMART_OUTBOX")]
    pub(crate) outbox: Option<PathBuf>,

    /// A TOML file with further settings (limits, CORS, proxies, token lifetimes).
    #[arg(long, env = "AGENTMART_CONFIG")]
    pub(crate) config: Option<PathBuf>,

    /// Development mode: log the tokens of outgoing messages in clear.
    #[arg(long, env = "AGENTMART_DEV")]
    pub(crate) dev: bool,

    /// The public URL clients reach this server at (used in links and agent cards).
    #[arg(long, env = "AGENTMART_PUBLIC_URL")]
    pub(crate) public_url: Option<String>,

    /// Origins allowed to call the API from browsers (comma-separated); none by default.
    #[arg(long = "cors-origin", env = "AGENTMART_CORS_ORIGINS", value_delimiter = ',')]
    pub(crate) cors_origins: Vec<String>,

    /// Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is trusted; none by default.
    #[arg(long = "trusted-proxy", env = "AGENTMART_TRUSTED_PROXIES", value_delimiter = ',')]
    pub(crate) trusted_proxies: Vec<String>,

    /// Switch every limit off (body size, timeout, rate limits, login throttling). Load tests only.
    #[arg(long, env = "AGENTMART_NO_LIMITS")]
    pub(crate) no_limits: bool,

    /// Serve the web console at `/`: `true` (the default) or `false`.
    #[arg(long, env = "AGENTMART_CONSOLE", value_name = "BOOL", action = ArgAction::Set,
          value_parser = BoolishValueParser::new())]
    pub(crate) console: Option<bool>,

    /// Do not serve the web console (the same as `--console false`).
    #[arg(long)]
    pub(crate) no_console: bool,

    /// Serve `/v1/auth/*` (register, login, sessions...): `true` (the default) or
    /// `false`, for hosts that bring their own identity.
    #[arg(long, env = "AGENTMART_AUTH_ROUTES", value_name = "BOOL", action = ArgAction::Set,
          value_parser = BoolishValueParser::new())]
    pub(crate) auth_routes: Option<bool>,

    /// Private key file (PKCS#8 PEM) for signing access tokens with EdDSA or ES256.
    /// Without key files, `AGENTMART_JWT_SECRET` (HS256, at least 32 bytes) is used,
    /// else a random secret kept in the data directory.
    #[arg(long, env = "AGENTMART_JWT_PRIVATE_KEY", requires = "jwt_public_key")]
    pub(crate) jwt_private_key: Option<PathBuf>,

    /// Public key file (SPKI PEM) matching `--jwt-private-key`.
    #[arg(long, env = "AGENTMART_JWT_PUBLIC_KEY", requires = "jwt_private_key")]
    pub(crate) jwt_public_key: Option<PathBuf>,

    /// Algorithm of the key files.
    #[arg(long, env = "AGENTMART_JWT_ALGORITHM", value_enum, default_value_t = KeyAlgorithm::Eddsa)]
    pub(crate) jwt_algorithm: KeyAlgorithm,

    /// On SIGTERM/SIGINT, how long in-flight requests may take to finish before
    /// their connections are closed (then the store is flushed). A second signal
    /// exits at once. Default 30 (`[http] shutdown_timeout_secs` in the file).
    #[arg(long, env = "AGENTMART_SHUTDOWN_TIMEOUT", value_name = "SECS")]
    pub(crate) shutdown_timeout: Option<u64>,

    /// Seconds between ticks of the background sweeper, which purges ended
    /// sessions, stale counters, expired one-time tokens and old usage sets.
    /// Default 60 (`[sweep] interval_secs` in the file).
    #[arg(long, env = "AGENTMART_SWEEP_INTERVAL", value_name = "SECS")]
    pub(crate) sweep_interval: Option<u64>,

    /// Records of each kind the sweeper deletes per call; 0 turns it off.
    /// Default 1000 (`[sweep] batch` in the file).
    #[arg(long, env = "AGENTMART_SWEEP_BATCH", value_name = "N")]
    pub(crate) sweep_batch: Option<u32>,

    /// A session not refreshed for this long ends (its refresh answers
    /// `token_expired`). Default 604800 = 7 days (`[auth]
    /// session_idle_timeout_secs` in the file).
    #[arg(long, env = "AGENTMART_SESSION_IDLE_TIMEOUT", value_name = "SECS")]
    pub(crate) session_idle_timeout: Option<u64>,

    /// Per-user write limits (per window, outside `/v1/auth`) as `KEY=N`,
    /// comma-separated, e.g. `publishes=100,usage_events_per_agent=50000`.
    /// Keys: `window_secs` (default 3600), `agent_creates` (60),
    /// `draft_updates` (300), `previews` (300), `publishes` (60),
    /// `rating_writes` (600), `usage_events_per_agent` (10000),
    /// `usage_events_per_user` (100000); the same keys in `[write_limits]` of
    /// the file. Past a limit: `429 rate_limited` with `Retry-After`.
    #[arg(long = "write-limit", env = "AGENTMART_WRITE_LIMITS", value_delimiter = ',', value_name = "KEY=N")]
    pub(crate) write_limits: Vec<String>,

    /// Most active sessions per user; a new sign-in past it ends the oldest.
    /// Default 100 (`[auth] max_sessions_per_user` in the file).
    #[arg(long, env = "AGENTMART_MAX_SESSIONS_PER_USER", value_name = "N")]
    pub(crate) max_sessions_per_user: Option<u32>,
}

/// Asymmetric signing algorithms for key files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeyAlgorithm {
    /// Ed25519.
    Eddsa,
    /// ECDSA P-256.
    Es256,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_defaults_match_the_documentation() {
        let cli = Cli::try_parse_from(["agentmart", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else { panic!("expected serve") };
        assert_eq!(args.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(args.store.store, "sled:./agentmart-data");
        assert!(!args.dev);
        assert!(args.outbox.is_none());
        assert_eq!(args.console, None);
        assert!(!args.no_console);
    }

    #[test]
    fn the_console_can_be_turned_off() {
        let serve = |argv: &[&str]| {
            let cli = Cli::try_parse_from(argv).unwrap();
            let Command::Serve(args) = cli.command else { panic!("expected serve") };
            args
        };
        assert!(serve(&["agentmart", "serve", "--no-console"]).no_console);
        assert_eq!(serve(&["agentmart", "serve", "--console", "false"]).console, Some(false));
        assert_eq!(serve(&["agentmart", "serve", "--console", "off"]).console, Some(false));
        assert_eq!(serve(&["agentmart", "serve", "--console", "true"]).console, Some(true));
        assert!(Cli::try_parse_from(["agentmart", "serve", "--console", "maybe"]).is_err());
    }

    #[test]
    fn admin_grant_needs_an_email() {
        assert!(Cli::try_parse_from(["agentmart", "admin", "grant"]).is_err());
        let cli =
            Cli::try_parse_from(["agentmart", "admin", "grant", "--email", "a@b.c", "--store", "sled:/x"]).unwrap();
        assert!(matches!(cli.command, Command::Admin { command: AdminCommand::Grant { .. } }));
    }
}
