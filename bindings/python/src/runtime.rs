//! One tokio runtime per process, shared by every client, and the two bridges onto it:
//! blocking calls that release the GIL, and asyncio awaitables.
//!
//! A forked child (gunicorn workers, multiprocessing) inherits the parent's runtime without its
//! threads, so the runtime is keyed by process id: the child builds its own on first use and
//! leaks the dead copy (dropping it would wait for threads that do not exist).

use std::future::Future;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

static CURRENT: AtomicPtr<Runtime> = AtomicPtr::new(std::ptr::null_mut());
static OWNER_PID: AtomicU32 = AtomicU32::new(0);
static BUILDING: Mutex<()> = Mutex::new(());

/// The process's runtime, built on first use in this process. Never blocks on IO.
pub fn runtime() -> PyResult<&'static Runtime> {
    let pid = std::process::id();
    if let Some(rt) = current(pid) {
        return Ok(rt);
    }
    let _building = BUILDING.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(rt) = current(pid) {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("foundry-client")
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the tokio runtime: {e}")))?;
    // Leaked on purpose: the runtime lives as long as the process (or, in a forked child,
    // is abandoned with the parent's threads it no longer has).
    let rt: &'static Runtime = Box::leak(Box::new(rt));
    CURRENT.store(rt as *const Runtime as *mut Runtime, Ordering::Release);
    OWNER_PID.store(pid, Ordering::Release);
    Ok(rt)
}

fn current(pid: u32) -> Option<&'static Runtime> {
    if OWNER_PID.load(Ordering::Acquire) != pid {
        return None;
    }
    let ptr = CURRENT.load(Ordering::Acquire);
    // SAFETY: CURRENT only ever holds null or a pointer from `Box::leak`, never freed.
    unsafe { ptr.as_ref() }
}

/// Runs `fut` to completion on the runtime with the GIL released, so other Python threads run
/// meanwhile. Ctrl-C (a pending signal on the main thread) drops the future, which aborts its
/// HTTP request, and raises `KeyboardInterrupt`.
pub fn block_on<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "a synchronous Foundry call cannot run inside the client's own thread \
             (an on_event callback): use AsyncFoundry, or call it after the event",
        ));
    }
    let rt = runtime()?;
    // A panic in the core unwinds out of `block_on` on this thread: caught here, it raises
    // `InternalError` (a FoundryError) rather than pyo3's `PanicException`, which derives
    // from BaseException and escapes `except Exception`.
    let outcome = py.detach(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(interruptible(fut))
        }))
    });
    outcome.unwrap_or_else(|panic| Err(crate::errors::internal(py, panic.as_ref())))
}

async fn interruptible<F: Future>(fut: F) -> PyResult<F::Output> {
    tokio::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return Ok(out),
            _ = tokio::time::sleep(Duration::from_millis(100)) => {
                Python::attach(|py| py.check_signals())?;
            }
        }
    }
}

/// Wraps `fut` in an asyncio future of the running loop (see `loop_channel.rs`). Cancelling
/// that future (or its task) drops `fut` on the runtime, which aborts its HTTP request. No
/// thread per call. Raises RuntimeError without a running loop.
pub fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    crate::loop_channel::future_into_py(py, runtime()?, fut)
}
