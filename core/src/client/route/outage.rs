//! When the fleet's Redis store does not answer. By default a call under a hard budget fails
//! closed (route/spend.rs). With `on_unreachable: local` this process keeps calling under
//! local limits of limit / `fleet_size`: its budgets on an in-memory ledger with caps divided
//! by the fleet's size, its fleet rate limits as local lanes divided the same way, so the
//! fleet as a whole stays within its limits while the store is down. Either way the outage is
//! never silent: a `store` event when this process first finds the store unreachable, and one
//! when it answers again. Spend counted locally stays local (it is not replayed to the store).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::lane::{Lane, LaneOf, Priority};
use crate::config::{Governance, LedgerStore, Unreachable};
use crate::events::{Event, EventSink, StoreEvent};
use crate::govern::ledger::ReserveError;
use crate::govern::{Budget, FleetLane, Governor, MemoryLedger, Nanos, Reservation};
use crate::Result;

/// An outage's state and the local limits used meanwhile.
#[derive(Debug)]
pub(crate) struct Outage {
    store: String,
    down: AtomicBool,
    local: Option<Local>,
}

#[derive(Debug)]
struct Local {
    fleet_size: u32,
    governor: Governor,
    lanes: HashMap<String, Arc<Lane>>,
}

impl Outage {
    /// The outage handling of a Redis store (None for the in-process stores).
    /// `limits`: the fleet's rate limits, (name, tpm, rpm).
    pub fn for_store(
        g: &Governance,
        limits: &[(String, Option<u64>, Option<u64>)],
    ) -> Option<Outage> {
        let LedgerStore::Redis(r) = &g.ledger else {
            return None;
        };
        let local = match r.on_unreachable {
            Unreachable::FailClosed => None,
            Unreachable::Local { fleet_size } => {
                let n = u64::from(fleet_size.max(1));
                let budgets: Vec<Budget> = g
                    .budgets
                    .iter()
                    .map(|b| Budget {
                        hard: b.hard.map(|cap| Nanos(cap.0 / n)),
                        ..b.clone()
                    })
                    .collect();
                let share = |v: Option<u64>| v.map(|v| (v / n).max(1));
                let lanes = limits
                    .iter()
                    .filter_map(|(name, tpm, rpm)| {
                        let of = match name.strip_prefix("deployment:") {
                            Some(d) => LaneOf::Deployment(d.to_string()),
                            None => LaneOf::Scope(name.clone()),
                        };
                        let lane = Lane::new(of, share(*tpm), share(*rpm))?;
                        Some((name.clone(), Arc::new(lane)))
                    })
                    .collect();
                Some(Local {
                    fleet_size,
                    governor: Governor::new(Arc::new(MemoryLedger::new()), budgets),
                    lanes,
                })
            }
        };
        Some(Outage {
            store: r.url.redacted(),
            down: AtomicBool::new(false),
            local,
        })
    }

    fn mode(&self) -> &'static str {
        match self.local {
            Some(_) => "local",
            None => "fail_closed",
        }
    }

    /// The store answered: ends the outage (with its event) if there was one.
    pub fn answered(&self, events: &EventSink) {
        if self.down.load(Ordering::Relaxed) && self.down.swap(false, Ordering::AcqRel) {
            self.event(events, "reachable", None);
        }
    }

    /// The store did not answer: starts the outage (with its event) if this is its first sign.
    pub fn unanswered(&self, events: &EventSink, problem: &str) {
        if !self.down.swap(true, Ordering::AcqRel) {
            self.event(events, "unreachable", Some(problem.to_string()));
        }
    }

    fn event(&self, events: &EventSink, state: &'static str, error: Option<String>) {
        let event = StoreEvent {
            state,
            store: self.store.clone(),
            mode: self.mode(),
            fleet_size: self.local.as_ref().map(|l| l.fleet_size),
            error,
        };
        // A notice, never only a debug line: an outage changes what calls do.
        events.notice(|| Event::Store(event));
    }

    /// Holds the call under the local limits (`local` mode); None in fail-closed mode.
    #[allow(clippy::too_many_arguments)]
    pub async fn hold_locally(
        &self,
        scopes: &[String],
        lanes: &[FleetLane],
        tokens: u64,
        amount: Nanos,
        lease: Duration,
        deadline: tokio::time::Instant,
    ) -> Option<Result<std::result::Result<Reservation, ReserveError>>> {
        let local = self.local.as_ref()?;
        let mut granted = Vec::new();
        for lane in lanes {
            if let Some(local_lane) = local.lanes.get(&lane.name) {
                match local_lane.admit(tokens, Priority::Normal, deadline).await {
                    Ok(admission) => granted.push(admission),
                    Err(e) => {
                        granted.into_iter().for_each(|a| a.release());
                        return Some(Err(e));
                    }
                }
            }
        }
        let reserved = local
            .governor
            .reserve(scopes, amount, lease, SystemTime::now())
            .await;
        // Sent: each grant is kept (a deployment's count keeps what it admitted, as the fleet
        // lanes do); refused by a budget: nothing goes out, the grants go back.
        if reserved.is_err() {
            granted.into_iter().for_each(|a| a.release());
        }
        Some(Ok(reserved))
    }
}
