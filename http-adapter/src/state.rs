//! The state every handler gets.

use std::sync::Arc;

use agentmart_core::Agentmart;

use crate::metrics::Metrics;
use crate::options::HttpOptions;

/// Shared by every handler of one router. Cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) mart: Agentmart,
    pub(crate) options: Arc<HttpOptions>,
    /// `None` when metrics are switched off (or could not be set up).
    pub(crate) metrics: Option<Metrics>,
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
        Self { mart, options: Arc::new(options), metrics }
    }
}
