//! # agentmart-python
//!
//! The compiled half of the Python package `agentmart` (built with maturin as
//! `agentmart._native`; the pure-Python half lives in `python/agentmart`).
//!
//! It is a thin layer: it converts arguments into the core's request types,
//! runs the core on one process-wide tokio runtime with the GIL released,
//! and converts results and errors back. It holds no business rule.
//!
//! * **Results**: every core result is serialised with serde (the same
//!   snake_case JSON as the HTTP API), turned into Python dicts/lists, and
//!   wrapped by `agentmart._types._build` into typed record classes with
//!   attributes and `to_dict()`. A field added to a core type therefore shows
//!   up in Python without touching this crate.
//! * **Errors**: every core error becomes an instance of the exception class
//!   `agentmart._errors._from_core` picks for its code (one place).
//! * **Runtime**: see [`runtime`]: lazy, one per process, re-created after `fork()`.

use pyo3::prelude::*;

mod convert;
mod handle;
mod notifier;
pub mod runtime;
mod services;
mod shared;

/// The `agentmart._native` extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<handle::PyAgentmart>()?;
    m.add_class::<shared::PyPrincipal>()?;
    m.add_class::<services::auth::PyAuth>()?;
    m.add_class::<services::agents::PyAgents>()?;
    m.add_class::<services::market::PyMarket>()?;
    m.add_class::<services::admin::PyAdmin>()?;
    m.add_function(wrap_pyfunction!(supported_store_schemes, m)?)?;
    m.add_function(wrap_pyfunction!(_error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(handle::_bench_rust, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// The store URL schemes this build understands (e.g. `sled:PATH`, `memory:`).
#[pyfunction]
fn supported_store_schemes() -> Vec<&'static str> {
    agentmart_stores::supported_schemes().to_vec()
}

/// Every error code of the core, for the test that checks each has its exception class.
#[pyfunction]
fn _error_codes() -> Vec<&'static str> {
    agentmart_core::ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}
