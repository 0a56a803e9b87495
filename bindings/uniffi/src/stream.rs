//! `NativeStream`: a `next()` + `cancel()` handle over the core's `ChatStream`, because UniFFI
//! cannot cancel a Rust future from Kotlin by itself. The Kotlin `Flow` calls `cancel()` when
//! its collector is cancelled or finishes; dropping the core stream closes the connection,
//! which aborts the HTTP request.

use std::sync::{Arc, Mutex, MutexGuard};

use foundry_client::ChatStream;
use tokio::sync::Notify;

use crate::errors::{invalid_request, NativeError};
use crate::results::{ChatChunk, ChatResult};
use crate::runtime::run;

enum Slot {
    Open(Box<ChatStream>),
    /// A `next()` owns the stream while it waits for the body.
    Reading,
    /// Ended, failed or cancelled: the stream (and its connection) is gone.
    Done,
}

struct State {
    slot: Slot,
    cancelled: bool,
}

/// An open streamed answer.
#[derive(uniffi::Object)]
pub struct NativeStream {
    state: Mutex<State>,
    /// The folded answer, once the stream ended cleanly.
    result: Mutex<Option<ChatResult>>,
    cancel_requested: Notify,
    deployment: String,
}

/// The stream while a `next()` reads it. Dropped when the read finishes, or with the task when
/// Kotlin cancels the read; it gives the stream back unless it ended or `cancel()` was called,
/// deciding under the same lock as `cancel()` so that neither can miss the other.
struct Reading<'a> {
    owner: &'a NativeStream,
    stream: Option<Box<ChatStream>>,
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        let mut state = self.owner.lock();
        state.slot = match self.stream.take() {
            Some(stream) if !state.cancelled => Slot::Open(stream),
            _ => Slot::Done,
        };
    }
}

impl NativeStream {
    pub(crate) fn new(stream: ChatStream) -> Self {
        NativeStream {
            deployment: stream.deployment_name().to_string(),
            state: Mutex::new(State {
                slot: Slot::Open(Box::new(stream)),
                cancelled: false,
            }),
            result: Mutex::new(None),
            cancel_requested: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; recover rather than propagate if it ever did.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the stream for one read: `None` once ended or cancelled.
    fn take(&self) -> Result<Option<Box<ChatStream>>, NativeError> {
        let mut state = self.lock();
        if state.cancelled {
            return Ok(None);
        }
        match std::mem::replace(&mut state.slot, Slot::Reading) {
            Slot::Open(stream) => Ok(Some(stream)),
            Slot::Reading => Err(invalid_request(
                "next() was called while another next() on the same stream was pending",
            )),
            Slot::Done => {
                state.slot = Slot::Done;
                Ok(None)
            }
        }
    }

    async fn read_next(&self) -> Result<Option<ChatChunk>, NativeError> {
        // Registered before the stream is taken, so a cancel() racing with this call wakes it.
        let cancel_requested = self.cancel_requested.notified();
        tokio::pin!(cancel_requested);
        cancel_requested.as_mut().enable();
        let Some(stream) = self.take()? else {
            return Ok(None);
        };
        let mut reading = Reading {
            owner: self,
            stream: Some(stream),
        };
        let Some(open) = reading.stream.as_mut() else {
            return Ok(None);
        };
        let next = tokio::select! {
            biased;
            _ = cancel_requested => None,
            chunk = open.next_chunk() => Some(chunk),
        };
        match next {
            Some(Some(Ok(chunk))) => Ok(Some(ChatChunk::from(&chunk))),
            Some(None) => {
                if let (Some(result), Ok(mut slot)) = (open.result(), self.result.lock()) {
                    *slot = Some(ChatResult::from(result));
                }
                reading.stream = None;
                Ok(None)
            }
            Some(Some(Err(e))) => {
                reading.stream = None;
                Err(e.into())
            }
            None => {
                reading.stream = None;
                Ok(None)
            }
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeStream {
    /// The deployment streaming the answer. No IO.
    pub fn deployment(&self) -> String {
        self.deployment.clone()
    }

    /// The next chunk; `null` at the end or once cancelled. Calls must not overlap. Network IO.
    pub async fn next(self: Arc<Self>) -> Result<Option<ChatChunk>, NativeError> {
        run(async move { self.read_next().await }).await
    }

    /// The whole answer folded from the chunks (usage and cost included when the service sent
    /// them); `null` until the stream has ended cleanly. No IO.
    pub fn result(&self) -> Option<ChatResult> {
        self.result.lock().ok().and_then(|slot| slot.clone())
    }

    /// Stops the stream and closes its connection; a pending `next()` returns `null`.
    /// Idempotent; never blocks. (Not `close`: the generated Kotlin class already has a
    /// `close()` that frees the handle.)
    pub fn cancel(&self) {
        let mut state = self.lock();
        state.cancelled = true;
        if matches!(state.slot, Slot::Open(_)) {
            state.slot = Slot::Done;
        }
        drop(state);
        self.cancel_requested.notify_waiters();
    }
}
