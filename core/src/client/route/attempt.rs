//! The attempts of one call at one deployment: each passes the circuit breaker, goes out with
//! the learned quirks applied and within what is left of the deadline, and its failure is
//! either fixed by a re-send (a refreshed token, a key rotated in Key Vault, the Responses
//! API, `max_completion_tokens`: each once per call), retried after a backoff paid from the
//! retry budget, or returned.

use std::time::{Duration, Instant};

use super::breaker::{circuit_open, stopped_by_breaker, Health, Settled};
use super::budget::{budget_spent, Refusal};
use super::gate::Passed;
use super::pacing::Grant;
use super::seconds;
use super::spend::AttemptHold;
use crate::auth::{BearerRequest, TokenGeneration};
use crate::client::exchange::{AttemptRequest, Sent};
use crate::client::payload::Payload;
use crate::client::Foundry;
use crate::config::{AuthConfig, Deployment};
use crate::events::{AttemptEvent, Event, RetryRefusedEvent};
use crate::retry::{decide, Decision};
use crate::telemetry::CallTrace;
use crate::types::{Api, Attempt};
use crate::{wire, Error, ErrorKind, Result};

/// What every attempt of a call at one deployment shares.
#[derive(Clone, Copy)]
pub(crate) struct AttemptContext<'a> {
    pub payload: Payload<'a>,
    /// Whether the answer is streamed (the exchange then returns the open response).
    pub stream: bool,
    /// The call's deadline, fallbacks and retries included.
    pub deadline: Instant,
    /// Sent as `x-ms-client-request-id` on every attempt of the call.
    pub correlation_id: &'a str,
    /// The deployment is a fallback, not the route's first.
    pub fallback: bool,
    /// The call's OpenTelemetry span, whose `traceparent` each attempt carries.
    pub trace: &'a CallTrace,
}

/// Per-call loop state for one deployment.
#[derive(Default)]
struct Relearned {
    auth_refreshed: bool,
    /// The Entra token the last attempt carried.
    sent_token: Option<TokenGeneration>,
    /// The token a 401 refused: the next attempt asks for a newer one (once per call).
    refused_token: Option<TokenGeneration>,
    api_switched: bool,
    tokens_switched: bool,
    resent_unanswered: bool,
}

/// What the loop does after a failed attempt.
enum Next {
    /// Send again at once: the failure told us how to fix the request.
    Resend,
    /// Send the same request again after this wait.
    RetryAfter(Duration),
    /// A retry would help, but the client's retry budget cannot pay for it.
    Refused(Error, Refusal),
    Return(Error),
}

impl Foundry {
    /// Attempts at `base` until one succeeds or the failure is final; every attempt is
    /// recorded in `tried`.
    pub(super) async fn attempts(
        &self,
        base: &Deployment,
        ctx: &AttemptContext<'_>,
        tried: &mut Vec<Attempt>,
    ) -> Result<Sent> {
        let breakers = &self.inner.breakers;
        let mut retries = 0;
        let mut state = Relearned::default();
        // The previous attempt's error, for when the breaker stops the next one.
        let mut previous: Option<Error> = None;
        loop {
            // Before every attempt, retries included: another call may have opened the
            // breaker while this one waited.
            let permit = match breakers.admit(&base.name) {
                Ok(permit) => permit,
                Err(refused) => {
                    return Err(match previous {
                        Some(err) => stopped_by_breaker(err, refused.remaining),
                        None => circuit_open(&base.name, refused, breakers.cooldown()),
                    })
                }
            };
            let d = self.inner.learned.apply(base);
            let api = ctx.payload.api_for(&d);
            // A request that cannot be built, or no time left, ends the call without an attempt.
            let mut body = ctx.payload.body(&d, api, ctx.stream)?;
            let Passed { pace, hold } = self
                .gate(ctx.payload, ctx.deadline, &d, api, &mut body)
                .await?;
            let queued = pace.as_ref().map(|g| g.waited()).unwrap_or_default();
            ctx.trace.attempt(&d, queued);
            let per_attempt = match self.attempt_timeout(ctx, &d) {
                Ok(per_attempt) => per_attempt,
                Err(e) => {
                    // Nothing goes out: the quota and the budget get their grants back.
                    pace.into_iter().for_each(Grant::release);
                    hold.into_iter().for_each(AttemptHold::release);
                    return Err(e);
                }
            };
            let started = Instant::now();
            let request = AttemptRequest {
                deployment: &d,
                api,
                body,
                // The wait for a token ends with the attempt, so a stuck identity endpoint
                // shows as a credential error rather than as this deployment not answering.
                auth: BearerRequest {
                    refused: state.refused_token.take(),
                    wait_until: started.checked_add(per_attempt),
                    refused_sent_at: None,
                },
            };
            let outcome = self
                .attempt(ctx, request, per_attempt, &mut state.sent_token)
                .await;
            let latency_ms = started.elapsed().as_millis() as u64;
            let outcome = outcome.map_err(|e| e.with_deployment(d.name.clone()));
            let (status, request_id, error) = match &outcome {
                Ok(sent) => (Some(sent.status()), sent.request_id.clone(), None),
                Err(e) => (e.status, e.request_id.clone(), Some(e.kind())),
            };
            tried.push(Attempt {
                deployment: d.name.clone(),
                api,
                status,
                error: error.map(|k| k.as_str().to_string()),
                latency_ms,
                fallback: ctx.fallback,
            });
            let attempt_event = |retry_in: Option<Duration>| {
                self.inner.events.attempt(|| AttemptEvent {
                    deployment: d.name.clone(),
                    shape: d.shape.as_str(),
                    api,
                    attempt: tried.len() as u32,
                    status,
                    error: error.map(|k| k.as_str()),
                    latency_ms,
                    fallback: ctx.fallback,
                    request_id: request_id.clone(),
                    retry_in_ms: retry_in.map(|w| w.as_millis() as u64),
                    queued_ms: queued.as_millis() as u64,
                })
            };
            let err = match outcome {
                Ok(mut sent) => {
                    sent.hold = hold;
                    sent.pace = pace;
                    permit.settle(Health::Healthy, None);
                    self.inner.retry_budget.refill();
                    attempt_event(None);
                    return Ok(sent);
                }
                Err(e) => {
                    if let Some(hold) = hold {
                        hold.settle_failure(&e);
                    }
                    if e.status == Some(429) {
                        self.inner.pacing.throttled(&d);
                    }
                    e
                }
            };
            if let Settled::Opened(open_for) = permit.settle(Health::of(&err), err.retry_after) {
                // This failure opened the breaker: no retry (the probe's failure included).
                attempt_event(None);
                return Err(stopped_by_breaker(err, Some(open_for)));
            }
            let rotated = self.key_rotated(ctx, &d, &err, started, &mut state).await;
            let next = match rotated || self.resend_fix(ctx, &d, api, &err, &mut state) {
                true => Next::Resend,
                false => self.retry_or_return(ctx, &d, &err, retries, &mut state),
            };
            match next {
                Next::Resend => attempt_event(Some(Duration::ZERO)),
                Next::RetryAfter(wait) => {
                    attempt_event(Some(wait));
                    retries += 1;
                    previous = Some(err);
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Next::Refused(err, refusal) => {
                    attempt_event(None);
                    let bucket = &self.inner.retry_budget;
                    let attempt = tried.len() as u32;
                    self.inner.events.notice(|| {
                        Event::RetryRefused(RetryRefusedEvent {
                            deployment: d.name.clone(),
                            attempt,
                            error: err.kind().as_str(),
                            cost: refusal.cost,
                            available: refusal.available,
                            capacity: bucket.capacity(),
                        })
                    });
                    return Err(budget_spent(err, refusal, bucket.capacity()));
                }
                Next::Return(err) => {
                    attempt_event(None);
                    return Err(err);
                }
            }
            previous = Some(err);
        }
    }

    /// What is left of the deadline, at most `defaults.timeout_secs`; an error once it passed.
    fn attempt_timeout(&self, ctx: &AttemptContext<'_>, d: &Deployment) -> Result<Duration> {
        let time_left = ctx.deadline.saturating_duration_since(Instant::now());
        if time_left.is_zero() {
            return Err(deadline_error(d));
        }
        Ok(time_left.min(seconds(
            self.inner.catalog.defaults.timeout_secs,
            "defaults.timeout_secs",
            ErrorKind::Config,
        )?))
    }

    /// One attempt: the exchange, ended with a timeout error at `per_attempt`.
    async fn attempt(
        &self,
        ctx: &AttemptContext<'_>,
        request: AttemptRequest<'_>,
        per_attempt: Duration,
        sent_token: &mut Option<TokenGeneration>,
    ) -> Result<Sent> {
        let d = request.deployment;
        match tokio::time::timeout(per_attempt, self.exchange(ctx, request, sent_token)).await {
            Ok(outcome) => outcome,
            // Possibly sent: the service may be working on (and billing) it.
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "no answer from '{}' within {:.1}s",
                    d.name,
                    per_attempt.as_secs_f64()
                ),
            )
            .with_unanswered()),
        }
    }

    /// After the service refused (401) a key read from Key Vault: true when the vault now holds
    /// another key, so the attempt is sent again with it. The secret is read again once for a
    /// whole burst of refused calls (the key cache's single read), and the re-send happens at
    /// most once per call and never with the key that was refused; a 401 is not billed.
    async fn key_rotated(
        &self,
        ctx: &AttemptContext<'_>,
        d: &Deployment,
        err: &Error,
        sent_at: Instant,
        state: &mut Relearned,
    ) -> bool {
        let refused = match state.sent_token {
            Some(refused)
                if matches!(d.auth, AuthConfig::KeyVault(_))
                    && err.kind() == ErrorKind::Authentication
                    && err.status == Some(401)
                    && !state.auth_refreshed =>
            {
                refused
            }
            _ => return false,
        };
        state.auth_refreshed = true;
        let auth = &self.inner.auth;
        match auth
            .reread_refused_key(d, refused, sent_at, Some(ctx.deadline))
            .await
        {
            Ok(changed) => changed,
            Err(e) => {
                // The 401 is what the caller gets; why the key could not be renewed is logged.
                tracing::warn!(deployment = %d.name, error = %e, hint = %e.hint, "the service refused the key and Key Vault could not be read again");
                false
            }
        }
    }

    /// The re-sends that fix the request rather than wait, each at most once per call; true
    /// when one applies (and is recorded in `state` and the learned quirks).
    fn resend_fix(
        &self,
        ctx: &AttemptContext<'_>,
        d: &Deployment,
        api: Api,
        err: &Error,
        state: &mut Relearned,
    ) -> bool {
        let is_entra = matches!(d.auth, AuthConfig::Entra(_));
        // Only a 401 from the service itself: a refused token request would just be asked again.
        if err.kind() == ErrorKind::Authentication
            && err.status == Some(401)
            && is_entra
            && !state.auth_refreshed
        {
            state.auth_refreshed = true;
            state.refused_token = state.sent_token;
            return true;
        }
        if matches!(ctx.payload, Payload::Chat(_))
            && api == Api::Chat
            && wire::is_operation_unsupported(err)
            && !state.api_switched
        {
            state.api_switched = true;
            self.inner.learned.set_responses_only(&d.name);
            return true;
        }
        if wire::is_unsupported_max_tokens(err) && !state.tokens_switched {
            state.tokens_switched = true;
            self.inner.learned.set_max_completion_tokens(&d.name);
            return true;
        }
        false
    }

    /// After a failure no re-send fixes: a retry after the backoff, paid from the client-wide
    /// retry budget, or the error to return.
    fn retry_or_return(
        &self,
        ctx: &AttemptContext<'_>,
        d: &Deployment,
        err: &Error,
        retries: u32,
        state: &mut Relearned,
    ) -> Next {
        if err.unanswered {
            // The request may have been processed and billed: sending it again could double
            // the bill, so only a deployment that opted in retries, once.
            if !d.retry_after_send || state.resent_unanswered {
                return Next::Return(err.clone());
            }
            state.resent_unanswered = true;
        }
        let time_left = ctx.deadline.saturating_duration_since(Instant::now());
        match decide(&self.inner.catalog.defaults.retry, err, retries, time_left) {
            Decision::RetryAfter(wait) => {
                // The re-sends fix the request and are not billed; a retry sends the same
                // request again, so it is paid from the client-wide budget.
                let bucket = &self.inner.retry_budget;
                match bucket.try_spend(bucket.cost_of(err)) {
                    Ok(()) => Next::RetryAfter(wait),
                    Err(refusal) => Next::Refused(err.clone(), refusal),
                }
            }
            Decision::GiveUp => Next::Return(err.clone()),
        }
    }
}

fn deadline_error(d: &Deployment) -> Error {
    Error::new(
        ErrorKind::Timeout,
        "the call's deadline passed before an answer",
    )
    .with_deployment(d.name.clone())
    .with_retryable(false)
}
