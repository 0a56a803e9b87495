//! The in-memory ledger: for tests, short scripts and `ledger: memory`. One mutex makes every
//! step atomic; nothing survives the process. Accounts are keyed by the lines' shared text and
//! hashed with FxHash: a step costs a few hundred instructions, not a copy of every key.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use rustc_hash::FxHashMap;

use super::ledger::{
    Alert, Balance, Hold, InProcessLedger, LedgerError, Line, Overdraft, ReservationId,
    ReserveError,
};
use super::money::Nanos;
use super::rolling::RollingSum;
use super::window::Period;

/// Reservations whose lease ran out, kept so a late settle still lands on their lines; past
/// this many the oldest are forgotten (their process is long dead).
const MAX_LAPSED: usize = 10_000;

/// (scope, period key).
type AccountKey = (Arc<str>, Arc<str>);

#[derive(Default, Debug)]
struct Account {
    /// Settled in a calendar or total period.
    settled: Nanos,
    /// Settled charges of a rolling period, in buckets.
    recent: RollingSum,
    reserved: Nanos,
    fired: BTreeSet<u16>,
}

impl Account {
    fn settled_in(&mut self, period: &Period) -> Nanos {
        match period.since {
            None => self.settled,
            Some(since) => self
                .recent
                .since(since, period.rolling_length().unwrap_or_default()),
        }
    }
}

#[derive(Debug)]
struct Held {
    lines: Vec<Line>,
    amount: Nanos,
    expires: SystemTime,
}

#[derive(Default, Debug)]
struct State {
    next_id: u64,
    accounts: FxHashMap<AccountKey, Account>,
    live: FxHashMap<u64, Held>,
    /// Live reservations by expiry, to drop the lapsed ones in order.
    expiries: BTreeMap<(SystemTime, u64), ()>,
    lapsed: FxHashMap<u64, Held>,
    lapsed_order: VecDeque<u64>,
}

fn key(line: &Line) -> AccountKey {
    (Arc::clone(&line.scope), Arc::clone(&line.period.key))
}

impl State {
    /// Stops counting every reservation whose lease ended by `now`.
    fn expire(&mut self, now: SystemTime) {
        while let Some((&(expires, id), _)) = self.expiries.first_key_value() {
            if expires > now {
                break;
            }
            self.expiries.remove(&(expires, id));
            if let Some(held) = self.live.remove(&id) {
                self.unreserve(&held);
                self.lapsed.insert(id, held);
                self.lapsed_order.push_back(id);
                if self.lapsed_order.len() > MAX_LAPSED {
                    if let Some(old) = self.lapsed_order.pop_front() {
                        self.lapsed.remove(&old);
                    }
                }
            }
        }
    }

    fn unreserve(&mut self, held: &Held) {
        for line in &held.lines {
            if let Some(account) = self.accounts.get_mut(&key(line)) {
                account.reserved = account.reserved.saturating_sub(held.amount);
            }
        }
    }

    fn take(&mut self, id: u64) -> Option<Held> {
        if let Some(held) = self.live.remove(&id) {
            self.expiries.remove(&(held.expires, id));
            self.unreserve(&held);
            return Some(held);
        }
        self.lapsed.remove(&id)
    }
}

/// Reservations and spend in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    state: Mutex<State>,
}

impl MemoryLedger {
    pub fn new() -> MemoryLedger {
        MemoryLedger::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Each step finishes its writes before it can panic, so a poisoned state is whole.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl InProcessLedger for MemoryLedger {
    fn reserve_now(&self, hold: &Hold, now: SystemTime) -> Result<ReservationId, ReserveError> {
        let mut state = self.lock();
        state.expire(now);
        for line in &hold.lines {
            let Some(cap) = line.cap else { continue };
            let account = state.accounts.entry(key(line)).or_default();
            let committed = account
                .settled_in(&line.period)
                .saturating_add(account.reserved);
            Overdraft::check(line, committed, cap, hold.amount)?;
        }
        for line in &hold.lines {
            let account = state.accounts.entry(key(line)).or_default();
            account.reserved = account.reserved.saturating_add(hold.amount);
        }
        state.next_id += 1;
        let id = state.next_id;
        let expires = now.checked_add(hold.lease).unwrap_or(now);
        state.expiries.insert((expires, id), ());
        state.live.insert(
            id,
            Held {
                lines: hold.lines.clone(),
                amount: hold.amount,
                expires,
            },
        );
        Ok(ReservationId(id))
    }

    fn settle_now(
        &self,
        id: ReservationId,
        actual: Nanos,
        now: SystemTime,
    ) -> Result<Vec<Alert>, LedgerError> {
        let mut state = self.lock();
        state.expire(now);
        let held = state
            .take(id.0)
            .ok_or_else(|| LedgerError(format!("reservation {} is not held", id.0)))?;
        let mut alerts = Vec::new();
        for line in &held.lines {
            let account = state.accounts.entry(key(line)).or_default();
            let settled = match line.period.since {
                None => {
                    account.settled = account.settled.saturating_add(actual);
                    account.settled
                }
                Some(_) => {
                    let length = line.period.rolling_length().unwrap_or_default();
                    account.recent.add(now, length, actual);
                    account.settled_in(&line.period)
                }
            };
            let Some(cap) = line.cap else { continue };
            for &permille in line.soft.iter() {
                let crossed = settled >= cap.permille(permille);
                if crossed && account.fired.insert(permille) {
                    alerts.push(Alert {
                        scope: line.scope.to_string(),
                        period: line.period.key.to_string(),
                        permille,
                        settled,
                        cap,
                    });
                } else if !crossed && line.period.since.is_some() {
                    // A rolling window falls back below a threshold: it may alert again.
                    account.fired.remove(&permille);
                }
            }
        }
        Ok(alerts)
    }

    fn release_now(&self, id: ReservationId) -> Result<(), LedgerError> {
        self.lock().take(id.0);
        Ok(())
    }

    fn balance_now(
        &self,
        scope: &str,
        period: &Period,
        now: SystemTime,
    ) -> Result<Balance, LedgerError> {
        let mut state = self.lock();
        state.expire(now);
        Ok(
            match state
                .accounts
                .get_mut(&(Arc::from(scope), Arc::clone(&period.key)))
            {
                Some(account) => Balance {
                    settled: account.settled_in(period),
                    reserved: account.reserved,
                },
                None => Balance::default(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::govern::ledger_tests;

    #[test]
    fn random_interleavings_never_overshoot_or_lose_a_record() {
        ledger_tests::random_interleavings(&|| Box::new(MemoryLedger::new()), 300);
    }

    #[test]
    fn concurrent_reservations_never_overshoot() {
        ledger_tests::concurrent_calls_on_one_budget(std::sync::Arc::new(MemoryLedger::new()));
    }

    #[test]
    fn lapsed_reservations_free_their_room_and_still_settle() {
        ledger_tests::lapsed_reservations(&MemoryLedger::new());
    }

    #[test]
    fn soft_thresholds_alert_once_per_period() {
        ledger_tests::soft_thresholds(&MemoryLedger::new());
    }

    #[test]
    fn rolling_windows_let_charges_go_in_bounded_steps() {
        ledger_tests::rolling_windows(&MemoryLedger::new());
    }
}
