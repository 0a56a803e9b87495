//! An open streamed answer, read chunk by chunk from Python (blocking or awaited): the core's
//! `StreamHandle`, whose table (`core/src/client/handle.rs`) decides every read, close and
//! read-after-close. `close()` is `cancel()`; a read abandoned by its caller (a cancelled task,
//! Ctrl-C) cancels too, which closes the HTTP connection.

use std::sync::Arc;

use foundry_client::{ChatStream, StreamHandle};
use pyo3::prelude::*;

use crate::convert::Outcome;
use crate::results::{PyChatChunk, PyChatResult};
use crate::runtime;

/// A chat or Responses stream.
#[pyclass(frozen, module = "foundry_client._native", name = "ChatStream")]
pub struct PyChatStream(Arc<StreamHandle>);

impl PyChatStream {
    pub fn new(stream: ChatStream) -> Self {
        PyChatStream(Arc::new(StreamHandle::new(stream)))
    }
}

/// Cancels the stream when a read is dropped before it ended.
struct CancelUnlessDone<'a> {
    handle: &'a StreamHandle,
    done: bool,
}

impl Drop for CancelUnlessDone<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.handle.cancel();
        }
    }
}

async fn next(handle: Arc<StreamHandle>) -> foundry_client::Result<Option<PyChatChunk>> {
    let mut guard = CancelUnlessDone {
        handle: &handle,
        done: false,
    };
    let chunk = handle.next().await;
    guard.done = true;
    chunk.map(|c| c.map(PyChatChunk))
}

#[pymethods]
impl PyChatStream {
    /// The deployment streaming the answer.
    #[getter]
    fn deployment(&self) -> &str {
        self.0.deployment()
    }

    /// The next chunk, or `None` at the clean end. Blocks with the GIL released.
    fn next_chunk(&self, py: Python<'_>) -> PyResult<Option<PyChatChunk>> {
        let outcome = runtime::block_on(py, next(self.0.clone()))?;
        outcome.map_err(|e| crate::errors::to_py_err(py, &e))
    }

    /// An awaitable of the next chunk, or of `None` at the clean end.
    fn next_chunk_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.0.clone();
        runtime::future_into_py(py, async move { Ok(Outcome(next(handle).await)) })
    }

    /// Cancels the stream and closes its HTTP connection; later reads raise the core's
    /// `cancelled` error. Idempotent; never blocks.
    fn close(&self) {
        self.0.cancel();
    }

    /// The whole answer once the stream has ended cleanly (usage and cost included when the
    /// service sent usage); `None` before that.
    fn result(&self) -> Option<PyChatResult> {
        self.0.result().map(PyChatResult)
    }
}
