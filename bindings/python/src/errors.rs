//! Core errors as Python exceptions. The one table from kind to class is in Python
//! (`foundry_client/_errors.py`, `_CLASSES`: documented, picklable classes), and a test walks
//! the core's `ErrorKind::ALL` (`_native.ERROR_KINDS`) through it, so a kind added to the core
//! without a class fails the suite. The core's `cause` becomes `__cause__` there too.

use foundry_client::Error;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The core's kind names, in `ErrorKind::ALL` order (`_native.ERROR_KINDS`).
pub fn kind_names() -> Vec<&'static str> {
    foundry_client::ErrorKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect()
}

/// The Python exception for a core error: `_errors._from_core(str(error), error.to_json())`.
pub fn to_py_err(py: Python<'_>, e: &Error) -> PyErr {
    match build(py, e) {
        Ok(err) => err,
        // Only if the package's Python half is missing or broken: keep the message.
        Err(cause) => {
            let err = PyRuntimeError::new_err(e.to_string());
            err.set_cause(py, Some(cause));
            err
        }
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let module = ERRORS_MODULE.get_or_try_init(py, || {
        PyModule::import(py, "foundry_client._errors").map(Bound::unbind)
    })?;
    let details = pythonize::pythonize(py, &e.to_json())?;
    let instance = module
        .bind(py)
        .getattr("_from_core")?
        .call1((e.to_string(), details))?;
    Ok(PyErr::from_value(instance))
}

/// A panic caught at the boundary (a bug in this library), as `InternalError`: a
/// `FoundryError`, so `except FoundryError` (and `except Exception`) catch it, where pyo3's own
/// `PanicException` derives from `BaseException` and escapes both.
pub fn internal(py: Python<'_>, panic: &(dyn std::any::Any + Send)) -> PyErr {
    let message = foundry_client::panic::message(panic);
    let hint = foundry_client::panic::HINT;
    let details = serde_json::json!({
        "kind": "internal",
        "message": message,
        "retryable": false,
        "hint": hint,
    });
    // Shown as the core's errors are: `kind: message. Hint: hint`.
    let shown = format!("internal: {message}. Hint: {hint}");
    let built = (|| -> PyResult<PyErr> {
        let module = ERRORS_MODULE.get_or_try_init(py, || {
            PyModule::import(py, "foundry_client._errors").map(Bound::unbind)
        })?;
        let class = module.bind(py).getattr("InternalError")?;
        let instance = class.call1((&shown, pythonize::pythonize(py, &details)?))?;
        Ok(PyErr::from_value(instance))
    })();
    built.unwrap_or_else(|cause| {
        let err = PyRuntimeError::new_err(shown);
        err.set_cause(py, Some(cause));
        err
    })
}

/// Runs a synchronous method's core work (a constructor, `deployments()`): a panic raises
/// [`internal`], as one in a call does.
pub fn caught<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        .unwrap_or_else(|panic| Err(internal(py, panic.as_ref())))
}

/// A request that cannot become JSON, as the core would report a bad argument.
pub fn invalid_request(py: Python<'_>, message: String) -> PyErr {
    to_py_err(py, &Error::invalid_request(message))
}
