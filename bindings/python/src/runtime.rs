//! One tokio runtime per process, shared by every client, and the two bridges onto it:
//! blocking calls that release the GIL, and asyncio awaitables.
//!
//! A forked child (gunicorn workers, multiprocessing) inherits the parent's runtime without its
//! threads, so the runtime is keyed by process id: the child builds its own on first use and
//! leaks the dead copy (dropping it would wait for threads that do not exist).

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use pyo3_async_runtimes::TaskLocals;
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
    py.detach(|| rt.block_on(interruptible(fut)))
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

/// Wraps `fut` in an asyncio future of the running loop. Cancelling that future (or its task)
/// drops `fut` on the runtime, which aborts its HTTP request. No thread per call.
pub fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    runtime()?;
    // The contextvars copy `future_into_py` would make only matters to Python coroutines
    // awaited from Rust, which this crate never does: skipping it saves a call per request.
    let locals = TaskLocals::with_running_loop(py)?;
    pyo3_async_runtimes::generic::future_into_py_with_locals::<ForkSafeTokio, F, T>(py, locals, fut)
}

/// pyo3-async-runtimes' view of the process runtime.
struct ForkSafeTokio;

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

impl GenericRuntime for ForkSafeTokio {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match runtime() {
            Ok(rt) => rt.spawn(fut),
            // Unreachable in practice: `future_into_py` built the runtime first.
            Err(_) => tokio::spawn(fut),
        }
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        match runtime() {
            Ok(rt) => rt.spawn_blocking(f),
            Err(_) => tokio::task::spawn_blocking(f),
        }
    }
}

impl ContextExt for ForkSafeTokio {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|c| c.get().cloned())
            .unwrap_or_default()
    }
}
