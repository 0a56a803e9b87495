//! The binding's tokio runtime. Every call runs there as a task, so the core's CPU work
//! (building bodies, parsing and normalizing answers, events) happens on these workers rather
//! than on the Kotlin thread that polls the future: measured with 200 concurrent calls on a
//! single-threaded dispatcher, polling the core inline kept that thread busy for seconds.

use std::future::Future;

use tokio::task::JoinHandle;

use crate::errors::FoundryError;

/// Aborts the task when the awaiting future is dropped: Kotlin cancelling the coroutine frees
/// the UniFFI future, which drops this, which drops the core's future and its HTTP request.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `call` on the binding's runtime and waits for it without blocking the caller.
pub(crate) async fn run<T, F>(call: F) -> Result<T, FoundryError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, FoundryError>> + Send + 'static,
{
    let runtime = foundry_client::runtime::shared()?;
    let mut task = AbortOnDrop(runtime.spawn(call));
    match (&mut task.0).await {
        Ok(outcome) => outcome,
        // A panic in the core is a bug: reported as `FoundryException.Internal` with its
        // message, rather than resumed here (UniFFI would raise a bare `InternalException`,
        // which is no `FoundryException`).
        Err(e) if e.is_panic() => Err(crate::errors::internal(e.into_panic().as_ref())),
        Err(_) => Err(foundry_client::Error::new(
            foundry_client::ErrorKind::Connection,
            "the call was cancelled: the IO runtime is shutting down",
        )
        .into()),
    }
}
