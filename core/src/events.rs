//! What the client tells observers: one event per HTTP attempt and one per finished call,
//! plus the rare changes of the client's own state (a deployment's circuit breaker, a retry
//! the retry budget refused), delivered to callbacks (every binding exposes one) and as
//! `tracing` records with OpenTelemetry GenAI attribute names.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::telemetry::CallTrace;
use crate::types::{Api, ChatResult, Usage};
use crate::{Error, ErrorKind};

/// One observation. Serialized with a `type` tag (`attempt`, `result`, `circuit`,
/// `retry_refused`, `spend`, `budget_alert` or `policy`) for the bindings.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An HTTP attempt finished (answered, failed, or could not connect).
    Attempt(AttemptEvent),
    /// A call finished, successfully or not.
    Result(ResultEvent),
    /// A deployment's circuit breaker opened, half-opened (one probe let through) or closed.
    Circuit(CircuitEvent),
    /// A retry was not made: the client's retry budget could not pay for it.
    RetryRefused(RetryRefusedEvent),
    /// An attempt's budget reservation was made, settled, released or refused.
    Spend(SpendEvent),
    /// A budget's soft threshold was crossed (once per scope, period and threshold).
    BudgetAlert(BudgetAlertEvent),
    /// The governance policies admitted or refused an attempt, before it was sent.
    Policy(PolicyEvent),
    /// The fleet's shared store (Redis) stopped answering, or answers again: once each per
    /// outage, in every process that noticed.
    Store(StoreEvent),
}

/// The shared store's outage began (`unreachable`) or ended (`reachable`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct StoreEvent {
    /// `unreachable` or `reachable`.
    pub state: &'static str,
    /// The server, without its password.
    pub store: String,
    /// What calls under a budget do meanwhile: `fail_closed` (refused) or `local` (counted in
    /// this process against limit / fleet_size).
    pub mode: &'static str,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub fleet_size: Option<u32>,
    /// Why the store was found unreachable.
    pub error: Option<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PolicyEvent {
    pub deployment: String,
    pub allowed: bool,
    /// The rule that refused: `approved`, `require_header` or `max_prompt_tokens`.
    pub rule: Option<&'static str>,
    /// The scope whose policy refused (None: a policy for every call).
    pub scope: Option<String>,
}

/// What happened to an attempt's budget reservation.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendAction {
    /// Held before the attempt was sent.
    Reserved,
    /// Replaced by the attempt's bill.
    Settled,
    /// Dropped: the attempt was not billed.
    Released,
    /// Refused: a hard cap would have been passed, so nothing was sent.
    Refused,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SpendEvent {
    pub action: SpendAction,
    pub deployment: String,
    /// The attempt's reservation (its upper bound of cost).
    pub reserved_usd: f64,
    /// What was booked: the bill when settled, 0 otherwise.
    pub charged_usd: f64,
    /// The budget scope that refused the call, when refused.
    pub scope: Option<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct BudgetAlertEvent {
    pub scope: String,
    /// The window's period, as its ledger key ("month:2026-12@Europe/Berlin").
    pub period: String,
    /// The threshold crossed, as a fraction of the cap (0.8).
    pub threshold: f64,
    pub spent_usd: f64,
    pub cap_usd: f64,
}

/// Where a deployment's circuit breaker stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CircuitState {
    /// Failed too often in a row: calls skip it until the cooldown ends.
    Open,
    /// The cooldown ended: one probe call is let through to test it.
    HalfOpen,
    /// Healthy again (the probe succeeded): calls reach it normally.
    Closed,
}

impl CircuitState {
    pub fn as_str(self) -> &'static str {
        match self {
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half_open",
            CircuitState::Closed => "closed",
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct CircuitEvent {
    pub deployment: String,
    pub state: CircuitState,
    /// The failed attempts in a row that opened it (0 when closed).
    pub consecutive_failures: u32,
    /// How long it stays open, when it opened.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub cooldown_ms: Option<u64>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct RetryRefusedEvent {
    pub deployment: String,
    /// The attempt (1-based, across the call) whose retry was refused.
    pub attempt: u32,
    /// The error kind of that attempt, which the call now fails with.
    pub error: &'static str,
    /// What the retry would have cost, and what the budget held.
    pub cost: u32,
    pub available: u32,
    pub capacity: u32,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct AttemptEvent {
    pub deployment: String,
    pub shape: &'static str,
    pub api: Api,
    /// 1-based, across retries and fallbacks of one call.
    pub attempt: u32,
    pub status: Option<u16>,
    /// The error kind, when the attempt failed.
    pub error: Option<&'static str>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub latency_ms: u64,
    /// True when the deployment is a fallback of the route.
    pub fallback: bool,
    pub request_id: Option<String>,
    /// How long the client waits before the next attempt, when it retries.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub retry_in_ms: Option<u64>,
    /// How long the attempt waited in the local rate-limit queues before it was sent.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub queued_ms: u64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct ResultEvent {
    pub operation: Api,
    /// The deployment that answered (or the last one tried).
    pub deployment: String,
    pub model: Option<String>,
    pub attempts: u32,
    pub fallback: bool,
    pub usage: Usage,
    pub cost_usd: f64,
    pub finish_reason: Option<String>,
    /// Whether Azure's content filter fired on the prompt or the completion.
    pub content_filtered: bool,
    pub request_id: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub latency_ms: u64,
    pub error: Option<&'static str>,
    /// The scope the call counted for (a scoped handle's path), when it had one.
    pub scope: Option<String>,
    /// The tags of that scope and the scopes enclosing it (`governance.scopes`, `scope(tags=)`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<BTreeMap<String, String>>", optional))]
    pub tags: BTreeMap<String, String>,
}

impl ResultEvent {
    /// The event for a call that produced `r` (`error` set when the answer was still refused,
    /// e.g. reasoning that ate the whole budget: billed, so usage and cost are reported).
    pub(crate) fn from_result(
        op: Api,
        r: &ChatResult,
        latency_ms: u64,
        error: Option<&'static str>,
    ) -> Self {
        ResultEvent {
            operation: op,
            deployment: r.deployment.clone(),
            model: Some(r.model.clone()),
            attempts: r.attempts,
            fallback: r.tried.iter().any(|a| a.fallback),
            usage: r.usage,
            cost_usd: r.cost_usd,
            finish_reason: r.finish_reason.clone(),
            content_filtered: r.content_filter.filtered,
            request_id: r.request_id.clone(),
            latency_ms,
            error,
            scope: None,
            tags: BTreeMap::new(),
        }
    }

    /// The event for a call that failed without an answer.
    pub(crate) fn from_error(op: Api, model: &str, e: &Error, latency_ms: u64) -> Self {
        ResultEvent {
            operation: op,
            deployment: e.deployment.clone().unwrap_or_else(|| model.to_string()),
            model: None,
            attempts: e.attempts.len() as u32,
            fallback: e.attempts.iter().any(|a| a.fallback),
            usage: Usage::default(),
            cost_usd: 0.0,
            finish_reason: None,
            content_filtered: e.kind() == ErrorKind::ContentFilter,
            request_id: e.request_id.clone(),
            latency_ms,
            error: Some(e.kind().as_str()),
            scope: None,
            tags: BTreeMap::new(),
        }
    }
}

/// The span of one call, named and attributed per the OpenTelemetry GenAI conventions; the
/// response attributes are recorded when the result event is emitted inside it.
pub(crate) fn call_span(op: Api, model: &str) -> tracing::Span {
    tracing::info_span!(
        "gen_ai.client.operation",
        otel.name = %format!("{} {model}", op.as_str()),
        gen_ai.operation.name = op.as_str(),
        gen_ai.system = "az.ai.openai",
        gen_ai.request.model = model,
        gen_ai.response.model = tracing::field::Empty,
        gen_ai.response.finish_reasons = tracing::field::Empty,
        gen_ai.usage.input_tokens = tracing::field::Empty,
        gen_ai.usage.output_tokens = tracing::field::Empty,
        foundry.deployment = tracing::field::Empty,
        foundry.cost_usd = tracing::field::Empty,
        foundry.attempts = tracing::field::Empty,
        error.type = tracing::field::Empty,
    )
}

/// A callback receiving events. It runs on the client's task: keep it quick.
pub type EventCallback = Arc<dyn Fn(&Event) + Send + Sync>;

/// Delivers events to the callback and to `tracing`.
#[derive(Clone, Default)]
pub(crate) struct EventSink {
    callback: Option<EventCallback>,
    /// Stamped on result events: the client's scope path and its tags.
    scope: Option<Arc<(String, BTreeMap<String, String>)>>,
}

impl EventSink {
    pub fn new(callback: Option<EventCallback>) -> Self {
        EventSink {
            callback,
            scope: None,
        }
    }

    /// The tags stamped on result events (empty outside a scope).
    pub fn tags(&self) -> &BTreeMap<String, String> {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        self.scope.as_ref().map_or(&NONE, |s| &s.1)
    }

    /// The sink of a client whose calls count for `scope`, tagged with `tags`.
    pub fn for_scope(&self, scope: String, tags: BTreeMap<String, String>) -> Self {
        EventSink {
            callback: self.callback.clone(),
            scope: Some(Arc::new((scope, tags))),
        }
    }

    /// Builds and delivers an attempt event, only when someone listens: the event's
    /// strings are copies, and most clients have no callback and no debug-level subscriber.
    /// A `log` logger listens too: tracing's `log` feature (the Python binding) forwards
    /// events to it when no subscriber is set, which `tracing::enabled!` does not see.
    pub fn attempt(&self, make: impl FnOnce() -> AttemptEvent) {
        if self.callback.is_some()
            || tracing::enabled!(tracing::Level::DEBUG)
            || log::max_level() >= log::LevelFilter::Debug
        {
            self.emit(Event::Attempt(make()));
        }
    }

    /// Builds and delivers a budget event, gated like the attempt events it accompanies.
    pub fn spend(&self, make: impl FnOnce() -> SpendEvent) {
        self.decision(|| Event::Spend(make()));
    }

    /// Delivers a per-attempt governance decision, gated like the attempt events.
    pub fn decision(&self, make: impl FnOnce() -> Event) {
        if self.callback.is_some()
            || tracing::enabled!(tracing::Level::DEBUG)
            || log::max_level() >= log::LevelFilter::Debug
        {
            self.emit(make());
        }
    }

    /// Builds and delivers a result event when someone listens (the callback, an info-level
    /// subscriber, the call's span or its OpenTelemetry export, which `trace` ends with it).
    pub fn result(&self, trace: CallTrace, make: impl FnOnce() -> ResultEvent) {
        if self.callback.is_some()
            || tracing::enabled!(tracing::Level::INFO)
            || log::max_level() >= log::LevelFilter::Info
            || !tracing::Span::current().is_disabled()
            || trace.is_on()
        {
            let mut event = make();
            if let Some(scope) = &self.scope {
                event.scope = Some(scope.0.clone());
                event.tags = scope.1.clone();
            }
            trace.finish(&event);
            self.emit(Event::Result(event));
        }
    }

    /// Delivers a change of the client's own state. Rare, and worth a warning in logs: built
    /// only when someone listens, like the others.
    pub fn notice(&self, make: impl FnOnce() -> Event) {
        if self.callback.is_some()
            || tracing::enabled!(tracing::Level::INFO)
            || log::max_level() >= log::LevelFilter::Info
        {
            self.emit(make());
        }
    }

    fn emit(&self, event: Event) {
        match &event {
            Event::Attempt(a) => tracing::debug!(
                gen_ai.request.model = %a.deployment,
                gen_ai.operation.name = a.api.as_str(),
                http.response.status_code = a.status,
                error.type = a.error,
                attempt = a.attempt,
                latency_ms = a.latency_ms,
                fallback = a.fallback,
                "attempt"
            ),
            Event::Result(r) => {
                let span = tracing::Span::current();
                span.record("gen_ai.response.model", r.model.as_deref());
                span.record("gen_ai.response.finish_reasons", r.finish_reason.as_deref());
                span.record("gen_ai.usage.input_tokens", r.usage.input_tokens);
                span.record("gen_ai.usage.output_tokens", r.usage.output_tokens);
                span.record("foundry.deployment", r.deployment.as_str());
                span.record("foundry.cost_usd", r.cost_usd);
                span.record("foundry.attempts", r.attempts);
                span.record("error.type", r.error);
                tracing::info!(
                gen_ai.system = "az.ai.openai",
                gen_ai.operation.name = r.operation.as_str(),
                gen_ai.request.model = %r.deployment,
                gen_ai.response.model = r.model.as_deref(),
                gen_ai.response.finish_reasons = r.finish_reason.as_deref(),
                gen_ai.usage.input_tokens = r.usage.input_tokens,
                gen_ai.usage.output_tokens = r.usage.output_tokens,
                cost_usd = r.cost_usd,
                attempts = r.attempts,
                error.type = r.error,
                "result"
                )
            }
            Event::Circuit(c) if c.state == CircuitState::Open => tracing::warn!(
                gen_ai.request.model = %c.deployment,
                consecutive_failures = c.consecutive_failures,
                cooldown_ms = c.cooldown_ms,
                "circuit breaker opened: the deployment is skipped until the cooldown ends"
            ),
            Event::Circuit(c) => tracing::info!(
                gen_ai.request.model = %c.deployment,
                state = c.state.as_str(),
                "circuit breaker"
            ),
            Event::RetryRefused(r) => tracing::warn!(
                gen_ai.request.model = %r.deployment,
                error.type = r.error,
                attempt = r.attempt,
                cost = r.cost,
                available = r.available,
                "retry refused: the client's retry budget is spent"
            ),
            Event::Spend(s) => tracing::debug!(
                gen_ai.request.model = %s.deployment,
                action = ?s.action,
                reserved_usd = s.reserved_usd,
                charged_usd = s.charged_usd,
                scope = s.scope.as_deref(),
                "budget"
            ),
            Event::Policy(p) => tracing::debug!(
                gen_ai.request.model = %p.deployment,
                allowed = p.allowed,
                rule = p.rule,
                scope = p.scope.as_deref(),
                "policy"
            ),
            Event::Store(e) => tracing::warn!(
                store = %e.store,
                state = e.state,
                mode = e.mode,
                fleet_size = e.fleet_size,
                error = e.error.as_deref(),
                "the fleet's spend store changed state"
            ),
            Event::BudgetAlert(a) => tracing::warn!(
                scope = %a.scope,
                period = %a.period,
                threshold = a.threshold,
                spent_usd = a.spent_usd,
                cap_usd = a.cap_usd,
                "budget alert: a soft threshold was crossed"
            ),
        }
        if let Some(callback) = &self.callback {
            // A panicking observer must not take the call (or an FFI caller) down with it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(&event)));
        }
    }
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSink")
            .field("callback", &self.callback.is_some())
            .finish()
    }
}
