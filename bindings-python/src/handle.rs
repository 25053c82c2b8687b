//! `agentmart.Agentmart`: the handle that opens a store and hands out the
//! four services (which depend only on [`crate::shared`], never on this module).

use std::sync::Arc;

use agentmart_core::{Agentmart, Config, Error};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use serde_json::{Map, Value};

use crate::convert::{py_to_json, request, to_py_err};
use crate::notifier::PyNotifier;
use crate::runtime::block_on;
use crate::services::{admin::PyAdmin, agents::PyAgents, auth::PyAuth, market::PyMarket};
use crate::shared::{PyPrincipal, Shared, viewer};

/// Turns `jwt_secret` (str or bytes) into bytes; `None` gives a random
/// per-process secret (tokens then die with the process).
fn secret_bytes(py: Python<'_>, secret: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<u8>> {
    match secret {
        None => {
            let mut buf = vec![0u8; 32];
            getrandom::fill(&mut buf).map_err(|e| to_py_err(py, &Error::internal(e.to_string())))?;
            Ok(buf)
        }
        Some(s) => {
            if let Ok(text) = s.cast::<PyString>() {
                Ok(text.extract::<String>()?.into_bytes())
            } else if let Ok(bytes) = s.cast::<PyBytes>() {
                Ok(bytes.as_bytes().to_vec())
            } else {
                Err(PyTypeError::new_err("jwt_secret must be str or bytes"))
            }
        }
    }
}

/// True for serde's form of a `std::time::Duration`.
fn is_duration(map: &Map<String, Value>) -> bool {
    map.len() == 2 && map.contains_key("secs") && map.contains_key("nanos")
}

/// Overlays `over` on the serialised default configuration. Durations may be
/// given as seconds (int or float); unknown keys are validation errors.
fn merge(base: &mut Value, over: Value, path: &str) -> agentmart_core::Result<()> {
    match (base, over) {
        (Value::Object(slot), Value::Number(n)) if is_duration(slot) => {
            let secs = n.as_f64().filter(|s| s.is_finite() && *s >= 0.0).ok_or_else(|| {
                Error::invalid(path, "invalid", "a duration must be a non-negative number of seconds")
            })?;
            let whole = secs.trunc();
            slot.insert("secs".into(), Value::from(whole as u64));
            slot.insert("nanos".into(), Value::from(((secs - whole) * 1e9).round().min(999_999_999.0) as u32));
            Ok(())
        }
        (Value::Object(slot), Value::Object(over)) if !is_duration(slot) => {
            for (key, value) in over {
                let field = format!("{path}.{key}");
                match slot.get_mut(&key) {
                    Some(inner) if !inner.is_null() => merge(inner, value, &field)?,
                    Some(inner) => *inner = value,
                    None => return Err(Error::invalid(field, "unknown_field", "not a configuration field")),
                }
            }
            Ok(())
        }
        (slot, value) => {
            *slot = value;
            Ok(())
        }
    }
}

fn build_config(secret: Vec<u8>, overrides: Option<Value>) -> agentmart_core::Result<Config> {
    let mut value = serde_json::to_value(Config::with_hs256_secret(secret)).map_err(Error::internal)?;
    if let Some(over) = overrides {
        if !over.is_object() {
            return Err(Error::invalid("config", "invalid", "config must be a dict"));
        }
        merge(&mut value, over, "config")?;
    }
    request::<Config>(value).map_err(|e| match e {
        Error::MalformedRequest(msg) => Error::invalid("config", "invalid", msg),
        other => other,
    })
}

/// An agentmart instance over one store.
#[pyclass(frozen, name = "Agentmart", module = "agentmart")]
pub(crate) struct PyAgentmart {
    shared: Arc<Shared>,
}

#[pymethods]
impl PyAgentmart {
    /// Opens the store `store_url` (`sled:PATH`, `memory:`; SQL URLs once the
    /// build includes them) with production defaults, overridden by `config`.
    #[staticmethod]
    #[pyo3(signature = (store_url, *, jwt_secret=None, config=None, notifier=None))]
    fn open(
        py: Python<'_>,
        store_url: &str,
        jwt_secret: Option<Bound<'_, PyAny>>,
        config: Option<Bound<'_, PyDict>>,
        notifier: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let random_secret = jwt_secret.is_none();
        let secret = secret_bytes(py, jwt_secret.as_ref())?;
        let overrides = config.map(|c| py_to_json(c.as_any())).transpose()?;
        let config = build_config(secret, overrides).map_err(|e| to_py_err(py, &e))?;
        let notifier = match notifier {
            Some(cb) if !cb.is_callable() => return Err(PyTypeError::new_err("notifier must be callable")),
            other => other.map(Bound::unbind),
        };
        let url = store_url.to_string();
        let store = match block_on(py, async move { agentmart_stores::open(&url).await }) {
            Ok(Ok(store)) => store,
            Ok(Err(e)) | Err(e) => return Err(to_py_err(py, &e)),
        };
        let mut builder = Agentmart::builder(store, config);
        if let Some(callback) = notifier {
            builder = builder.notifier(Arc::new(PyNotifier { callback }));
        }
        let mart = builder.build().map_err(|e| to_py_err(py, &e))?;
        let backend = mart.store().backend_name();
        if random_secret && backend != "memory" {
            let category = py.get_type::<pyo3::exceptions::PyRuntimeWarning>();
            PyErr::warn(
                py,
                &category,
                c"agentmart: no jwt_secret given, so a random one is used; tokens and cursors will not survive a restart",
                1,
            )?;
        }
        Ok(Self { shared: Arc::new(Shared::new(mart)) })
    }

    /// Accounts, sessions, tokens, recovery, profiles, identities.
    #[getter]
    fn auth(&self) -> PyAuth {
        PyAuth { shared: self.shared.clone() }
    }

    /// The builder: drafts, preview, publish, versions, status, A2A cards.
    #[getter]
    fn agents(&self) -> PyAgents {
        PyAgents { shared: self.shared.clone() }
    }

    /// The marketplace: list, search, detail, installs, ratings, usage.
    #[getter]
    fn market(&self) -> PyMarket {
        PyMarket { shared: self.shared.clone() }
    }

    /// Administration: audit trail, users, moderation.
    #[getter]
    fn admin(&self) -> PyAdmin {
        PyAdmin { shared: self.shared.clone() }
    }

    /// The storage backend's name (`sled`, `memory`, ...).
    #[getter]
    fn backend(&self) -> &'static str {
        self.shared.backend()
    }

    /// True once `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// Checks the store is reachable.
    fn ping(&self, py: Python<'_>) -> PyResult<()> {
        self.shared.run(py, |m| async move { m.ping().await })
    }

    /// Makes every acknowledged write durable.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        self.shared.run(py, |m| async move { m.flush().await })
    }

    /// One sweeper tick: deletes at most `batch` records of each kind that
    /// nothing needs any more (ended sessions past the grace period with
    /// their refresh hashes, stale counters, expired one-time tokens, old
    /// per-day usage-user sets). Returns the counts per kind:
    /// `{"sessions": n, "counters": n, "one_time_tokens": n, "usage_users": n}`.
    #[pyo3(signature = (batch = 1000))]
    fn sweep(&self, py: Python<'_>, batch: u32) -> PyResult<std::collections::BTreeMap<&'static str, u64>> {
        let report = self.shared.run(py, |m| async move { m.sweep(batch).await })?;
        Ok(std::collections::BTreeMap::from([
            ("sessions", report.sessions),
            ("counters", report.counters),
            ("one_time_tokens", report.one_time_tokens),
            ("usage_users", report.usage_users),
        ]))
    }

    /// Flushes and releases the store. Later calls raise `agentmart.Unavailable`.
    /// Closing twice is harmless.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = self.shared.take();
        if let Some(mart) = taken {
            match block_on(py, async move { mart.flush().await }) {
                Ok(Ok(())) => {}
                Ok(Err(e)) | Err(e) => return Err(to_py_err(py, &e)),
            }
        }
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("<agentmart.Agentmart backend={} closed={}>", self.shared.backend(), self.closed())
    }
}

/// Benchmark support (`benchmarks/overhead.py`): runs one core call `n` times
/// inside Rust, with no Python in between, and returns the seconds taken —
/// the baseline the Python-side cost is measured against. `op` is
/// `authenticate` (needs `token`), `list`, or `install` (needs `principal`
/// and `agent`).
#[pyfunction]
#[pyo3(signature = (mart, op, n, *, token=None, principal=None, agent=None))]
pub(crate) fn _bench_rust(
    py: Python<'_>,
    mart: &Bound<'_, PyAgentmart>,
    op: String,
    n: u32,
    token: Option<String>,
    principal: Option<&Bound<'_, PyPrincipal>>,
    agent: Option<String>,
) -> PyResult<f64> {
    let who = viewer(principal);
    mart.get().shared.run(py, move |m| async move {
        let agent = agent.as_deref().map(str::parse::<agentmart_core::AgentRef>).transpose()?;
        let start = std::time::Instant::now();
        for _ in 0..n {
            match (op.as_str(), &token, &who, &agent) {
                ("authenticate", Some(token), _, _) => {
                    m.auth().authenticate(token).await?;
                }
                ("list", _, _, _) => {
                    m.market().list(None, agentmart_core::market::ListAgents::default()).await?;
                }
                ("install", _, Some(who), Some(agent)) => {
                    m.market().install(who, agent, agentmart_core::market::InstallRequest::default()).await?;
                }
                _ => return Err(Error::invalid("op", "invalid_choice", "unknown op or missing argument")),
            }
        }
        Ok(start.elapsed().as_secs_f64())
    })
}
