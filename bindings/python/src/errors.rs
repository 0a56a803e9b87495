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

/// A request that cannot become JSON, as the core would report a bad argument.
pub fn invalid_request(py: Python<'_>, message: String) -> PyErr {
    to_py_err(py, &Error::invalid_request(message))
}
