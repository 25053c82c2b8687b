//! The [`Agentmart`] facade: built once from a store and a [`Config`], it
//! hands out the services.

use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::context::{AuthState, Inner};
use crate::error::Result;
use crate::notify::{LogNotifier, Notifier};
use crate::provider::ModelProvider;
use crate::storage::Store;

/// An agentmart instance. Cheap to clone, `Send + Sync`; build one per process
/// (or per store) and share it.
///
/// ```
/// # async fn demo(store: std::sync::Arc<dyn agentmart_core::storage::Store>) -> agentmart_core::Result<()> {
/// use agentmart_core::{Agentmart, Config};
/// let mart = Agentmart::new(store, Config::with_hs256_secret(vec![7u8; 32]))?;
/// let _auth = mart.auth();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Agentmart {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Agentmart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agentmart").field("backend", &self.inner.store.backend_name()).finish_non_exhaustive()
    }
}

impl Agentmart {
    /// An instance with the system clock, the log notifier and no model provider.
    pub fn new(store: Arc<dyn Store>, config: Config) -> Result<Self> {
        Self::builder(store, config).build()
    }

    /// A builder to set the clock, notifier and model provider.
    pub fn builder(store: Arc<dyn Store>, config: Config) -> AgentmartBuilder {
        AgentmartBuilder { store, config, clock: None, notifier: None, model_provider: None }
    }

    /// Accounts, sessions, tokens, password reset, email verification, profiles.
    pub fn auth(&self) -> crate::auth::AuthService {
        crate::auth::AuthService { inner: self.inner.clone() }
    }

    /// The builder: drafts, validation, preview, publish, versions, lifecycle.
    pub fn agents(&self) -> crate::agents::AgentsService {
        crate::agents::AgentsService { inner: self.inner.clone() }
    }

    /// The marketplace: listing, search, detail, installs, ratings, usage.
    pub fn market(&self) -> crate::market::MarketService {
        crate::market::MarketService { inner: self.inner.clone() }
    }

    /// Administration: audit trail, users, moderation.
    pub fn admin(&self) -> crate::admin::AdminService {
        crate::admin::AdminService { inner: self.inner.clone() }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The store (for operators: health checks, flush).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Checks the store is reachable.
    pub async fn ping(&self) -> Result<()> {
        Ok(self.inner.store.ping().await?)
    }

    /// Makes every acknowledged write durable; call at shutdown.
    pub async fn flush(&self) -> Result<()> {
        Ok(self.inner.store.flush().await?)
    }
}

/// Builds an [`Agentmart`] with optional parts.
pub struct AgentmartBuilder {
    store: Arc<dyn Store>,
    config: Config,
    clock: Option<Arc<dyn Clock>>,
    notifier: Option<Arc<dyn Notifier>>,
    model_provider: Option<Arc<dyn ModelProvider>>,
}

impl AgentmartBuilder {
    /// Uses this clock (tests use [`crate::ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Delivers password-reset and verification messages through this notifier.
    pub fn notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = Some(notifier);
        self
    }

    /// Lets previews ask a real model.
    pub fn model_provider(mut self, provider: Arc<dyn ModelProvider>) -> Self {
        self.model_provider = Some(provider);
        self
    }

    /// Validates the configuration and builds the instance.
    pub fn build(self) -> Result<Agentmart> {
        self.config.validate()?;
        let auth = AuthState::new(&self.config)?;
        let cursors = crate::cursor::CursorCodec::new(&self.config);
        Ok(Agentmart {
            inner: Arc::new(Inner {
                store: self.store,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                notifier: self.notifier.unwrap_or_else(|| Arc::new(LogNotifier)),
                model_provider: self.model_provider,
                auth,
                cursors,
                config: self.config,
            }),
        })
    }
}
