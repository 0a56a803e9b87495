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

use futures_util::future::BoxFuture;
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
#[derive(Clone, Debug, Default)]
pub struct Hold {
    pub lines: Vec<Line>,
    pub amount: Nanos,
    /// How long the reservation counts without a settle: past the call's deadline, so only a
    /// dead process's reservation ever expires.
    pub lease: Duration,
    /// The fleet's rate limits the call counts for, taken in the same step as the budget
    /// lines. Only a fleet's store is given any: in one process the local lanes pace calls.
    pub lanes: Vec<FleetLane>,
    /// What the call counts against a lane's token window: its estimated prompt tokens plus
    /// its output bound, as Azure's admission counts it.
    pub tokens: u64,
    /// How long the call may wait for a full lane: a store may book its grant at the instant
    /// the lane frees room within this, and [`Ledger::starts_after`] says when that is.
    pub book_ahead: Duration,
}

/// A rate limit shared by a fleet: a deployment's quota or a scope's, as sliding windows of
/// the same shapes as the local lanes (tokens over 10 s at tpm / 6, requests over 1 s at
/// rpm / 60).
#[derive(Clone, Debug, PartialEq)]
pub struct FleetLane {
    /// `deployment:NAME` or the scope path.
    pub name: String,
    pub tokens: Option<RateWindow>,
    pub requests: Option<RateWindow>,
}

/// At most `limit` units in any window of `length`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateWindow {
    pub limit: u64,
    pub length: Duration,
}

impl RateWindow {
    /// `per_minute` units a minute over windows of `length`, widened (as the local lanes are)
    /// so that one window admits at least one unit: 3 requests a minute become 1 per 20 s.
    pub fn per_minute(per_minute: u64, length: Duration) -> RateWindow {
        let minute = Duration::from_secs(60);
        let per_minute = per_minute.max(1);
        let share = per_minute as f64 * length.as_secs_f64() / 60.0;
        let length = match share >= 1.0 {
            true => length,
            false => (minute / per_minute as u32).min(minute),
        };
        RateWindow {
            limit: ((per_minute as f64 * length.as_secs_f64() / 60.0).floor() as u64).max(1),
            length,
        }
    }
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
///
/// Every method answers with a future, so a networked store (Redis) never blocks a tokio
/// worker; the in-process stores answer with a ready one.
pub trait Ledger: Send + Sync + std::fmt::Debug {
    /// Holds `hold.amount` on every line, or refuses with the first line that lacks room.
    fn reserve<'a>(
        &'a self,
        hold: &'a Hold,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<ReservationId, ReserveError>>;

    /// Replaces the reservation with the real cost on each of its lines; returns the soft
    /// thresholds this settle crossed. A reservation whose lease expired is still settled: a
    /// billed call is never dropped from the books.
    fn settle(
        &self,
        id: ReservationId,
        actual: Nanos,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<Vec<Alert>, LedgerError>>;

    /// Drops the reservation without a charge (nothing was billed). Unknown ids are ignored:
    /// a release may race with a lease expiry.
    fn release(&self, id: ReservationId) -> BoxFuture<'_, Result<(), LedgerError>>;

    /// What `scope` holds in `period` at `now`.
    fn balance<'a>(
        &'a self,
        scope: &'a str,
        period: &'a Period,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Balance, LedgerError>>;

    /// Whether a step must wait for I/O (a network round trip): such a store's settles and
    /// releases outside an async context run as tasks on the runtime. The in-process stores
    /// answer at once.
    fn is_networked(&self) -> bool {
        false
    }

    /// How long after its reservation the call may be sent: a lane's grant booked ahead (see
    /// [`Hold::book_ahead`]); asked once per reservation. Zero for stores without lanes.
    fn starts_after(&self, _id: ReservationId) -> Duration {
        Duration::ZERO
    }
}

/// A ledger whose steps finish in the calling thread (memory, SQLite). It is a [`Ledger`]
/// whose futures are ready at once: the steps are written once, as plain calls, and the
/// async interface that a networked store needs is derived from them.
pub trait InProcessLedger: Send + Sync + std::fmt::Debug {
    fn reserve_now(&self, hold: &Hold, now: SystemTime) -> Result<ReservationId, ReserveError>;

    fn settle_now(
        &self,
        id: ReservationId,
        actual: Nanos,
        now: SystemTime,
    ) -> Result<Vec<Alert>, LedgerError>;

    fn release_now(&self, id: ReservationId) -> Result<(), LedgerError>;

    fn balance_now(
        &self,
        scope: &str,
        period: &Period,
        now: SystemTime,
    ) -> Result<Balance, LedgerError>;
}

impl<T: InProcessLedger> Ledger for T {
    fn reserve<'a>(
        &'a self,
        hold: &'a Hold,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<ReservationId, ReserveError>> {
        ready(self.reserve_now(hold, now))
    }

    fn settle(
        &self,
        id: ReservationId,
        actual: Nanos,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<Vec<Alert>, LedgerError>> {
        ready(self.settle_now(id, actual, now))
    }

    fn release(&self, id: ReservationId) -> BoxFuture<'_, Result<(), LedgerError>> {
        ready(self.release_now(id))
    }

    fn balance<'a>(
        &'a self,
        scope: &'a str,
        period: &'a Period,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Balance, LedgerError>> {
        ready(self.balance_now(scope, period, now))
    }
}

/// A ready answer, for the stores that answer in process.
fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

/// A refused reservation.
#[derive(Clone, Debug, PartialEq)]
pub enum ReserveError {
    Overdraft(Overdraft),
    /// The store answered with an error.
    Store(LedgerError),
    /// The store could not be reached (a networked store's outage): the caller may degrade.
    Unreachable(LedgerError),
    /// A fleet rate limit has no room now: nothing was taken; `lane` has room after `wait`.
    Wait {
        wait: Duration,
        lane: String,
    },
}
