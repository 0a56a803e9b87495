//! The one tokio runtime all C calls block on.

use std::future::Future;
use std::sync::OnceLock;

use ::foundry_client::Error;
use tokio::runtime::{Handle, Runtime};

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// Runs `future` to completion on the shared runtime, blocking the calling (C) thread.
///
/// The runtime's own threads cannot block on it: a call made from an event callback (which
/// runs there) is refused with an error rather than deadlocking or panicking.
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output, Error> {
    if Handle::try_current().is_ok() {
        return Err(Error::invalid_request(
            "foundry_* calls cannot be made from an event callback or another runtime thread",
        )
        .with_hint("return from the callback first and make the call from your own thread"));
    }
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("foundry-client")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match runtime {
        Ok(runtime) => Ok(runtime.block_on(future)),
        Err(e) => Err(Error::new(
            ::foundry_client::ErrorKind::Connection,
            format!("the IO runtime could not start: {e}"),
        )),
    }
}
