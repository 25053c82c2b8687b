//! The state every handler gets.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use agentmart_core::Agentmart;

use crate::metrics::Metrics;
use crate::options::HttpOptions;

/// Shared by every handler of one router. One `Arc`: axum clones the state
/// for every extractor of every request, so a clone is one reference count.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

/// What [`AppState`] points at.
pub(crate) struct Shared {
    pub(crate) mart: Agentmart,
    pub(crate) options: HttpOptions,
    /// `None` when metrics are switched off (or could not be set up).
    pub(crate) metrics: Option<Metrics>,
    /// Set once the missing-`ConnectInfo` warning was logged (see `edge::NO_PEER_WARNING`).
    pub(crate) warned_no_peer: AtomicBool,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub(crate) fn new(mart: Agentmart, options: HttpOptions) -> Self {
        let metrics = if options.metrics {
            match Metrics::new() {
                Ok(m) => Some(m),
                Err(err) => {
                    tracing::error!(error = %err, "could not set up metrics; /metrics is off");
                    None
                }
            }
        } else {
            None
        };
        Self(Arc::new(Shared { mart, options, metrics, warned_no_peer: AtomicBool::new(false) }))
    }
}
