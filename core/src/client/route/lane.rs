//! One rate-limited lane: the quota over Azure's short windows, and the priority queue of the
//! calls waiting for it. A deployment with a `tpm` / `rpm` has one, and so has each scope given
//! an `rpm` / `tpm` ([`super::pacing`] holds them all).
//!
//! Shaped the way Azure counts: a request costs its estimated prompt tokens plus its output
//! bound (a scope's lane gives back what its usage did not take), tokens are counted over
//! 10-second windows (a sixth of the minute's quota at most in any 10 s) and requests over
//! 1-second ones, so calls are spread over the minute instead of bursting at its start. Each
//! is a sliding-window log ([`SlidingWindow`]): whatever windows the service counts over, it
//! never sees more than its share in one.
//!
//! Waiting calls are served in order of a virtual arrival time: the real one, moved earlier
//! by [`Priority::head_start`]. Within a class that is FIFO; across classes a high-priority
//! call goes first, yet a low-priority call that has waited longer than the head start is
//! served before later high-priority ones, so no class starves. A call whose predicted wait
//! passes its deadline fails at once with a `rate_limit` error whose `retry_after` is the
//! predicted wait.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;
// Tokio's clock, so the tests can run paused time through the waits.
use tokio::time::Instant;

use super::sliding::SlidingWindow;
use crate::{Error, ErrorKind, Result};

/// Azure's windows: tokens over 10 s, requests over 1 s.
const TOKEN_WINDOW: Duration = Duration::from_secs(10);
const REQUEST_WINDOW: Duration = Duration::from_secs(1);

/// A call's class in the queue, from the request's `priority` (`high`, `normal`, `low`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    High,
    #[default]
    Normal,
    Low,
}

impl Priority {
    /// Reads the request's `priority` field (absent: normal).
    pub fn parse(value: Option<&serde_json::Value>) -> Result<Priority> {
        match value.map(|v| v.as_str()) {
            None => Ok(Priority::Normal),
            Some(Some("high")) => Ok(Priority::High),
            Some(Some("normal")) => Ok(Priority::Normal),
            Some(Some("low")) => Ok(Priority::Low),
            Some(_) => Err(Error::invalid_request(
                "priority must be \"high\", \"normal\" or \"low\"",
            )),
        }
    }

    /// How much earlier than its arrival a call of this class is placed in the queue.
    fn head_start(self) -> Duration {
        match self {
            Priority::High => Duration::from_secs(20),
            Priority::Normal => Duration::from_secs(10),
            Priority::Low => Duration::ZERO,
        }
    }
}

/// What a lane limits: a deployment's quota or a scope's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LaneOf {
    Deployment(String),
    Scope(String),
}

/// A lane's state, for `Foundry::limits()` and `foundry limits`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitLine {
    /// `deployment:NAME` or the scope path.
    pub limits: String,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub tpm: Option<u64>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub rpm: Option<u64>,
    /// Tokens that could be granted now (at most a 10 s window's share of `tpm`).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub tokens_available: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub requests_available: u64,
    /// Calls waiting in the queue.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub queued: usize,
    /// What the service last reported in `x-ratelimit-remaining-tokens` / `-requests`.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub service_remaining_tokens: Option<u64>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub service_remaining_requests: Option<u64>,
}

#[derive(Debug)]
pub(crate) struct Lane {
    of: LaneOf,
    tpm: Option<u64>,
    rpm: Option<u64>,
    state: Mutex<LaneState>,
    /// Woken whenever the head of the queue or the windows change.
    changed: Notify,
    /// Virtual arrival times are counted from here.
    epoch: Instant,
}

#[derive(Debug)]
struct LaneState {
    /// None: no token limit.
    tokens: Option<SlidingWindow>,
    requests: Option<SlidingWindow>,
    /// Waiting calls by (virtual arrival in ms since the epoch, sequence): their token need.
    queue: BTreeMap<(i128, u64), f64>,
    /// Numbers the queue's places.
    next_seq: u64,
    service_remaining: (Option<u64>, Option<u64>),
}

impl LaneState {
    fn windows(&mut self) -> impl Iterator<Item = &mut SlidingWindow> {
        self.tokens.iter_mut().chain(self.requests.iter_mut())
    }

    fn expire(&mut self, now: Instant) {
        self.windows().for_each(|w| w.expire(now));
    }

    fn fits(&self, need: f64) -> bool {
        self.tokens.as_ref().is_none_or(|w| w.room() >= need)
            && self.requests.as_ref().is_none_or(|w| w.room() >= 1.0)
    }

    /// A call needing more than a window's tokens is admitted once the window is empty.
    fn need(&self, tokens: f64) -> f64 {
        self.tokens
            .as_ref()
            .map_or(tokens, |w| tokens.min(w.limit()))
    }

    /// How long until `need` tokens and one request fit, after `ahead` tokens and
    /// `ahead_requests` requests of the calls before it.
    fn wait_for(&self, now: Instant, need: f64, ahead: f64, ahead_requests: f64) -> Duration {
        let tokens = self
            .tokens
            .as_ref()
            .map_or(Duration::ZERO, |w| w.wait_for(now, need, ahead));
        let requests = self
            .requests
            .as_ref()
            .map_or(Duration::ZERO, |w| w.wait_for(now, 1.0, ahead_requests));
        tokens.max(requests)
    }
}

/// Tokens and one request granted to one attempt by one lane.
#[derive(Debug)]
pub(crate) struct Admission {
    lane: Arc<Lane>,
    /// When the grant entered the windows (a refund finds it there).
    at: Instant,
    tokens: f64,
    /// How long the call waited in the queue.
    pub waited: Duration,
}

impl Admission {
    /// The attempt used `actual` tokens (its usage). A scope's lane counts what its calls
    /// used, so the rest of the grant returns to it; a deployment's keeps the whole grant,
    /// because Azure's count keeps the prompt and `max_tokens` it admitted the request on.
    pub fn settle(self, actual: u64) {
        if matches!(self.lane.of, LaneOf::Scope(_)) {
            self.lane
                .give_back(self.at, self.tokens - actual as f64, 0.0);
        }
    }

    /// Nothing was sent: the whole grant returns to the lane.
    pub fn release(self) {
        self.lane.give_back(self.at, self.tokens, 1.0);
    }
}

impl Lane {
    /// A lane for `tpm` tokens and `rpm` requests a minute (either may be unlimited); None
    /// when neither is set.
    pub fn new(of: LaneOf, tpm: Option<u64>, rpm: Option<u64>) -> Option<Lane> {
        let tpm = tpm.filter(|t| *t > 0);
        let rpm = rpm.filter(|r| *r > 0);
        if tpm.is_none() && rpm.is_none() {
            return None;
        }
        Some(Lane {
            of,
            tpm,
            rpm,
            state: Mutex::new(LaneState {
                tokens: tpm.map(|t| SlidingWindow::new(t as f64, TOKEN_WINDOW)),
                requests: rpm.map(|r| SlidingWindow::new(r as f64, REQUEST_WINDOW)),
                queue: BTreeMap::new(),
                next_seq: 0,
                service_remaining: (None, None),
            }),
            changed: Notify::new(),
            epoch: Instant::now(),
        })
    }

    /// Whether this lane enforces the same limits.
    pub fn limits_are(&self, tpm: Option<u64>, rpm: Option<u64>) -> bool {
        self.tpm == tpm.filter(|t| *t > 0) && self.rpm == rpm.filter(|r| *r > 0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LaneState> {
        // A panic while holding the lock left plain numbers behind: still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn give_back(&self, at: Instant, tokens: f64, requests: f64) {
        if tokens <= 0.0 && requests <= 0.0 {
            return;
        }
        let mut state = self.lock();
        if let Some(w) = &mut state.tokens {
            w.refund(at, tokens);
        }
        if let Some(w) = &mut state.requests {
            w.refund(at, requests);
        }
        drop(state);
        self.changed.notify_waiters();
    }

    /// The service answered 429: its quota is spent now, whatever the local count says.
    pub fn empty(&self) {
        let now = Instant::now();
        let mut state = self.lock();
        state.expire(now);
        state.windows().for_each(|w| w.fill(now));
    }

    /// The service reported what is left of its quota (`x-ratelimit-remaining-*`): another
    /// client sharing the deployment may have used more than this one knows, so the lane never
    /// admits more in its window than the service says remains. Never loosens it.
    pub fn observe(&self, remaining_tokens: Option<u64>, remaining_requests: Option<u64>) {
        let now = Instant::now();
        let mut state = self.lock();
        state.expire(now);
        if let (Some(w), Some(t)) = (&mut state.tokens, remaining_tokens) {
            w.tighten(now, t as f64);
        }
        if let (Some(w), Some(r)) = (&mut state.requests, remaining_requests) {
            w.tighten(now, r as f64);
        }
        state.service_remaining = (remaining_tokens, remaining_requests);
    }

    pub fn line(&self) -> LimitLine {
        let mut state = self.lock();
        state.expire(Instant::now());
        let room = |w: &Option<SlidingWindow>| w.as_ref().map_or(u64::MAX, |w| w.room() as u64);
        LimitLine {
            limits: match &self.of {
                LaneOf::Deployment(name) => format!("deployment:{name}"),
                LaneOf::Scope(path) => path.clone(),
            },
            tpm: self.tpm,
            rpm: self.rpm,
            tokens_available: room(&state.tokens),
            requests_available: room(&state.requests),
            queued: state.queue.len(),
            service_remaining_tokens: state.service_remaining.0,
            service_remaining_requests: state.service_remaining.1,
        }
    }

    /// Waits for `tokens` and one request, in `priority`'s place in line, until `deadline`.
    pub async fn admit(
        self: &Arc<Self>,
        tokens: u64,
        priority: Priority,
        deadline: Instant,
    ) -> Result<Admission> {
        let tokens = tokens as f64;
        let arrived = Instant::now();
        let granted = |state: &mut LaneState, now: Instant| {
            if let Some(w) = &mut state.tokens {
                w.admit(now, tokens);
            }
            if let Some(w) = &mut state.requests {
                w.admit(now, 1.0);
            }
            Admission {
                lane: Arc::clone(self),
                at: now,
                tokens,
                waited: arrived.elapsed(),
            }
        };
        let (key, need) = {
            let mut state = self.lock();
            state.expire(arrived);
            let need = state.need(tokens);
            if state.queue.is_empty() && state.fits(need) {
                return Ok(granted(&mut state, arrived));
            }
            let arrival = arrived.saturating_duration_since(self.epoch).as_millis() as i128
                - priority.head_start().as_millis() as i128;
            let seq = state.next_seq;
            state.next_seq += 1;
            let key = (arrival, seq);
            let ahead: f64 = state.queue.range(..key).map(|(_, n)| *n).sum();
            let ahead_requests = state.queue.range(..key).count() as f64;
            let predicted = state.wait_for(arrived, need, ahead, ahead_requests);
            if arrived
                .checked_add(predicted)
                .is_none_or(|ready| ready > deadline)
            {
                return Err(self.local_limit(predicted));
            }
            state.queue.insert(key, need);
            (key, need)
        };
        // Leaves the queue however this future ends (admitted, timed out or dropped).
        let slot = Slot { lane: self, key };
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let wait = {
                let mut state = self.lock();
                let now = Instant::now();
                state.expire(now);
                let head = state.queue.keys().next() == Some(&key);
                if head && state.fits(need) {
                    let admission = granted(&mut state, now);
                    drop(state);
                    drop(slot);
                    return Ok(admission);
                }
                if now >= deadline {
                    let predicted = state.wait_for(now, need, 0.0, 0.0);
                    return Err(self.local_limit(predicted));
                }
                let until_deadline = deadline - now;
                match head {
                    // At least a millisecond: an entry leaves its window just after its end.
                    true => state
                        .wait_for(now, need, 0.0, 0.0)
                        .max(Duration::from_millis(1))
                        .min(until_deadline),
                    false => until_deadline,
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = changed => {}
            }
        }
    }

    fn local_limit(&self, predicted: Duration) -> Error {
        let wait = predicted.as_secs_f64();
        let err = match &self.of {
            LaneOf::Deployment(name) => Error::new(
                ErrorKind::RateLimit,
                format!(
                    "'{name}' was not called: its local rate limit (the catalog's tpm/rpm) \
                     would make this call wait about {wait:.1}s, past its deadline"
                ),
            )
            .with_deployment(name.clone()),
            LaneOf::Scope(path) => Error::new(
                ErrorKind::RateLimit,
                format!(
                    "the call was not sent: scope '{path}''s rate limit (its rpm/tpm) would \
                     make it wait about {wait:.1}s, past its deadline"
                ),
            ),
        };
        err.with_retry_after(Some(predicted)).with_hint(
            "the quota is taken by calls queued before this one: retry after the wait, give \
             the call a longer timeout or a higher priority, or add a fallback deployment",
        )
    }
}

/// A call's place in the queue, removed when the call leaves it.
struct Slot<'a> {
    lane: &'a Lane,
    key: (i128, u64),
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.lane.lock().queue.remove(&self.key);
        self.lane.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lane whose tpm is the binding limit (its rpm far above).
    fn lane(tpm: u64) -> Arc<Lane> {
        Arc::new(Lane::new(LaneOf::Deployment("d".into()), Some(tpm), Some(100_000)).unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_paced_not_refused() {
        // 600 tpm: 100 tokens per 10 s window, 10 tokens a second.
        let lane = lane(600);
        let deadline = Instant::now() + Duration::from_secs(60);
        let first = lane.admit(100, Priority::Normal, deadline).await;
        assert!(first.is_ok(), "a full window admits at once");
        let started = tokio::time::Instant::now();
        let second = lane.admit(50, Priority::Normal, deadline).await;
        assert!(second.is_ok());
        // Once the first grant has left its 10 s window.
        assert!(
            started.elapsed() >= Duration::from_millis(9_900),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_fails_at_once_with_the_predicted_wait() {
        let lane = lane(600);
        let far = Instant::now() + Duration::from_secs(600);
        lane.admit(100, Priority::Normal, far).await.unwrap();
        let soon = Instant::now() + Duration::from_secs(2);
        let e = lane
            .admit(100, Priority::Normal, soon)
            .await
            .expect_err("10 s wait, 2 s left");
        assert_eq!(e.kind(), ErrorKind::RateLimit);
        let wait = e.retry_after.expect("predicted wait");
        assert!(
            wait >= Duration::from_secs(9) && wait <= Duration::from_secs(11),
            "{wait:?}"
        );
        assert!(e.status.is_none(), "local: nothing was sent");
    }

    #[tokio::test(start_paused = true)]
    async fn priority_classes_fifo_within_and_high_first() {
        let lane = lane(600);
        let deadline = Instant::now() + Duration::from_secs(600);
        lane.admit(100, Priority::Normal, deadline).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (label, priority) in [
            ("low-1", Priority::Low),
            ("normal-1", Priority::Normal),
            ("low-2", Priority::Low),
            ("high-1", Priority::High),
            ("normal-2", Priority::Normal),
        ] {
            let (lane, order) = (lane.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let admitted = lane.admit(20, priority, deadline).await;
                admitted.expect("paced");
                order.lock().unwrap().push(label);
            }));
            // Arrivals a millisecond apart, in this order.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            *order.lock().unwrap(),
            ["high-1", "normal-1", "normal-2", "low-1", "low-2"]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_low_priority_call_is_not_starved() {
        let lane = lane(600);
        let deadline = Instant::now() + Duration::from_secs(3_600);
        lane.admit(100, Priority::Normal, deadline).await.unwrap();
        let arrived = Instant::now();
        let low = {
            let lane = lane.clone();
            tokio::spawn(async move {
                lane.admit(10, Priority::Low, deadline)
                    .await
                    .map(|_| Instant::now())
            })
        };
        // High-priority calls keep arriving, each a second apart, for a minute.
        let mut highs = Vec::new();
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let lane = lane.clone();
            highs.push(tokio::spawn(async move {
                lane.admit(10, Priority::High, deadline).await
            }));
        }
        let admitted = low.await.unwrap().unwrap();
        // Served once it had waited the high class's head start (20 s) plus what was queued
        // ahead of it then (about 20 calls of 10 tokens at 10 a second), while high-priority
        // calls kept arriving for a minute.
        let waited = admitted - arrived;
        assert!(waited < Duration::from_secs(45), "starved: {waited:?}");
        for h in highs {
            h.await.unwrap().unwrap();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_waiter_leaves_the_queue() {
        let lane = lane(600);
        let deadline = Instant::now() + Duration::from_secs(600);
        lane.admit(100, Priority::Normal, deadline).await.unwrap();
        let waiting = {
            let lane = lane.clone();
            tokio::spawn(async move { lane.admit(100, Priority::High, deadline).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        waiting.abort();
        let _ = waiting.await;
        assert!(lane.lock().queue.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn the_service_remaining_quota_tightens_the_lane_and_never_loosens_it() {
        // 6,000 tpm: 1,000 tokens in any 10 s.
        let lane = lane(6_000);
        lane.observe(Some(200), Some(5));
        let line = lane.line();
        assert_eq!(line.tokens_available, 200);
        assert_eq!(line.requests_available, 5);
        assert_eq!(line.service_remaining_tokens, Some(200));
        // More than the lane holds changes nothing.
        lane.observe(Some(50_000), None);
        assert_eq!(lane.line().tokens_available, 200);
        // A call needing 500 now waits until the service's word leaves the window (10 s and
        // the rest of its slot of 10 s / 64).
        let started = Instant::now();
        let far = Instant::now() + Duration::from_secs(60);
        let granted = lane.admit(500, Priority::Normal, far).await.unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(10_000) && waited <= Duration::from_millis(10_160),
            "{waited:?}"
        );
        assert_eq!(granted.waited, waited);
    }

    #[tokio::test(start_paused = true)]
    async fn a_released_grant_returns_its_tokens_and_request() {
        let lane = Arc::new(Lane::new(LaneOf::Scope("acme".into()), Some(600), Some(6)).unwrap());
        let far = Instant::now() + Duration::from_secs(60);
        let before = lane.line();
        let granted = lane.admit(60, Priority::Normal, far).await.unwrap();
        assert_eq!(lane.line().tokens_available, before.tokens_available - 60);
        granted.release();
        let after = lane.line();
        assert_eq!(after.tokens_available, before.tokens_available);
        assert_eq!(after.requests_available, before.requests_available);
    }
}
