//! The ledger: where reservations and settled spend live, behind one interface so the
//! embedded store, the in-memory one and (next) Redis enforce the same rules.
//!
//! A call first **reserves** an upper bound of its cost on every budget line it belongs to
//! (organisation, team, scoped handle, deployment, each in its window period). The reservation
//! is checked and recorded in one atomic step across all the lines: either every line has room
//! (settled + reserved + amount <= cap) or none is touched. After the call the reservation is
//! **settled** with the real cost (or **released** when nothing was billed). A reservation
//! whose process died is not settled; its **lease** expires and its amount stops counting.
//! As long as each settle is at most its reservation, no line's settled spend can pass its cap,
//! whatever the interleaving.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::money::Nanos;
use super::window::Period;

/// One budget a call is checked against: a scope's cap in one period of its window. Its text
/// is shared with the budget it comes from, so a call's lines cost no copies.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// "org", "org/search", "org/search/handle:bot", "deployment:gpt-5.4", ...
    pub scope: Arc<str>,
    pub period: Period,
    /// None: spend is counted but never refused (a soft-only or reporting budget).
    pub cap: Option<Nanos>,
    /// Soft thresholds in permille of the cap (800 = 80 %): each raises one alert per period.
    pub soft: Arc<[u16]>,
}

/// What one call asks to hold.
#[derive(Clone, Debug)]
pub struct Hold {
    pub lines: Vec<Line>,
    pub amount: Nanos,
    /// How long the reservation counts without a settle: past the call's deadline, so only a
    /// dead process's reservation ever expires.
    pub lease: Duration,
}

/// Names a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ReservationId(pub u64);

/// Why a reservation was refused: the first line without room.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overdraft {
    pub scope: String,
    pub period: String,
    /// Settled plus reserved on that line, before this call.
    pub committed: Nanos,
    pub cap: Nanos,
    /// What the call asked to reserve.
    pub amount: Nanos,
}

impl Overdraft {
    /// The admission rule every ledger applies to a capped line: `committed + amount <= cap`.
    pub(crate) fn check(
        line: &Line,
        committed: Nanos,
        cap: Nanos,
        amount: Nanos,
    ) -> Result<(), ReserveError> {
        if committed.saturating_add(amount) <= cap {
            return Ok(());
        }
        Err(ReserveError::Overdraft(Overdraft {
            scope: line.scope.to_string(),
            period: line.period.key.to_string(),
            committed,
            cap,
            amount,
        }))
    }
}

/// A soft threshold crossed by a settle, reported once per (scope, period, threshold).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    pub scope: String,
    pub period: String,
    pub permille: u16,
    pub settled: Nanos,
    pub cap: Nanos,
}

/// What a line holds now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub settled: Nanos,
    pub reserved: Nanos,
}

/// The ledger could not do what was asked (its store failed, or the id is unknown).
#[derive(Clone, Debug, PartialEq)]
pub struct LedgerError(pub String);

/// A store of reservations and settled spend. Every method is one atomic step.
pub trait Ledger: Send + Sync + std::fmt::Debug {
    /// Holds `hold.amount` on every line, or refuses with the first line that lacks room.
    fn reserve(&self, hold: &Hold, now: SystemTime) -> Result<ReservationId, ReserveError>;

    /// Replaces the reservation with the real cost on each of its lines; returns the soft
    /// thresholds this settle crossed. A reservation whose lease expired is still settled: a
    /// billed call is never dropped from the books.
    fn settle(
        &self,
        id: ReservationId,
        actual: Nanos,
        now: SystemTime,
    ) -> Result<Vec<Alert>, LedgerError>;

    /// Drops the reservation without a charge (nothing was billed). Unknown ids are ignored:
    /// a release may race with a lease expiry.
    fn release(&self, id: ReservationId) -> Result<(), LedgerError>;

    /// What `scope` holds in `period` at `now`.
    fn balance(
        &self,
        scope: &str,
        period: &Period,
        now: SystemTime,
    ) -> Result<Balance, LedgerError>;
}

/// A refused reservation.
#[derive(Clone, Debug, PartialEq)]
pub enum ReserveError {
    Overdraft(Overdraft),
    Store(LedgerError),
}
