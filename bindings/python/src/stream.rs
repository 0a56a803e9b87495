//! An open streamed answer, read chunk by chunk from Python (blocking or awaited). Closing it,
//! or abandoning a read (a cancelled task, Ctrl-C), drops the core stream, which closes the
//! HTTP connection.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use foundry_client::{ChatChunk, ChatStream};
use pyo3::prelude::*;
use tokio::sync::{Mutex, MutexGuard};

use crate::convert::Outcome;
use crate::results::{PyChatChunk, PyChatResult};
use crate::runtime;

struct Shared {
    stream: Mutex<Option<ChatStream>>,
    closed: AtomicBool,
}

/// A chat or Responses stream.
#[pyclass(frozen, module = "foundry_client._native", name = "ChatStream")]
pub struct PyChatStream {
    shared: Arc<Shared>,
    deployment: String,
}

impl PyChatStream {
    pub fn new(stream: ChatStream) -> Self {
        PyChatStream {
            deployment: stream.deployment_name().to_string(),
            shared: Arc::new(Shared {
                stream: Mutex::new(Some(stream)),
                closed: AtomicBool::new(false),
            }),
        }
    }
}

/// Holds the stream during one read. A read dropped before it finished (cancelled, interrupted)
/// closes the stream, as does a `close()` that came while the read held it.
struct Reading<'a> {
    guard: MutexGuard<'a, Option<ChatStream>>,
    closed: &'a AtomicBool,
    finished: bool,
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        if !self.finished || self.closed.load(Ordering::Acquire) {
            self.guard.take();
        }
    }
}

/// The next chunk: `None` at the end or once closed.
async fn next(shared: Arc<Shared>) -> foundry_client::Result<Option<PyChatChunk>> {
    let mut reading = Reading {
        guard: shared.stream.lock().await,
        closed: &shared.closed,
        finished: false,
    };
    if shared.closed.load(Ordering::Acquire) {
        reading.finished = true;
        return Ok(None);
    }
    let chunk: Option<foundry_client::Result<ChatChunk>> = match reading.guard.as_mut() {
        Some(stream) => stream.next_chunk().await,
        None => None,
    };
    reading.finished = true;
    chunk.transpose().map(|c| c.map(PyChatChunk))
}

#[pymethods]
impl PyChatStream {
    /// The deployment streaming the answer.
    #[getter]
    fn deployment(&self) -> &str {
        &self.deployment
    }

    /// The next chunk, or `None` at the end. Blocks with the GIL released.
    fn next_chunk(&self, py: Python<'_>) -> PyResult<Option<PyChatChunk>> {
        let shared = self.shared.clone();
        let outcome = runtime::block_on(py, next(shared))?;
        outcome.map_err(|e| crate::errors::to_py_err(py, &e))
    }

    /// An awaitable of the next chunk, or of `None` at the end.
    fn next_chunk_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let shared = self.shared.clone();
        runtime::future_into_py(py, async move { Ok(Outcome(next(shared).await)) })
    }

    /// Closes the stream and its HTTP connection. Idempotent; never blocks.
    fn close(&self) {
        self.shared.closed.store(true, Ordering::Release);
        // A read in progress holds the stream: it drops it when it ends (see `Reading`).
        if let Ok(mut guard) = self.shared.stream.try_lock() {
            guard.take();
        }
    }

    /// True once closed (by `close()`, an abandoned read, or the end of an errored stream).
    #[getter]
    fn closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
            || self
                .shared
                .stream
                .try_lock()
                .map(|g| g.is_none())
                .unwrap_or(false)
    }

    /// The whole answer once the stream has ended cleanly (usage and cost included when the
    /// service sent usage); `None` before that.
    fn result(&self) -> Option<PyChatResult> {
        let guard = self.shared.stream.try_lock().ok()?;
        guard
            .as_ref()
            .and_then(|s| s.result().cloned())
            .map(PyChatResult)
    }
}
