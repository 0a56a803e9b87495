//! The Rust cells of issue 6, each a function that measures both variants in interleaved
//! rounds and returns table rows. Nothing here asserts on a timing.

pub mod breakdown;
pub mod fleet;
pub mod governance;
pub mod growth;
pub mod latency;
pub mod memory;
pub mod quota;
pub mod streaming;
pub mod throughput;

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::mock::MockServer;
use crate::variants::Clients;

/// How long the cells run.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Interleaved rounds per cell (at least 5).
    pub rounds: usize,
    /// A smoke run: the same cells with a tenth of the calls (numbers are not meaningful).
    pub quick: bool,
}

impl Settings {
    /// `full` calls, or a tenth (at least 10) in a quick run.
    pub fn calls(&self, full: usize) -> usize {
        if self.quick {
            (full / 10).max(10)
        } else {
            full
        }
    }

    pub fn seconds(&self, full: f64) -> f64 {
        if self.quick {
            full / 5.0
        } else {
            full
        }
    }
}

/// What every cell needs.
pub struct Bench {
    pub clients: Arc<Clients>,
    pub server: MockServer,
    pub settings: Settings,
    /// Side measurements kept in the JSON (server load, client CPU), by cell.
    pub extra: Map<String, Value>,
}

pub fn progress(message: &str) {
    eprintln!("[bench {}] {message}", crate::machine::utc_now());
}

/// Checks a variant's answer once before timing it (a wrong answer would make every number
/// meaningless); not a timing assertion.
pub fn check_text(
    variant: crate::variants::Variant,
    got: &str,
    expected: &str,
) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!(
            "{} returned {} bytes of text, expected {}",
            variant.name(),
            got.len(),
            expected.len()
        ))
    }
}
