//! The client-wide retry budget: a token bucket shared by every call and deployment of a
//! client (the AWS SDKs' "standard" retry mode). Retries spend from it and successes refill
//! it, so when a service fails everywhere at once the client soon stops multiplying requests
//! (each one billed or at least counted against quota) and fails fast instead.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::config::RetryBudget;
use crate::{Error, ErrorKind};

/// The bucket. Lock-free: one atomic counter of tokens.
#[derive(Debug)]
pub(crate) struct RetryBucket {
    settings: RetryBudget,
    tokens: AtomicU32,
}

/// Why a retry was not paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub cost: u32,
    pub available: u32,
}

impl RetryBucket {
    /// A full bucket.
    pub fn new(settings: RetryBudget) -> Self {
        RetryBucket {
            settings,
            tokens: AtomicU32::new(settings.capacity),
        }
    }

    /// What a retry after `err` costs: failures that hint at an unanswering service or
    /// network (timeouts, broken connections) cost more, as in the AWS SDKs.
    pub fn cost_of(&self, err: &Error) -> u32 {
        match err.kind() {
            ErrorKind::Timeout | ErrorKind::Connection => self.settings.timeout_cost,
            _ => self.settings.retry_cost,
        }
    }

    /// Takes `cost` tokens for one retry, or refuses (leaving the bucket as it was) when
    /// fewer are left. Always pays when the budget is off.
    pub fn try_spend(&self, cost: u32) -> Result<(), Refusal> {
        if !self.settings.enabled {
            return Ok(());
        }
        // A compare-and-swap loop: it repeats only while other threads change the counter
        // in between, and each repetition means one of them made progress.
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .map(|_| ())
            .map_err(|available| Refusal { cost, available })
    }

    /// Puts back `refill` tokens after a success, never beyond the capacity.
    pub fn refill(&self) {
        if !self.settings.enabled || self.settings.refill == 0 {
            return;
        }
        let capacity = self.settings.capacity;
        let refill = self.settings.refill;
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < capacity).then(|| t.saturating_add(refill).min(capacity))
            });
    }

    pub fn capacity(&self) -> u32 {
        self.settings.capacity
    }

    #[cfg(test)]
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

/// The last error, now also saying that the budget stopped the retry and what to do.
pub(crate) fn budget_spent(err: Error, refusal: Refusal, capacity: u32) -> Error {
    let hint = format!(
        "the client's retry budget is spent ({} of {capacity} tokens left, a retry costs {}): \
         recent failures used it up, so this call failed fast instead of retrying, and each \
         success refills it. Check the service's health, add a fallback deployment to the \
         route, or raise `defaults.retry_budget.capacity`",
        refusal.available, refusal.cost
    );
    err.with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(capacity: u32) -> RetryBudget {
        RetryBudget {
            enabled: true,
            capacity,
            retry_cost: 5,
            timeout_cost: 10,
            refill: 1,
        }
    }

    #[test]
    fn retries_spend_successes_refill_up_to_capacity() {
        let bucket = RetryBucket::new(settings(12));
        assert_eq!(bucket.try_spend(5), Ok(()));
        assert_eq!(bucket.try_spend(5), Ok(()));
        assert_eq!(
            bucket.try_spend(5),
            Err(Refusal {
                cost: 5,
                available: 2
            })
        );
        assert_eq!(bucket.available(), 2, "a refusal takes nothing");
        for _ in 0..3 {
            bucket.refill();
        }
        assert_eq!(bucket.try_spend(5), Ok(()));
        for _ in 0..100 {
            bucket.refill();
        }
        assert_eq!(bucket.available(), 12);
    }

    #[test]
    fn timeouts_cost_more_and_an_off_budget_always_pays() {
        let bucket = RetryBucket::new(settings(100));
        assert_eq!(bucket.cost_of(&Error::new(ErrorKind::Server, "503")), 5);
        assert_eq!(bucket.cost_of(&Error::new(ErrorKind::RateLimit, "429")), 5);
        assert_eq!(bucket.cost_of(&Error::new(ErrorKind::Timeout, "t")), 10);
        assert_eq!(bucket.cost_of(&Error::new(ErrorKind::Connection, "c")), 10);
        let off = RetryBucket::new(RetryBudget {
            enabled: false,
            ..settings(1)
        });
        for _ in 0..1_000 {
            assert_eq!(off.try_spend(5), Ok(()));
        }
    }

    #[test]
    fn concurrent_spenders_never_overdraw() {
        let bucket = std::sync::Arc::new(RetryBucket::new(settings(500)));
        let paid: u32 = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let bucket = bucket.clone();
                    s.spawn(move || (0..100).filter(|_| bucket.try_spend(5).is_ok()).count())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default() as u32)
                .sum()
        });
        assert_eq!(paid, 100, "500 tokens pay exactly 100 retries of 5");
        assert_eq!(bucket.available(), 0);
    }

    #[test]
    fn the_spent_hint_names_the_setting() {
        let err = budget_spent(
            Error::new(ErrorKind::Server, "503"),
            Refusal {
                cost: 5,
                available: 3,
            },
            500,
        );
        assert_eq!(err.kind(), ErrorKind::Server);
        assert!(err.hint.contains("retry budget is spent"));
        assert!(err.hint.contains("defaults.retry_budget.capacity"));
    }
}
