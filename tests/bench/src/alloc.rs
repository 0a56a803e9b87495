//! A counting global allocator, off unless a measurement turns it on: with counting off an
//! allocation costs one relaxed load more than the system allocator, so timings are not
//! disturbed; with it on, heap bytes, allocation counts and the peak are exact.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, Ordering::Relaxed};

pub struct CountingAlloc;

static ENABLED: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static ALLOCATED: AtomicU64 = AtomicU64::new(0);
static COUNT: AtomicU64 = AtomicU64::new(0);

fn grew(size: usize) {
    let live = LIVE.fetch_add(size as isize, Relaxed) + size as isize;
    PEAK.fetch_max(live, Relaxed);
    ALLOCATED.fetch_add(size as u64, Relaxed);
    COUNT.fetch_add(1, Relaxed);
}

fn shrank(size: usize) {
    LIVE.fetch_sub(size as isize, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// bookkeeping only touches atomics and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && ENABLED.load(Relaxed) {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && ENABLED.load(Relaxed) {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ENABLED.load(Relaxed) {
            shrank(layout.size());
        }
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && ENABLED.load(Relaxed) {
            shrank(layout.size());
            grew(new_size);
        }
        p
    }
}

/// Turns counting on or off. Blocks freed while counting was off are not subtracted, so
/// `live` is meaningful as a difference between two snapshots taken while counting.
pub fn set_counting(on: bool) {
    ENABLED.store(on, Relaxed);
}

/// Heap counters at one instant.
#[derive(Debug, Clone, Copy)]
pub struct HeapSnapshot {
    pub live: isize,
    pub allocated: u64,
    pub count: u64,
}

pub fn snapshot() -> HeapSnapshot {
    HeapSnapshot {
        live: LIVE.load(Relaxed),
        allocated: ALLOCATED.load(Relaxed),
        count: COUNT.load(Relaxed),
    }
}

/// Restarts peak tracking from the current live size.
pub fn reset_peak() {
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}

pub fn peak() -> isize {
    PEAK.load(Relaxed)
}
