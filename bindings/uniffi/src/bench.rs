//! Benchmark hooks for issue 6, cell 4 ("FFI costs: a no-op sync and async call"): they do
//! nothing, so timing them from Kotlin measures only what crossing into Rust costs. Not part
//! of the Kotlin wrapper's API (`Foundry` does not expose them).

use crate::errors::NativeError;
use crate::runtime::run;

/// Benchmark hook: returns at once. Times a plain sync UniFFI call (JNA in, Rust, JNA out).
/// No IO; safe on any thread.
#[uniffi::export]
pub fn bench_noop() {}

/// Benchmark hook: a `suspend fun` that completes at once, bridged exactly like
/// `NativeClient::chat` (a task spawned on the binding's tokio runtime, awaited through
/// UniFFI's future polling, errors mapped the same way), so it prices a suspend call before
/// any HTTP. No IO; never blocks the calling thread.
#[uniffi::export(async_runtime = "tokio")]
pub async fn bench_noop_async() -> Result<(), NativeError> {
    run(async { Ok(()) }).await
}
