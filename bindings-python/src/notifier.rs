//! Delivers password-reset and verification messages to a Python callable.

use agentmart_core::{Message, Notifier};
use pyo3::prelude::*;

use crate::convert::record;

/// A [`Notifier`] that calls `callback(message)` with an `agentmart.Message`.
/// An exception in the callback fails the core call that sent the message.
pub(crate) struct PyNotifier {
    pub(crate) callback: Py<PyAny>,
}

#[async_trait::async_trait]
impl Notifier for PyNotifier {
    async fn send(&self, message: Message) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Python::attach(|py| -> PyResult<()> {
            let message = record(py, "Message", &message)?;
            self.callback.call1(py, (message,))?;
            Ok(())
        })
        .map_err(|e| format!("notifier callback failed: {e}").into())
    }
}
