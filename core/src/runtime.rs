//! The one tokio runtime of a process whose host has none (the C and Kotlin bindings): started
//! on first use, named so its threads show as the library's, and never shut down, because a
//! host may call in until it exits. Python keeps its own (a forked child needs a new one) and
//! Node uses napi-rs's.

use std::sync::OnceLock;

use tokio::runtime::Runtime;

use crate::{Error, ErrorKind, Result};

static SHARED: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// The shared runtime; an error (kind `connection`) when the OS refused its threads.
pub fn shared() -> Result<&'static Runtime> {
    let runtime = SHARED.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("foundry-client")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    runtime.as_ref().map_err(|e| {
        Error::new(
            ErrorKind::Connection,
            format!("the IO runtime could not start: {e}"),
        )
    })
}
