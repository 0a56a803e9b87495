//! Benchmark hooks for issue 6, cell 4 ("FFI costs: a no-op sync and async call"): they do
//! nothing, so timing them from Kotlin measures only what crossing into Rust costs. Not part
//! of the Kotlin wrapper's API (`Foundry` does not expose them). The `debug_panic` hooks are the
//! suite's way to cause a panic (issue 10, point 6).

use crate::errors::{caught, FoundryError};
use crate::runtime::run;

/// Declared `()`, not `!`, so the code after each call is not flagged as unreachable.
fn boom(what: &str) {
    panic!("{what}");
}

/// Test hook, not public API: panics in a synchronous call, caught like every synchronous
/// export's panic and thrown as `FoundryException.Internal`. No IO.
#[uniffi::export]
pub fn debug_panic() -> Result<(), FoundryError> {
    caught(|| {
        boom("debugPanic()");
        Ok(())
    })
}

/// Test hook, not public API: panics in a task on the binding's runtime, reported through
/// [`run`] as `FoundryException.Internal`. No IO.
#[uniffi::export(async_runtime = "tokio")]
pub async fn debug_panic_async() -> Result<(), FoundryError> {
    run(async {
        boom("debugPanicAsync()");
        Ok(())
    })
    .await
}

/// Benchmark hook: returns at once. Times a plain sync UniFFI call (JNA in, Rust, JNA out).
/// No IO; safe on any thread.
#[uniffi::export]
pub fn bench_noop() {}

/// Benchmark hook: a `suspend fun` that completes at once, bridged exactly like
/// `NativeClient::chat` (a task spawned on the binding's tokio runtime, awaited through
/// UniFFI's future polling, errors mapped the same way), so it prices a suspend call before
/// any HTTP. No IO; never blocks the calling thread.
#[uniffi::export(async_runtime = "tokio")]
pub async fn bench_noop_async() -> Result<(), FoundryError> {
    run(async { Ok(()) }).await
}
