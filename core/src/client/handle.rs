//! `StreamHandle`: the one stream object every binding wraps in its native iterator. It can be
//! shared (every method takes `&self`), read from any thread and cancelled from another, and it
//! defines once what each language used to decide for itself:
//!
//! | call | while open | after a clean end | after a failure | after `cancel()` |
//! |---|---|---|---|---|
//! | `next()` | the next chunk | `None`, again and again | the same error, again | a `cancelled` error |
//! | `result()` | `None` | the folded answer | `None` | `None` |
//! | `cancel()` | closes the connection; a pending `next()` returns `cancelled` | nothing | nothing | nothing |
//!
//! So an answer cut off by an error or a cancel never looks complete: no read after it ends in
//! a quiet `None`. Two `next()` calls may not overlap (the second is an `invalid_request`).

use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

use super::ChatStream;
use crate::types::{ChatChunk, ChatResult};
use crate::{Error, ErrorKind, Result};

enum Slot {
    Open(Box<ChatStream>),
    /// A `next()` holds the stream while it waits for the body.
    Reading,
    Ended(Box<ChatResult>),
    Failed(Error),
    Cancelled,
}

/// A streamed answer shared between the caller's threads (module docs for its rules).
pub struct StreamHandle {
    slot: Mutex<Slot>,
    cancel_requested: Notify,
    deployment: String,
}

impl std::fmt::Debug for StreamHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamHandle")
            .field("deployment", &self.deployment)
            .finish()
    }
}

fn cancelled() -> Error {
    Error::new(
        ErrorKind::Cancelled,
        "the stream was cancelled before its end",
    )
    .with_retryable(false)
    .with_hint("the answer is incomplete: read the stream to its end, or make the call again")
}

/// Puts the stream back when a read ends, however it ends (the read's task may be dropped by
/// the caller's cancellation): back to `Open` unless a cancel came meanwhile.
struct Reading<'a> {
    owner: &'a StreamHandle,
    stream: Option<Box<ChatStream>>,
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        let mut slot = self.owner.lock();
        if let (Some(stream), Slot::Reading) = (self.stream.take(), &*slot) {
            *slot = Slot::Open(stream);
        }
    }
}

impl StreamHandle {
    pub fn new(stream: ChatStream) -> StreamHandle {
        StreamHandle {
            deployment: stream.deployment_name().to_string(),
            slot: Mutex::new(Slot::Open(Box::new(stream))),
            cancel_requested: Notify::new(),
        }
    }

    /// The deployment streaming the answer.
    pub fn deployment(&self) -> &str {
        &self.deployment
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        // Every write is one assignment, so the state is whole even after a panic elsewhere.
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next chunk, `None` at the clean end. Network IO.
    pub async fn next(&self) -> Result<Option<ChatChunk>> {
        // Registered before the stream is taken, so a cancel() racing with this read wakes it.
        let cancel_requested = self.cancel_requested.notified();
        tokio::pin!(cancel_requested);
        cancel_requested.as_mut().enable();
        let stream = {
            let mut slot = self.lock();
            match std::mem::replace(&mut *slot, Slot::Reading) {
                Slot::Open(stream) => stream,
                Slot::Reading => {
                    return Err(Error::invalid_request(
                        "next() was called while another next() on the same stream was pending",
                    ))
                }
                done => {
                    let outcome = match &done {
                        Slot::Ended(_) => Ok(None),
                        Slot::Failed(e) => Err(e.clone()),
                        _ => Err(cancelled()),
                    };
                    *slot = done;
                    return outcome;
                }
            }
        };
        let mut reading = Reading {
            owner: self,
            stream: Some(stream),
        };
        let Some(open) = reading.stream.as_mut() else {
            return Err(cancelled());
        };
        let next = tokio::select! {
            biased;
            _ = cancel_requested => return Err(cancelled()),
            next = open.next_chunk() => next,
        };
        let finished = match next {
            Some(Ok(chunk)) => return Ok(Some(chunk)),
            Some(Err(e)) => Slot::Failed(e),
            None => match open.result() {
                Some(result) => Slot::Ended(Box::new(result.clone())),
                None => Slot::Failed(Error::new(
                    ErrorKind::Stream,
                    "the stream ended without a result",
                )),
            },
        };
        // The connection closes here, with the stream.
        reading.stream = None;
        let mut slot = self.lock();
        if matches!(*slot, Slot::Reading) {
            *slot = finished;
        }
        match &*slot {
            Slot::Ended(_) => Ok(None),
            Slot::Failed(e) => Err(e.clone()),
            _ => Err(cancelled()),
        }
    }

    /// The whole answer folded from the chunks, once the stream has ended cleanly. No IO.
    pub fn result(&self) -> Option<ChatResult> {
        match &*self.lock() {
            Slot::Ended(result) => Some((**result).clone()),
            _ => None,
        }
    }

    /// Stops the stream and closes its connection; a pending `next()` returns `cancelled`.
    /// Idempotent, never blocks, and a no-op once the stream has ended or failed.
    pub fn cancel(&self) {
        let mut slot = self.lock();
        if matches!(*slot, Slot::Open(_) | Slot::Reading) {
            // Dropping an open stream here closes its connection; a pending read's stream is
            // dropped by that read when it wakes.
            *slot = Slot::Cancelled;
        }
        drop(slot);
        self.cancel_requested.notify_waiters();
    }
}
