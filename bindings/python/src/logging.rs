//! The core logs through `tracing`; its records reach Python's `logging` under the
//! `foundry_client` logger hierarchy (`foundry_client.events` for the per-call records).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use log::{LevelFilter, Log, Metadata, Record};
use pyo3::prelude::*;
use pyo3_log::{Caching, Logger, ResetHandle};

/// pyo3-log caches each Python logger's level so that a disabled record costs no GIL; the
/// cache is refreshed every second so that a level set later (`logging.basicConfig`,
/// `caplog.set_level`) takes effect without a restart.
struct PythonLogging {
    logger: Logger,
    reset: ResetHandle,
    started: Instant,
    last_reset_ms: AtomicU64,
}

const REFRESH_MS: u64 = 1_000;

static RESET: OnceLock<ResetHandle> = OnceLock::new();

/// Forgets the cached levels now (a new client is built after logging was configured).
pub fn refresh_levels() {
    if let Some(reset) = RESET.get() {
        reset.reset();
    }
}

impl PythonLogging {
    fn refresh(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        let last = self.last_reset_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= REFRESH_MS
            && self
                .last_reset_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.reset.reset();
        }
    }
}

impl Log for PythonLogging {
    fn enabled(&self, metadata: &Metadata) -> bool {
        self.refresh();
        self.logger.enabled(metadata)
    }

    fn log(&self, record: &Record) {
        self.refresh();
        self.logger.log(record)
    }

    fn flush(&self) {}
}

/// Installs the bridge once per process. Other crates' records (HTTP, TLS) pass at warning
/// level and above only; span bookkeeping records never do.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let logger = Logger::new(py, Caching::LoggersAndLevels)?
        .filter(LevelFilter::Warn)
        .filter_target("foundry_client".to_string(), LevelFilter::Debug)
        .filter_target("tracing".to_string(), LevelFilter::Off);
    let reset = logger.reset_handle();
    let _ = RESET.set(logger.reset_handle());
    let bridge = PythonLogging {
        logger,
        reset,
        started: Instant::now(),
        last_reset_ms: AtomicU64::new(0),
    };
    // Another copy of this module (a second interpreter) may have installed it first: keep it.
    if log::set_boxed_logger(Box::new(bridge)).is_ok() {
        log::set_max_level(LevelFilter::Debug);
    }
    Ok(())
}
