//! Per-deployment circuit breakers, held by the client. A deployment that fails attempt after
//! attempt (5xx, 408/429, timeouts, broken connections) is not called for a cooldown: each
//! call to it would be another request against a service that is down or out of quota, and
//! routes reach their fallback at once instead of after a round of retries. When the cooldown
//! ends, exactly one probe call is let through; its outcome closes the breaker or opens it
//! again.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::config::CircuitBreaker;
use crate::events::{CircuitEvent, CircuitState, Event, EventSink};
use crate::{Error, ErrorKind};

/// Deployments tracked at most. Only failing deployments have an entry (a success removes
/// it), and a catalog built from the environment accepts any name: without a bound, calls to
/// ever new failing names would grow the map without end. Past it, new names go untracked.
const MAX_TRACKED: usize = 4_096;

/// The longest a server's retry hint may stretch a cooldown (the longest wait any retry
/// setting may name): a deployment whose daily quota is spent says "retry after 86400
/// seconds", and probing it every `cooldown_ms` meanwhile would only collect more 429s.
const MAX_HINTED_COOLDOWN: Duration = Duration::from_secs(3_600);

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
        failures: u32,
    },
    /// The cooldown is over and the probe is out; everyone else waits for its outcome.
    HalfOpen {
        failures: u32,
    },
}

/// What an attempt's outcome says about the deployment's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Health {
    /// It answered (a success, or a client error such as 400 or 401: the request's fault).
    Healthy,
    /// 5xx, 408, 429, a timeout or a broken connection.
    Unhealthy,
    /// Nothing reached it, or its answer says nothing either way (no token, a redirect).
    Unknown,
}

impl Health {
    pub fn of(err: &Error) -> Health {
        match err.status {
            Some(408 | 429 | 500..=599) => Health::Unhealthy,
            Some(300..=399) => Health::Unknown,
            Some(_) => Health::Healthy,
            None if matches!(err.kind(), ErrorKind::Timeout | ErrorKind::Connection) => {
                Health::Unhealthy
            }
            None => Health::Unknown,
        }
    }
}

/// Why a deployment may not be called now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Refused {
    /// What is left of the cooldown; `None` while a probe is out.
    pub remaining: Option<Duration>,
    pub failures: u32,
}

/// What settling an attempt did to the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    Unchanged,
    /// This attempt opened (or, as a failed probe, re-opened) the breaker for this long.
    Opened(Duration),
    Closed,
}

#[derive(Debug)]
pub(crate) struct Breakers {
    settings: CircuitBreaker,
    states: Mutex<HashMap<String, State>>,
    events: EventSink,
}

/// Leave to make one attempt. Settle it with the attempt's health; a probe dropped unsettled
/// (its call was cancelled) hands the probe to the next caller instead of blocking the
/// deployment for good.
pub(crate) struct Permit<'a> {
    breakers: &'a Breakers,
    name: &'a str,
    probe: bool,
    settled: bool,
}

impl Breakers {
    pub fn new(settings: CircuitBreaker, events: EventSink) -> Self {
        Breakers {
            settings,
            states: Mutex::new(HashMap::new()),
            events,
        }
    }

    pub fn cooldown(&self) -> Duration {
        Duration::from_millis(self.settings.cooldown_ms)
    }

    /// The map, even if a thread panicked holding it: every update leaves it consistent.
    fn states(&self) -> MutexGuard<'_, HashMap<String, State>> {
        self.states.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `name` may be called now.
    pub fn admit<'a>(&'a self, name: &'a str) -> Result<Permit<'a>, Refused> {
        self.admit_at(name, Instant::now())
    }

    fn admit_at<'a>(&'a self, name: &'a str, now: Instant) -> Result<Permit<'a>, Refused> {
        let permit = |probe| Permit {
            breakers: self,
            name,
            probe,
            settled: false,
        };
        if !self.settings.enabled {
            return Ok(permit(false));
        }
        let mut states = self.states();
        let Some(state) = states.get_mut(name) else {
            return Ok(permit(false));
        };
        match *state {
            State::Closed { .. } => Ok(permit(false)),
            State::Open { until, failures } if now < until => Err(Refused {
                remaining: Some(until.saturating_duration_since(now)),
                failures,
            }),
            State::Open { failures, .. } => {
                *state = State::HalfOpen { failures };
                drop(states);
                self.notify(name, CircuitState::HalfOpen, failures, None);
                Ok(permit(true))
            }
            State::HalfOpen { failures } => Err(Refused {
                remaining: None,
                failures,
            }),
        }
    }

    /// Records an attempt's health; `hint` is the server's retry hint of a failure, which
    /// lengthens the cooldown it may start.
    fn settle(
        &self,
        name: &str,
        probe: bool,
        health: Health,
        hint: Option<Duration>,
        now: Instant,
    ) -> Settled {
        if !self.settings.enabled {
            return Settled::Unchanged;
        }
        let cooldown = self
            .cooldown()
            .max(hint.unwrap_or_default().min(MAX_HINTED_COOLDOWN));
        let mut states = self.states();
        let current = states.get(name).copied();
        let open = |failures| State::Open {
            until: now.checked_add(cooldown).unwrap_or(now),
            failures,
        };
        let (next, settled) = match (current, probe, health) {
            // Only the probe decides a breaker that is not closed: a straggler that was let
            // through before it opened says little about the deployment now.
            (Some(State::HalfOpen { .. }), true, Health::Healthy) => (None, Settled::Closed),
            (Some(State::HalfOpen { failures }), true, Health::Unhealthy) => (
                Some(open(failures.saturating_add(1))),
                Settled::Opened(cooldown),
            ),
            // An unsettled probe: the next caller probes at once.
            (Some(State::HalfOpen { failures }), true, Health::Unknown) => (
                Some(State::Open {
                    until: now,
                    failures,
                }),
                Settled::Unchanged,
            ),
            (Some(State::Open { .. } | State::HalfOpen { .. }), _, _) => return Settled::Unchanged,
            (_, _, Health::Unknown) => return Settled::Unchanged,
            (_, _, Health::Healthy) => (None, Settled::Unchanged),
            (closed, _, Health::Unhealthy) => {
                let failures = match closed {
                    Some(State::Closed { failures }) => failures.saturating_add(1),
                    _ => 1,
                };
                if failures >= self.settings.failure_threshold {
                    (Some(open(failures)), Settled::Opened(cooldown))
                } else {
                    (Some(State::Closed { failures }), Settled::Unchanged)
                }
            }
        };
        let failures = match next {
            Some(State::Open { failures, .. }) => failures,
            _ => 0,
        };
        match next {
            Some(state) if states.len() < MAX_TRACKED || states.contains_key(name) => {
                states.insert(name.to_string(), state);
            }
            Some(_) => return Settled::Unchanged,
            // Healthy and already closed with no failures: nothing to forget (no name hashed).
            None if current.is_none() => {}
            None => {
                states.remove(name);
            }
        }
        drop(states);
        match settled {
            Settled::Opened(cooldown) => {
                self.notify(name, CircuitState::Open, failures, Some(cooldown))
            }
            Settled::Closed => self.notify(name, CircuitState::Closed, 0, None),
            Settled::Unchanged => {}
        }
        settled
    }

    fn notify(&self, name: &str, state: CircuitState, failures: u32, open_for: Option<Duration>) {
        let cooldown_ms = open_for.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self.events.notice(|| {
            Event::Circuit(CircuitEvent {
                deployment: name.to_string(),
                state,
                consecutive_failures: failures,
                cooldown_ms,
            })
        });
    }
}

impl Permit<'_> {
    /// Records the attempt's health (and a failure's retry hint).
    pub fn settle(mut self, health: Health, hint: Option<Duration>) -> Settled {
        self.settled = true;
        self.breakers
            .settle(self.name, self.probe, health, hint, Instant::now())
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe && !self.settled {
            self.breakers
                .settle(self.name, true, Health::Unknown, None, Instant::now());
        }
    }
}

/// The error of a call to a deployment whose breaker is open: nothing was sent.
pub(crate) fn circuit_open(name: &str, refused: Refused, cooldown: Duration) -> Error {
    let message = match refused.remaining {
        Some(left) => format!(
            "'{name}' was not called: it failed {} attempts in a row and its circuit breaker \
             stays open for another {:.1}s",
            refused.failures,
            left.as_secs_f64()
        ),
        None => format!(
            "'{name}' was not called: a probe call is testing whether it has recovered from {} \
             failed attempts in a row",
            refused.failures
        ),
    };
    Error::new(ErrorKind::Server, message)
        .with_code(Some("circuit_open".to_string()))
        .with_deployment(name)
        .with_retry_after(refused.remaining)
        .with_retryable(true)
        .with_hint(format!(
            "the client stops calling a deployment that keeps failing (5xx, 429, timeouts) for \
             {:.0}s, then lets one probe call through: add a fallback deployment to the route, \
             or tune `defaults.circuit_breaker` (failure_threshold, cooldown_ms, enabled)",
            cooldown.as_secs_f64()
        ))
}

/// The last error of a call that tripped (or found open) the deployment's breaker: it says
/// why no more retries follow. `open_for` is the cooldown (or what is left of it).
pub(crate) fn stopped_by_breaker(err: Error, open_for: Option<Duration>) -> Error {
    let when = match open_for {
        Some(d) => format!("for {:.0}s", d.as_secs_f64()),
        None => "until a probe call succeeds".to_string(),
    };
    let hint = format!(
        "{}; the deployment failed too many attempts in a row, so its circuit breaker opened: \
         it is not called {when} (`defaults.circuit_breaker`), and routes use their fallback \
         meanwhile",
        err.hint.trim_end_matches('.'),
    );
    err.with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex as StdMutex};

    fn breakers(threshold: u32, cooldown_ms: u64) -> (Breakers, Arc<StdMutex<Vec<String>>>) {
        let seen = Arc::new(StdMutex::new(Vec::new()));
        let sink = seen.clone();
        let events = EventSink::new(Some(Arc::new(move |e: &Event| {
            if let Event::Circuit(c) = e {
                if let Ok(mut v) = sink.lock() {
                    v.push(format!("{}:{}", c.deployment, c.state.as_str()));
                }
            }
        })));
        let settings = CircuitBreaker {
            enabled: true,
            failure_threshold: threshold,
            cooldown_ms,
        };
        (Breakers::new(settings, events), seen)
    }

    fn fail(b: &Breakers, name: &str, now: Instant) -> Settled {
        match b.admit_at(name, now) {
            Ok(p) => {
                let probe = p.probe;
                let mut p = p;
                p.settled = true;
                b.settle(name, probe, Health::Unhealthy, None, now)
            }
            Err(_) => panic!("'{name}' should be admitted"),
        }
    }

    #[test]
    fn opens_after_the_threshold_then_one_probe_closes_it() {
        let (b, seen) = breakers(3, 1_000);
        let t0 = Instant::now();
        assert_eq!(fail(&b, "a", t0), Settled::Unchanged);
        assert_eq!(fail(&b, "a", t0), Settled::Unchanged);
        assert_eq!(
            fail(&b, "a", t0),
            Settled::Opened(Duration::from_millis(1_000))
        );
        let refused = b.admit_at("a", t0 + Duration::from_millis(400)).err();
        assert_eq!(
            refused,
            Some(Refused {
                remaining: Some(Duration::from_millis(600)),
                failures: 3
            })
        );
        // Other deployments are not affected.
        assert!(b.admit_at("b", t0).is_ok());
        let after = t0 + Duration::from_millis(1_000);
        let probe = b.admit_at("a", after).expect("the probe is let through");
        assert!(probe.probe);
        // Exactly one probe: the others are refused while it is out.
        assert_eq!(
            b.admit_at("a", after).err().map(|r| r.remaining),
            Some(None)
        );
        assert_eq!(probe.settle(Health::Healthy, None), Settled::Closed);
        assert!(b.admit_at("a", after).ok().is_some_and(|p| !p.probe));
        assert_eq!(
            *seen.lock().unwrap(),
            vec!["a:open", "a:half_open", "a:closed"]
        );
    }

    #[test]
    fn a_failed_probe_reopens_for_another_cooldown() {
        let (b, _) = breakers(1, 1_000);
        let t0 = Instant::now();
        assert_eq!(
            fail(&b, "a", t0),
            Settled::Opened(Duration::from_millis(1_000))
        );
        let t1 = t0 + Duration::from_millis(1_500);
        assert_eq!(
            fail(&b, "a", t1),
            Settled::Opened(Duration::from_millis(1_000)),
            "the probe failed"
        );
        let refused = b.admit_at("a", t1 + Duration::from_millis(999)).err();
        assert!(refused.is_some_and(|r| r.remaining == Some(Duration::from_millis(1))));
        assert!(b.admit_at("a", t1 + Duration::from_millis(1_000)).is_ok());
    }

    #[test]
    fn an_abandoned_probe_passes_the_probe_on() {
        let (b, _) = breakers(1, 10);
        let t0 = Instant::now();
        fail(&b, "a", t0);
        let later = t0 + Duration::from_millis(20);
        let probe = b.admit_at("a", later).ok();
        assert!(probe.as_ref().is_some_and(|p| p.probe));
        drop(probe);
        // The next caller probes; the breaker stays open until a probe's outcome is known.
        let next = b.admit_at("a", Instant::now().max(later)).ok();
        assert!(next.is_some_and(|p| p.probe));
    }

    #[test]
    fn client_errors_and_successes_reset_the_count_unknowns_do_not() {
        let (b, _) = breakers(2, 1_000);
        let t0 = Instant::now();
        fail(&b, "a", t0);
        b.settle("a", false, Health::Unknown, None, t0);
        assert_eq!(
            fail(&b, "a", t0),
            Settled::Opened(Duration::from_millis(1_000)),
            "two in a row"
        );
        let (b, _) = breakers(2, 1_000);
        fail(&b, "a", t0);
        b.settle("a", false, Health::Healthy, None, t0);
        assert_eq!(fail(&b, "a", t0), Settled::Unchanged);
        assert!(b.states().get("a").is_some());
        b.settle("a", false, Health::Healthy, None, t0);
        assert!(b.states().is_empty(), "healthy deployments are not tracked");
    }

    #[test]
    fn a_long_server_hint_stretches_the_cooldown_up_to_an_hour() {
        let (b, _) = breakers(1, 1_000);
        let t0 = Instant::now();
        let day = Some(Duration::from_secs(86_400));
        let settled = match b.admit_at("a", t0) {
            Ok(mut p) => {
                p.settled = true;
                b.settle("a", false, Health::Unhealthy, day, t0)
            }
            Err(_) => panic!("admitted"),
        };
        assert_eq!(settled, Settled::Opened(MAX_HINTED_COOLDOWN));
        let refused = b.admit_at("a", t0 + Duration::from_secs(60)).err();
        assert_eq!(
            refused.and_then(|r| r.remaining),
            Some(MAX_HINTED_COOLDOWN - Duration::from_secs(60))
        );
        // A short hint never shortens the configured cooldown.
        let (b, _) = breakers(1, 1_000);
        let short = Some(Duration::from_millis(10));
        assert_eq!(
            b.settle("a", false, Health::Unhealthy, short, t0),
            Settled::Opened(Duration::from_millis(1_000))
        );
    }

    #[test]
    fn health_of_errors() {
        let status = |s| Error::new(ErrorKind::Server, "x").with_status(s);
        for s in [408, 429, 500, 502, 503, 504] {
            assert_eq!(Health::of(&status(s)), Health::Unhealthy, "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert_eq!(Health::of(&status(s)), Health::Healthy, "{s}");
        }
        assert_eq!(Health::of(&status(307)), Health::Unknown);
        assert_eq!(
            Health::of(&Error::new(ErrorKind::Timeout, "t")),
            Health::Unhealthy
        );
        assert_eq!(
            Health::of(&Error::new(ErrorKind::Connection, "c")),
            Health::Unhealthy
        );
        assert_eq!(
            Health::of(&Error::new(ErrorKind::Credential, "no token")),
            Health::Unknown
        );
    }

    #[test]
    fn disabled_breakers_never_refuse_and_the_map_is_bounded() {
        let (mut b, _) = breakers(1, 1_000);
        b.settings.enabled = false;
        let t0 = Instant::now();
        for _ in 0..10 {
            fail(&b, "a", t0);
        }
        assert!(b.admit_at("a", t0).is_ok());
        let (b, _) = breakers(1, 1_000);
        for i in 0..MAX_TRACKED + 10 {
            fail(&b, &format!("d{i}"), t0);
        }
        assert_eq!(b.states().len(), MAX_TRACKED);
    }

    #[test]
    fn the_open_error_is_typed_and_hinted() {
        let refused = Refused {
            remaining: Some(Duration::from_millis(1_500)),
            failures: 5,
        };
        let e = circuit_open("gpt-5.4", refused, Duration::from_secs(30));
        assert_eq!(e.kind(), ErrorKind::Server);
        assert_eq!(e.code.as_deref(), Some("circuit_open"));
        assert_eq!(e.retry_after, Some(Duration::from_millis(1_500)));
        assert_eq!(e.deployment.as_deref(), Some("gpt-5.4"));
        assert!(e.hint.contains("defaults.circuit_breaker"));
        let e = stopped_by_breaker(
            Error::new(ErrorKind::Server, "503"),
            Some(Duration::from_secs(30)),
        );
        assert!(e.hint.contains("circuit breaker opened") && e.hint.contains("for 30s"));
        let e = stopped_by_breaker(Error::new(ErrorKind::Server, "503"), None);
        assert!(e.hint.contains("until a probe call succeeds"));
    }
}
