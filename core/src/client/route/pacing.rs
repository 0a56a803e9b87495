//! Rate limits that queue instead of failing: with `governance.rate_limits: true`, each
//! deployment with a `tpm` (or `rpm`) is paced to it in the client, so a burst waits its turn
//! here rather than earning 429s (each a counted request) from the service.
//!
//! Shaped the way Azure counts: a request costs its estimated prompt tokens plus its output
//! bound; `rpm` defaults to 6 per 1,000 `tpm`; and the quota is enforced over 10-second
//! windows (a sixth of the minute's quota at most in any 10 s), so requests are spread over
//! the minute instead of bursting at its start. Tokens and requests refill continuously.
//!
//! Waiting calls are served in order of a virtual arrival time: the real one, moved earlier
//! by [`Priority::head_start`]. Within a class that is FIFO; across classes a high-priority
//! call goes first, yet a low-priority call that has waited longer than the head start is
//! served before later high-priority ones, so no class starves. A call whose predicted wait
//! passes its deadline fails at once with a `rate_limit` error whose `retry_after` is the
//! predicted wait (a route then moves on to its next deployment).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
// Tokio's clock, so the tests can run paused time through the waits.
use tokio::time::Instant;

use crate::config::Deployment;
use crate::{Error, ErrorKind, Result};

/// Azure's enforcement window: a sixth of the per-minute quota per 10 s.
const WINDOW_SECS: f64 = 10.0;

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

/// The pacing of every paced deployment of a client.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    lanes: HashMap<String, Arc<Lane>>,
}

impl Pacer {
    /// A lane for each deployment with a `tpm` or `rpm`.
    pub fn new(deployments: &[Deployment]) -> Pacer {
        let lanes = deployments
            .iter()
            .filter_map(|d| Lane::for_deployment(d).map(|l| (d.name.clone(), Arc::new(l))))
            .collect();
        Pacer { lanes }
    }

    /// Waits for `tokens` of `d`'s quota (and one request), in `priority`'s place in line,
    /// until `deadline`. None when `d` is not paced.
    pub async fn admit(
        &self,
        d: &Deployment,
        tokens: u64,
        priority: Priority,
        deadline: Instant,
    ) -> Result<Option<Admission>> {
        match self.lanes.get(&d.name) {
            None => Ok(None),
            Some(lane) => lane
                .admit(&d.name, tokens as f64, priority, deadline)
                .await
                .map(Some),
        }
    }

    /// The service answered 429: its quota is spent now, whatever the local count says.
    pub fn throttled(&self, d: &Deployment) {
        if let Some(lane) = self.lanes.get(&d.name) {
            lane.lock().empty(Instant::now());
        }
    }
}

/// Tokens granted to one attempt; [`Admission::settle`] gives back what it did not use.
#[derive(Debug)]
pub(crate) struct Admission {
    lane: Arc<Lane>,
    tokens: f64,
}

impl Admission {
    /// The attempt used `actual` tokens (its usage): the rest of its grant returns to the lane.
    pub fn settle(self, actual: u64) {
        let unused = self.tokens - actual as f64;
        if unused > 0.0 {
            let mut state = self.lane.lock();
            state.tokens = (state.tokens + unused).min(self.lane.token_burst);
            drop(state);
            self.lane.changed.notify_waiters();
        }
    }
}

#[derive(Debug)]
struct Lane {
    state: Mutex<LaneState>,
    /// Woken whenever the head of the queue or the buckets change.
    changed: Notify,
    tokens_per_sec: f64,
    token_burst: f64,
    requests_per_sec: f64,
    request_burst: f64,
    /// Virtual arrival times are counted from here.
    epoch: Instant,
}

#[derive(Debug)]
struct LaneState {
    tokens: f64,
    requests: f64,
    refilled: Instant,
    /// Waiting calls by (virtual arrival in ms since the epoch, sequence): their token need.
    queue: BTreeMap<(i128, u64), f64>,
    next_seq: u64,
}

impl LaneState {
    fn refill(&mut self, lane: &Lane, now: Instant) {
        let secs = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + secs * lane.tokens_per_sec).min(lane.token_burst);
        self.requests = (self.requests + secs * lane.requests_per_sec).min(lane.request_burst);
        self.refilled = now;
    }

    fn empty(&mut self, now: Instant) {
        self.tokens = self.tokens.min(0.0);
        self.requests = self.requests.min(0.0);
        self.refilled = now;
    }
}

impl Lane {
    fn for_deployment(d: &Deployment) -> Option<Lane> {
        let tpm = d.tpm.filter(|t| *t > 0);
        // Azure grants 6 RPM per 1,000 TPM.
        let rpm = d
            .rpm
            .filter(|r| *r > 0)
            .or_else(|| tpm.map(|t| (t * 6 / 1000).max(1)));
        if tpm.is_none() && rpm.is_none() {
            return None;
        }
        let per_window = |per_minute: f64| (per_minute * WINDOW_SECS / 60.0).max(1.0);
        let (tokens_per_sec, token_burst) = match tpm {
            Some(t) => (t as f64 / 60.0, per_window(t as f64)),
            None => (f64::INFINITY, f64::INFINITY),
        };
        let rpm = rpm.unwrap_or(u64::MAX) as f64;
        let now = Instant::now();
        Some(Lane {
            state: Mutex::new(LaneState {
                tokens: token_burst,
                requests: per_window(rpm),
                refilled: now,
                queue: BTreeMap::new(),
                next_seq: 0,
            }),
            changed: Notify::new(),
            tokens_per_sec,
            token_burst,
            requests_per_sec: rpm / 60.0,
            request_burst: per_window(rpm),
            epoch: now,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LaneState> {
        // A panic while holding the lock left plain numbers behind: still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A call needing more than a window's tokens is admitted once the bucket is full.
    fn need(&self, tokens: f64) -> f64 {
        tokens.min(self.token_burst)
    }

    /// How long until the buckets hold `need` tokens and one request, after `ahead` tokens
    /// and `ahead_requests` requests of the calls before it.
    fn wait_for(&self, state: &LaneState, need: f64, ahead: f64, ahead_requests: f64) -> Duration {
        let token_gap = ahead + need - state.tokens;
        let request_gap = ahead_requests + 1.0 - state.requests;
        let secs = (token_gap / self.tokens_per_sec)
            .max(request_gap / self.requests_per_sec)
            .max(0.0);
        // A wait too long for a Duration is refused by the deadline check anyway.
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
    }

    async fn admit(
        self: &Arc<Self>,
        name: &str,
        tokens: f64,
        priority: Priority,
        deadline: Instant,
    ) -> Result<Admission> {
        let need = self.need(tokens);
        let now = Instant::now();
        let key = {
            let mut state = self.lock();
            state.refill(self, now);
            if state.queue.is_empty() && state.tokens >= need && state.requests >= 1.0 {
                state.tokens -= tokens;
                state.requests -= 1.0;
                return Ok(Admission {
                    lane: Arc::clone(self),
                    tokens,
                });
            }
            let arrival = now.saturating_duration_since(self.epoch).as_millis() as i128
                - priority.head_start().as_millis() as i128;
            let seq = state.next_seq;
            state.next_seq += 1;
            let key = (arrival, seq);
            let ahead: f64 = state.queue.range(..key).map(|(_, n)| *n).sum();
            let ahead_requests = state.queue.range(..key).count() as f64;
            let predicted = self.wait_for(&state, need, ahead, ahead_requests);
            if now
                .checked_add(predicted)
                .is_none_or(|ready| ready > deadline)
            {
                return Err(local_limit(name, predicted));
            }
            state.queue.insert(key, need);
            key
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
                state.refill(self, now);
                let head = state.queue.keys().next() == Some(&key);
                if head && state.tokens >= need && state.requests >= 1.0 {
                    state.tokens -= tokens;
                    state.requests -= 1.0;
                    drop(state);
                    drop(slot);
                    return Ok(Admission {
                        lane: Arc::clone(self),
                        tokens,
                    });
                }
                if now >= deadline {
                    let predicted = self.wait_for(&state, need, 0.0, 0.0);
                    return Err(local_limit(name, predicted));
                }
                let until_deadline = deadline - now;
                match head {
                    true => self.wait_for(&state, need, 0.0, 0.0).min(until_deadline),
                    false => until_deadline,
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = changed => {}
            }
        }
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

fn local_limit(name: &str, predicted: Duration) -> Error {
    Error::new(
        ErrorKind::RateLimit,
        format!(
            "'{name}' was not called: its local rate limit (the catalog's tpm/rpm) would make \
             this call wait about {:.1}s, past its deadline",
            predicted.as_secs_f64()
        ),
    )
    .with_retry_after(Some(predicted))
    .with_deployment(name.to_string())
    .with_hint(
        "the deployment's quota is taken by calls queued before this one: retry after the \
         wait, give the call a longer timeout or a higher priority, or add a fallback deployment",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Catalog;

    /// A deployment whose tpm is the binding limit (its rpm is set far above tpm's default
    /// of 6 per 1,000).
    fn deployment(tpm: u64) -> Deployment {
        with_limits(&format!("tpm: {tpm}, rpm: 100000"))
    }

    fn with_limits(limits: &str) -> Deployment {
        let text = format!(
            "defaults: {{endpoint: 'http://127.0.0.1:9/', auth: {{type: none}}}}\ndeployments:\n  - {{name: d, {limits}}}\n"
        );
        let catalog = Catalog::from_str_with_env(&text, "t.yaml", &|_| None).unwrap();
        catalog.deployments[0].clone()
    }

    #[test]
    fn azure_shape_six_rpm_per_thousand_tpm_over_ten_seconds() {
        let lane = Lane::for_deployment(&with_limits("tpm: 60000")).unwrap();
        assert_eq!(lane.token_burst, 10_000.0);
        assert_eq!(lane.requests_per_sec, 6.0);
        assert_eq!(lane.request_burst, 60.0);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_paced_too() {
        // 600 tpm gives 3 rpm (6 per 1,000 tpm, rounded down): one request per 20 s.
        let d = with_limits("tpm: 600");
        let pacer = Pacer::new(std::slice::from_ref(&d));
        let deadline = Instant::now() + Duration::from_secs(600);
        pacer
            .admit(&d, 1, Priority::Normal, deadline)
            .await
            .unwrap();
        let started = Instant::now();
        pacer
            .admit(&d, 1, Priority::Normal, deadline)
            .await
            .unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(19) && waited <= Duration::from_secs(21),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_paced_not_refused() {
        // 600 tpm: 100 tokens per 10 s window, 10 tokens a second.
        let d = deployment(600);
        let pacer = Pacer::new(std::slice::from_ref(&d));
        let deadline = Instant::now() + Duration::from_secs(60);
        let first = pacer.admit(&d, 100, Priority::Normal, deadline).await;
        assert!(first.unwrap().is_some(), "a full window admits at once");
        let started = tokio::time::Instant::now();
        let second = pacer.admit(&d, 50, Priority::Normal, deadline).await;
        assert!(second.unwrap().is_some());
        // 50 tokens at 10 a second.
        assert!(
            started.elapsed() >= Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_fails_at_once_with_the_predicted_wait() {
        let d = deployment(600);
        let pacer = Pacer::new(std::slice::from_ref(&d));
        let far = Instant::now() + Duration::from_secs(600);
        pacer.admit(&d, 100, Priority::Normal, far).await.unwrap();
        let soon = Instant::now() + Duration::from_secs(2);
        let e = pacer
            .admit(&d, 100, Priority::Normal, soon)
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
        let d = deployment(600);
        let pacer = Arc::new(Pacer::new(std::slice::from_ref(&d)));
        let deadline = Instant::now() + Duration::from_secs(600);
        pacer
            .admit(&d, 100, Priority::Normal, deadline)
            .await
            .unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (label, priority) in [
            ("low-1", Priority::Low),
            ("normal-1", Priority::Normal),
            ("low-2", Priority::Low),
            ("high-1", Priority::High),
            ("normal-2", Priority::Normal),
        ] {
            let (pacer, d, order) = (pacer.clone(), d.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let admitted = pacer.admit(&d, 20, priority, deadline).await;
                admitted.unwrap().expect("paced");
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
        let d = deployment(600);
        let pacer = Arc::new(Pacer::new(std::slice::from_ref(&d)));
        let deadline = Instant::now() + Duration::from_secs(3_600);
        pacer
            .admit(&d, 100, Priority::Normal, deadline)
            .await
            .unwrap();
        let arrived = Instant::now();
        let low = {
            let (pacer, d) = (pacer.clone(), d.clone());
            tokio::spawn(async move {
                pacer
                    .admit(&d, 10, Priority::Low, deadline)
                    .await
                    .map(|_| Instant::now())
            })
        };
        // High-priority calls keep arriving, each a second apart, for a minute.
        let mut highs = Vec::new();
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let (pacer, d) = (pacer.clone(), d.clone());
            highs.push(tokio::spawn(async move {
                pacer.admit(&d, 10, Priority::High, deadline).await
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
        let d = deployment(600);
        let pacer = Arc::new(Pacer::new(std::slice::from_ref(&d)));
        let deadline = Instant::now() + Duration::from_secs(600);
        pacer
            .admit(&d, 100, Priority::Normal, deadline)
            .await
            .unwrap();
        let waiting = {
            let (pacer, d) = (pacer.clone(), d.clone());
            tokio::spawn(async move { pacer.admit(&d, 100, Priority::High, deadline).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        waiting.abort();
        let _ = waiting.await;
        let lane = pacer.lanes.get("d").unwrap();
        assert!(lane.lock().queue.is_empty());
    }
}
