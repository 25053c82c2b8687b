//! The optional TOML settings file (`--config FILE`). Every key is optional;
//! flags and environment variables win over the file.
//!
//! ```toml
//! public_url = "https://market.example.com"
//!
//! [http]
//! body_limit_bytes = 1048576        # 0: no limit
//! request_timeout_secs = 30         # 0: no timeout
//! auth_rate_limit = 60              # requests per IP per window on /v1/auth/*; 0: off
//! auth_rate_limit_window_secs = 60
//! cors_origins = ["https://app.example.com"]
//! trusted_proxies = ["10.0.0.0/8"]
//! hsts_max_age_secs = 31536000      # only behind TLS; 0 or absent: no HSTS
//! metrics = true
//! console = true                    # the web console at /
//! auth_routes = true                # /v1/auth/*; false when the host brings its own identity
//! shutdown_timeout_secs = 30        # drain bound on SIGTERM/SIGINT
//!
//! [auth]
//! access_token_ttl_secs = 900
//! session_ttl_secs = 2592000
//! session_idle_timeout_secs = 604800 # a session not refreshed this long ends
//! max_sessions_per_user = 100       # a new sign-in past it ends the oldest
//! login_throttling = true
//! issuer = "agentmart"
//! audience = "agentmart"
//!
//! [write_limits]                    # per user per window, outside /v1/auth (--no-limits: off)
//! enabled = true
//! window_secs = 3600
//! agent_creates = 60
//! draft_updates = 300
//! previews = 300
//! publishes = 60
//! rating_writes = 600
//! usage_events_per_agent = 10000    # per user per agent, the owner included
//! usage_events_per_user = 100000
//!
//! [sweep]
//! interval_secs = 60                # background sweeper tick
//! batch = 1000                      # records of each kind per call; 0: off
//! session_grace_secs = 604800       # ended sessions kept this long (reuse still detected)
//! counter_idle_secs = 86400         # counters kept this long after their last hit
//! ```

use std::path::Path;

use serde::Deserialize;

use super::{Fatal, fatal};

/// The whole file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    /// Public URL of the server.
    pub(crate) public_url: Option<String>,
    /// HTTP settings.
    #[serde(default)]
    pub(crate) http: HttpSection,
    /// Token and login settings.
    #[serde(default)]
    pub(crate) auth: AuthSection,
    /// The background sweeper.
    #[serde(default)]
    pub(crate) sweep: SweepSection,
    /// Per-user write limits.
    #[serde(default)]
    pub(crate) write_limits: WriteLimitsSection,
}

/// `[write_limits]`: each key overrides the default of
/// [`agentmart_core::WriteLimits`].
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WriteLimitsSection {
    pub(crate) enabled: Option<bool>,
    pub(crate) window_secs: Option<u64>,
    pub(crate) agent_creates: Option<u32>,
    pub(crate) draft_updates: Option<u32>,
    pub(crate) previews: Option<u32>,
    pub(crate) publishes: Option<u32>,
    pub(crate) rating_writes: Option<u32>,
    pub(crate) usage_events_per_agent: Option<u32>,
    pub(crate) usage_events_per_user: Option<u32>,
}

impl WriteLimitsSection {
    /// Sets one limit by its key (`window_secs` included); `false` for an unknown key.
    pub(crate) fn set(&mut self, key: &str, value: u64) -> bool {
        let count = u32::try_from(value).unwrap_or(u32::MAX);
        let slot = match key {
            "window_secs" => {
                self.window_secs = Some(value);
                return true;
            }
            "agent_creates" => &mut self.agent_creates,
            "draft_updates" => &mut self.draft_updates,
            "previews" => &mut self.previews,
            "publishes" => &mut self.publishes,
            "rating_writes" => &mut self.rating_writes,
            "usage_events_per_agent" => &mut self.usage_events_per_agent,
            "usage_events_per_user" => &mut self.usage_events_per_user,
            _ => return false,
        };
        *slot = Some(count);
        true
    }

    /// Applies the keys that are set to `limits`.
    pub(crate) fn apply(&self, limits: &mut agentmart_core::WriteLimits) {
        if let Some(enabled) = self.enabled {
            limits.enabled = enabled;
        }
        if let Some(secs) = self.window_secs {
            limits.window = std::time::Duration::from_secs(secs);
        }
        for (value, slot) in [
            (self.agent_creates, &mut limits.agent_creates),
            (self.draft_updates, &mut limits.draft_updates),
            (self.previews, &mut limits.previews),
            (self.publishes, &mut limits.publishes),
            (self.rating_writes, &mut limits.rating_writes),
            (self.usage_events_per_agent, &mut limits.usage_events_per_agent),
            (self.usage_events_per_user, &mut limits.usage_events_per_user),
        ] {
            if let Some(value) = value {
                *slot = value;
            }
        }
    }
}

/// `[sweep]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SweepSection {
    pub(crate) interval_secs: Option<u64>,
    pub(crate) batch: Option<u32>,
    pub(crate) session_grace_secs: Option<u64>,
    pub(crate) counter_idle_secs: Option<u64>,
}

/// `[http]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpSection {
    pub(crate) body_limit_bytes: Option<usize>,
    pub(crate) request_timeout_secs: Option<u64>,
    pub(crate) auth_rate_limit: Option<u32>,
    pub(crate) auth_rate_limit_window_secs: Option<u64>,
    #[serde(default)]
    pub(crate) cors_origins: Vec<String>,
    #[serde(default)]
    pub(crate) trusted_proxies: Vec<String>,
    pub(crate) hsts_max_age_secs: Option<u64>,
    pub(crate) metrics: Option<bool>,
    pub(crate) console: Option<bool>,
    pub(crate) auth_routes: Option<bool>,
    pub(crate) shutdown_timeout_secs: Option<u64>,
}

/// `[auth]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthSection {
    pub(crate) access_token_ttl_secs: Option<u64>,
    pub(crate) session_ttl_secs: Option<u64>,
    pub(crate) session_idle_timeout_secs: Option<u64>,
    pub(crate) max_sessions_per_user: Option<u32>,
    pub(crate) login_throttling: Option<bool>,
    pub(crate) issuer: Option<String>,
    pub(crate) audience: Option<String>,
}

impl FileConfig {
    /// Reads and parses the file.
    pub(crate) fn load(path: &Path) -> Result<Self, Fatal> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) => return fatal!("cannot read the config file {}: {err}", path.display()),
        };
        toml::from_str(&text).map_err(|e| Fatal(format!("config file {}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let text = include_str!("config_file.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.trim_start_matches("//!").trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        let config: FileConfig = toml::from_str(&text).unwrap();
        assert_eq!(config.http.auth_rate_limit, Some(60));
        assert_eq!(config.auth.access_token_ttl_secs, Some(900));
        assert_eq!(config.http.trusted_proxies, ["10.0.0.0/8"]);
        assert_eq!(config.http.shutdown_timeout_secs, Some(30));
        assert_eq!(config.auth.session_idle_timeout_secs, Some(604_800));
        assert_eq!(config.auth.max_sessions_per_user, Some(100));
        let mut limits = agentmart_core::WriteLimits { agent_creates: 1, ..Default::default() };
        config.write_limits.apply(&mut limits);
        assert_eq!(limits, agentmart_core::WriteLimits::default(), "the example shows the defaults");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("[http]\nbody_limit = 3\n").is_err());
    }
}
