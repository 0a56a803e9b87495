//! The core's OpenTelemetry export from C: flushed before the process exits. The caller's trace
//! joins through a `traceparent` (and `tracestate`) in the request JSON's `extra_headers`.

use std::panic::catch_unwind;

/// Exports the spans and metrics the library has recorded (when the `OTEL_*` variables ask for
/// export) and waits until they are sent, for at most 10 seconds. Returns true when everything
/// was sent or nothing is exported, false when the deadline passed or the collector refused.
/// Blocks the calling thread (network IO); call it before the process exits.
#[no_mangle]
pub extern "C" fn foundry_flush_telemetry() -> bool {
    catch_unwind(foundry_client::telemetry::flush).unwrap_or(false)
}
