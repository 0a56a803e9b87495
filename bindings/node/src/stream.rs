//! `NativeStream`: the core's `StreamHandle` for JavaScript; the TS wrapper turns it into an
//! `AsyncIterable`. Every rule (read after a cancel, after a failure, after the end) is the
//! handle's (`core/src/client/handle.rs`); this file only converts.

use std::sync::Arc;

use foundry_client::StreamHandle;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::{caught, caught_async, to_napi};
use crate::results::{chunk_json, stream_result_json};

/// An open streamed answer.
#[napi]
pub struct NativeStream {
    handle: Arc<StreamHandle>,
    chat_view: bool,
}

impl NativeStream {
    pub(crate) fn new(handle: Arc<StreamHandle>, chat_view: bool) -> Self {
        NativeStream { handle, chat_view }
    }
}

#[napi]
impl NativeStream {
    /// The deployment streaming the answer. No IO.
    #[napi(getter)]
    pub fn deployment(&self) -> String {
        self.handle.deployment().to_string()
    }

    /// The next chunk as JSON (`{result, view?}`), `null` at the clean end. Rejects with the
    /// core's error: the same one again after a failure, `cancelled` after `cancel()`.
    /// Network IO on the tokio runtime; never blocks the JS thread.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Option<String>>> {
        let handle = self.handle.clone();
        let chat_view = self.chat_view;
        env.spawn_future(caught_async(async move {
            match handle.next().await {
                Ok(chunk) => Ok(chunk.map(|c| chunk_json(&c, chat_view))),
                Err(e) => Err(to_napi(e)),
            }
        }))
    }

    /// The whole answer folded from the chunks, as JSON; `null` until the stream has ended
    /// cleanly. No IO.
    #[napi]
    pub fn result(&self) -> Result<Option<String>> {
        caught(|| {
            Ok(self
                .handle
                .result()
                .map(|r| stream_result_json(&r, self.chat_view)))
        })
    }

    /// Stops the stream and closes its connection (`break`, `controller.abort()`,
    /// `stream.abort()`); a pending `next()` rejects as `cancelled`. Idempotent; never blocks.
    #[napi]
    pub fn cancel(&self) -> Result<()> {
        caught(|| {
            self.handle.cancel();
            Ok(())
        })
    }
}
