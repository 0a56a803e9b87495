//! `foundry_client._native`: the Python binding of the foundry-client core. It converts types,
//! calls the core, maps errors (`errors.rs`) and bridges blocking and asyncio calls onto one
//! tokio runtime per process (`runtime.rs`). The Python package `foundry_client` wraps it in the
//! OpenAI SDK's shapes.

mod bench;
mod client;
mod convert;
mod errors;
mod events;
mod logging;
mod loop_channel;
mod numbers;
mod recipe;
mod results;
mod runtime;
mod stream;
mod telemetry;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install(m.py())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<stream::PyChatStream>()?;
    m.add_class::<results::PyChatResult>()?;
    m.add_class::<results::PyChatChunk>()?;
    m.add_class::<results::PyEmbeddingsResult>()?;
    m.add("ERROR_KINDS", errors::kind_names())?;
    m.add_function(wrap_pyfunction!(telemetry::flush_telemetry, m)?)?;
    m.add_function(wrap_pyfunction!(bench::_debug_panic, m)?)?;
    m.add_function(wrap_pyfunction!(bench::_bench_noop, m)?)?;
    m.add_function(wrap_pyfunction!(bench::_bench_noop_blocking, m)?)?;
    m.add_function(wrap_pyfunction!(bench::_bench_noop_async, m)?)?;
    m.add_function(wrap_pyfunction!(bench::_bench_noop_async_spawned, m)?)?;
    Ok(())
}
