//! The core's events delivered to a Python callable on one thread per client (issue 10,
//! point 8).
//!
//! The core emits events on its runtime's worker threads. Calling Python there would make the
//! worker wait for the GIL and then for the callback: a slow callback (a database write, a
//! lock) stalls every call scheduled on that worker. Instead the worker puts the event on a
//! bounded queue and returns at once; the client's `foundry-client-events` thread takes the
//! GIL and calls the callback, one event at a time, in the order they were emitted.
//!
//! When the callback falls `CAPACITY` events behind, new events are dropped (never waited for)
//! and counted; the next delivery logs the count on the `foundry_client.events` logger, and
//! `Client.dropped_events` gives the total. The thread ends once the client is closed or
//! collected (the queue's sender goes with it).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{JoinHandle, ThreadId};

use foundry_client::events::{Event, EventCallback};
use pyo3::prelude::*;

/// Events waiting for the callback at most. A call makes one per attempt plus one result, so
/// this is hundreds of calls of backlog: enough for a burst, bounded for a stuck callback.
const CAPACITY: usize = 1024;

/// One client's queue to its event thread.
pub struct EventQueue {
    /// `None` once closed: events are then discarded (not counted as dropped).
    sender: Mutex<Option<SyncSender<Event>>>,
    dropped: Arc<AtomicU64>,
    dropped_total: AtomicU64,
    thread: Mutex<Option<JoinHandle<()>>>,
    thread_id: ThreadId,
}

impl EventQueue {
    /// Starts the event thread for `callback`. No IO.
    pub fn start(callback: Py<PyAny>) -> PyResult<Arc<EventQueue>> {
        let (sender, receiver) = mpsc::sync_channel(CAPACITY);
        let dropped = Arc::new(AtomicU64::new(0));
        let counter = dropped.clone();
        let thread = std::thread::Builder::new()
            .name("foundry-client-events".to_string())
            .spawn(move || deliver_all(receiver, callback, &counter))
            .map_err(|e| {
                pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "cannot start the on_event thread: {e}"
                ))
            })?;
        Ok(Arc::new(EventQueue {
            sender: Mutex::new(Some(sender)),
            dropped,
            dropped_total: AtomicU64::new(0),
            thread_id: thread.thread().id(),
            thread: Mutex::new(Some(thread)),
        }))
    }

    /// The core's callback: queues a copy of the event and returns, never waiting.
    pub fn callback(self: &Arc<Self>) -> EventCallback {
        let queue = self.clone();
        Arc::new(move |event: &Event| queue.push(event))
    }

    fn push(&self, event: &Event) {
        let sender = self.sender.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = sender.as_ref() {
            if let Err(TrySendError::Full(_)) = sender.try_send(event.clone()) {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                self.dropped_total.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// In a forked child: forgets the parent's thread without touching it. Its handle names a
    /// thread that does not exist here, and glibc may already have reused that thread's
    /// descriptor for a thread of the child; detaching it (what dropping the handle does)
    /// would detach the child's thread instead, so a later `close()` could not join it.
    pub fn abandon_after_fork(&self) {
        let stale = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        std::mem::forget(stale);
    }

    /// Events dropped so far because the callback was `CAPACITY` events behind.
    pub fn dropped(&self) -> u64 {
        self.dropped_total.load(Ordering::Relaxed)
    }

    /// Stops taking events; with `wait`, blocks (GIL released) until every event already
    /// queued was delivered and the thread ended. From the callback itself it cannot wait for
    /// its own thread, so it only stops taking events.
    pub fn close(&self, py: Python<'_>, wait: bool) {
        drop(
            self.sender
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        if !wait || std::thread::current().id() == self.thread_id {
            return;
        }
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // The thread needs the GIL to finish its last delivery.
            let _ = py.detach(|| thread.join());
        }
    }
}

/// The event thread: one delivery per event until the sender is gone (client closed or
/// collected). An exception in the callback is reported through `sys.unraisablehook` (as an
/// error in `__del__` is) and never reaches the call that emitted the event.
fn deliver_all(receiver: Receiver<Event>, callback: Py<PyAny>, dropped: &AtomicU64) {
    while let Ok(event) = receiver.recv() {
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            log::warn!(
                target: "foundry_client::events",
                "{lost} events were dropped: the on_event callback fell {CAPACITY} events behind"
            );
        }
        Python::attach(|py| {
            let delivered = pythonize::pythonize(py, &event)
                .map_err(PyErr::from)
                .and_then(|event| callback.call1(py, (event,)));
            if let Err(e) = delivered {
                e.write_unraisable(py, Some(callback.bind(py)));
            }
        });
    }
    // The callback (often a closure over application state) is released with the GIL held.
    Python::attach(|_| drop(callback));
}
