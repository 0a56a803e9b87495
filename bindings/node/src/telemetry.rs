//! The core's OpenTelemetry export (issue 14, part 3) as the TypeScript wrapper's
//! `flushTelemetry()` and its flush at `beforeExit`.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::cancel::unless_cancelled;
use crate::errors::internal;

/// Exports the spans and metrics recorded so far (`foundry_client::telemetry::flush`):
/// resolves `true` when everything was sent or there is nothing to export, `false` when its
/// 10 s deadline passed or the receiver refused. The wait happens on a blocking thread of the
/// runtime (network IO); the JS thread never waits.
#[napi(ts_return_type = "Promise<boolean>")]
pub fn flush_telemetry<'env>(env: &'env Env) -> Result<PromiseRaw<'env, bool>> {
    env.spawn_future(unless_cancelled(None, async {
        match tokio::task::spawn_blocking(foundry_client::telemetry::flush).await {
            Ok(sent) => Ok(sent),
            Err(e) if e.is_panic() => Err(internal(e.into_panic().as_ref())),
            Err(_) => Ok(false),
        }
    }))
}

/// Whether this process exports telemetry (the `OTEL_*` variables asked for it when the first
/// client was built). No network IO.
#[napi]
pub fn telemetry_enabled() -> bool {
    foundry_client::telemetry::enabled()
}
