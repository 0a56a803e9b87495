//! `NativeStream`: the core's `StreamHandle` for Kotlin, with `cancel()` because UniFFI cannot
//! cancel a Rust future by itself. Every rule (a read after a cancel, after a failure, after
//! the end) is the handle's (`core/src/client/handle.rs`); this file only converts.

use std::sync::Arc;

use foundry_client::StreamHandle;

use crate::errors::{caught, FoundryError};
use crate::results::{ChatChunk, ChatResult};
use crate::runtime::run;

/// An open streamed answer.
#[derive(uniffi::Object)]
pub struct NativeStream {
    handle: Arc<StreamHandle>,
}

impl NativeStream {
    pub(crate) fn new(handle: StreamHandle) -> Self {
        NativeStream {
            handle: Arc::new(handle),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeStream {
    /// The deployment streaming the answer. No IO.
    pub fn deployment(&self) -> String {
        self.handle.deployment().to_string()
    }

    /// The next chunk, `null` at the clean end. Throws the core's error: the same one again
    /// after a failure, `Cancelled` after `cancel()`. Calls must not overlap. Network IO.
    pub async fn next(&self) -> Result<Option<ChatChunk>, FoundryError> {
        let handle = self.handle.clone();
        run(async move { Ok(handle.next().await?.as_ref().map(ChatChunk::from)) }).await
    }

    /// The whole answer folded from the chunks (usage and cost included when the service sent
    /// them); `null` until the stream has ended cleanly. No IO.
    pub fn result(&self) -> Result<Option<ChatResult>, FoundryError> {
        caught(|| Ok(self.handle.result().as_ref().map(ChatResult::from)))
    }

    /// Stops the stream and closes its connection; a pending or later `next()` throws
    /// `Cancelled`. Idempotent; never blocks. (Not `close`: the generated Kotlin class already
    /// has a `close()` that frees the handle.)
    pub fn cancel(&self) -> Result<(), FoundryError> {
        caught(|| {
            self.handle.cancel();
            Ok(())
        })
    }
}
