//! A sliding-window log: at most `limit` units (tokens or requests) admitted in any window of
//! `length`, the way Azure evaluates a quota over short windows. Unlike a refilling bucket,
//! whose burst plus refill can put twice its share into one window, the log never does, so a
//! server counting over fixed or sliding windows of that length sees no more than its share.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct SlidingWindow {
    length: Duration,
    limit: f64,
    /// What was admitted, oldest first: (when, grant id, amount).
    entries: VecDeque<(Instant, u64, f64)>,
    used: f64,
}

impl SlidingWindow {
    /// `per_minute` units a minute, enforced over windows of `length` (widened so that one
    /// window admits at least one unit: 3 requests a minute become 1 per 20 s).
    pub fn new(per_minute: f64, length: Duration) -> SlidingWindow {
        let minute = Duration::from_secs(60);
        let length = match per_minute * length.as_secs_f64() / 60.0 {
            share if share >= 1.0 || !share.is_finite() => length,
            _ => minute.div_f64(per_minute.max(1.0)).min(minute),
        };
        SlidingWindow {
            limit: (per_minute * length.as_secs_f64() / 60.0).max(1.0),
            length,
            entries: VecDeque::new(),
            used: 0.0,
        }
    }

    pub fn limit(&self) -> f64 {
        self.limit
    }

    /// Forgets what left the window by `now`.
    pub fn expire(&mut self, now: Instant) {
        while let Some(&(at, _, amount)) = self.entries.front() {
            if at + self.length > now {
                break;
            }
            self.used -= amount;
            self.entries.pop_front();
        }
        if self.entries.is_empty() {
            // No drift from adding and subtracting floats.
            self.used = 0.0;
        }
    }

    /// What can be admitted now (after [`SlidingWindow::expire`]).
    pub fn room(&self) -> f64 {
        (self.limit - self.used).max(0.0)
    }

    pub fn admit(&mut self, now: Instant, id: u64, amount: f64) {
        self.entries.push_back((now, id, amount));
        self.used += amount;
    }

    /// Grant `id` used `by` less than it was given (its usage came in below the estimate).
    pub fn refund(&mut self, id: u64, by: f64) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.1 == id) {
            let by = by.clamp(0.0, entry.2);
            entry.2 -= by;
            self.used -= by;
        }
    }

    /// How long from `now` until `amount` more fits, after `ahead` units that calls before
    /// it will take (`amount` at most the limit). Calls ahead beyond what the current entries
    /// free are admitted in later windows: a window each per limit's worth.
    pub fn wait_for(&self, now: Instant, amount: f64, ahead: f64) -> Duration {
        let mut missing = ahead + amount - self.room();
        if missing <= 0.0 {
            return Duration::ZERO;
        }
        for &(at, _, freed) in &self.entries {
            missing -= freed;
            if missing <= 0.0 {
                return (at + self.length).saturating_duration_since(now);
            }
        }
        let last = self.entries.back().map_or(Duration::ZERO, |(at, _, _)| {
            (*at + self.length).saturating_duration_since(now)
        });
        let windows = (missing / self.limit).ceil();
        last + self.length.mul_f64(windows.min(1e6))
    }

    /// Nothing more is admitted for one window: the server said its quota is spent.
    pub fn fill(&mut self, now: Instant) {
        let room = self.room();
        if room > 0.0 {
            self.admit(now, u64::MAX, room);
        }
    }

    /// At most `remaining` more units in this window (what the server says is left).
    pub fn tighten(&mut self, now: Instant, remaining: f64) {
        let excess = self.room() - remaining.max(0.0);
        if excess > 0.0 {
            self.admit(now, u64::MAX, excess);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_any_window() {
        // 600 a minute over 10 s: 100 a window.
        let mut w = SlidingWindow::new(600.0, Duration::from_secs(10));
        let start = Instant::now();
        w.admit(start, 1, 100.0);
        assert_eq!(w.room(), 0.0);
        assert_eq!(w.wait_for(start, 50.0, 0.0), Duration::from_secs(10));
        tokio::time::advance(Duration::from_secs(10)).await;
        w.expire(Instant::now());
        assert_eq!(w.room(), 100.0);
    }

    #[tokio::test(start_paused = true)]
    async fn refunds_and_waits_behind_a_queue() {
        let mut w = SlidingWindow::new(600.0, Duration::from_secs(10));
        let start = Instant::now();
        w.admit(start, 1, 60.0);
        tokio::time::advance(Duration::from_secs(4)).await;
        w.admit(Instant::now(), 2, 40.0);
        w.refund(1, 20.0);
        assert_eq!(w.room(), 20.0);
        // 30 more: when the first grant (now 40) leaves, at 10 s: 6 s from now.
        assert_eq!(
            w.wait_for(Instant::now(), 30.0, 0.0),
            Duration::from_secs(6)
        );
        // Behind 150 queued: past both entries (freeing 80 + 20 room), then a window per 100.
        assert_eq!(
            w.wait_for(Instant::now(), 30.0, 150.0),
            Duration::from_secs(20)
        );
    }

    #[test]
    fn a_small_quota_widens_the_window() {
        // 3 requests a minute over 1 s windows: 1 per 20 s.
        let w = SlidingWindow::new(3.0, Duration::from_secs(1));
        assert_eq!((w.limit, w.length), (1.0, Duration::from_secs(20)));
    }
}
