//! Routing a call: which deployments it may reach and in which order, when it moves on to the
//! next, and how many attempts each gets. The concerns, one file each:
//!
//! - alias resolution: [`crate::config::Catalog::resolve`] turns the request's `model` (or the
//!   client's pinned deployment) into a route of deployments;
//! - fallback rules: [`falls_back`], below;
//! - the attempt loop at one deployment, with its retries and re-sends: [`attempt`];
//! - learned quirks that re-shape a deployment's requests: [`learned`];
//! - the per-deployment circuit breaker: [`breaker`];
//! - the client-wide retry budget: [`budget`];
//! - the governance gate each attempt passes before it is sent ([`gate`]): the policies
//!   ([`policy`]), the rate-limit queues ([`pacing`], one [`lane`] per limit) and the budget
//!   reservation settled by Azure's billing rules ([`spend`]), its alerts also POSTed to a
//!   webhook ([`webhook`]).
//!
//! One deadline bounds the whole call, fallbacks and retries included.

mod attempt;
pub(crate) mod breaker;
pub(crate) mod budget;
mod gate;
pub(crate) mod lane;
pub(crate) mod learned;
pub(crate) mod outage;
pub(crate) mod pacing;
pub(crate) mod policy;
mod sliding;
pub mod spend;
mod webhook;

use std::time::{Duration, Instant};

pub(crate) use attempt::AttemptContext;

use super::exchange::Sent;
use super::payload::Payload;
use super::Foundry;
use crate::telemetry::CallTrace;
use crate::{Error, ErrorKind, Result};

impl Foundry {
    /// Sends `payload` along its route until a deployment answers or the route gives up.
    pub(crate) async fn send(
        &self,
        payload: Payload<'_>,
        stream: bool,
        trace: &CallTrace,
    ) -> Result<Sent> {
        self.inner.revocation.check()?;
        let catalog = &self.inner.catalog;
        let model = self.inner.pinned.as_deref().unwrap_or(payload.model());
        let target = catalog.resolve(model)?;
        let deadline = deadline_after(self.call_budget(payload)?)?;
        let digits = correlation_digits(fastrand::u128(..));
        // Hex digits are ASCII: the check cannot fail.
        let correlation_id = std::str::from_utf8(&digits).unwrap_or_default();
        let mut tried = Vec::new();
        let last = target.deployments.len().saturating_sub(1);
        for (index, deployment) in target.deployments.iter().enumerate() {
            let ctx = AttemptContext {
                payload,
                stream,
                deadline,
                correlation_id,
                fallback: index > 0,
                trace,
            };
            match self.attempts(deployment.as_ref(), &ctx, &mut tried).await {
                Ok(mut sent) => {
                    sent.tried = tried;
                    return Ok(sent);
                }
                Err(e) => {
                    let more = index < last && Instant::now() < deadline;
                    if more && falls_back(&e, target.fallback_on_content_filter) {
                        tracing::info!(target: "foundry_client", from = %deployment.name, error = e.kind().as_str(), "falling back");
                        continue;
                    }
                    return Err(e.with_attempts(tried));
                }
            }
        }
        Err(Error::config(format!(
            "route '{}' has no deployments",
            payload.model()
        )))
    }

    /// The call's deadline as a duration: the request's `timeout`, else `defaults.deadline_secs`.
    pub(crate) fn call_budget(&self, payload: Payload<'_>) -> Result<Duration> {
        match payload.timeout() {
            Some(t) => seconds(t, "timeout", ErrorKind::InvalidRequest),
            None => seconds(
                self.inner.catalog.defaults.deadline_secs,
                "defaults.deadline_secs",
                ErrorKind::Config,
            ),
        }
    }
}

/// Whether a route moves on to its next deployment after `err`: failures of that deployment
/// (quota, outage, slowness), never of the request or the credential, which the next one would
/// refuse as well.
pub(crate) fn falls_back(err: &Error, on_content_filter: bool) -> bool {
    match err.kind() {
        ErrorKind::RateLimit
        | ErrorKind::Server
        | ErrorKind::Timeout
        | ErrorKind::Connection
        | ErrorKind::Stream => true,
        ErrorKind::ContentFilter => on_content_filter,
        _ => false,
    }
}

/// `id` as 32 lowercase hex digits, what `format!("{id:032x}")` writes, on the stack: the
/// formatting machinery and a heap string cost about a thousand instructions a call.
fn correlation_digits(id: u128) -> [u8; 32] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    std::array::from_fn(|i| HEX[((id >> (124 - 4 * i)) & 0xf) as usize])
}

/// A number of seconds as a `Duration`, or an error of `kind` naming `what` (never a panic).
pub(crate) fn seconds(value: f64, what: &str, kind: ErrorKind) -> Result<Duration> {
    crate::config::check_seconds(value, what)
        .map(|_| Duration::from_secs_f64(value))
        .map_err(|m| Error::new(kind, m))
}

/// `now + budget`, refusing what the clock cannot represent instead of panicking.
pub(crate) fn deadline_after(budget: Duration) -> Result<Instant> {
    Instant::now().checked_add(budget).ok_or_else(|| {
        Error::invalid_request(format!(
            "a deadline {:.0}s from now cannot be represented",
            budget.as_secs_f64()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_ids_are_32_hex_digits_as_format_writes_them() {
        for id in [
            0,
            1,
            0xabc,
            u128::MAX,
            fastrand::u128(..),
            fastrand::u128(..),
        ] {
            let digits = correlation_digits(id);
            assert_eq!(std::str::from_utf8(&digits).unwrap(), format!("{id:032x}"));
        }
    }

    #[test]
    fn fallback_rules() {
        assert!(falls_back(&Error::new(ErrorKind::RateLimit, "x"), false));
        assert!(!falls_back(
            &Error::new(ErrorKind::ContentFilter, "x"),
            false
        ));
        assert!(falls_back(&Error::new(ErrorKind::ContentFilter, "x"), true));
        assert!(!falls_back(
            &Error::new(ErrorKind::Authentication, "x"),
            true
        ));
    }
}
