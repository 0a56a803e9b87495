//! The governor: which budget lines a call is checked against, and the reservation a call
//! holds while it runs. Scopes nest by path ("org" ⊃ "org/search" ⊃ "org/search/bot"), and a
//! deployment is a scope of its own ("deployment:gpt-5.4"); a call is checked against the
//! budgets of every scope it belongs to, in one atomic ledger step.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;
use tokio::sync::Notify;

use super::ledger::{
    Alert, FleetLane, Hold, Ledger, LedgerError, Line, ReservationId, ReserveError,
};
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

/// The scope name of a deployment's own budgets.
pub fn deployment_scope(deployment: &str) -> String {
    format!("deployment:{deployment}")
}

/// What a call asks of the fleet's rate limits, with its reservation (see [`Hold`]).
#[derive(Debug, Clone, Default)]
pub struct LaneAsk {
    pub lanes: Vec<FleetLane>,
    pub tokens: u64,
    pub book_ahead: Duration,
}

/// Budgets and the ledger they are kept on.
#[derive(Debug, Clone)]
pub struct Governor {
    ledger: Arc<dyn Ledger>,
    budgets: Arc<Vec<Budget>>,
    /// Per budget, in the same order: what each of its lines shares.
    shared: Arc<Vec<Shared>>,
    background: Arc<Background>,
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
    background: Arc<Background>,
}

/// Settles and releases a networked ledger runs as tasks (from a `Drop`, or a stream's end,
/// where nothing can wait): counted, so a process can wait for its books before it exits.
#[derive(Debug, Default)]
pub struct Background {
    running: AtomicUsize,
    idle: Notify,
}

impl Background {
    /// Runs `step` as a task on the current runtime, counted until it ends (nothing runs
    /// without a runtime).
    pub fn spawn(self: &Arc<Self>, step: impl Future<Output = ()> + Send + 'static) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to run on: the lease frees the reservation instead.
            return;
        };
        self.running.fetch_add(1, Ordering::AcqRel);
        let this = Arc::clone(self);
        runtime.spawn(async move {
            step.await;
            if this.running.fetch_sub(1, Ordering::AcqRel) == 1 {
                this.idle.notify_waiters();
            }
        });
    }

    /// Waits until every settle and release started so far has reached the ledger.
    pub async fn idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.running.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Reservation {
    pub fn amount(&self) -> Nanos {
        self.amount
    }

    /// How long after its reservation the call may be sent (a fleet lane's grant booked
    /// ahead); asked once.
    pub fn starts_after(&self) -> Duration {
        self.id
            .map(|id| self.ledger.starts_after(id))
            .unwrap_or_default()
    }

    /// Books `actual` and returns the soft thresholds it crossed.
    pub async fn settle(
        mut self,
        actual: Nanos,
        now: SystemTime,
    ) -> Result<Vec<Alert>, LedgerError> {
        match self.id.take() {
            Some(id) => self.ledger.settle(id, actual, now).await,
            None => Ok(Vec::new()),
        }
    }

    /// Books `actual` where nothing can wait (a `Drop`, a stream's end): at once on an
    /// in-process ledger, as a task on a networked one; `alerts` gets the crossed thresholds.
    /// A settle that fails leaves the reservation to its lease.
    pub fn settle_detached(
        mut self,
        actual: Nanos,
        now: SystemTime,
        alerts: impl FnOnce(Vec<Alert>) + Send + 'static,
    ) {
        let Some(id) = self.id.take() else { return };
        if !self.ledger.is_networked() {
            if let Some(Ok(crossed)) = self.ledger.settle(id, actual, now).now_or_never() {
                alerts(crossed);
            }
            return;
        }
        let ledger = Arc::clone(&self.ledger);
        self.background.spawn(async move {
            if let Ok(crossed) = ledger.settle(id, actual, now).await {
                alerts(crossed);
            }
        });
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        // Nothing to report to: a failed release leaves the lease to expire it.
        if !self.ledger.is_networked() {
            let _ = self.ledger.release(id).now_or_never();
            return;
        }
        let ledger = Arc::clone(&self.ledger);
        self.background.spawn(async move {
            let _ = ledger.release(id).await;
        });
    }
}

impl Governor {
    pub fn new(ledger: Arc<dyn Ledger>, budgets: Vec<Budget>) -> Governor {
        Governor::sharing(ledger, budgets, Arc::default())
    }

    /// A governor whose detached settles are counted in `background` (shared by a client's
    /// scoped handles, so one wait covers them all).
    pub fn sharing(
        ledger: Arc<dyn Ledger>,
        budgets: Vec<Budget>,
        background: Arc<Background>,
    ) -> Governor {
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
            background,
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
            .zip(self.shared.iter())
            .filter(|(b, _)| scopes.contains(&b.scope))
            .map(|(b, shared)| Line {
                scope: Arc::clone(&shared.scope),
                period: b.window.period_cached(now, &shared.period),
                cap: b.hard,
                soft: Arc::clone(&shared.soft),
            })
            .collect()
    }

    /// Reserves `amount` on every line of `scopes`, for at most `lease`.
    pub async fn reserve(
        &self,
        scopes: &[String],
        amount: Nanos,
        lease: Duration,
        now: SystemTime,
    ) -> Result<Reservation, ReserveError> {
        self.reserve_with(scopes, amount, lease, LaneAsk::default(), now)
            .await
    }

    /// Reserves `amount` on every line of `scopes` and `tokens` (and one request) on every
    /// fleet rate-limit lane, in one ledger step.
    pub async fn reserve_with(
        &self,
        scopes: &[String],
        amount: Nanos,
        lease: Duration,
        lanes: LaneAsk,
        now: SystemTime,
    ) -> Result<Reservation, ReserveError> {
        let hold = Hold {
            lines: self.lines(scopes, now),
            amount,
            lease,
            lanes: lanes.lanes,
            tokens: lanes.tokens,
            book_ahead: lanes.book_ahead,
        };
        let id = self.ledger.reserve(&hold, now).await?;
        Ok(Reservation {
            ledger: Arc::clone(&self.ledger),
            id: Some(id),
            amount,
            background: Arc::clone(&self.background),
        })
    }

    pub fn budgets(&self) -> &[Budget] {
        &self.budgets
    }

    pub fn ledger(&self) -> &Arc<dyn Ledger> {
        &self.ledger
    }

    pub fn background(&self) -> &Arc<Background> {
        &self.background
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::govern::ledger_tests::block;
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
        let held = block(g.reserve(&search, Nanos(250), lease, now)).expect("room");
        // The team's day cap refuses what the org could still pay.
        let refused = block(g.reserve(&search, Nanos(100), lease, now)).expect_err("team cap");
        assert!(matches!(refused, ReserveError::Overdraft(ref o) if o.scope == "org/search"));
        block(held.settle(Nanos(250), now)).expect("settles");
        let ads_call = block(g.reserve(&ads, Nanos(700), lease, now)).expect("org has 750 left");
        // The org cap now refuses the other team.
        let refused = block(g.reserve(&ads, Nanos(100), lease, now)).expect_err("org cap");
        assert!(matches!(refused, ReserveError::Overdraft(ref o) if o.scope == "org"));
        drop(ads_call);
        let again = block(g.reserve(&ads, Nanos(100), lease, now));
        assert!(again.is_ok(), "a dropped reservation is released");
    }

    #[test]
    fn the_soft_alert_comes_from_the_settle_that_crosses_it() {
        let g = governor();
        let now = SystemTime::now();
        let scopes = enclosing_scopes("org/ads");
        let lease = Duration::from_secs(60);
        let first = block(g.reserve(&scopes, Nanos(700), lease, now)).unwrap();
        assert!(block(first.settle(Nanos(700), now)).unwrap().is_empty());
        let second = block(g.reserve(&scopes, Nanos(150), lease, now)).unwrap();
        let alerts = block(second.settle(Nanos(120), now)).unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].scope.as_str(), alerts[0].permille), ("org", 800));
    }
}
