//! Budget windows. A calendar window (day, ISO week, month) is counted in an IANA time zone,
//! so a month's budget matches the Azure invoice month instead of drifting like a `30d` timer;
//! its period is part of the ledger key ("month:2026-12@Europe/Berlin"), so nothing resets:
//! the next period is a new key. A rolling window sums what was spent in the last duration.

use std::time::{Duration, SystemTime};

use jiff::tz::TimeZone;
use jiff::Timestamp;

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
/// starts from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    pub key: String,
    pub since: Option<SystemTime>,
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

    /// The period `now` falls in.
    pub fn period(&self, now: SystemTime) -> Period {
        let calendar = |zone: &Zone, label: &str, id: String| Period {
            key: format!("{label}:{id}@{}", zone.name),
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
                key: "total".into(),
                since: None,
            },
            Window::Rolling(length) => Period {
                key: format!("rolling:{}s", length.as_secs()),
                since: Some(now.checked_sub(*length).unwrap_or(SystemTime::UNIX_EPOCH)),
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
            Window::Month(berlin.clone()).period(now).key,
            "month:2026-12@Europe/Berlin"
        );
        assert_eq!(
            Window::Month(Zone::utc()).period(now).key,
            "month:2026-11@UTC"
        );
        assert_eq!(
            Window::Day(berlin.clone()).period(now).key,
            "day:2026-12-01@Europe/Berlin"
        );
        // ISO weeks: 1 January 2027 (a Friday) belongs to 2026's week 53.
        assert_eq!(
            Window::Week(Zone::utc())
                .period(at("2027-01-01T12:00:00Z"))
                .key,
            "week:2026-W53@UTC"
        );
    }

    #[test]
    fn rolling_windows_sum_from_a_moving_start() {
        let now = at("2026-12-03T12:00:00Z");
        let p = Window::parse("30m", Zone::utc()).unwrap().period(now);
        assert_eq!(p.key, "rolling:1800s");
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
