//! The rules every [`Ledger`] must keep, written once and run against each store.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use super::ledger::{Hold, Ledger, Line, ReserveError};
use super::money::Nanos;
use super::window::{Period, Window};

/// The runtime every ledger test steps on: a networked ledger's connection lives on it, and
/// plain threads drive steps through it concurrently.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a test runtime")
    })
}

/// Runs one ledger step to its end.
pub(crate) fn block<T>(step: impl Future<Output = T>) -> T {
    runtime().block_on(step)
}

fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn line(scope: &str, period: &Period, cap: Option<u64>) -> Line {
    Line {
        scope: scope.into(),
        period: period.clone(),
        cap: cap.map(Nanos),
        soft: Arc::from([]),
    }
}

struct Open {
    id: super::ledger::ReservationId,
    amount: u64,
    lines: Vec<usize>,
    /// A reservation whose process "dies": never settled, its lease runs out.
    expires: Option<SystemTime>,
}

/// Random reserve / settle / release / crash / clock steps against a model of the books:
/// after every step each line's settled and reserved sums match the model exactly (no lost or
/// doubled record) and no settled sum is above its cap.
pub(crate) fn random_interleavings(make: &dyn Fn() -> Box<dyn Ledger>, seeds: u64) {
    for seed in 0..seeds {
        let mut rng = fastrand::Rng::with_seed(seed);
        let ledger = make();
        let mut now = start();
        let period = Window::Total.period(now);
        let caps = [Some(1_000), Some(rng.u64(200..900)), None];
        let lines: Vec<Line> = ["org", "org/team", "deployment:gpt-5.4"]
            .iter()
            .zip(caps)
            .map(|(scope, cap)| line(scope, &period, cap))
            .collect();
        let mut settled = [0u64; 3];
        let mut open: Vec<Open> = Vec::new();
        for step in 0..400 {
            let context = format!("seed {seed}, step {step}");
            match rng.u8(0..100) {
                0..=44 => {
                    let amount = rng.u64(1..250);
                    let chosen: Vec<usize> = if rng.bool() { vec![0, 1, 2] } else { vec![0] };
                    let doomed = rng.u8(0..10) == 0;
                    let reserved_on = |i: usize| -> u64 {
                        open.iter()
                            .filter(|o| o.lines.contains(&i))
                            .map(|o| o.amount)
                            .sum()
                    };
                    let fits = chosen.iter().all(|&i| match caps[i] {
                        Some(cap) => settled[i] + reserved_on(i) + amount <= cap,
                        None => true,
                    });
                    let hold = Hold {
                        lines: chosen.iter().map(|&i| lines[i].clone()).collect(),
                        amount: Nanos(amount),
                        lease: Duration::from_secs(if doomed { 10 } else { 3_600 }),
                        ..Hold::default()
                    };
                    match block(ledger.reserve(&hold, now)) {
                        Ok(id) => {
                            assert!(fits, "{context}: admitted past a cap");
                            open.push(Open {
                                id,
                                amount,
                                lines: chosen,
                                expires: doomed.then(|| now + Duration::from_secs(10)),
                            });
                        }
                        Err(ReserveError::Overdraft(o)) => {
                            assert!(!fits, "{context}: refused with room ({o:?})")
                        }
                        Err(e) => panic!("{context}: {e:?}"),
                    }
                }
                45..=74 => {
                    let living: Vec<usize> = (0..open.len())
                        .filter(|&i| open[i].expires.is_none())
                        .collect();
                    if let Some(&pick) = living.get(rng.usize(0..living.len().max(1))) {
                        let o = open.remove(pick);
                        let actual = rng.u64(0..=o.amount);
                        block(ledger.settle(o.id, Nanos(actual), now)).expect("settles");
                        for &i in &o.lines {
                            settled[i] += actual;
                        }
                    }
                }
                75..=84 => {
                    let living: Vec<usize> = (0..open.len())
                        .filter(|&i| open[i].expires.is_none())
                        .collect();
                    if let Some(&pick) = living.get(rng.usize(0..living.len().max(1))) {
                        let o = open.remove(pick);
                        block(ledger.release(o.id)).expect("releases");
                    }
                }
                _ => {
                    now += Duration::from_secs(rng.u64(0..8));
                    open.retain(|o| o.expires.is_none_or(|e| e > now));
                }
            }
            for (i, l) in lines.iter().enumerate() {
                let b = block(ledger.balance(&l.scope, &l.period, now)).expect("balance");
                let reserved: u64 = open
                    .iter()
                    .filter(|o| o.lines.contains(&i))
                    .map(|o| o.amount)
                    .sum();
                assert_eq!(
                    b.settled,
                    Nanos(settled[i]),
                    "{context}: settled of {}",
                    l.scope
                );
                assert_eq!(
                    b.reserved,
                    Nanos(reserved),
                    "{context}: reserved of {}",
                    l.scope
                );
                if let Some(cap) = caps[i] {
                    assert!(settled[i] <= cap, "{context}: {} overshot", l.scope);
                }
            }
        }
    }
}

/// 1,000 threads each reserve and settle 7 n$ on one 4,500 n$ cap: exactly 642 are admitted
/// and the settled sum ends at 4,494, never above the cap.
pub(crate) fn concurrent_calls_on_one_budget(ledger: Arc<dyn Ledger>) {
    let now = start();
    let period = Window::Total.period(now);
    let lines = vec![line("team", &period, Some(4_500))];
    let admitted: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..1_000)
            .map(|_| {
                let ledger = Arc::clone(&ledger);
                let lines = lines.clone();
                s.spawn(move || {
                    let hold = Hold {
                        lines,
                        amount: Nanos(7),
                        lease: Duration::from_secs(60),
                        ..Hold::default()
                    };
                    match block(ledger.reserve(&hold, now)) {
                        Ok(id) => {
                            block(ledger.settle(id, Nanos(7), now)).expect("settles");
                            1
                        }
                        Err(ReserveError::Overdraft(_)) => 0,
                        Err(e) => panic!("{e:?}"),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .sum()
    });
    let b = block(ledger.balance("team", &period, now)).expect("balance");
    assert_eq!(admitted, 642);
    assert_eq!(b.settled, Nanos(4_494));
    assert_eq!(b.reserved, Nanos::ZERO);
}

/// A dead process's reservation stops counting when its lease ends, and a settle that comes
/// after that is still booked.
pub(crate) fn lapsed_reservations(ledger: &dyn Ledger) {
    let now = start();
    let period = Window::Total.period(now);
    let hold = Hold {
        lines: vec![line("team", &period, Some(100))],
        amount: Nanos(80),
        lease: Duration::from_secs(30),
        ..Hold::default()
    };
    let first = block(ledger.reserve(&hold, now)).expect("room");
    assert!(matches!(
        block(ledger.reserve(&hold, now + Duration::from_secs(29))),
        Err(ReserveError::Overdraft(_))
    ));
    let later = now + Duration::from_secs(30);
    let second = block(ledger.reserve(&hold, later)).expect("the lease ended");
    block(ledger.settle(first, Nanos(10), later)).expect("a late settle is booked");
    // A repeated settle (a retry whose first answer was lost) books nothing more.
    let _ = block(ledger.settle(first, Nanos(10), later));
    let b = block(ledger.balance("team", &period, later)).expect("balance");
    assert_eq!(b.settled, Nanos(10));
    assert_eq!(b.reserved, Nanos(80));
    block(ledger.release(second)).expect("released");
    block(ledger.release(second)).expect("a second release is a no-op");
    assert!(
        block(ledger.settle(second, Nanos(1), later)).is_err(),
        "released is gone"
    );
}

/// 80 % and 95 % each alert once in a period, at the settle that crosses them; a new period
/// (the next day) alerts again.
pub(crate) fn soft_thresholds(ledger: &dyn Ledger) {
    let now = start();
    let day = Window::Day(super::window::Zone::utc());
    let mut crossed = Vec::new();
    for (offset, amount) in [(0, 50), (1, 31), (2, 10), (3, 5), (86_400, 90)] {
        let at = now + Duration::from_secs(offset);
        let hold = Hold {
            lines: vec![Line {
                soft: Arc::from([800, 950]),
                ..line("team", &day.period(at), Some(100))
            }],
            amount: Nanos(amount),
            lease: Duration::from_secs(60),
            ..Hold::default()
        };
        let id = block(ledger.reserve(&hold, at)).expect("room");
        for alert in block(ledger.settle(id, Nanos(amount), at)).expect("settles") {
            crossed.push((offset, alert.permille, alert.settled.0));
        }
    }
    assert_eq!(
        crossed,
        vec![(1, 800, 81), (3, 950, 96), (86_400, 800, 90)],
        "once per threshold per period"
    );
}

/// A rolling window holds each charge for the window's length and then lets it go (at most one
/// bucket, 1/1,024 of the window, late); a cap counts only what the window holds, and the
/// cost of a check does not grow with the calls made: 3,000 settles over three windows.
pub(crate) fn rolling_windows(ledger: &dyn Ledger) {
    let length = Duration::from_secs(1_024); // buckets of 1 s
    let window = Window::Rolling(length);
    let mut now = start();
    let hold_at = |at: SystemTime, amount: u64, cap: u64| Hold {
        lines: vec![line("team", &window.period(at), Some(cap))],
        amount: Nanos(amount),
        lease: Duration::from_secs(60),
        ..Hold::default()
    };
    let id = block(ledger.reserve(&hold_at(now, 900, 1_000), now)).expect("room");
    block(ledger.settle(id, Nanos(900), now)).expect("settles");
    let balance = |at: SystemTime| {
        block(ledger.balance("team", &window.period(at), at))
            .expect("balance")
            .settled
    };
    // Within the window the 900 counts, and a call of 200 does not fit.
    let inside = now + length - Duration::from_secs(1);
    assert_eq!(balance(inside), Nanos(900));
    assert!(matches!(
        block(ledger.reserve(&hold_at(inside, 200, 1_000), inside)),
        Err(ReserveError::Overdraft(_))
    ));
    // A bucket after the window's end, it is gone and the call fits.
    let after = now + length + Duration::from_secs(1);
    assert_eq!(balance(after), Nanos::ZERO);
    let id = block(ledger.reserve(&hold_at(after, 200, 1_000), after)).expect("room again");
    block(ledger.release(id)).expect("released");
    // A steady stream of small charges, under a cap they never reach: the window holds a
    // window's worth of them and one bucket more at most.
    now = after;
    for _ in 0..3_000 {
        now += Duration::from_millis(1_000);
        let id = block(ledger.reserve(&hold_at(now, 1, 5_000), now)).expect("room");
        block(ledger.settle(id, Nanos(1), now)).expect("settles");
    }
    let held = balance(now).0;
    assert!(
        (1_024..=1_026).contains(&held),
        "a 1,024 s window of one charge a second holds 1,024 to 1,026 of them, not {held}"
    );
}
