//! Asyncio awaitables resolved from the tokio runtime, with no GIL and no extra thread on the
//! Rust side.
//!
//! Why not pyo3-async-runtimes' bridge: per call it spawns twice on tokio, then hops onto a
//! blocking thread that takes the GIL to call `loop.call_soon_threadsafe`, which wakes the loop
//! through its self-pipe. Measured on the awaited no-op (`_bench_noop_async`): ~180 µs per call,
//! against ~1 µs for a blocking call.
//!
//! Here each running event loop gets one `LoopChannel`: a queue of finished calls and a
//! socketpair whose read end the loop watches (`add_reader`). A finished call pushes its result
//! converter and writes one byte only if the channel is not signalled yet, so completions that
//! arrive together cost one wake-up. The loop then drains the queue on its own thread, holding
//! the GIL, and sets each future's result or exception. Before any of that, the call's first
//! poll runs on the calling thread, so a call that is ready at once needs no channel at all.

use std::future::Future;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_util::FutureExt;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyAny;
use pyo3::{intern, IntoPyObjectExt};
use tokio::runtime::Runtime;
use tokio::task::AbortHandle;

/// A finished call's result, turned into a Python value on the loop's thread.
type Convert = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

struct Completion {
    future: Py<PyAny>,
    convert: Convert,
}

struct Channel {
    finished: Mutex<Vec<Completion>>,
    /// True from the byte written until the loop drains: later completions only queue.
    signalled: AtomicBool,
    // Both ends live as long as the channel, so a write never meets a closed reader (EPIPE).
    reader: UnixStream,
    writer: UnixStream,
    /// The process that made it: a forked child makes its own (the fds are shared with the parent).
    pid: u32,
}

impl Channel {
    /// Called on a tokio thread: queues the completion and wakes the loop if it is not already
    /// woken. After the loop closed, nothing reads: the completion stays queued and is dropped
    /// with the channel, once the loop is gone.
    fn complete(&self, future: Py<PyAny>, convert: Convert) {
        self.finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Completion { future, convert });
        if !self.signalled.swap(true, Ordering::SeqCst) && (&self.writer).write_all(&[1]).is_err() {
            // At most one byte is ever unread, so this cannot fill the buffer; should the write
            // fail anyway, the next completion tries again.
            self.signalled.store(false, Ordering::SeqCst);
        }
    }

    fn take_finished(&self) -> Vec<Completion> {
        let mut buf = [0u8; 64];
        loop {
            match (&self.reader).read(&mut buf) {
                Ok(n) if n == buf.len() => continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // Empty (WouldBlock) or fewer bytes than asked: nothing more to read.
                _ => break,
            }
        }
        // Cleared before taking the queue: a completion queued after the take writes a new byte.
        self.signalled.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.finished.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The reader callback registered on one event loop: called by the loop, on its thread, when
/// calls have finished.
#[pyclass(frozen, module = "foundry_client._native")]
struct LoopChannel(Arc<Channel>);

#[pymethods]
impl LoopChannel {
    fn __call__(&self, py: Python<'_>) {
        for done in self.0.take_finished() {
            resolve(done.future.bind(py), (done.convert)(py));
        }
    }
}

/// The done-callback of every bridged future: a cancelled future aborts its tokio task, which
/// drops the Rust future and so its HTTP request. After a result, the task has already ended
/// and the abort does nothing, so the callback does not ask which case it is.
#[pyclass(frozen, module = "foundry_client._native")]
struct AbortOnDone(AbortHandle);

#[pymethods]
impl AbortOnDone {
    fn __call__(&self, _future: &Bound<'_, PyAny>) {
        self.0.abort();
    }
}

/// Channels by event loop. Weak keys: a loop that goes away takes its channel (and the fds)
/// with it; the channel never refers to its loop, or the loop would never go away.
static CHANNELS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn channel_of(event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Channel>> {
    let py = event_loop.py();
    let channels = CHANNELS
        .get_or_try_init(py, || {
            py.import("weakref")?
                .getattr("WeakKeyDictionary")?
                .call0()
                .map(Bound::unbind)
        })?
        .bind(py);
    let pid = std::process::id();
    let found = channels.call_method1(intern!(py, "get"), (event_loop,))?;
    if let Ok(found) = found.cast::<LoopChannel>() {
        let channel = &found.get().0;
        if channel.pid == pid {
            return Ok(channel.clone());
        }
        // Inherited through fork(): its fds are shared with the parent, so stop watching them.
        let _ =
            event_loop.call_method1(intern!(py, "remove_reader"), (channel.reader.as_raw_fd(),));
    }
    let (reader, writer) = UnixStream::pair()
        .and_then(|(r, w)| {
            r.set_nonblocking(true)?;
            w.set_nonblocking(true)?;
            Ok((r, w))
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot open the asyncio channel: {e}")))?;
    let fd = reader.as_raw_fd();
    let channel = Arc::new(Channel {
        finished: Mutex::new(Vec::new()),
        signalled: AtomicBool::new(false),
        reader,
        writer,
        pid,
    });
    let callback = Bound::new(py, LoopChannel(channel.clone()))?;
    event_loop.call_method1(intern!(py, "add_reader"), (fd, &callback))?;
    channels.set_item(event_loop, &callback)?;
    Ok(channel)
}

/// An asyncio future of the running loop, resolved with `fut`'s output once `fut` has run on
/// `rt`. Cancelling the future aborts `fut`. Raises RuntimeError without a running loop.
pub fn future_into_py<'py, F, T>(
    py: Python<'py>,
    rt: &Runtime,
    fut: F,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let event_loop = GET_RUNNING_LOOP
        .get_or_try_init(py, || {
            py.import("asyncio")?
                .getattr("get_running_loop")
                .map(Bound::unbind)
        })?
        .bind(py)
        .call0()?;
    let future = event_loop.call_method0(intern!(py, "create_future"))?;
    // A panic in the call becomes the future's exception instead of a future never resolved.
    let mut fut = Box::pin(AssertUnwindSafe(fut).catch_unwind());
    // The first poll runs here, as a worker would run it (the GIL released, in the runtime's
    // context): it sends the request without waiting for a worker to wake up, and an answer
    // already at hand (a buffered stream chunk) resolves the future with no thread hop at all.
    // A thread wake-up costs ~90 µs on a busy VM, so this is most of an async call's overhead.
    let first = py.detach(|| {
        let _in_runtime = rt.enter();
        fut.as_mut().poll(&mut Context::from_waker(
            futures_util::task::noop_waker_ref(),
        ))
    });
    if let Poll::Ready(out) = first {
        resolve(&future, to_py(py, out));
        return Ok(future);
    }
    let channel = channel_of(&event_loop)?;
    let resolved = future.clone().unbind();
    // Spawning polls `fut` again with the task's waker, so no wake-up of the first poll is lost.
    let task = rt.spawn(async move {
        let out = fut.await;
        channel.complete(resolved, Box::new(move |py| to_py(py, out)));
    });
    let abort = task.abort_handle();
    if let Err(e) = future.call_method1(
        intern!(py, "add_done_callback"),
        (AbortOnDone(abort.clone()),),
    ) {
        abort.abort();
        return Err(e);
    }
    Ok(future)
}

/// A call's outcome as a Python value, or the exception to raise.
fn to_py<T>(py: Python<'_>, out: std::thread::Result<PyResult<T>>) -> PyResult<Py<PyAny>>
where
    T: for<'a> IntoPyObject<'a>,
{
    match out {
        Ok(result) => result.and_then(|value| value.into_py_any(py)),
        Err(panic) => Err(crate::errors::internal(py, panic.as_ref())),
    }
}

/// Sets the future's result or exception, unless it is already done (cancelled).
fn resolve(future: &Bound<'_, PyAny>, outcome: PyResult<Py<PyAny>>) {
    let py = future.py();
    match future
        .call_method0(intern!(py, "done"))
        .and_then(|d| d.is_truthy())
    {
        Ok(false) => {}
        Ok(true) => return,
        Err(e) => return e.write_unraisable(py, Some(future)),
    }
    let set = match outcome {
        Ok(value) => future.call_method1(intern!(py, "set_result"), (value,)),
        Err(e) => future.call_method1(intern!(py, "set_exception"), (e.into_value(py),)),
    };
    if let Err(e) = set {
        e.write_unraisable(py, Some(future));
    }
}
