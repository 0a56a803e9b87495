//! The one tokio runtime all C calls block on.

use std::future::Future;

use ::foundry_client::Error;
use tokio::runtime::Handle;

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
    Ok(::foundry_client::runtime::shared()?.block_on(future))
}
