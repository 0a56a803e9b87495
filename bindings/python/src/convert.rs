//! Python values in, Python values out: requests from keyword dicts, serde values to Python
//! objects, and call outcomes that raise the mapped exception.

use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::errors;

/// A request (`ChatRequest`, `ResponsesRequest`, ...) from the dict of OpenAI-style keyword
/// arguments. Anything that is not JSON-like is refused as the core refuses bad arguments.
pub fn request<T: DeserializeOwned>(kwargs: &Bound<'_, PyAny>) -> PyResult<T> {
    crate::numbers::check_request(kwargs)?;
    pythonize::depythonize(kwargs).map_err(|e| {
        errors::invalid_request(
            kwargs.py(),
            format!("the request's arguments are not JSON values: {e}"),
        )
    })
}

/// Any serializable value as plain Python objects (dict, list, str, int, float, bool, None).
pub fn to_py<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(pythonize::pythonize(py, value)?)
}

/// Serializable values as JSON bytes, for callers that parse with their own JSON reader.
pub fn to_json_bytes<T: Serialize + ?Sized>(value: &T) -> PyResult<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("cannot encode JSON: {e}")))
}

/// The outcome of a core call, converted on the thread that holds the GIL: the value, or the
/// mapped exception raised in its place.
pub struct Outcome<T>(pub foundry_client::Result<T>);

impl<'py, T> IntoPyObject<'py> for Outcome<T>
where
    T: IntoPyObject<'py>,
{
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(value) => value.into_bound_py_any(py),
            Err(e) => Err(errors::to_py_err(py, &e)),
        }
    }
}

/// A value already serialized to JSON-like Python objects when it reaches Python.
pub struct Json<T>(pub T);

impl<'py, T: Serialize> IntoPyObject<'py> for Json<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }
}
