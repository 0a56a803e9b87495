//! `flush_telemetry()`: the core's OpenTelemetry export, flushed from Python (the package also
//! calls it at interpreter exit). The caller's trace context reaches the core as a
//! `traceparent` in the request's `extra_headers`, put there by `foundry_client._telemetry`.

use pyo3::prelude::*;

/// Exports the spans and metrics recorded so far; waits at most 10 s, without the GIL. True
/// when everything was sent or nothing is exported.
#[pyfunction]
pub fn flush_telemetry(py: Python<'_>) -> bool {
    py.detach(foundry_client::telemetry::flush)
}
