//! The core's events delivered to a Python callable.

use foundry_client::events::{Event, EventCallback};
use pyo3::prelude::*;

/// Calls `callback(event_dict)` for every core event, on the thread that emits it, before the
/// call returns. An exception in the callback is reported through `sys.unraisablehook` (as an
/// error in `__del__` is) and never fails the call.
pub fn callback(callback: Py<PyAny>) -> EventCallback {
    std::sync::Arc::new(move |event: &Event| {
        Python::attach(|py| {
            let delivered = pythonize::pythonize(py, event)
                .map_err(PyErr::from)
                .and_then(|event| callback.call1(py, (event,)));
            if let Err(e) = delivered {
                e.write_unraisable(py, Some(callback.bind(py)));
            }
        })
    })
}
