//! A stand-in for the `az` process, so Azure CLI tests never run the real CLI (which could
//! reach a real tenant).

use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::pin::Pin;
use std::process::{ExitStatus, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Stands in for the `az` process: answers with `stdout` (exit 0) or `stderr` (exit 1).
#[derive(Debug)]
pub(crate) struct FakeAz {
    answer: Result<String, String>,
    pub runs: AtomicUsize,
    pub last_args: Mutex<Vec<String>>,
}

impl FakeAz {
    pub fn new(answer: Result<String, String>) -> Arc<FakeAz> {
        Arc::new(FakeAz {
            answer,
            runs: AtomicUsize::new(0),
            last_args: Mutex::new(Vec::new()),
        })
    }

    pub fn token(value: &str) -> Result<String, String> {
        let expires_on = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs()
            + 3600;
        Ok(serde_json::json!({"accessToken": value, "expires_on": expires_on, "tokenType": "Bearer"}).to_string())
    }
}

// azure_identity's `Executor` is an `async_trait`; this is that macro's expansion, written out
// so the crate needs no extra dependency for one test double.
impl azure_identity::Executor for FakeAz {
    fn run<'life0, 'life1, 'life2, 'life3, 'async_trait>(
        &'life0 self,
        _program: &'life1 OsStr,
        args: &'life2 [&'life3 OsStr],
    ) -> Pin<Box<dyn Future<Output = io::Result<Output>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        'life3: 'async_trait,
        Self: 'async_trait,
    {
        self.runs.fetch_add(1, Ordering::SeqCst);
        *self.last_args.lock().expect("args") = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let output = match &self.answer {
            Ok(stdout) => Output {
                status: ExitStatus::from_raw(0),
                stdout: stdout.clone().into_bytes(),
                stderr: Vec::new(),
            },
            Err(stderr) => Output {
                status: ExitStatus::from_raw(1 << 8),
                stdout: Vec::new(),
                stderr: stderr.clone().into_bytes(),
            },
        };
        Box::pin(async move { Ok(output) })
    }
}
