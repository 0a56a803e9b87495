//! `NativeStream`: a small `next()` over the core's `ChatStream`; the TS wrapper turns it
//! into an `AsyncIterable`. `close()` (a `break`) or the call's cancel token (an
//! `AbortSignal`) drops the core stream, which closes the HTTP connection.

use std::sync::Arc;

use foundry_client::ChatStream;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::sync::Mutex;

use crate::cancel::Cancellation;
use crate::errors::{aborted, caught, caught_async, to_napi};
use crate::results::{chunk_json, stream_result_json};

/// An open streamed answer.
#[napi]
pub struct NativeStream {
    /// `None` once closed or aborted.
    stream: Arc<Mutex<Option<ChatStream>>>,
    cancel: Cancellation,
    chat_view: bool,
    deployment: String,
}

impl NativeStream {
    pub(crate) fn new(stream: ChatStream, cancel: Cancellation, chat_view: bool) -> Self {
        NativeStream {
            deployment: stream.deployment_name().to_string(),
            stream: Arc::new(Mutex::new(Some(stream))),
            cancel,
            chat_view,
        }
    }
}

#[napi]
impl NativeStream {
    /// The deployment streaming the answer. No IO.
    #[napi(getter)]
    pub fn deployment(&self) -> String {
        self.deployment.clone()
    }

    /// The next chunk as JSON (`{result, view?}`), `null` at the end or once closed.
    /// Rejects with the core's error if the stream fails, or as aborted once cancelled.
    /// Performs network IO on the tokio runtime; never blocks the JS thread.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Option<String>>> {
        let stream = self.stream.clone();
        let mut cancel = self.cancel.clone();
        let chat_view = self.chat_view;
        env.spawn_future(caught_async(async move {
            let mut guard = stream.lock().await;
            let Some(open) = guard.as_mut() else {
                return Ok(None);
            };
            let next = tokio::select! {
                biased;
                _ = cancel.cancelled() => None,
                chunk = open.next_chunk() => Some(chunk),
            };
            match next {
                None => {
                    *guard = None;
                    Err(aborted())
                }
                Some(None) => Ok(None),
                Some(Some(Ok(chunk))) => Ok(Some(chunk_json(&chunk, chat_view))),
                Some(Some(Err(e))) => Err(to_napi(e)),
            }
        }))
    }

    /// The whole answer folded from the chunks (usage and cost included when the service
    /// sent usage), as JSON; `null` until the stream has ended cleanly. No IO.
    #[napi]
    pub fn result(&self) -> Result<Option<String>> {
        caught(|| {
            let Ok(guard) = self.stream.try_lock() else {
                return Ok(None);
            };
            let result = guard.as_ref().and_then(|s| s.result());
            Ok(result.map(|r| stream_result_json(r, self.chat_view)))
        })
    }

    /// Stops the stream and closes its connection (what `break` in `for await` calls).
    /// A pending `next()` resolves as aborted. Idempotent; never blocks.
    #[napi]
    pub fn close(&self) -> Result<()> {
        caught(|| {
            if let Ok(mut guard) = self.stream.try_lock() {
                // Dropping the core stream closes its connection (a drop can run core code).
                *guard = None;
            } else {
                // A `next()` holds the stream: let it drop the stream when it wakes.
                self.cancel.fire();
            }
            Ok(())
        })
    }
}
