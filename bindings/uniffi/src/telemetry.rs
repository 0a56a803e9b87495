//! The core's OpenTelemetry export (issue 14, part 3) as Kotlin's `Foundry.flushTelemetry()`
//! and the JVM shutdown hook that flushes it.

use crate::errors::FoundryError;
use crate::runtime::run;

/// Exports the spans and metrics recorded so far (`foundry_client::telemetry::flush`): true
/// when everything was sent or there is nothing to export, false when its 10 s deadline passed
/// or the receiver refused. Network IO on a blocking thread of the binding's runtime; never
/// blocks the calling thread.
#[uniffi::export(async_runtime = "tokio")]
pub async fn flush_telemetry() -> Result<bool, FoundryError> {
    run(async {
        match tokio::task::spawn_blocking(foundry_client::telemetry::flush).await {
            Ok(sent) => Ok(sent),
            Err(e) if e.is_panic() => Err(crate::errors::internal(e.into_panic().as_ref())),
            Err(_) => Ok(false),
        }
    })
    .await
}

/// Whether this process exports telemetry (the `OTEL_*` variables asked for it when the first
/// client was built). No network IO.
#[uniffi::export]
pub fn telemetry_enabled() -> bool {
    foundry_client::telemetry::enabled()
}
