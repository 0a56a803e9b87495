//! The core's events for a listener implemented in Kotlin.

use std::collections::HashMap;
use std::sync::Arc;

use foundry_client::events::{self as core, EventCallback};

use crate::results::{int, long, Usage};

/// One HTTP attempt finished (answered, failed, or could not connect).
#[derive(Debug, Clone, uniffi::Record)]
pub struct AttemptEvent {
    pub deployment: String,
    /// The endpoint shape (`azure`, `v1`, `inference`, `openai`).
    pub shape: String,
    pub api: String,
    /// 1-based, across retries and fallbacks of one call.
    pub attempt: i32,
    pub status: Option<i32>,
    /// The error kind, when the attempt failed.
    pub error: Option<String>,
    pub latency_ms: i64,
    pub fallback: bool,
    pub request_id: Option<String>,
    /// How long the client waits before the next attempt, when it retries.
    pub retry_in_ms: Option<i64>,
    /// How long the attempt waited in the local rate-limit queues before it was sent.
    pub queued_ms: i64,
}

/// A call finished, successfully or not.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CallEvent {
    /// `chat`, `responses` or `embeddings`.
    pub operation: String,
    /// The deployment that answered (or the last one tried).
    pub deployment: String,
    pub model: Option<String>,
    pub attempts: i32,
    pub fallback: bool,
    pub usage: Usage,
    pub cost_usd: f64,
    pub finish_reason: Option<String>,
    pub content_filtered: bool,
    pub request_id: Option<String>,
    pub latency_ms: i64,
    /// The error kind, when the call failed.
    pub error: Option<String>,
    /// The scope the call counted for (a scoped handle's path), when it had one.
    pub scope: Option<String>,
    /// The tags of that scope and the scopes enclosing it (`governance.scopes`, `scope { tags }`).
    pub tags: HashMap<String, String>,
}

/// A deployment's circuit breaker changed state.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CircuitEvent {
    pub deployment: String,
    /// `open` (calls skip it during the cooldown), `half_open` (one probe call let through)
    /// or `closed` (healthy again).
    pub state: String,
    /// The failed attempts in a row that opened it (0 when closed).
    pub consecutive_failures: i32,
    /// How long it stays open, when it opened.
    pub cooldown_ms: Option<i64>,
}

/// A retry was not made: the client's retry budget could not pay for it, so the call failed
/// with its last error.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RetryRefusedEvent {
    pub deployment: String,
    /// The attempt (1-based, across the call) whose retry was refused.
    pub attempt: i32,
    /// The error kind the call failed with.
    pub error: String,
    /// What the retry would have cost, and what the budget held.
    pub cost: i32,
    pub available: i32,
    pub capacity: i32,
}

/// What happened to an attempt's budget reservation (governance).
#[derive(Debug, Clone, uniffi::Record)]
pub struct SpendEvent {
    /// `reserved`, `settled`, `released` or `refused`.
    pub action: String,
    pub deployment: String,
    /// The attempt's reservation (its upper bound of cost).
    pub reserved_usd: f64,
    /// What was booked: the bill when settled, 0 otherwise.
    pub charged_usd: f64,
    /// The budget scope that refused the call, when refused.
    pub scope: Option<String>,
}

/// A budget's soft threshold was crossed (once per scope, period and threshold).
#[derive(Debug, Clone, uniffi::Record)]
pub struct BudgetAlertEvent {
    pub scope: String,
    /// The window's period, as its ledger key ("month:2026-12@Europe/Berlin").
    pub period: String,
    /// The threshold crossed, as a fraction of the cap (0.8).
    pub threshold: f64,
    pub spent_usd: f64,
    pub cap_usd: f64,
}

/// The governance policies admitted or refused an attempt, before it was sent.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PolicyEvent {
    pub deployment: String,
    pub allowed: bool,
    /// The rule that refused: `approved`, `require_header` or `max_prompt_tokens`.
    pub rule: Option<String>,
    /// The scope whose policy refused (None: a policy for every call).
    pub scope: Option<String>,
}

/// The fleet's shared store (Redis) stopped answering (`unreachable`) or answers again
/// (`reachable`); `mode` is what calls under a budget do meanwhile: `fail_closed` or `local`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoreEvent {
    pub state: String,
    /// The server, without its password.
    pub store: String,
    pub mode: String,
    pub fleet_size: Option<u32>,
    pub error: Option<String>,
}

/// What the client reports: one event per attempt, one per finished call, changes of the
/// client's circuit breakers and retry budget, and governance (spend, budget alerts, policies).
/// The mapping from the core's events below is an exhaustive `match`: a new core event fails
/// to compile until it is mirrored here.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum FoundryEvent {
    Attempt { event: AttemptEvent },
    Completed { event: CallEvent },
    Circuit { event: CircuitEvent },
    RetryRefused { event: RetryRefusedEvent },
    Spend { event: SpendEvent },
    BudgetAlert { event: BudgetAlertEvent },
    Policy { event: PolicyEvent },
    Store { event: StoreEvent },
}

/// Receives events. Called on the client's IO threads: keep it quick and thread-safe.
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    fn on_event(&self, event: FoundryEvent);
}

impl From<&core::Event> for FoundryEvent {
    fn from(e: &core::Event) -> Self {
        match e {
            core::Event::Attempt(a) => FoundryEvent::Attempt {
                event: AttemptEvent {
                    deployment: a.deployment.clone(),
                    shape: a.shape.to_string(),
                    api: a.api.as_str().to_string(),
                    attempt: int(a.attempt),
                    status: a.status.map(i32::from),
                    error: a.error.map(str::to_string),
                    latency_ms: long(a.latency_ms),
                    fallback: a.fallback,
                    request_id: a.request_id.clone(),
                    retry_in_ms: a.retry_in_ms.map(long),
                    queued_ms: long(a.queued_ms),
                },
            },
            core::Event::Result(r) => FoundryEvent::Completed {
                event: CallEvent {
                    operation: r.operation.as_str().to_string(),
                    deployment: r.deployment.clone(),
                    model: r.model.clone(),
                    attempts: int(r.attempts),
                    fallback: r.fallback,
                    usage: Usage::from(&r.usage),
                    cost_usd: r.cost_usd,
                    finish_reason: r.finish_reason.clone(),
                    content_filtered: r.content_filtered,
                    request_id: r.request_id.clone(),
                    latency_ms: long(r.latency_ms),
                    error: r.error.map(str::to_string),
                    scope: r.scope.clone(),
                    tags: r.tags.clone().into_iter().collect(),
                },
            },
            core::Event::Circuit(c) => FoundryEvent::Circuit {
                event: CircuitEvent {
                    deployment: c.deployment.clone(),
                    state: c.state.as_str().to_string(),
                    consecutive_failures: int(c.consecutive_failures),
                    cooldown_ms: c.cooldown_ms.map(long),
                },
            },
            core::Event::RetryRefused(r) => FoundryEvent::RetryRefused {
                event: RetryRefusedEvent {
                    deployment: r.deployment.clone(),
                    attempt: int(r.attempt),
                    error: r.error.to_string(),
                    cost: int(r.cost),
                    available: int(r.available),
                    capacity: int(r.capacity),
                },
            },
            core::Event::Spend(s) => FoundryEvent::Spend {
                event: SpendEvent {
                    action: serde_json::to_value(s.action)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    deployment: s.deployment.clone(),
                    reserved_usd: s.reserved_usd,
                    charged_usd: s.charged_usd,
                    scope: s.scope.clone(),
                },
            },
            core::Event::BudgetAlert(a) => FoundryEvent::BudgetAlert {
                event: BudgetAlertEvent {
                    scope: a.scope.clone(),
                    period: a.period.clone(),
                    threshold: a.threshold,
                    spent_usd: a.spent_usd,
                    cap_usd: a.cap_usd,
                },
            },
            core::Event::Store(e) => FoundryEvent::Store {
                event: StoreEvent {
                    state: e.state.to_string(),
                    store: e.store.clone(),
                    mode: e.mode.to_string(),
                    fleet_size: e.fleet_size,
                    error: e.error.clone(),
                },
            },
            core::Event::Policy(p) => FoundryEvent::Policy {
                event: PolicyEvent {
                    deployment: p.deployment.clone(),
                    allowed: p.allowed,
                    rule: p.rule.map(str::to_string),
                    scope: p.scope.clone(),
                },
            },
        }
    }
}

/// The core's callback delivering to a Kotlin listener.
pub(crate) fn callback(listener: Arc<dyn EventListener>) -> EventCallback {
    Arc::new(move |event: &core::Event| listener.on_event(FoundryEvent::from(event)))
}
