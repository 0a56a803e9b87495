//! Benchmark hooks (issue 6, cell 4: what crossing into Rust costs) and the suite's panic hook
//! (issue 10, point 6). Not part of the public API: the TypeScript wrapper does not re-export them; `tests/bench/node/bench.mjs` calls
//! them from `native.js`.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::cancel::unless_cancelled;
use crate::errors::caught;

/// Declared `()`, not `!`, so the code after each call is not flagged as unreachable.
fn boom(sync: bool) {
    panic!("debugPanic({sync})");
}

/// Test hook, not public API: panics inside the wrappers every method uses, so the suite can
/// check that a panic reaches JS as `InternalError` (a `FoundryError`) rather than aborting
/// the process. `sync = true` throws from this call; `false` rejects the returned Promise
/// from a task on the runtime. No IO.
#[napi(ts_return_type = "Promise<void> | undefined")]
pub fn debug_panic<'env>(env: &'env Env, sync: bool) -> Result<Option<PromiseRaw<'env, ()>>> {
    if sync {
        caught(|| {
            boom(sync);
            Ok(None)
        })
    } else {
        env.spawn_future(unless_cancelled(None, async move {
            boom(sync);
            Ok(())
        }))
        .map(Some)
    }
}

/// Benchmark hook, not public API: a synchronous call that does nothing and returns
/// `undefined`, so its time is the N-API call itself. No IO.
#[napi]
pub fn bench_noop() {}

/// Benchmark hook, not public API: resolves with `undefined` through the same path as
/// `NativeClient.chat` (a future spawned on napi's tokio runtime, with no cancel token),
/// so its time is what a Promise-returning call costs before any HTTP. No IO.
#[napi(ts_return_type = "Promise<void>")]
pub fn bench_noop_async<'env>(env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
    env.spawn_future(unless_cancelled(None, async { Ok(()) }))
}
