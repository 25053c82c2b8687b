//! The shared context behind every service handle: the store, the
//! configuration, the clock and the state derived from them once per instance.
//!
//! A leaf of the crate's module graph: the services (`auth`, `agents`,
//! `market`, `admin`) import it and add their own crate-private helpers to
//! [`Inner`] in their files, and [`crate::Agentmart`] (`facade.rs`) builds it
//! and hands it to the services. Nothing here imports a service or the facade,
//! so the modules depend on each other in one direction only.

use std::sync::Arc;

use crate::auth::jwt::Jwt;
use crate::auth::password::Hasher;
use crate::clock::Clock;
use crate::config::Config;
use crate::cursor::CursorCodec;
use crate::error::Result;
use crate::notify::Notifier;
use crate::provider::ModelProvider;
use crate::storage::Store;

/// Shared state behind every service handle.
pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) config: Config,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) notifier: Arc<dyn Notifier>,
    pub(crate) model_provider: Option<Arc<dyn ModelProvider>>,
    pub(crate) auth: AuthState,
    pub(crate) cursors: CursorCodec,
}

impl Inner {
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

/// Derived authentication state (keys, hasher). Built once per instance.
pub(crate) struct AuthState {
    pub(crate) jwt: Jwt,
    pub(crate) hasher: Hasher,
}

impl AuthState {
    /// Loads the JWT keys and sets up the password hasher. Fails with a
    /// validation error naming the key when a PEM cannot be read or a key
    /// pair does not match.
    pub(crate) fn new(config: &Config) -> Result<Self> {
        Ok(Self { jwt: Jwt::new(&config.jwt)?, hasher: Hasher::new(config.hashing, config.max_concurrent_hashes)? })
    }
}
