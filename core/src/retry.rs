//! When to try again and how long to wait.

use std::time::Duration;

use crate::config::RetryPolicy;
use crate::Error;

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

/// The most jitter added to a server hint.
const MAX_HINT_JITTER: Duration = Duration::from_secs(1);

/// A server hint plus a small random delay (up to 10 % of the hint, at most a second), so a
/// fleet told "retry after 20 s" at the same moment does not come back in the same
/// millisecond. Never below the hint, and never past `ceiling` (the longest wait allowed, or
/// what is left of the deadline): the jitter only uses room that is there.
fn jittered(hint: Duration, ceiling: Duration) -> Duration {
    let room = ceiling
        .saturating_sub(hint)
        .min(MAX_HINT_JITTER)
        .min(hint / 10);
    let room_ms = u64::try_from(room.as_millis()).unwrap_or(u64::MAX);
    hint + Duration::from_millis(fastrand::u64(0..=room_ms))
}

/// Decides whether `err` (after `retries_done` retries on this deployment) is retried, and
/// when. A server hint is honoured, plus a little jitter; one longer than
/// `max_server_wait_ms` ends the call instead, as does a wait past the deadline.
pub(crate) fn decide(
    policy: &RetryPolicy,
    err: &Error,
    retries_done: u32,
    time_left: Duration,
) -> Decision {
    if !err.retryable || retries_done >= policy.max_retries {
        return Decision::GiveUp;
    }
    let max_server_wait = Duration::from_millis(policy.max_server_wait_ms);
    let wait = match err.retry_after {
        Some(hint) if hint > max_server_wait => return Decision::GiveUp,
        Some(hint) if hint >= time_left => return Decision::GiveUp,
        // Just below the deadline, so the jittered wait still ends before it.
        Some(hint) => jittered(
            hint,
            max_server_wait.min(time_left.saturating_sub(Duration::from_millis(1))),
        ),
        None => backoff(policy, retries_done),
    };
    if wait >= time_left {
        return Decision::GiveUp;
    }
    Decision::RetryAfter(wait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

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
        for _ in 0..200 {
            // 40 ms plus at most 10 % jitter.
            match decide(&p, &err, 0, Duration::from_secs(10)) {
                Decision::RetryAfter(w) => assert!(
                    w >= Duration::from_millis(40) && w <= Duration::from_millis(44),
                    "{w:?}"
                ),
                Decision::GiveUp => panic!("a 40 ms hint is retried"),
            }
        }
        let long =
            Error::new(ErrorKind::RateLimit, "429").with_retry_after(Some(Duration::from_secs(60)));
        assert_eq!(
            decide(&p, &long, 0, Duration::from_secs(100)),
            Decision::GiveUp
        );
    }

    #[test]
    fn hint_jitter_is_bounded_by_a_second_the_longest_wait_and_the_deadline() {
        let p = policy();
        let hinted = |ms: u64| {
            Error::new(ErrorKind::RateLimit, "429")
                .with_retry_after(Some(Duration::from_millis(ms)))
        };
        let mut spread = std::collections::HashSet::new();
        for _ in 0..200 {
            // 10 % of 4.5 s would be 450 ms; max_server_wait_ms (5 s) leaves 500 ms.
            let Decision::RetryAfter(w) = decide(&p, &hinted(4_500), 0, Duration::from_secs(60))
            else {
                panic!("a 4.5 s hint is retried")
            };
            assert!(w >= Duration::from_millis(4_500) && w <= Duration::from_millis(4_950));
            spread.insert(w);
            // The hint is exactly the longest wait allowed: no room for jitter.
            assert_eq!(
                decide(&p, &hinted(5_000), 0, Duration::from_secs(60)),
                Decision::RetryAfter(Duration::from_millis(5_000))
            );
            // Jitter never carries the wait to the deadline.
            let Decision::RetryAfter(w) =
                decide(&p, &hinted(1_000), 0, Duration::from_millis(1_020))
            else {
                panic!("a 1 s hint fits in 1.02 s")
            };
            assert!(w >= Duration::from_millis(1_000) && w < Duration::from_millis(1_020));
            // A zero hint (an HTTP date in the past) stays zero.
            assert_eq!(
                decide(&p, &hinted(0), 0, Duration::from_secs(60)),
                Decision::RetryAfter(Duration::ZERO)
            );
        }
        assert!(spread.len() > 1, "the jitter varies");
        let mut long = policy();
        long.max_server_wait_ms = 3_600_000;
        for _ in 0..200 {
            // 10 % of an hint of 60 s is 6 s: capped at one second.
            let Decision::RetryAfter(w) =
                decide(&long, &hinted(60_000), 0, Duration::from_secs(600))
            else {
                panic!("a 60 s hint is retried under a one-hour limit")
            };
            assert!(w >= Duration::from_secs(60) && w <= Duration::from_secs(61));
        }
        assert_eq!(
            decide(&p, &hinted(2_000), 0, Duration::from_millis(2_000)),
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
}
