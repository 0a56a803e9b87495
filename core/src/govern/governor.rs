//! The governor: which budget lines a call is checked against, and the reservation a call
//! holds while it runs. Scopes nest by path ("org" ⊃ "org/search" ⊃ "org/search/bot"), and a
//! deployment is a scope of its own ("deployment:gpt-5.4"); a call is checked against the
//! budgets of every scope it belongs to, in one atomic ledger step.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::ledger::{Alert, Hold, Ledger, LedgerError, Line, ReservationId, ReserveError};
use super::money::Nanos;
use super::window::Window;

/// One budget: a scope's spend in a window, with a hard cap, soft thresholds, or both.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    pub scope: String,
    pub window: Window,
    pub hard: Option<Nanos>,
    /// Thresholds in permille of `hard`, each alerted once per period.
    pub soft: Vec<u16>,
}

/// The scopes a scope path belongs to, outermost first: "org/search/bot" is in "org",
/// "org/search" and itself.
pub fn enclosing_scopes(path: &str) -> Vec<String> {
    let mut scopes = Vec::new();
    let mut at = 0;
    for part in path.split('/') {
        at += part.len();
        scopes.push(path[..at].to_string());
        at += 1;
    }
    scopes
}

/// The scope name of a deployment's own budgets.
pub fn deployment_scope(deployment: &str) -> String {
    format!("deployment:{deployment}")
}

/// Budgets and the ledger they are kept on.
#[derive(Debug, Clone)]
pub struct Governor {
    ledger: Arc<dyn Ledger>,
    budgets: Arc<Vec<Budget>>,
}

/// A held reservation. Settle it with the real cost; dropped unsettled (the call failed
/// unbilled, or its task was cancelled before an answer) it is released.
#[derive(Debug)]
pub struct Reservation {
    ledger: Arc<dyn Ledger>,
    id: Option<ReservationId>,
    amount: Nanos,
}

impl Reservation {
    pub fn amount(&self) -> Nanos {
        self.amount
    }

    /// Books `actual` and returns the soft thresholds it crossed.
    pub fn settle(mut self, actual: Nanos, now: SystemTime) -> Result<Vec<Alert>, LedgerError> {
        match self.id.take() {
            Some(id) => self.ledger.settle(id, actual, now),
            None => Ok(Vec::new()),
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            // Nothing to report to: a failed release leaves the lease to expire it.
            let _ = self.ledger.release(id);
        }
    }
}

impl Governor {
    pub fn new(ledger: Arc<dyn Ledger>, budgets: Vec<Budget>) -> Governor {
        Governor {
            ledger,
            budgets: Arc::new(budgets),
        }
    }

    /// The lines for a call in `scopes` (any order) at `now`: one per budget of each scope.
    /// Whether any budget counts a call of `scopes` (no period is computed).
    pub fn covers(&self, scopes: &[String]) -> bool {
        self.budgets.iter().any(|b| scopes.contains(&b.scope))
    }

    pub fn lines(&self, scopes: &[String], now: SystemTime) -> Vec<Line> {
        self.budgets
            .iter()
            .filter(|b| scopes.contains(&b.scope))
            .map(|b| Line {
                scope: b.scope.clone(),
                period: b.window.period(now),
                cap: b.hard,
                soft: b.soft.clone(),
            })
            .collect()
    }

    /// Reserves `amount` on every line of `scopes`, for at most `lease`.
    pub fn reserve(
        &self,
        scopes: &[String],
        amount: Nanos,
        lease: Duration,
        now: SystemTime,
    ) -> Result<Reservation, ReserveError> {
        let hold = Hold {
            lines: self.lines(scopes, now),
            amount,
            lease,
        };
        let id = self.ledger.reserve(&hold, now)?;
        Ok(Reservation {
            ledger: Arc::clone(&self.ledger),
            id: Some(id),
            amount,
        })
    }

    pub fn budgets(&self) -> &[Budget] {
        &self.budgets
    }

    pub fn ledger(&self) -> &Arc<dyn Ledger> {
        &self.ledger
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::govern::{MemoryLedger, Zone};

    fn governor() -> Governor {
        let month = Window::Month(Zone::utc());
        Governor::new(
            Arc::new(MemoryLedger::new()),
            vec![
                Budget {
                    scope: "org".into(),
                    window: month.clone(),
                    hard: Some(Nanos(1_000)),
                    soft: vec![800],
                },
                Budget {
                    scope: "org/search".into(),
                    window: Window::Day(Zone::utc()),
                    hard: Some(Nanos(300)),
                    soft: vec![],
                },
                Budget {
                    scope: "org/ads".into(),
                    window: month,
                    hard: Some(Nanos(900)),
                    soft: vec![],
                },
            ],
        )
    }

    #[test]
    fn scopes_nest_by_path() {
        assert_eq!(
            enclosing_scopes("org/search/bot"),
            ["org", "org/search", "org/search/bot"]
        );
        assert_eq!(enclosing_scopes("org"), ["org"]);
    }

    #[test]
    fn a_call_is_checked_against_every_enclosing_budget() {
        let g = governor();
        let now = SystemTime::now();
        let lease = Duration::from_secs(60);
        let search = enclosing_scopes("org/search/bot");
        let ads = enclosing_scopes("org/ads");
        let held = g.reserve(&search, Nanos(250), lease, now).expect("room");
        // The team's day cap refuses what the org could still pay.
        let refused = g
            .reserve(&search, Nanos(100), lease, now)
            .expect_err("team cap");
        assert!(matches!(refused, ReserveError::Overdraft(ref o) if o.scope == "org/search"));
        held.settle(Nanos(250), now).expect("settles");
        let ads_call = g
            .reserve(&ads, Nanos(700), lease, now)
            .expect("org has 750 left");
        // The org cap now refuses the other team.
        let refused = g
            .reserve(&ads, Nanos(100), lease, now)
            .expect_err("org cap");
        assert!(matches!(refused, ReserveError::Overdraft(ref o) if o.scope == "org"));
        drop(ads_call);
        let again = g.reserve(&ads, Nanos(100), lease, now);
        assert!(again.is_ok(), "a dropped reservation is released");
    }

    #[test]
    fn the_soft_alert_comes_from_the_settle_that_crosses_it() {
        let g = governor();
        let now = SystemTime::now();
        let scopes = enclosing_scopes("org/ads");
        let lease = Duration::from_secs(60);
        let first = g.reserve(&scopes, Nanos(700), lease, now).unwrap();
        assert!(first.settle(Nanos(700), now).unwrap().is_empty());
        let second = g.reserve(&scopes, Nanos(150), lease, now).unwrap();
        let alerts = second.settle(Nanos(120), now).unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].scope.as_str(), alerts[0].permille), ("org", 800));
    }
}
