//! The governor: which budget lines a call is checked against, and the reservation a call
//! holds while it runs. Scopes nest by path ("org" ⊃ "org/search" ⊃ "org/search/bot"), and a
//! deployment is a scope of its own ("deployment:gpt-5.4"); a call is checked against the
//! budgets of every scope it belongs to, in one atomic ledger step.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::ledger::{Alert, Hold, Ledger, LedgerError, Line, ReservationId, ReserveError};
use super::money::Nanos;
use super::window::{PeriodCache, Window};

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

/// How a deployment's own budgets name their scope: "deployment:NAME".
const DEPLOYMENT_PREFIX: &str = "deployment:";

/// What a call counts for: its scopes (the client's and each enclosing one) and, when named,
/// its deployment's own scope (matched without building its name).
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    pub scopes: &'a [String],
    pub deployment: Option<&'a str>,
}

impl<'a> Call<'a> {
    /// A call in `scopes`, at no deployment's budget.
    pub fn in_scopes(scopes: &'a [String]) -> Call<'a> {
        Call {
            scopes,
            deployment: None,
        }
    }

    fn counts_for(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
            || self
                .deployment
                .is_some_and(|d| scope.strip_prefix(DEPLOYMENT_PREFIX) == Some(d))
    }
}

/// Budgets and the ledger they are kept on.
#[derive(Debug, Clone)]
pub struct Governor {
    ledger: Arc<dyn Ledger>,
    budgets: Arc<Vec<Budget>>,
    /// Per budget, in the same order: what each of its lines shares.
    shared: Arc<Vec<Shared>>,
}

/// What every line of one budget shares: built once, so a call's lines cost reference counts.
#[derive(Debug)]
struct Shared {
    scope: Arc<str>,
    soft: Arc<[u16]>,
    period: PeriodCache,
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
        let shared = budgets
            .iter()
            .map(|b| Shared {
                scope: Arc::from(b.scope.as_str()),
                soft: Arc::from(b.soft.as_slice()),
                period: PeriodCache::default(),
            })
            .collect();
        Governor {
            ledger,
            budgets: Arc::new(budgets),
            shared: Arc::new(shared),
        }
    }

    /// Whether any budget counts a call (no period is computed).
    pub fn covers(&self, call: Call<'_>) -> bool {
        self.budgets.iter().any(|b| call.counts_for(&b.scope))
    }

    /// The lines for `call` at `now`: one per budget of each scope it counts for.
    pub fn lines(&self, call: Call<'_>, now: SystemTime) -> Vec<Line> {
        self.budgets
            .iter()
            .zip(self.shared.iter())
            .filter(|(b, _)| call.counts_for(&b.scope))
            .map(|(b, shared)| Line {
                scope: Arc::clone(&shared.scope),
                period: b.window.period_cached(now, &shared.period),
                cap: b.hard,
                soft: Arc::clone(&shared.soft),
            })
            .collect()
    }

    /// Reserves `amount` on every line of `call`, for at most `lease`.
    pub fn reserve(
        &self,
        call: Call<'_>,
        amount: Nanos,
        lease: Duration,
        now: SystemTime,
    ) -> Result<Reservation, ReserveError> {
        let hold = Hold {
            lines: self.lines(call, now),
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
        let held = g
            .reserve(Call::in_scopes(&search), Nanos(250), lease, now)
            .expect("room");
        // The team's day cap refuses what the org could still pay.
        let refused = g
            .reserve(Call::in_scopes(&search), Nanos(100), lease, now)
            .expect_err("team cap");
        assert!(matches!(refused, ReserveError::Overdraft(ref o) if o.scope == "org/search"));
        held.settle(Nanos(250), now).expect("settles");
        let ads_call = g
            .reserve(Call::in_scopes(&ads), Nanos(700), lease, now)
            .expect("org has 750 left");
        // The org cap now refuses the other team.
        let refused = g
            .reserve(Call::in_scopes(&ads), Nanos(100), lease, now)
            .expect_err("org cap");
        assert!(matches!(refused, ReserveError::Overdraft(ref o) if o.scope == "org"));
        drop(ads_call);
        let again = g.reserve(Call::in_scopes(&ads), Nanos(100), lease, now);
        assert!(again.is_ok(), "a dropped reservation is released");
    }

    #[test]
    fn the_soft_alert_comes_from_the_settle_that_crosses_it() {
        let g = governor();
        let now = SystemTime::now();
        let scopes = enclosing_scopes("org/ads");
        let lease = Duration::from_secs(60);
        let first = g
            .reserve(Call::in_scopes(&scopes), Nanos(700), lease, now)
            .unwrap();
        assert!(first.settle(Nanos(700), now).unwrap().is_empty());
        let second = g
            .reserve(Call::in_scopes(&scopes), Nanos(150), lease, now)
            .unwrap();
        let alerts = second.settle(Nanos(120), now).unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].scope.as_str(), alerts[0].permille), ("org", 800));
    }
}
