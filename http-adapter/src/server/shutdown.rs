//! Graceful shutdown of `agentmart serve`.
//!
//! The first SIGTERM or SIGINT stops accepting connections and lets in-flight
//! requests finish, for at most the drain timeout (`--shutdown-timeout`); then
//! the store is flushed and the process exits 0. A second signal during the
//! drain exits at once with status 128 + the signal number (143 for SIGTERM,
//! 130 for SIGINT), without waiting for requests or flushing: the operator asked
//! twice, and the store's own durability (each acknowledged write is already
//! committed) is what a crash would rely on too.

use std::time::Duration;

use tokio::sync::watch;

use super::Fatal;

/// The drain bound when neither the flag, the environment nor the file sets one.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A signal that asks the server to stop.
#[derive(Debug, Clone, Copy)]
enum Received {
    Interrupt,
    Terminate,
}

impl Received {
    fn name(self) -> &'static str {
        match self {
            Received::Interrupt => "SIGINT",
            Received::Terminate => "SIGTERM",
        }
    }

    /// 128 + the signal number: what shells report for a process killed by it.
    fn exit_status(self) -> i32 {
        match self {
            Received::Interrupt => 130,
            Received::Terminate => 143,
        }
    }
}

/// The installed signal handlers.
///
/// Installed before the server announces its address, so that a signal sent
/// as soon as it is up is handled rather than killing the process (the
/// default action of SIGTERM).
pub(crate) struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    /// Installs the SIGTERM and SIGINT handlers.
    pub(crate) fn install() -> Result<Self, Fatal> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let install = |kind: SignalKind, name: &str| {
                signal(kind).map_err(|e| Fatal(format!("cannot listen for {name}: {e}")))
            };
            Ok(Signals {
                terminate: install(SignalKind::terminate(), "SIGTERM")?,
                interrupt: install(SignalKind::interrupt(), "SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The next signal.
    async fn next(&mut self) -> Received {
        #[cfg(unix)]
        {
            // `recv` yields `None` only once the runtime is going away; never
            // mistake that for a request to stop.
            let terminate = async {
                match self.terminate.recv().await {
                    Some(()) => Received::Terminate,
                    None => std::future::pending().await,
                }
            };
            let interrupt = async {
                match self.interrupt.recv().await {
                    Some(()) => Received::Interrupt,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                received = terminate => received,
                received = interrupt => received,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => Received::Interrupt,
                Err(err) => {
                    tracing::error!(error = %err, "cannot listen for Ctrl-C");
                    std::future::pending().await
                }
            }
        }
    }
}

/// Watches the signals in a task of its own: the first one turns the returned
/// flag on (see [`requested`]); the second one exits the process at once.
pub(crate) fn watch(mut signals: Signals, timeout: Duration) -> watch::Receiver<bool> {
    let (stop, stopping) = watch::channel(false);
    tokio::spawn(async move {
        let first = signals.next().await;
        tracing::info!(
            signal = first.name(),
            timeout_secs = timeout.as_secs(),
            "shutting down: no new connections; draining in-flight requests (a second signal exits at once)"
        );
        // Receivers live as long as `serve`; if all are gone nobody waits.
        let _ = stop.send(true);
        let second = signals.next().await;
        tracing::error!(
            signal = second.name(),
            "second signal during shutdown: exiting at once, without draining or flushing"
        );
        std::process::exit(second.exit_status());
    });
    stopping
}

/// Resolves once the first signal has arrived.
pub(crate) async fn requested(mut stopping: watch::Receiver<bool>) {
    // The sender lives in the watching task until the process exits, so an
    // error (sender gone) cannot happen; if it did, stopping is the safe reading.
    let _ = stopping.wait_for(|stop| *stop).await;
}
