//! All mutable state. Everything a test can observe (request counters, rate windows, scripts,
//! the request log) is kept per scenario id, so that many tests share one emulator without
//! seeing each other; requests without `x-emulator-scenario` use the scenario "default".

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::config::{DeploymentConfig, EmulatorConfig};
use crate::entra::TokenStore;
use crate::faults::Fault;
use crate::otlp::OtlpStore;
use crate::vault::KeyVault;

pub const WINDOW: Duration = Duration::from_secs(60);

/// A poisoned lock only means another request panicked (and got a 500); the data is still
/// usable, and the emulator must never panic on a request.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct Shared {
    pub config: EmulatorConfig,
    pub tokens: TokenStore,
    pub vault: KeyVault,
    /// What the OTLP receiver was sent.
    pub otlp: OtlpStore,
    scenarios: Mutex<HashMap<String, Scenario>>,
}

/// Per-deployment limits a scenario sets; missing values fall back to the deployment's.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub rpm: Option<u64>,
    pub tpm: Option<u64>,
    /// Also enforce the quota over windows of this many seconds (Azure uses 10: at most a
    /// sixth of the minute's tokens and requests in any 10 s), so a burst that fits the minute
    /// is still refused, as the service does.
    pub sub_window_secs: Option<u64>,
}

#[derive(Default)]
pub struct ScenarioSpec {
    pub steps: HashMap<String, VecDeque<Fault>>,
    pub limits: HashMap<String, Limits>,
    /// Steps for the token endpoints (Entra and managed identity), one per token request.
    pub token_steps: VecDeque<Fault>,
    /// Applied to every token request once `token_steps` are used up: a lasting outage.
    pub token_fault: Option<Fault>,
}

#[derive(Default)]
struct Scenario {
    spec: ScenarioSpec,
    requests: u64,
    windows: HashMap<String, Window>,
    /// The shorter windows of deployments whose limits set `sub_window_secs`.
    sub_windows: HashMap<String, Window>,
    log: Vec<Arc<Mutex<LogEntry>>>,
}

struct Window {
    start: Instant,
    requests: u64,
    tokens: u64,
}

/// What the `x-ratelimit-*` headers report.
#[derive(Clone, Copy, Debug)]
pub struct Quota {
    pub limit_requests: u64,
    pub limit_tokens: u64,
    pub remaining_requests: u64,
    pub remaining_tokens: u64,
}

pub enum Admission {
    Allowed(Quota),
    Limited {
        quota: Quota,
        retry_after_ms: u64,
        /// The token budget ran out (else the request count did).
        tokens: bool,
    },
}

#[derive(Clone, Debug, Default)]
pub struct LogEntry {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub deployment: Option<String>,
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
    pub aborted: bool,
}

impl LogEntry {
    fn to_json(&self) -> Value {
        let map = |pairs: &[(String, String)]| {
            Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect::<Map<_, _>>(),
            )
        };
        json!({
            "method": self.method,
            "path": self.path,
            "query": map(&self.query),
            "deployment": self.deployment,
            "status": self.status,
            "body": self.body,
            "headers": map(&self.headers),
            "aborted": self.aborted,
        })
    }
}

/// Marks its log entry `aborted` if dropped before [`Completion::finish`]: the request's future
/// or its response body was dropped because the client went away.
pub struct Completion {
    entry: Arc<Mutex<LogEntry>>,
    done: bool,
}

impl Completion {
    pub fn new(entry: Arc<Mutex<LogEntry>>) -> Self {
        Completion { entry, done: false }
    }

    pub fn update(&self, f: impl FnOnce(&mut LogEntry)) {
        f(&mut lock(&self.entry));
    }

    pub fn finish(&mut self) {
        self.done = true;
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        if !self.done {
            lock(&self.entry).aborted = true;
        }
    }
}

impl Shared {
    pub fn new(config: EmulatorConfig) -> Self {
        Shared {
            tokens: TokenStore::new(config.token_ttl_secs),
            vault: KeyVault::seeded(&config.vault_secrets, config.api_key_secret.as_deref()),
            config,
            otlp: OtlpStore::default(),
            scenarios: Mutex::new(HashMap::new()),
        }
    }

    /// Registering starts the scenario afresh: counters, windows and log included.
    pub fn register(&self, id: &str, spec: ScenarioSpec) {
        lock(&self.scenarios).insert(
            id.to_string(),
            Scenario {
                spec,
                ..Default::default()
            },
        );
    }

    pub fn is_registered(&self, id: &str) -> bool {
        lock(&self.scenarios).contains_key(id)
    }

    /// The fault for the scenario's next token request: its next step, else its lasting fault.
    pub fn next_token_fault(&self, scenario: &str) -> Option<Fault> {
        let mut all = lock(&self.scenarios);
        let spec = &mut all.get_mut(scenario)?.spec;
        spec.token_steps
            .pop_front()
            .or_else(|| spec.token_fault.clone())
    }

    pub fn forget(&self, id: &str) -> bool {
        lock(&self.scenarios).remove(id).is_some()
    }

    /// Counts the request and logs it; returns its number in the scenario (from 1).
    pub fn begin(&self, scenario: &str, entry: LogEntry) -> (u64, Arc<Mutex<LogEntry>>) {
        let mut all = lock(&self.scenarios);
        let sc = all.entry(scenario.to_string()).or_default();
        sc.requests += 1;
        let entry = Arc::new(Mutex::new(entry));
        sc.log.push(entry.clone());
        (sc.requests, entry)
    }

    /// Consumes the scenario's next step for this deployment, if its script has one left.
    pub fn next_step(&self, scenario: &str, deployment: &str) -> Option<Fault> {
        lock(&self.scenarios)
            .get_mut(scenario)?
            .spec
            .steps
            .get_mut(deployment)?
            .pop_front()
    }

    pub fn log(&self, scenario: &str) -> Value {
        let all = lock(&self.scenarios);
        let entries = all
            .get(scenario)
            .map(|sc| sc.log.iter().map(|e| lock(e).to_json()).collect())
            .unwrap_or_default();
        Value::Array(entries)
    }

    fn limits(&self, sc: &Scenario, d: &DeploymentConfig) -> (u64, u64, bool) {
        match sc.spec.limits.get(&d.name) {
            Some(l) => (l.rpm.unwrap_or(d.rpm), l.tpm.unwrap_or(d.tpm), true),
            None => (d.rpm, d.tpm, self.config.enforce_rate_limits),
        }
    }

    /// Fixed 60-second windows per scenario and deployment, opened by their first request.
    pub fn admit(&self, scenario: &str, d: &DeploymentConfig, tokens: u64) -> Admission {
        let mut all = lock(&self.scenarios);
        let sc = all.entry(scenario.to_string()).or_default();
        let (rpm, tpm, enforced) = self.limits(sc, d);
        let now = Instant::now();
        let w = sc.windows.entry(d.name.clone()).or_insert(Window {
            start: now,
            requests: 0,
            tokens: 0,
        });
        if now.duration_since(w.start) >= WINDOW {
            *w = Window {
                start: now,
                requests: 0,
                tokens: 0,
            };
        }
        let over_requests = w.requests + 1 > rpm;
        let over_tokens = w.tokens.saturating_add(tokens) > tpm;
        if enforced && (over_requests || over_tokens) {
            let left = WINDOW.saturating_sub(now.duration_since(w.start));
            return Admission::Limited {
                quota: quota(rpm, tpm, w),
                retry_after_ms: (left.as_millis() as u64).max(1),
                tokens: over_tokens && !over_requests,
            };
        }
        let minute = quota(rpm, tpm, w);
        let sub_secs = sc.spec.limits.get(&d.name).and_then(|l| l.sub_window_secs);
        if let Some(secs) = sub_secs.filter(|s| *s > 0 && *s < 60) {
            let length = Duration::from_secs(secs);
            let s = sc.sub_windows.entry(d.name.clone()).or_insert(Window {
                start: now,
                requests: 0,
                tokens: 0,
            });
            if now.duration_since(s.start) >= length {
                *s = Window {
                    start: now,
                    requests: 0,
                    tokens: 0,
                };
            }
            // The share of the minute's quota one window may take, rounded up.
            let share = |per_minute: u64| (per_minute.saturating_mul(secs)).div_ceil(60).max(1);
            let over_requests = s.requests + 1 > share(rpm);
            let over_tokens = s.tokens.saturating_add(tokens) > share(tpm);
            if over_requests || over_tokens {
                let left = length.saturating_sub(now.duration_since(s.start));
                return Admission::Limited {
                    quota: minute,
                    retry_after_ms: (left.as_millis() as u64).max(1),
                    tokens: over_tokens && !over_requests,
                };
            }
            s.requests += 1;
            s.tokens = s.tokens.saturating_add(tokens);
        }
        match sc.windows.get_mut(&d.name) {
            Some(w) => {
                w.requests += 1;
                w.tokens = w.tokens.saturating_add(tokens);
                Admission::Allowed(quota(rpm, tpm, w))
            }
            None => Admission::Allowed(minute),
        }
    }

    /// The quota as it stands, for answers that did not consume any.
    pub fn peek(&self, scenario: &str, d: &DeploymentConfig) -> Quota {
        let all = lock(&self.scenarios);
        let empty = Scenario::default();
        let sc = all.get(scenario).unwrap_or(&empty);
        let (rpm, tpm, _) = self.limits(sc, d);
        match sc.windows.get(&d.name) {
            Some(w) if w.start.elapsed() < WINDOW => quota(rpm, tpm, w),
            _ => Quota {
                limit_requests: rpm,
                limit_tokens: tpm,
                remaining_requests: rpm,
                remaining_tokens: tpm,
            },
        }
    }
}

fn quota(rpm: u64, tpm: u64, w: &Window) -> Quota {
    Quota {
        limit_requests: rpm,
        limit_tokens: tpm,
        remaining_requests: rpm.saturating_sub(w.requests),
        remaining_tokens: tpm.saturating_sub(w.tokens),
    }
}
