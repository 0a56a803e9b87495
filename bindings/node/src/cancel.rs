//! Cancellation of in-flight calls from JavaScript (an `AbortSignal`; an open stream is
//! cancelled through its `StreamHandle`).
//! Cancelling drops the core's future, and dropping it closes the HTTP connection: the
//! service sees the request aborted.

use std::future::Future;
use std::sync::Arc;

use napi_derive::napi;
use tokio::sync::watch;

/// A cancellation switch: the JS wrapper creates one per call that has an `AbortSignal`
/// (and one per stream while it opens) and flips it from the signal's `abort` event. No IO.
#[napi]
pub struct CancelToken {
    switch: Arc<watch::Sender<bool>>,
}

impl Default for CancelToken {
    fn default() -> Self {
        CancelToken::new()
    }
}

#[napi]
impl CancelToken {
    #[napi(constructor)]
    pub fn new() -> Self {
        CancelToken {
            switch: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Cancels the call (or stream) this token was given to. Idempotent; never blocks.
    #[napi]
    pub fn cancel(&self) {
        self.switch.send_replace(true);
    }

    pub(crate) fn watch(&self) -> Cancellation {
        Cancellation {
            receiver: self.switch.subscribe(),
        }
    }
}

/// The Rust side of a [`CancelToken`], moved into the call's future.
#[derive(Clone)]
pub(crate) struct Cancellation {
    /// A token collected by JS's GC closes the channel: that reads as never cancelled.
    receiver: watch::Receiver<bool>,
}

impl Cancellation {
    /// Resolves once the token is cancelled (at once if it already was).
    pub async fn cancelled(&mut self) {
        if self.receiver.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Runs `call` to completion, or drops it as soon as `cancel` fires. A panic in it rejects
/// with `InternalError` (every spawned call goes through here).
pub(crate) async fn unless_cancelled<T>(
    cancel: Option<Cancellation>,
    call: impl Future<Output = napi::Result<T>>,
) -> napi::Result<T> {
    let call = crate::errors::caught_async(call);
    let Some(mut cancel) = cancel else {
        return call.await;
    };
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(crate::errors::aborted()),
        result = call => result,
    }
}
