//! A sliding-window log: at most `limit` units (tokens or requests) admitted in any window of
//! `length`, the way Azure evaluates a quota over short windows. Unlike a refilling bucket,
//! whose burst plus refill can put twice its share into one window, the log never does, so a
//! server counting over fixed or sliding windows of that length sees no more than its share.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// Slots per window: what a window holds is kept per slot, so the log has at most this many
/// entries (plus one) however many calls a second pass, and each step costs the same.
const SLOTS: u32 = 64;

#[derive(Debug)]
pub(crate) struct SlidingWindow {
    length: Duration,
    slot: Duration,
    limit: f64,
    /// Slot numbers are counted from here.
    epoch: Instant,
    /// What was admitted, oldest first: (slot number, amount).
    entries: VecDeque<(u64, f64)>,
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
            slot: length / SLOTS,
            epoch: Instant::now(),
            entries: VecDeque::new(),
            used: 0.0,
        }
    }

    pub fn limit(&self) -> f64 {
        self.limit
    }

    fn slot_of(&self, at: Instant) -> u64 {
        (at.saturating_duration_since(self.epoch).as_nanos() / self.slot.as_nanos().max(1)) as u64
    }

    /// When what was admitted in `slot` has surely left every window: a whole window after the
    /// slot's end, so counting by slots never lets more than the limit into one window.
    fn leaves_at(&self, slot: u64) -> Instant {
        let slot_end = self
            .slot
            .saturating_mul(u32::try_from(slot + 1).unwrap_or(u32::MAX));
        self.epoch + slot_end + self.length
    }

    /// Forgets what left the window by `now`.
    pub fn expire(&mut self, now: Instant) {
        while let Some(&(slot, amount)) = self.entries.front() {
            if self.leaves_at(slot) > now {
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

    pub fn admit(&mut self, now: Instant, amount: f64) {
        let slot = self.slot_of(now);
        match self.entries.back_mut() {
            Some(last) if last.0 == slot => last.1 += amount,
            _ => self.entries.push_back((slot, amount)),
        }
        self.used += amount;
    }

    /// A grant made at `at` used `by` less than it was given (its usage came in below the
    /// estimate); nothing when it already left the window.
    pub fn refund(&mut self, at: Instant, by: f64) {
        let slot = self.slot_of(at);
        let index = self.entries.partition_point(|e| e.0 < slot);
        if let Some(entry) = self.entries.get_mut(index).filter(|e| e.0 == slot) {
            let by = by.clamp(0.0, entry.1);
            entry.1 -= by;
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
        for &(slot, freed) in &self.entries {
            missing -= freed;
            if missing <= 0.0 {
                return self.leaves_at(slot).saturating_duration_since(now);
            }
        }
        let last = self.entries.back().map_or(Duration::ZERO, |(slot, _)| {
            self.leaves_at(*slot).saturating_duration_since(now)
        });
        let windows = (missing / self.limit).ceil();
        last + self.length.mul_f64(windows.min(1e6))
    }

    /// Nothing more is admitted for one window: the server said its quota is spent.
    pub fn fill(&mut self, now: Instant) {
        let room = self.room();
        if room > 0.0 {
            self.admit(now, room);
        }
    }

    /// At most `remaining` more units in this window (what the server says is left).
    pub fn tighten(&mut self, now: Instant, remaining: f64) {
        let excess = self.room() - remaining.max(0.0);
        if excess > 0.0 {
            self.admit(now, excess);
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
        w.admit(start, 100.0);
        assert_eq!(w.room(), 0.0);
        // Until the slot's end (10 s / 64) plus the window.
        let slot = Duration::from_secs(10) / SLOTS;
        assert_eq!(w.wait_for(start, 50.0, 0.0), Duration::from_secs(10) + slot);
        tokio::time::advance(Duration::from_secs(10)).await;
        w.expire(Instant::now());
        assert_eq!(w.room(), 0.0, "still inside the window by slot");
        tokio::time::advance(slot).await;
        w.expire(Instant::now());
        assert_eq!(w.room(), 100.0);
    }

    #[tokio::test(start_paused = true)]
    async fn refunds_and_waits_behind_a_queue() {
        let mut w = SlidingWindow::new(600.0, Duration::from_secs(10));
        let slot = Duration::from_secs(10) / SLOTS;
        let start = Instant::now();
        w.admit(start, 60.0);
        tokio::time::advance(Duration::from_secs(4)).await;
        let later = Instant::now();
        w.admit(later, 40.0);
        w.refund(start, 20.0);
        assert_eq!(w.room(), 20.0);
        // 30 more: when the first grant (now 40) leaves, at 10 s and a slot: 6 s from now.
        assert_eq!(w.wait_for(later, 30.0, 0.0), Duration::from_secs(6) + slot);
        // Behind 150 queued: past both entries (freeing 80 + 20 room), then a window per 100.
        let second_leaves = w.wait_for(later, 80.0, 0.0);
        assert_eq!(
            w.wait_for(later, 30.0, 150.0),
            second_leaves + Duration::from_secs(10)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn calls_in_one_slot_share_an_entry() {
        let mut w = SlidingWindow::new(6_000_000.0, Duration::from_secs(10));
        for _ in 0..10_000 {
            w.admit(Instant::now(), 1.0);
        }
        assert_eq!(w.entries.len(), 1);
        w.refund(Instant::now(), 0.5);
        assert_eq!(w.room(), 1_000_000.0 - 9_999.5);
    }

    #[test]
    fn a_small_quota_widens_the_window() {
        // 3 requests a minute over 1 s windows: 1 per 20 s.
        let w = SlidingWindow::new(3.0, Duration::from_secs(1));
        assert_eq!((w.limit, w.length), (1.0, Duration::from_secs(20)));
    }
}
