//! Budgets at the attempt. Every attempt is a billed request (a retry and a fallback too), so
//! each one, before it is sent, reserves an upper bound of its cost on every budget line it
//! counts for: its deployment's, the client's scope's and each enclosing scope's. A hard cap
//! refuses the attempt there, with nothing sent. After the attempt the reservation is settled
//! with the bill under Azure's rules (govern/estimate.rs) or released when nothing was billed.
//!
//! A call that names no output limit is given one (`governance.output_bound`), in the body
//! that is sent: the output bound is what makes the reservation an upper bound.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::Value;

use super::outage::Outage;
use super::webhook::Webhook;
use crate::config::{Deployment, Governance, LedgerStore, TokensParam};
use crate::events::{BudgetAlertEvent, Event, EventSink, SpendAction, SpendEvent};
use crate::govern::estimate::{self, billing_of, output_limit, Billing, Prices};
use crate::govern::governor::{deployment_scope, LaneAsk};
use crate::govern::ledger::ReserveError;
use crate::govern::{
    Alert, Balance, Clock, Durability, FleetLane, Governor, Ledger, LedgerError, MemoryLedger,
    Nanos, Period, RateWindow, RedisLedger, Reservation, SqliteLedger,
};
use crate::types::{Api, Usage};
use crate::{Error, ErrorKind, Result};

/// One budget's spend in its current period (`foundry spend`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendLine {
    pub scope: String,
    /// The window as configured ("month (Europe/Berlin)", "rolling 3600s").
    pub window: String,
    /// The current period's ledger key ("month:2026-12@Europe/Berlin").
    pub period: String,
    pub spent_usd: f64,
    /// Held by calls in flight (and by dead processes, until their lease ends).
    pub reserved_usd: f64,
    pub cap_usd: Option<f64>,
    /// The alert thresholds, as fractions of the cap.
    pub soft: Vec<f64>,
}

/// Beyond this many deployments a call's scopes are built per attempt, as before, so a client
/// sent to every name (a catalog template) cannot grow without bound.
const MAX_CACHED_DEPLOYMENTS: usize = 1024;

/// A client's budgets, its ledger and the scopes its calls count for.
#[derive(Debug)]
pub(crate) struct Spending {
    governor: Governor,
    /// The fleet's rate limits by name (`deployment:NAME`, a scope path), kept on the Redis
    /// store with the budgets; empty for the in-process stores (their lanes are local).
    fleet_lanes: Arc<HashMap<String, FleetLane>>,
    /// The client's scope and the scopes enclosing it.
    client_scopes: Vec<String>,
    /// Per deployment name, the scopes its calls count for: `client_scopes` and the
    /// deployment's own, built once instead of copied and formatted on every attempt.
    call_scopes: RwLock<FxHashMap<String, Arc<[String]>>>,
    output_bound: u64,
    lease_margin: Duration,
    events: EventSink,
    webhook: Option<Webhook>,
    /// A Redis store's outage: its events, and the local limits of `on_unreachable: local`.
    outage: Option<Arc<Outage>>,
}

/// Where the embedded ledger lives when the catalog names no file.
fn embedded_path(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf> {
    let state = env("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".local").join("state")))
        .ok_or_else(|| {
            Error::config(
                "governance.ledger: no state directory (neither XDG_STATE_HOME nor HOME is set)",
            )
            .with_hint("set `governance.ledger` to the ledger file's path, or `memory`")
        })?;
    Ok(state.join("foundry-client").join("ledger.sqlite"))
}

impl Spending {
    /// The client's spending, or None when the catalog has no budgets (no ledger is opened).
    pub fn open(
        g: &Governance,
        deployments: &[Deployment],
        env: &dyn Fn(&str) -> Option<String>,
        events: EventSink,
        http: &reqwest::Client,
    ) -> Result<Option<Arc<Spending>>> {
        let limits = fleet_limits(g, deployments);
        let fleet_lanes = fleet_lanes(&limits);
        if !g.is_active() && fleet_lanes.is_empty() {
            return Ok(None);
        }
        let outage = Outage::for_store(g, &limits).map(Arc::new);
        let ledger: Arc<dyn Ledger> = match &g.ledger {
            LedgerStore::Memory => Arc::new(MemoryLedger::new()),
            LedgerStore::File(path) => Arc::new(open_file(path)?),
            LedgerStore::Embedded => Arc::new(open_file(&embedded_path(env)?)?),
            LedgerStore::Redis(r) => Arc::new(
                RedisLedger::new(&r.url, &r.prefix, Clock::Server).map_err(|e| {
                    Error::config(format!("governance.store.url: {}", e.0)).with_hint(
                        "redis://HOST:PORT/DB, with user:password@ before the host if needed",
                    )
                })?,
            ),
        };
        let governor = Governor::new(ledger, g.budgets.clone());
        let webhook = g
            .alert_webhook
            .clone()
            .map(|url| Webhook::new(url, http.clone(), Arc::clone(governor.background())));
        Ok(Some(Arc::new(Spending {
            governor,
            webhook,
            outage,
            fleet_lanes: Arc::new(fleet_lanes),
            client_scopes: g.client_scopes(),
            call_scopes: RwLock::default(),
            output_bound: g.output_bound,
            lease_margin: g.lease_margin,
            events,
        })))
    }

    /// The spending of a handle governed by `g`, on this client's ledger.
    pub fn for_governance(&self, g: &Governance) -> Spending {
        Spending {
            governor: Governor::sharing(
                Arc::clone(self.governor.ledger()),
                g.budgets.clone(),
                Arc::clone(self.governor.background()),
            ),
            fleet_lanes: Arc::clone(&self.fleet_lanes),
            webhook: self.webhook.clone(),
            outage: self.outage.clone(),
            client_scopes: g.client_scopes(),
            call_scopes: RwLock::default(),
            output_bound: g.output_bound,
            lease_margin: g.lease_margin,
            events: self.events.clone(),
        }
    }

    /// Reserves what one attempt at `d` may cost, giving `body` the output bound when it names
    /// no limit. None when no budget covers the attempt (or it carries no body to bill).
    /// `input_bound` is the body's, when the gate already measured it.
    pub async fn hold(
        &self,
        d: &Deployment,
        api: Api,
        body: Option<&mut Value>,
        input_bound: Option<u64>,
        time_left: Duration,
    ) -> Result<Option<AttemptHold>> {
        let Some(params) = body.and_then(Value::as_object_mut) else {
            return Ok(None);
        };
        let call_scopes = self.call_scopes(&d.name);
        let scopes: &[String] = &call_scopes;
        let lanes: Vec<FleetLane> = scopes
            .iter()
            .filter_map(|s| self.fleet_lanes.get(s).cloned())
            .collect();
        if !self.governor.covers(scopes) && lanes.is_empty() {
            return Ok(None);
        }
        let output_tokens = match (api, output_limit(params)) {
            (Api::Embeddings, _) => 0,
            (_, Some(limit)) => limit,
            (_, None) => {
                params.insert(output_key(d, api).into(), self.output_bound.into());
                self.output_bound
            }
        };
        let input_tokens = input_bound.unwrap_or_else(|| estimate::input_bound(params));
        // What a lane counts, as Azure's admission does: the prompt's estimated tokens (UTF-8
        // bytes / 4) plus the output bound.
        let lane_tokens = input_tokens.div_ceil(4).saturating_add(output_tokens);
        let prices = Prices::from_pricing(&d.pricing);
        let amount = prices.reservation(input_tokens, output_tokens);
        let lease = time_left.saturating_add(self.lease_margin);
        let deadline = tokio::time::Instant::now() + time_left;
        let reserved = match self.governor.ledger().is_networked() {
            // An in-process ledger answers at once and has no lanes: no timer, no loop.
            false => {
                self.governor
                    .reserve(scopes, amount, lease, SystemTime::now())
                    .await
            }
            true => {
                self.reserve_networked(
                    scopes,
                    amount,
                    lease,
                    lanes.clone(),
                    lane_tokens,
                    deadline,
                    &d.name,
                )
                .await?
            }
        };
        let reserved = match (&self.outage, reserved) {
            (Some(outage), Err(ReserveError::Unreachable(e))) => {
                outage.unanswered(&self.events, &e.0);
                match outage
                    .hold_locally(scopes, &lanes, lane_tokens, amount, lease, deadline)
                    .await
                {
                    Some(local) => local.map_err(|e| e.with_deployment(d.name.clone()))?,
                    None => Err(ReserveError::Unreachable(e)),
                }
            }
            (Some(outage), answered) => {
                if !matches!(answered, Err(ReserveError::Store(_))) {
                    outage.answered(&self.events);
                }
                answered
            }
            (None, reserved) => reserved,
        };
        match reserved {
            Ok(reservation) => {
                self.event(SpendAction::Reserved, &d.name, amount, Nanos::ZERO, None);
                Ok(Some(AttemptHold {
                    reservation: Some(reservation),
                    prices,
                    input_tokens,
                    output_tokens,
                    deployment: d.name.clone(),
                    events: self.events.clone(),
                    webhook: self.webhook.clone(),
                }))
            }
            Err(ReserveError::Overdraft(o)) => {
                self.event(
                    SpendAction::Refused,
                    &d.name,
                    amount,
                    Nanos::ZERO,
                    Some(o.scope.clone()),
                );
                Err(Error::new(
                    ErrorKind::BudgetExceeded,
                    format!(
                        "'{}' was not called: budget '{}' ({}) has ${:.6} spent or reserved of \
                         its ${:.6} cap, and this attempt may cost up to ${:.6}",
                        d.name,
                        o.scope,
                        o.period,
                        o.committed.usd(),
                        o.cap.usd(),
                        o.amount.usd()
                    ),
                )
                .with_deployment(d.name.clone())
                .with_retryable(false))
            }
            Err(ReserveError::Store(e)) => Err(ledger_error(&d.name, &e.0)),
            Err(ReserveError::Wait { wait, lane }) => Err(fleet_limit(&d.name, &lane, wait)),
            Err(ReserveError::Unreachable(e)) => Err(store_unavailable(&d.name, &e.0)),
        }
    }

    /// The scopes a call to deployment `name` counts for: the client's, then the deployment's.
    fn call_scopes(&self, name: &str) -> Arc<[String]> {
        let known = self
            .call_scopes
            .read()
            .ok()
            .and_then(|m| m.get(name).cloned());
        if let Some(scopes) = known {
            return scopes;
        }
        let mut scopes = self.client_scopes.clone();
        scopes.push(deployment_scope(name));
        let scopes: Arc<[String]> = scopes.into();
        if let Ok(mut m) = self.call_scopes.write() {
            // Bounded like the client's other per-deployment caches (a template names any).
            if m.len() < MAX_CACHED_DEPLOYMENTS {
                m.insert(name.to_string(), Arc::clone(&scopes));
            }
        }
        scopes
    }

    /// Reserves on a networked ledger: a full fleet lane makes the call wait and ask again,
    /// or fail at once when the wait would pass the deadline (a route then moves on to its
    /// next deployment); no answer holds the call past its deadline.
    #[allow(clippy::too_many_arguments)]
    async fn reserve_networked(
        &self,
        scopes: &[String],
        amount: Nanos,
        lease: Duration,
        lanes: Vec<FleetLane>,
        lane_tokens: u64,
        deadline: tokio::time::Instant,
        deployment: &str,
    ) -> Result<std::result::Result<Reservation, ReserveError>> {
        let mut waited_for = None;
        loop {
            let now = SystemTime::now();
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let ask = LaneAsk {
                lanes: lanes.clone(),
                tokens: lane_tokens,
                // Booked ahead at most half the time left: the rest is the request's.
                book_ahead: left / 2,
            };
            let step = self.governor.reserve_with(scopes, amount, lease, ask, now);
            let answer = tokio::time::timeout(left, step).await.unwrap_or_else(|_| {
                Err(match waited_for.take() {
                    // The deadline came while the call waited its turn: the lane's doing.
                    Some((wait, lane)) => ReserveError::Wait { wait, lane },
                    None => ReserveError::Unreachable(LedgerError(
                        "the ledger did not answer before the call's deadline".into(),
                    )),
                })
            });
            match answer {
                Err(ReserveError::Wait { wait, lane }) => {
                    if tokio::time::Instant::now() + wait > deadline {
                        return Err(fleet_limit(deployment, &lane, wait));
                    }
                    tokio::time::sleep(wait).await;
                    waited_for = Some((wait, lane));
                }
                Ok(reservation) => {
                    // A lane's grant booked ahead: the call starts when the lane has room.
                    let start = reservation.starts_after();
                    if !start.is_zero() {
                        tokio::time::sleep(start).await;
                    }
                    return Ok(Ok(reservation));
                }
                answer => return Ok(answer),
            }
        }
    }

    /// Waits until every settle and release that runs as a task has reached the ledger.
    pub async fn settled(&self) {
        self.governor.background().idle().await;
    }

    /// Each budget's current period: what was settled and what is reserved now.
    pub fn report(&self) -> Result<Vec<SpendLine>> {
        let now = SystemTime::now();
        let ledger = self.governor.ledger();
        self.governor
            .budgets()
            .iter()
            .map(|b| {
                let period = b.window.period(now);
                let balance = balance_now(ledger.as_ref(), &b.scope, &period, now);
                let balance = balance.map_err(|e| {
                    Error::new(
                        ErrorKind::Ledger,
                        format!("cannot read the ledger: {}", e.0),
                    )
                })?;
                Ok(SpendLine {
                    scope: b.scope.clone(),
                    window: b.window.describe(),
                    period: period.key.to_string(),
                    spent_usd: balance.settled.usd(),
                    reserved_usd: balance.reserved.usd(),
                    cap_usd: b.hard.map(Nanos::usd),
                    soft: b.soft.iter().map(|p| f64::from(*p) / 1000.0).collect(),
                })
            })
            .collect()
    }

    fn event(
        &self,
        action: SpendAction,
        deployment: &str,
        reserved: Nanos,
        charged: Nanos,
        scope: Option<String>,
    ) {
        spend_event(&self.events, action, deployment, reserved, charged, scope);
    }
}

/// A line's balance for a synchronous caller: at once from an in-process ledger; from a
/// networked one on a thread of its own (the caller may be a runtime's worker, which must not
/// block its runtime).
fn balance_now(
    ledger: &dyn Ledger,
    scope: &str,
    period: &Period,
    now: SystemTime,
) -> std::result::Result<Balance, LedgerError> {
    use futures_util::FutureExt;
    let step = ledger.balance(scope, period, now);
    if !ledger.is_networked() {
        return step
            .now_or_never()
            .unwrap_or_else(|| Err(LedgerError("the ledger did not answer at once".into())));
    }
    let lost = || LedgerError("the ledger's reader thread failed".into());
    std::thread::scope(|s| {
        s.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| LedgerError(format!("no runtime to read the ledger on: {e}")))?;
            runtime.block_on(step)
        })
        .join()
        .unwrap_or_else(|_| Err(lost()))
    })
}

fn open_file(path: &std::path::Path) -> Result<SqliteLedger> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::new(
                ErrorKind::Ledger,
                format!("cannot create the ledger's folder {}: {e}", dir.display()),
            )
        })?;
    }
    SqliteLedger::open(path, Durability::Normal).map_err(|e| {
        Error::new(
            ErrorKind::Ledger,
            format!("cannot open the ledger {}: {}", path.display(), e.0),
        )
    })
}

/// The fleet's rate limits a catalog sets, on a Redis store, as (name, tpm, rpm): each
/// deployment's `tpm` / `rpm` with `rate_limits: true` (rpm defaulting to Azure's 6 per 1,000
/// tpm) and each declared scope's. Handles' own limits stay local to their process.
fn fleet_limits(
    g: &Governance,
    deployments: &[Deployment],
) -> Vec<(String, Option<u64>, Option<u64>)> {
    if !matches!(g.ledger, LedgerStore::Redis(_)) {
        return Vec::new();
    }
    let positive = |v: Option<u64>| v.filter(|v| *v > 0);
    let deployment_limits = deployments.iter().filter(|_| g.rate_limits).map(|d| {
        let rpm = d.rpm.or_else(|| d.tpm.map(|t| (t * 6 / 1000).max(1)));
        (deployment_scope(&d.name), positive(d.tpm), positive(rpm))
    });
    let scope_limits = g
        .scopes
        .iter()
        .map(|s| (s.path.clone(), positive(s.tpm), positive(s.rpm)));
    deployment_limits
        .chain(scope_limits)
        .filter(|(_, tpm, rpm)| tpm.is_some() || rpm.is_some())
        .collect()
}

/// The lanes of those limits, in the shapes of the local ones (tokens over 10 s, requests
/// over 1 s).
fn fleet_lanes(limits: &[(String, Option<u64>, Option<u64>)]) -> HashMap<String, FleetLane> {
    limits
        .iter()
        .map(|(name, tpm, rpm)| {
            let lane = FleetLane {
                name: name.clone(),
                tokens: tpm.map(|t| RateWindow::per_minute(t, Duration::from_secs(10))),
                requests: rpm.map(|r| RateWindow::per_minute(r, Duration::from_secs(1))),
            };
            (name.clone(), lane)
        })
        .collect()
}

/// A fleet rate limit would make the call wait past its deadline.
fn fleet_limit(deployment: &str, lane: &str, wait: Duration) -> Error {
    Error::new(
        ErrorKind::RateLimit,
        format!(
            "'{deployment}' was not called: the fleet's rate limit '{lane}' (shared on the \
             Redis store) would make this call wait about {:.1}s, past its deadline",
            wait.as_secs_f64()
        ),
    )
    .with_deployment(deployment.to_string())
    .with_retry_after(Some(wait))
    .with_hint(
        "the fleet's quota is taken by calls of this and other processes: retry after the \
         wait, give the call a longer timeout, or add a fallback deployment",
    )
}

fn ledger_error(deployment: &str, problem: &str) -> Error {
    Error::new(
        ErrorKind::Ledger,
        format!("'{deployment}' was not called: the spend ledger failed ({problem})"),
    )
    .with_deployment(deployment.to_string())
}

/// A call under a hard budget that the fleet's store could not account for: refused unsent
/// (fail closed), with the kind's hint (start Redis, check the url, or opt into local mode).
fn store_unavailable(deployment: &str, problem: &str) -> Error {
    Error::new(
        ErrorKind::StoreUnavailable,
        format!(
            "'{deployment}' was not called: the fleet's spend ledger (governance.store) did not \
             answer, so a call under a hard budget fails closed rather than run unaccounted \
             ({problem})"
        ),
    )
    .with_deployment(deployment.to_string())
}

/// The body key that bounds the answer's length for `api` at `d`.
fn output_key(d: &Deployment, api: Api) -> &'static str {
    match (api, d.max_tokens_param) {
        (Api::Responses, _) => "max_output_tokens",
        (_, TokensParam::MaxCompletionTokens) => "max_completion_tokens",
        (_, TokensParam::MaxTokens) => "max_tokens",
    }
}

fn spend_event(
    events: &EventSink,
    action: SpendAction,
    deployment: &str,
    reserved: Nanos,
    charged: Nanos,
    scope: Option<String>,
) {
    events.spend(|| SpendEvent {
        action,
        deployment: deployment.to_string(),
        reserved_usd: reserved.usd(),
        charged_usd: charged.usd(),
        scope,
    });
}

/// One attempt's reservation, until its bill is known. Dropped unsettled (the call's task
/// was cancelled while the request was out, or an answer could not be read) it is charged in
/// full: the service may have billed it, and the books must never show less than the bill.
#[derive(Debug)]
pub(crate) struct AttemptHold {
    reservation: Option<Reservation>,
    prices: Prices,
    input_tokens: u64,
    output_tokens: u64,
    deployment: String,
    events: EventSink,
    webhook: Option<Webhook>,
}

impl AttemptHold {
    /// The attempt answered: charged from the service's usage.
    pub fn settle_usage(mut self, usage: &Usage) {
        let charge = self.prices.charge(usage);
        self.book(Some(charge));
    }

    /// The attempt failed with `err`: billed or not by Azure's rules. A request that was sent
    /// and never answered may have been processed: it is charged its whole reservation.
    pub fn settle_failure(mut self, err: &Error) {
        let billing = match err.unanswered {
            true => Billing::Reservation,
            false => billing_of(err.status, err.code.as_deref()),
        };
        let charge = match billing {
            Billing::Nothing => None,
            Billing::Prompt => Some(self.prices.reservation(self.input_tokens, 0)),
            Billing::Usage | Billing::Reservation => self.reserved(),
        };
        self.book(charge);
    }

    /// Nothing was sent: the reservation is dropped, unbilled.
    pub fn release(mut self) {
        self.book(None);
    }

    /// A stream that ended before its usage arrived (cancelled, or broken): the prompt and the
    /// output bytes it received (a token is at least one byte), within the output bound.
    pub fn settle_consumed(mut self, output_bytes: u64) {
        let tokens = output_bytes.min(self.output_tokens);
        let charge = self.prices.reservation(self.input_tokens, tokens);
        self.book(Some(charge));
    }

    fn reserved(&self) -> Option<Nanos> {
        self.reservation.as_ref().map(Reservation::amount)
    }

    /// Settles with `charge`, or releases when None; reports alerts the settle crossed.
    fn book(&mut self, charge: Option<Nanos>) {
        let Some(reservation) = self.reservation.take() else {
            return;
        };
        let reserved = reservation.amount();
        let (action, charged) = match charge {
            None => {
                drop(reservation);
                (SpendAction::Released, Nanos::ZERO)
            }
            Some(charge) => {
                // A failed settle leaves the reservation to its lease; the call's answer stands.
                let (events, webhook) = (self.events.clone(), self.webhook.clone());
                reservation.settle_detached(charge, SystemTime::now(), move |alerts| {
                    alerts
                        .into_iter()
                        .for_each(|a| alert(&events, webhook.as_ref(), a))
                });
                (SpendAction::Settled, charge)
            }
        };
        spend_event(
            &self.events,
            action,
            &self.deployment,
            reserved,
            charged,
            None,
        );
    }
}

/// A crossed soft threshold: to the event callback, and to the webhook when one is set.
fn alert(events: &EventSink, webhook: Option<&Webhook>, a: Alert) {
    let alert = BudgetAlertEvent {
        scope: a.scope,
        period: a.period,
        threshold: f64::from(a.permille) / 1000.0,
        spent_usd: a.settled.usd(),
        cap_usd: a.cap.usd(),
    };
    if let Some(webhook) = webhook {
        webhook.send(&alert);
    }
    events.notice(|| Event::BudgetAlert(alert));
}

impl Drop for AttemptHold {
    fn drop(&mut self) {
        let reserved = self.reserved();
        self.book(reserved);
    }
}
