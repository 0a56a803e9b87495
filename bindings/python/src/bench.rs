//! Benchmark hooks (issue 6, cell 4: what crossing into Rust costs) and the suite's panic hook
//! (issue 10, point 6). Not part of the public API: the `foundry_client` package does not
//! re-export them; `tests/bench/python/bench.py` and `tests/test_hardening.py` call them on
//! `foundry_client._native`.

use pyo3::prelude::*;

use crate::runtime;

/// Declared `()`, not `!`, so the code after each call is not flagged as unreachable.
fn boom(sync: bool) {
    panic!("_debug_panic(sync={})", if sync { "True" } else { "False" });
}

/// Test hook, not public API: panics inside the bridge every call takes, so the suite can
/// check that a panic reaches Python as `InternalError` (a `FoundryError`). `sync=True` panics
/// in a blocking call; `sync=False` returns an awaitable whose spawned task panics. No IO.
#[pyfunction]
#[pyo3(signature = (sync))]
pub fn _debug_panic(py: Python<'_>, sync: bool) -> PyResult<Bound<'_, PyAny>> {
    if sync {
        runtime::block_on(py, async move { boom(sync) })?;
        return Ok(py.None().into_bound(py));
    }
    runtime::future_into_py(py, async move {
        // Pending once, so the panic happens in a task on a runtime worker, not in the first
        // poll on the calling thread.
        tokio::task::yield_now().await;
        boom(sync);
        Ok(None::<()>)
    })
}

/// Benchmark hook, not public API: a call that does nothing and returns None, so its time is
/// the Python-to-Rust call itself. No IO; never blocks.
#[pyfunction]
pub fn _bench_noop() {}

/// Benchmark hook, not public API: does nothing through the path every blocking `Client` call
/// takes (the GIL released, the future run on the process runtime), so its time is what a sync
/// call costs before any HTTP. No IO.
#[pyfunction]
pub fn _bench_noop_blocking(py: Python<'_>) -> PyResult<()> {
    runtime::block_on(py, async {})
}

/// Benchmark hook, not public API: an awaitable resolving to None, made by the same
/// `runtime::future_into_py` as every `*_async` method. Ready at its first poll, so it takes
/// the bridge's inline path (a buffered stream chunk does too). Needs a running event loop; no IO.
#[pyfunction]
pub fn _bench_noop_async(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    // `None::<()>` becomes Python None; `()` would become an empty tuple.
    runtime::future_into_py(py, async { Ok(None::<()>) })
}

/// Benchmark hook, not public API: like `_bench_noop_async`, but pending once, so it goes the
/// way every call that waits for the network goes: a task on the process runtime, then the
/// loop's completion channel. Its time is what an async call costs before any HTTP.
#[pyfunction]
pub fn _bench_noop_async_spawned(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    runtime::future_into_py(py, async {
        tokio::task::yield_now().await;
        Ok(None::<()>)
    })
}
