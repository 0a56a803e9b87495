//! The one map from the core's error kinds to the Python exception classes, which are written
//! in Python (`foundry_client/_errors.py`: documented, picklable) and instantiated here with the
//! core error's fields.

use foundry_client::{Error, ErrorKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The Python class for `kind`.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Config => "ConfigError",
        ErrorKind::InvalidRequest => "InvalidRequestError",
        ErrorKind::Authentication => "AuthenticationError",
        ErrorKind::PermissionDenied => "PermissionDeniedError",
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::RateLimit => "RateLimitError",
        ErrorKind::ContentFilter => "ContentFilterError",
        ErrorKind::OperationUnsupported => "OperationUnsupportedError",
        ErrorKind::BadRequest => "BadRequestError",
        ErrorKind::Server => "InternalServerError",
        ErrorKind::Timeout => "APITimeoutError",
        ErrorKind::Connection => "APIConnectionError",
        ErrorKind::Stream => "StreamError",
        ErrorKind::ReasoningExhausted => "ReasoningExhaustedError",
        ErrorKind::InvalidResponse => "InvalidResponseError",
        ErrorKind::Credential => "CredentialError",
        ErrorKind::Cancelled => "APIUserAbortError",
        ErrorKind::BudgetExceeded => "BudgetExceededError",
        ErrorKind::Ledger => "LedgerError",
        ErrorKind::Policy => "PolicyError",
        ErrorKind::Revoked => "RevokedError",
        // A kind added to the core after this binding: still a FoundryError, with its
        // `kind` attribute naming it.
        _ => "FoundryError",
    }
}

/// The Python exception for a core error: `cls(str(error), error.to_json())`.
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
    let class = module.bind(py).getattr(class_name(e.kind()))?;
    let details = pythonize::pythonize(py, &e.to_json())?;
    let instance = class.call1((e.to_string(), details))?;
    Ok(PyErr::from_value(instance))
}

/// A panic caught at the boundary (a bug in this library), as `InternalError`: a
/// `FoundryError`, so `except FoundryError` (and `except Exception`) catch it, where pyo3's own
/// `PanicException` derives from `BaseException` and escapes both.
pub fn internal(py: Python<'_>, panic: &(dyn std::any::Any + Send)) -> PyErr {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    let message = format!("internal error in foundry-client: {message}; please report it");
    let hint = "a bug in foundry-client: please report it with this message";
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
