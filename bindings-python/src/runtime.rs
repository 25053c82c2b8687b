//! The process-wide tokio runtime that runs every core call.
//!
//! Created lazily on first use. After `fork()` the child has none of the
//! parent's worker threads, so the runtime is keyed by process id: a call in a
//! child process builds a fresh runtime (the parent's copy is leaked on
//! purpose — dropping it would wait for threads that do not exist).

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use agentmart_core::{Error, Result};
use pyo3::Python;
use tokio::runtime::Runtime;

static RUNTIME: Mutex<Option<(u32, Arc<Runtime>)>> = Mutex::new(None);

/// The runtime of the current process, built on first use (and again after `fork()`).
pub fn runtime() -> Result<Arc<Runtime>> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((owner, rt)) = slot.as_ref()
        && *owner == pid
    {
        return Ok(rt.clone());
    }
    if let Some((_, inherited)) = slot.take() {
        // Inherited from the parent through fork(): its threads are gone here.
        std::mem::forget(inherited);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("agentmart-worker")
        // I/O too: the PostgreSQL store talks over tokio sockets.
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| Error::Unavailable(format!("cannot start the agentmart runtime: {e}")))?;
    *slot = Some((pid, rt.clone()));
    Ok(rt)
}

/// Runs a future to completion with the GIL released, so other Python
/// threads run meanwhile. A panic inside becomes an `internal` error.
pub fn block_on<F>(py: Python<'_>, future: F) -> Result<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    py.detach(move || {
        let rt = runtime()?;
        catch_unwind(AssertUnwindSafe(|| rt.block_on(future)))
            .map_err(|_| Error::internal("panic inside agentmart (see stderr)"))
    })
}
