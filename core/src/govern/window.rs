//! Budget windows. A calendar window (day, ISO week, month) is counted in an IANA time zone,
//! so a month's budget matches the Azure invoice month instead of drifting like a `30d` timer;
//! its period is part of the ledger key ("month:2026-12@Europe/Berlin"), so nothing resets:
//! the next period is a new key. A rolling window sums what was spent in the last duration.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// How a budget's spend is grouped in time.
#[derive(Clone, Debug, PartialEq)]
pub enum Window {
    Day(Zone),
    Week(Zone),
    Month(Zone),
    /// Everything ever spent.
    Total,
    /// What was spent in the last `Duration`.
    Rolling(Duration),
}

/// An IANA time zone, by name.
#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Zone {
    /// The zone named `name` ("UTC", "Europe/Berlin"), from the database built into the
    /// library, so a container without tzdata counts the same days.
    pub fn named(name: &str) -> Result<Zone, String> {
        TimeZone::get(name)
            .map(|tz| Zone {
                name: name.to_string(),
                tz,
            })
            .map_err(|_| {
                format!("'{name}' is not an IANA time zone (such as UTC or Europe/Berlin)")
            })
    }

    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            tz: TimeZone::UTC,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// One period of a window: its ledger key, and for a rolling window the instant its sum
/// starts from. The key is shared, not copied: every call of a period names the same one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    pub key: Arc<str>,
    pub since: Option<SystemTime>,
}

impl Period {
    /// A rolling period's length, which its key names (`rolling:1800s`): the same at the
    /// reservation and the settle, and in every ledger that stored the key.
    pub fn rolling_length(&self) -> Option<Duration> {
        let secs = self.key.strip_prefix("rolling:")?.strip_suffix('s')?;
        secs.parse().ok().map(Duration::from_secs)
    }
}

/// A window's current period, kept until `now` leaves it: a calendar period's key changes only
/// at its boundary, so a call pays a clock comparison instead of a zone conversion and a
/// format (issue 11 measured those at a sixth of the governance decision).
#[derive(Debug, Default)]
pub struct PeriodCache {
    current: Mutex<Option<Cached>>,
}

#[derive(Debug)]
struct Cached {
    /// The instants the key holds for: `[from, until)`; None for a rolling window, whose key
    /// never changes (only its start moves with `now`).
    span: Option<(SystemTime, SystemTime)>,
    period: Period,
}

impl Window {
    /// Reads `day`, `week`, `month`, `total`, or a rolling duration (`90s`, `30m`, `12h`, `30d`),
    /// calendar windows counted in `zone`.
    pub fn parse(text: &str, zone: Zone) -> Result<Window, String> {
        let text = text.trim();
        let rolling = |digits: &str, unit: u64| -> Result<Window, String> {
            let n: u64 = digits.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("window '{text}': the count must be a whole number above 0")
            })?;
            // A year at most: a longer window is `total`.
            n.checked_mul(unit)
                .filter(|s| *s <= 366 * 86_400)
                .map(|s| Window::Rolling(Duration::from_secs(s)))
                .ok_or_else(|| format!("window '{text}' is longer than a year: use `total`"))
        };
        match text {
            "day" | "daily" => Ok(Window::Day(zone)),
            "week" | "weekly" => Ok(Window::Week(zone)),
            "month" | "monthly" => Ok(Window::Month(zone)),
            "total" => Ok(Window::Total),
            _ => match text.char_indices().last() {
                Some((at, 's')) => rolling(&text[..at], 1),
                Some((at, 'm')) => rolling(&text[..at], 60),
                Some((at, 'h')) => rolling(&text[..at], 3_600),
                Some((at, 'd')) => rolling(&text[..at], 86_400),
                _ => Err(format!(
                    "window '{text}' is not one of day, week, month, total or a duration such as 30m, 12h, 30d"
                )),
            },
        }
    }

    /// The period `now` falls in, from `cache` while `now` is still inside it.
    pub fn period_cached(&self, now: SystemTime, cache: &PeriodCache) -> Period {
        let mut current = cache.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = current.as_ref() {
            match (c.span, self) {
                (Some((from, until)), _) if from <= now && now < until => return c.period.clone(),
                (None, Window::Rolling(length)) => {
                    return Period {
                        key: Arc::clone(&c.period.key),
                        since: Some(rolling_start(now, *length)),
                    }
                }
                _ => {}
            }
        }
        let period = self.period(now);
        let span = match self {
            Window::Rolling(_) => None,
            // A span jiff cannot compute is not cached: the next call computes it again.
            _ => Some(self.span(now).unwrap_or((now, now))),
        };
        *current = Some(Cached {
            span,
            period: period.clone(),
        });
        period
    }

    /// The instants of the calendar period `now` falls in: `[start, next start)`.
    fn span(&self, now: SystemTime) -> Option<(SystemTime, SystemTime)> {
        let (zone, first, next): (&Zone, DateStep, DateStep) = match self {
            Window::Day(z) => (z, Some, |d| d.tomorrow().ok()),
            Window::Week(z) => (
                z,
                |d| {
                    let back = d.weekday().to_monday_zero_offset();
                    d.checked_sub(i64::from(back).days()).ok()
                },
                |d| d.checked_add(7.days()).ok(),
            ),
            Window::Month(z) => (
                z,
                |d| Some(d.first_of_month()),
                |d| d.checked_add(1.month()).ok(),
            ),
            Window::Total => return Some((SystemTime::UNIX_EPOCH, far_future())),
            Window::Rolling(_) => return None,
        };
        let today = Timestamp::try_from(now)
            .ok()?
            .to_zoned(zone.tz.clone())
            .date();
        let start = first(today)?;
        let midnight = |d: Date| -> Option<SystemTime> {
            let z = d.to_zoned(zone.tz.clone()).ok()?.start_of_day().ok()?;
            Some(SystemTime::from(z.timestamp()))
        };
        Some((midnight(start)?, midnight(next(start)?)?))
    }

    /// The period `now` falls in.
    pub fn period(&self, now: SystemTime) -> Period {
        let calendar = |zone: &Zone, label: &str, id: String| Period {
            key: format!("{label}:{id}@{}", zone.name).into(),
            since: None,
        };
        let zoned = |zone: &Zone| {
            Timestamp::try_from(now)
                .unwrap_or(Timestamp::UNIX_EPOCH)
                .to_zoned(zone.tz.clone())
        };
        match self {
            Window::Day(zone) => {
                let z = zoned(zone);
                calendar(zone, "day", z.date().to_string())
            }
            Window::Week(zone) => {
                let week = zoned(zone).date().iso_week_date();
                calendar(
                    zone,
                    "week",
                    format!("{:04}-W{:02}", week.year(), week.week()),
                )
            }
            Window::Month(zone) => {
                let z = zoned(zone);
                calendar(zone, "month", format!("{:04}-{:02}", z.year(), z.month()))
            }
            Window::Total => Period {
                key: Arc::from("total"),
                since: None,
            },
            Window::Rolling(length) => Period {
                key: format!("rolling:{}s", length.as_secs()).into(),
                since: Some(rolling_start(now, *length)),
            },
        }
    }

    /// How the window is written in settings, for messages and `foundry spend`.
    pub fn describe(&self) -> String {
        match self {
            Window::Day(z) => format!("day ({})", z.name),
            Window::Week(z) => format!("week ({})", z.name),
            Window::Month(z) => format!("month ({})", z.name),
            Window::Total => "total".into(),
            Window::Rolling(d) => format!("rolling {}s", d.as_secs()),
        }
    }
}

/// From a date to another (the first day of its period, the first day of the next).
type DateStep = fn(Date) -> Option<Date>;

/// Where a rolling window of `length` ending at `now` starts.
fn rolling_start(now: SystemTime, length: Duration) -> SystemTime {
    now.checked_sub(length).unwrap_or(SystemTime::UNIX_EPOCH)
}

/// Later than any call: the end of the `total` window.
fn far_future() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> SystemTime {
        let ts: Timestamp = rfc3339.parse().unwrap();
        SystemTime::from(ts)
    }

    #[test]
    fn calendar_periods_follow_the_zone() {
        // 23:30 UTC on 30 November is already 1 December in Berlin.
        let now = at("2026-11-30T23:30:00Z");
        let berlin = Zone::named("Europe/Berlin").unwrap();
        assert_eq!(
            Window::Month(berlin.clone()).period(now).key.as_ref(),
            "month:2026-12@Europe/Berlin"
        );
        assert_eq!(
            Window::Month(Zone::utc()).period(now).key.as_ref(),
            "month:2026-11@UTC"
        );
        assert_eq!(
            Window::Day(berlin.clone()).period(now).key.as_ref(),
            "day:2026-12-01@Europe/Berlin"
        );
        // ISO weeks: 1 January 2027 (a Friday) belongs to 2026's week 53.
        assert_eq!(
            Window::Week(Zone::utc())
                .period(at("2027-01-01T12:00:00Z"))
                .key
                .as_ref(),
            "week:2026-W53@UTC"
        );
    }

    #[test]
    fn a_cached_period_is_the_period_across_boundaries_and_clock_changes() {
        let berlin = Zone::named("Europe/Berlin").unwrap();
        let windows = [
            Window::Day(berlin.clone()),
            Window::Week(berlin.clone()),
            Window::Month(berlin),
            Window::Month(Zone::utc()),
            Window::Total,
            Window::Rolling(Duration::from_secs(1_800)),
        ];
        // 37-minute steps over 100 days: midnights, week and month ends, and the end of
        // summer time in Berlin (25 October 2026); then one step back in time.
        let start = at("2026-09-20T21:05:00Z");
        let mut instants: Vec<SystemTime> = (0..3_900)
            .map(|i| start + Duration::from_secs(i * 37 * 60))
            .collect();
        instants.push(start);
        for window in &windows {
            let cache = PeriodCache::default();
            for &now in &instants {
                assert_eq!(
                    window.period_cached(now, &cache),
                    window.period(now),
                    "{} at {:?}",
                    window.describe(),
                    Timestamp::try_from(now)
                );
            }
        }
    }

    #[test]
    fn rolling_windows_sum_from_a_moving_start() {
        let now = at("2026-12-03T12:00:00Z");
        let p = Window::parse("30m", Zone::utc()).unwrap().period(now);
        assert_eq!(&*p.key, "rolling:1800s");
        assert_eq!(p.since, Some(at("2026-12-03T11:30:00Z")));
    }

    #[test]
    fn bad_windows_name_the_fix() {
        for (text, needle) in [
            ("fortnight", "not one of day, week, month"),
            ("0d", "above 0"),
            ("400d", "longer than a year"),
            ("-5m", "whole number"),
        ] {
            let err = Window::parse(text, Zone::utc()).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
        assert!(Zone::named("Mars/Olympus").unwrap_err().contains("IANA"));
    }
}
