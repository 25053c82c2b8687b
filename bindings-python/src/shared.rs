//! State shared by the handle and its service objects, and the `Principal`
//! class they all take.
//!
//! A leaf module: [`crate::handle`] and [`crate::services`] both depend on it
//! and it depends on neither, so the handle can hand out services without the
//! services reaching back into the handle.

use std::future::Future;
use std::sync::RwLock;

use agentmart_core::{Agentmart, Error, Principal};
use pyo3::prelude::*;
use serde::Serialize;

use crate::convert::{record_value, to_py_err};
use crate::runtime::block_on;

/// State shared by a handle and its service objects.
pub(crate) struct Shared {
    mart: RwLock<Option<Agentmart>>,
    backend: &'static str,
}

impl Shared {
    /// Wraps a freshly built instance.
    pub(crate) fn new(mart: Agentmart) -> Self {
        let backend = mart.store().backend_name();
        Self { mart: RwLock::new(Some(mart)), backend }
    }

    /// The storage backend's name (`sled`, `memory`, ...).
    pub(crate) fn backend(&self) -> &'static str {
        self.backend
    }

    /// True once [`Shared::take`] ran.
    pub(crate) fn is_closed(&self) -> bool {
        self.mart.read().unwrap_or_else(|e| e.into_inner()).is_none()
    }

    /// Removes the instance, so every later call fails with `unavailable`;
    /// `None` when it was already taken.
    pub(crate) fn take(&self) -> Option<Agentmart> {
        self.mart.write().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// The live instance, or `unavailable` once the handle is closed.
    fn get(&self) -> agentmart_core::Result<Agentmart> {
        self.mart
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| Error::Unavailable("this Agentmart handle is closed".into()))
    }

    /// Runs `f` on the instance with the GIL released; core errors become
    /// agentmart exceptions.
    pub(crate) fn run<T, F, Fut>(&self, py: Python<'_>, f: F) -> PyResult<T>
    where
        F: FnOnce(Agentmart) -> Fut + Send,
        Fut: Future<Output = agentmart_core::Result<T>> + Send,
        T: Send,
    {
        let mart = self.get().map_err(|e| to_py_err(py, &e))?;
        match block_on(py, async move { f(mart).await }) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) | Err(e) => Err(to_py_err(py, &e)),
        }
    }

    /// Like [`Shared::run`], then returns the result as the typed record
    /// `kind` (see [`crate::convert::record_value`]). The result is
    /// serialised while the GIL is still released.
    pub(crate) fn run_record<T, F, Fut>(&self, py: Python<'_>, kind: &str, f: F) -> PyResult<Py<PyAny>>
    where
        F: FnOnce(Agentmart) -> Fut + Send,
        Fut: Future<Output = agentmart_core::Result<T>> + Send,
        T: Serialize + Send,
    {
        let value = self.run(py, |m| async move {
            let out = f(m).await?;
            serde_json::to_value(out).map_err(Error::internal)
        })?;
        record_value(py, kind, &value)
    }

    /// Like [`Shared::run`] for calls that need no instance state besides the store.
    pub(crate) fn sync<T>(&self, py: Python<'_>, f: impl FnOnce(&Agentmart) -> T) -> PyResult<T> {
        let mart = self.get().map_err(|e| to_py_err(py, &e))?;
        Ok(f(&mart))
    }
}

/// Who is calling: from `auth.authenticate(token)`, `auth.principal_for_user(id)`
/// or `auth.principal_for_external(...)`. Opaque; pass it back to the services.
#[pyclass(frozen, eq, name = "Principal", module = "agentmart")]
#[derive(PartialEq)]
pub(crate) struct PyPrincipal(pub(crate) Principal);

#[pymethods]
impl PyPrincipal {
    /// The user's id.
    #[getter]
    fn user_id(&self) -> String {
        self.0.user_id.to_string()
    }

    /// The session's id, for principals from an access token.
    #[getter]
    fn session_id(&self) -> Option<String> {
        self.0.session_id.map(|s| s.to_string())
    }

    /// `"user"` or `"admin"`.
    #[getter]
    fn role(&self) -> &'static str {
        self.0.role.as_str()
    }

    /// True for administrators.
    #[getter]
    fn is_admin(&self) -> bool {
        self.0.is_admin()
    }

    fn __repr__(&self) -> String {
        format!("<agentmart.Principal user_id={} role={}>", self.0.user_id, self.0.role.as_str())
    }
}

/// Reads a principal argument.
pub(crate) fn principal(p: &Bound<'_, PyPrincipal>) -> Principal {
    p.get().0.clone()
}

/// Reads an optional viewer argument.
pub(crate) fn viewer(p: Option<&Bound<'_, PyPrincipal>>) -> Option<Principal> {
    p.map(principal)
}
