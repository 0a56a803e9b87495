//! The settled spend of a rolling window, in bounded space and constant time per step.
//!
//! Keeping every charge of a `30d` window and summing them at each check costs memory and time
//! in proportion to the calls made in the window: millions of entries for a busy service. So
//! every ledger counts a rolling window in [`BUCKETS`] buckets of equal width (the window's
//! length / 1,024, at least 1 ms) with a running total. A charge is dropped when its whole
//! bucket has left the window: it counts for at least the window's length, never less (a hard
//! budget can only be stricter), and for at most one bucket's width more (0.1 % of the window).
//!
//! The in-memory ledger uses [`RollingSum`]; the SQLite and Redis ledgers store the same
//! buckets in their own tables and keys, with [`bucket_ms`] deciding the width for all three.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use super::money::Nanos;

/// How many buckets a rolling window is cut into.
pub const BUCKETS: u64 = 1_024;

/// The width of one bucket of a window of `length`, in ms.
pub fn bucket_ms(length: Duration) -> u64 {
    (length.as_millis() as u64 / BUCKETS).max(1)
}

/// Milliseconds since the Unix epoch (0 before it).
pub fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The first bucket still (partly) inside the window that starts at `since`: a bucket leaves
/// once its end is at or before `since`.
pub fn first_live_bucket(since_ms: u64, width_ms: u64) -> u64 {
    since_ms / width_ms
}

/// One rolling window's charges, bucketed, oldest first, with their total.
#[derive(Debug, Default)]
pub struct RollingSum {
    /// (bucket number, amount); bucket numbers increase from front to back.
    buckets: VecDeque<(u64, Nanos)>,
    total: Nanos,
}

impl RollingSum {
    /// Adds a charge made at `now` to a window of `length`. A clock that went back adds to
    /// the newest bucket: the charge then leaves later, never sooner.
    pub fn add(&mut self, now: SystemTime, length: Duration, amount: Nanos) {
        let bucket = epoch_ms(now) / bucket_ms(length);
        match self.buckets.back_mut() {
            Some((newest, sum)) if *newest >= bucket => *sum = sum.saturating_add(amount),
            _ => self.buckets.push_back((bucket, amount)),
        }
        self.total = self.total.saturating_add(amount);
    }

    /// What was charged in the window of `length` that starts at `since`.
    pub fn since(&mut self, since: SystemTime, length: Duration) -> Nanos {
        let first = first_live_bucket(epoch_ms(since), bucket_ms(length));
        while let Some(&(bucket, amount)) = self.buckets.front() {
            if bucket >= first {
                break;
            }
            self.buckets.pop_front();
            self.total = self.total.saturating_sub(amount);
        }
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }

    #[test]
    fn a_charge_counts_for_the_whole_window_and_at_most_one_bucket_more() {
        let length = Duration::from_secs(1_024); // 1 s buckets
        let mut sum = RollingSum::default();
        sum.add(at(10_500), length, Nanos(7));
        // `since` is where the window starts: a window that starts before the charge holds it,
        // and so does one that starts within the charge's bucket (10 s to 11 s).
        assert_eq!(sum.since(at(10_000), length), Nanos(7));
        assert_eq!(sum.since(at(10_500), length), Nanos(7));
        assert_eq!(sum.since(at(10_999), length), Nanos(7));
        // Once the window starts at the bucket's end, the charge is gone.
        assert_eq!(sum.since(at(11_000), length), Nanos::ZERO);
    }

    #[test]
    fn the_total_follows_charges_in_and_out_and_space_stays_bounded() {
        let length = Duration::from_secs(60);
        let width = bucket_ms(length);
        let mut sum = RollingSum::default();
        let mut charges = Vec::new();
        // A charge every 7 ms for ten windows, checked against a plain sum each time.
        for i in 0..90_000u64 {
            let now = 1_000_000 + i * 7;
            sum.add(at(now), length, Nanos(i % 13 + 1));
            charges.push((now, i % 13 + 1));
            let since = now - 60_000;
            let total = sum.since(at(since), length);
            if i % 997 == 0 {
                let first = first_live_bucket(since, width);
                let expected: u64 = charges
                    .iter()
                    .filter(|(t, _)| t / width >= first)
                    .map(|(_, a)| a)
                    .sum();
                assert_eq!(total, Nanos(expected));
            }
            // 60 s in buckets of 58 ms: 1,035 of them at most, whatever the calls.
            assert!(sum.buckets.len() as u64 <= 60_000 / width + 2);
        }
    }

    #[test]
    fn a_clock_that_goes_back_keeps_the_charge() {
        let length = Duration::from_secs(1_024);
        let mut sum = RollingSum::default();
        sum.add(at(50_000), length, Nanos(1));
        sum.add(at(20_000), length, Nanos(2));
        assert_eq!(sum.since(at(49_000), length), Nanos(3));
        assert_eq!(sum.since(at(51_000), length), Nanos::ZERO);
    }
}
