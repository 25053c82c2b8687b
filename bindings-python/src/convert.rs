//! Conversions between Python objects, serde JSON values and core types, and
//! the one mapping from core errors to Python exceptions.

use agentmart_core::Error;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

static BUILD: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static FROM_CORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A JSON value as plain Python objects (dict, list, str, int, float, bool, None).
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A Python object as JSON: dicts with str keys, lists/tuples, str, int,
/// float, bool, None, `datetime`/`date` (ISO 8601), and agentmart records
/// (anything with `to_dict()`). Anything else is a `TypeError`.
pub(crate) fn py_to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.extract::<bool>()?));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return obj.extract::<u64>().map(Value::from).map_err(|_| PyValueError::new_err("integer out of range"));
    }
    if obj.is_instance_of::<PyFloat>() {
        let f = obj.extract::<f64>()?;
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err("NaN and infinity are not allowed"));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::String(obj.extract::<String>()?));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in dict.iter() {
            let key = k.extract::<String>().map_err(|_| PyTypeError::new_err("dict keys must be str"))?;
            map.insert(key, py_to_json(&v)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            items.push(py_to_json(&item?)?);
        }
        return Ok(Value::Array(items));
    }
    if obj.hasattr("to_dict")? {
        return py_to_json(&obj.call_method0("to_dict")?);
    }
    if obj.hasattr("isoformat")? {
        return Ok(Value::String(obj.call_method0("isoformat")?.extract::<String>()?));
    }
    let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(PyTypeError::new_err(format!("cannot pass a `{type_name}` to agentmart")))
}

/// Keyword arguments (`**kwargs`) as a JSON object (empty when none).
pub(crate) fn kwargs_to_json(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Map<String, Value>> {
    match kwargs {
        None => Ok(Map::new()),
        Some(dict) => match py_to_json(dict.as_any())? {
            Value::Object(map) => Ok(map),
            _ => Ok(Map::new()),
        },
    }
}

/// An optional Python value as JSON (`None` → `null`).
pub(crate) fn opt_json(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    obj.map(py_to_json).transpose().map(|v| v.unwrap_or(Value::Null))
}

/// Deserialises a core request type; a shape the core refuses is `malformed_request`.
pub(crate) fn request<T: DeserializeOwned>(value: Value) -> agentmart_core::Result<T> {
    serde_json::from_value(value).map_err(|e| Error::MalformedRequest(e.to_string()))
}

/// A core result as a typed Python record: `kind` names a class of
/// `agentmart._types` (`"Profile"`), or `"list:Profile"` / `"page:Profile"`,
/// or `"json"` for plain dicts and lists.
pub(crate) fn record<T: Serialize>(py: Python<'_>, kind: &str, value: &T) -> PyResult<Py<PyAny>> {
    let json = serde_json::to_value(value).map_err(|e| to_py_err(py, &Error::internal(e)))?;
    record_value(py, kind, &json)
}

/// [`record`] for a result already serialised to JSON.
pub(crate) fn record_value(py: Python<'_>, kind: &str, json: &Value) -> PyResult<Py<PyAny>> {
    let data = json_to_py(py, json)?;
    if kind == "json" {
        return Ok(data.unbind());
    }
    let build = BUILD.import(py, "agentmart._types", "_build")?;
    Ok(build.call1((kind, data))?.unbind())
}

/// The Python exception for a core error: the class `agentmart._errors`
/// maps its code to, with `.code`, `.errors` and `.retry_after` set.
pub(crate) fn to_py_err(py: Python<'_>, err: &Error) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let from_core = FROM_CORE.import(py, "agentmart._errors", "_from_core")?;
        let errors = PyList::empty(py);
        for fe in err.field_errors() {
            let d = PyDict::new(py);
            d.set_item("field", &fe.field)?;
            d.set_item("code", &fe.code)?;
            d.set_item("message", &fe.message)?;
            errors.append(d)?;
        }
        let retry_after = err.retry_after().map(|d| d.as_secs_f64());
        let exc = from_core.call1((err.code().as_str(), err.to_string(), errors, retry_after))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|e| e)
}
