//! Governance in the client: budgets that cannot overshoot, counted in exact money on a
//! ledger every process of a fleet can share. One concern a file:
//!
//! - [`money`]: nano-dollar amounts and pico-dollar token prices (integers, no drift);
//! - [`estimate`]: a call's reservation before it is sent and its charge after, by Azure's
//!   billing rules;
//! - [`window`]: calendar windows in an IANA zone and rolling windows, as ledger keys;
//! - [`rolling`]: a rolling window's spend in 1,024 buckets, in bounded space and time;
//! - [`governor`]: nested scopes, their budgets' lines, and the reservation a call holds;
//! - [`ledger`]: the reserve / settle / release interface and its guarantees;
//! - [`memory`]: the in-memory ledger;
//! - [`sqlite`]: the embedded ledger, one SQLite file in WAL mode shared by the machine's
//!   processes;
//! - [`redis`]: the fleet's ledger, on a Redis (or Valkey) server every process shares.

pub mod estimate;
pub mod governor;
pub mod ledger;
pub mod memory;
pub mod money;
pub mod redis;
pub mod rolling;
pub mod sqlite;
pub mod window;

#[cfg(test)]
mod ledger_tests;

pub use self::redis::{Clock, RedisLedger};
pub use governor::{Budget, Governor, Reservation};
pub use ledger::{
    Alert, Balance, FleetLane, Hold, InProcessLedger, Ledger, LedgerError, Line, Overdraft,
    RateWindow, ReservationId,
};
pub use memory::MemoryLedger;
pub use money::{Nanos, TokenPrice};
pub use sqlite::{Durability, SqliteLedger};
pub use window::{Period, Window, Zone};
