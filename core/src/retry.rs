//! When to try again and how long to wait.

use std::time::Duration;

use crate::config::RetryPolicy;
use crate::{Error, ErrorKind};

/// What to do after a failed attempt.
#[derive(Debug, PartialEq)]
pub(crate) enum Decision {
    RetryAfter(Duration),
    GiveUp,
}

/// Exponential backoff with full jitter: a random wait in [d/2, d] where d doubles per
/// attempt up to `max_delay_ms`, so a fleet of clients does not retry in lockstep.
pub(crate) fn backoff(policy: &RetryPolicy, retry_index: u32) -> Duration {
    let exp = policy
        .base_delay_ms
        .saturating_mul(1u64 << retry_index.min(20));
    let cap = exp.min(policy.max_delay_ms).max(1);
    let low = cap / 2;
    Duration::from_millis(low + fastrand::u64(0..=cap - low))
}

/// Decides whether `err` (after `retries_done` retries on this deployment) is retried, and
/// when. A server hint is honoured as given; one longer than `max_server_wait_ms` ends the
/// call instead, as does a wait past the deadline.
pub(crate) fn decide(
    policy: &RetryPolicy,
    err: &Error,
    retries_done: u32,
    time_left: Duration,
) -> Decision {
    if !err.retryable || retries_done >= policy.max_retries {
        return Decision::GiveUp;
    }
    let wait = match err.retry_after {
        Some(hint) if hint > Duration::from_millis(policy.max_server_wait_ms) => {
            return Decision::GiveUp
        }
        Some(hint) => hint,
        None => backoff(policy, retries_done),
    };
    if wait >= time_left {
        return Decision::GiveUp;
    }
    Decision::RetryAfter(wait)
}

/// Whether a route moves on to its next deployment after `err`.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            base_delay_ms: 100,
            max_delay_ms: 1_000,
            max_server_wait_ms: 5_000,
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = policy();
        for _ in 0..200 {
            let first = backoff(&p, 0);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let late = backoff(&p, 10);
            assert!(late >= Duration::from_millis(500) && late <= Duration::from_millis(1_000));
        }
    }

    #[test]
    fn server_hint_wins_and_long_hints_give_up() {
        let p = policy();
        let err = Error::new(ErrorKind::RateLimit, "429")
            .with_retry_after(Some(Duration::from_millis(40)));
        assert_eq!(
            decide(&p, &err, 0, Duration::from_secs(10)),
            Decision::RetryAfter(Duration::from_millis(40))
        );
        let long =
            Error::new(ErrorKind::RateLimit, "429").with_retry_after(Some(Duration::from_secs(60)));
        assert_eq!(
            decide(&p, &long, 0, Duration::from_secs(100)),
            Decision::GiveUp
        );
    }

    #[test]
    fn never_retries_client_errors_nor_past_the_budget_or_deadline() {
        let p = policy();
        for kind in [
            ErrorKind::BadRequest,
            ErrorKind::PermissionDenied,
            ErrorKind::NotFound,
            ErrorKind::ContentFilter,
        ] {
            assert_eq!(
                decide(&p, &Error::new(kind, "x"), 0, Duration::from_secs(10)),
                Decision::GiveUp
            );
        }
        let server = Error::new(ErrorKind::Server, "500");
        assert_eq!(
            decide(&p, &server, 3, Duration::from_secs(10)),
            Decision::GiveUp
        );
        assert_eq!(
            decide(&p, &server, 0, Duration::from_millis(1)),
            Decision::GiveUp
        );
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
