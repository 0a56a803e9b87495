//! The embedded ledger: one SQLite file in WAL mode, shared by every process on the machine
//! that opens it. Each ledger step is one `BEGIN IMMEDIATE` transaction, so steps of all
//! processes are serialized by SQLite's write lock and a reservation is checked and recorded
//! atomically across all its lines.
//!
//! Durability: `synchronous = NORMAL` in WAL mode. A committed settle is in the WAL before
//! `settle` returns, so `kill -9` of the process never loses it; a power cut may lose the last
//! few commits (`Durability::Full` fsyncs every commit and survives that too, at about one
//! fsync per step).
//!
//! Tables: `charges` is the journal of settled amounts (one row per line of a settle, never
//! updated); `settled` keeps the running total of each calendar or total period, so a check
//! reads one row instead of summing the journal; `rolling` keeps a rolling period's settled
//! amounts in the buckets of [`super::rolling`], so a check sums at most 1,025 rows however
//! many calls the window holds; `reservations` and `reservation_lines` hold the open reservations with
//! their lease; `alerts` records each soft threshold fired, so one fires once per period across
//! processes.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection, OptionalExtension};

use super::ledger::{
    Alert, Balance, Hold, InProcessLedger, LedgerError, Line, Overdraft, ReservationId,
    ReserveError,
};
use super::money::Nanos;
use super::rolling;
use super::window::Period;

/// How long a lapsed reservation is kept so that a late settle still finds its lines.
const KEEP_LAPSED: Duration = Duration::from_secs(86_400);

/// Lapsed reservations are forgotten once in this many steps (and when the file is opened):
/// the forgetting statement builds a temporary index, a third of a step's cost if run each time.
const FORGET_EVERY: u32 = 1_024;

/// How long a step waits for another process's transaction before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// When a commit reaches the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Survives the process being killed; a power cut may lose the last commits.
    #[default]
    Normal,
    /// Survives a power cut too: an fsync per step.
    Full,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS charges (
    scope TEXT NOT NULL, period TEXT NOT NULL, at_ms INTEGER NOT NULL, amount INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS charges_by_period ON charges (scope, period, at_ms);
CREATE TABLE IF NOT EXISTS settled (
    scope TEXT NOT NULL, period TEXT NOT NULL, amount INTEGER NOT NULL,
    PRIMARY KEY (scope, period)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reservations (
    id INTEGER PRIMARY KEY, amount INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
    lapsed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS reservations_by_expiry ON reservations (lapsed, expires_ms);
CREATE TABLE IF NOT EXISTS reservation_lines (
    id INTEGER NOT NULL, scope TEXT NOT NULL, period TEXT NOT NULL, since_ms INTEGER,
    cap INTEGER, soft TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reservation_lines_by_id ON reservation_lines (id);
CREATE INDEX IF NOT EXISTS reservation_lines_by_period ON reservation_lines (scope, period);
CREATE TABLE IF NOT EXISTS rolling (
    scope TEXT NOT NULL, period TEXT NOT NULL, bucket INTEGER NOT NULL, amount INTEGER NOT NULL,
    PRIMARY KEY (scope, period, bucket)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts (
    scope TEXT NOT NULL, period TEXT NOT NULL, permille INTEGER NOT NULL,
    PRIMARY KEY (scope, period, permille)
) WITHOUT ROWID;
";

/// Reservations and spend in a SQLite file.
pub struct SqliteLedger {
    store: Mutex<Store>,
    origin: String,
}

struct Store {
    connection: Connection,
    /// Steps until lapsed reservations are next forgotten.
    until_forget: u32,
}

impl std::fmt::Debug for SqliteLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteLedger")
            .field("path", &self.origin)
            .finish()
    }
}

fn ms(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn amount(n: Nanos) -> i64 {
    i64::try_from(n.0).unwrap_or(i64::MAX)
}

fn nanos(v: i64) -> Nanos {
    Nanos(u64::try_from(v).unwrap_or(0))
}

impl SqliteLedger {
    /// Opens (creating if needed) the ledger file at `path`.
    pub fn open(path: &Path, durability: Durability) -> Result<SqliteLedger, LedgerError> {
        let origin = path.display().to_string();
        let fail = |what: &str, e: rusqlite::Error| {
            LedgerError(format!("the ledger '{origin}' cannot be {what}: {e}"))
        };
        let connection = Connection::open(path).map_err(|e| fail("opened", e))?;
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| fail("opened", e))?;
        connection.set_prepared_statement_cache_capacity(32);
        let synchronous = match durability {
            Durability::Normal => "NORMAL",
            Durability::Full => "FULL",
        };
        let had_buckets = has_rolling_buckets(&connection).map_err(|e| fail("read", e))?;
        connection
            .execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; {SCHEMA}"
            ))
            .map_err(|e| fail("set up", e))?;
        if !had_buckets {
            connection
                .execute_batch(BUCKET_OLD_CHARGES)
                .map_err(|e| fail("set up", e))?;
        }
        Ok(SqliteLedger {
            store: Mutex::new(Store {
                connection,
                until_forget: 0,
            }),
            origin,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn store_error(&self, e: rusqlite::Error) -> LedgerError {
        LedgerError(format!("the ledger '{}' failed: {e}", self.origin))
    }
}

/// Every step runs the same few statements thousands of times: each is parsed once per
/// connection and kept (rusqlite's statement cache), not parsed again on every call.
trait Cached {
    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize>;
    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, read)
    }
}

/// One `BEGIN IMMEDIATE` transaction, begun and ended through cached statements (rusqlite's
/// `Transaction` parses its BEGIN and COMMIT again on every step). Rolled back when dropped
/// uncommitted.
struct Step<'c> {
    connection: &'c Connection,
    open: bool,
}

impl<'c> Step<'c> {
    fn begin(connection: &'c Connection) -> rusqlite::Result<Step<'c>> {
        connection.exec("BEGIN IMMEDIATE", [])?;
        Ok(Step {
            connection,
            open: true,
        })
    }

    /// A failed commit (another process held the lock past the busy timeout) leaves the
    /// transaction open: the drop then rolls it back.
    fn commit(mut self) -> rusqlite::Result<()> {
        self.connection.exec("COMMIT", [])?;
        self.open = false;
        Ok(())
    }
}

impl std::ops::Deref for Step<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.connection
    }
}

impl Drop for Step<'_> {
    fn drop(&mut self) {
        if self.open {
            // A failed rollback leaves the transaction to end with the connection.
            let _ = self.connection.exec("ROLLBACK", []);
        }
    }
}

impl Store {
    /// Begins a step, lapsing the reservations whose lease ended by `now` (and, once in
    /// [`FORGET_EVERY`] steps, forgetting those lapsed long ago).
    fn begin(&mut self, now: SystemTime) -> rusqlite::Result<Step<'_>> {
        let forget = self.until_forget == 0;
        self.until_forget = match forget {
            true => FORGET_EVERY,
            false => self.until_forget - 1,
        };
        let step = Step::begin(&self.connection)?;
        expire(&step, now, forget)?;
        Ok(step)
    }
}

/// Marks the reservations whose lease ended as lapsed (they stop counting) and, when `forget`,
/// forgets those lapsed for longer than [`KEEP_LAPSED`].
fn expire(tx: &Connection, now: SystemTime, forget: bool) -> rusqlite::Result<()> {
    let now_ms = ms(now);
    // Asked first: the update changes the column its index scans, so SQLite runs it through a
    // temporary table even when no lease ended, which is nearly always.
    let lapsed: bool = tx.row(
        "SELECT EXISTS (SELECT 1 FROM reservations WHERE lapsed = 0 AND expires_ms <= ?1)",
        params![now_ms],
        |r| r.get(0),
    )?;
    if lapsed {
        tx.exec(
            "UPDATE reservations SET lapsed = 1 WHERE lapsed = 0 AND expires_ms <= ?1",
            params![now_ms],
        )?;
    }
    if !forget {
        return Ok(());
    }
    let forget_before = now_ms - KEEP_LAPSED.as_millis() as i64;
    tx.exec(
        "DELETE FROM reservation_lines WHERE id IN
             (SELECT id FROM reservations WHERE lapsed = 1 AND expires_ms <= ?1)",
        params![forget_before],
    )?;
    tx.exec(
        "DELETE FROM reservations WHERE lapsed = 1 AND expires_ms <= ?1",
        params![forget_before],
    )?;
    Ok(())
}

/// A ledger file made before rolling periods were bucketed has their charges only in the
/// journal: they are bucketed once, when the table is made, so no charge stops counting.
/// The width is [`super::rolling::bucket_ms`] of the length the key names (`rolling:1800s`).
const BUCKET_OLD_CHARGES: &str = "
INSERT OR IGNORE INTO rolling (scope, period, bucket, amount)
    SELECT scope, period, at_ms / width, SUM(amount) FROM (
        SELECT scope, period, at_ms, amount,
            MAX(1, CAST(substr(period, 9, length(period) - 9) AS INTEGER) * 1000 / 1024) AS width
        FROM charges WHERE period LIKE 'rolling:%s'
    ) GROUP BY scope, period, at_ms / width;
";

fn has_rolling_buckets(connection: &Connection) -> rusqlite::Result<bool> {
    connection
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rolling'",
            [],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
}

/// A rolling period's first live bucket and the buckets' width, in ms.
fn live_buckets(period: &Period, since: SystemTime) -> (i64, i64) {
    let width = rolling::bucket_ms(period.rolling_length().unwrap_or_default());
    let first = rolling::first_live_bucket(rolling::epoch_ms(since), width);
    (i64::try_from(first).unwrap_or(i64::MAX), width as i64)
}

/// Adds a settled amount to its rolling bucket and drops the buckets that left the window.
fn add_to_bucket(
    tx: &Connection,
    line: &Line,
    now: SystemTime,
    actual: Nanos,
) -> rusqlite::Result<()> {
    let Some(since) = line.period.since else {
        return Ok(());
    };
    let (first, width) = live_buckets(&line.period, since);
    tx.exec(
        "INSERT INTO rolling (scope, period, bucket, amount) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (scope, period, bucket) DO UPDATE SET amount = amount + excluded.amount",
        params![line.scope, line.period.key, ms(now) / width, amount(actual)],
    )?;
    tx.exec(
        "DELETE FROM rolling WHERE scope = ?1 AND period = ?2 AND bucket < ?3",
        params![line.scope, line.period.key, first],
    )?;
    Ok(())
}

fn settled_in(tx: &Connection, scope: &str, period: &Period) -> rusqlite::Result<Nanos> {
    let key: &str = &period.key;
    let sum: i64 = match period.since {
        None => tx
            .row(
                "SELECT amount FROM settled WHERE scope = ?1 AND period = ?2",
                params![scope, key],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0),
        Some(since) => tx.row(
            "SELECT COALESCE(SUM(amount), 0) FROM rolling
                 WHERE scope = ?1 AND period = ?2 AND bucket >= ?3",
            params![scope, key, live_buckets(period, since).0],
            |r| r.get(0),
        )?,
    };
    Ok(nanos(sum))
}

fn reserved_in(tx: &Connection, scope: &str, period: &str) -> rusqlite::Result<Nanos> {
    let sum: i64 = tx.row(
        "SELECT COALESCE(SUM(r.amount), 0) FROM reservation_lines l
             JOIN reservations r ON r.id = l.id
             WHERE l.scope = ?1 AND l.period = ?2 AND r.lapsed = 0",
        params![scope, period],
        |r| r.get(0),
    )?;
    Ok(nanos(sum))
}

fn soft_text(soft: &[u16]) -> String {
    soft.iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn read_line(row: &rusqlite::Row<'_>) -> rusqlite::Result<Line> {
    let since: Option<i64> = row.get(2)?;
    let cap: Option<i64> = row.get(3)?;
    let soft: String = row.get(4)?;
    Ok(Line {
        scope: row.get::<_, String>(0)?.into(),
        period: Period {
            key: row.get::<_, String>(1)?.into(),
            since: since.map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms as u64)),
        },
        cap: cap.map(nanos),
        soft: soft.split(',').filter_map(|p| p.parse().ok()).collect(),
    })
}

impl InProcessLedger for SqliteLedger {
    fn reserve_now(&self, hold: &Hold, now: SystemTime) -> Result<ReservationId, ReserveError> {
        let mut guard = self.lock();
        let store = |e| ReserveError::Store(self.store_error(e));
        let tx = guard.begin(now).map_err(store)?;
        for line in &hold.lines {
            let Some(cap) = line.cap else { continue };
            let committed = settled_in(&tx, &line.scope, &line.period)
                .and_then(|s| {
                    Ok(s.saturating_add(reserved_in(&tx, &line.scope, &line.period.key)?))
                })
                .map_err(store)?;
            // Dropping the transaction rolls back the expiry too; the next step redoes it.
            Overdraft::check(line, committed, cap, hold.amount)?;
        }
        let expires = now.checked_add(hold.lease).unwrap_or(now);
        tx.exec(
            "INSERT INTO reservations (amount, expires_ms) VALUES (?1, ?2)",
            params![amount(hold.amount), ms(expires)],
        )
        .map_err(store)?;
        let id = tx.last_insert_rowid();
        for line in &hold.lines {
            tx.exec(
                "INSERT INTO reservation_lines (id, scope, period, since_ms, cap, soft)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    line.scope,
                    line.period.key,
                    line.period.since.map(ms),
                    line.cap.map(amount),
                    soft_text(&line.soft)
                ],
            )
            .map_err(store)?;
        }
        tx.commit().map_err(store)?;
        Ok(ReservationId(id as u64))
    }

    fn settle_now(
        &self,
        id: ReservationId,
        actual: Nanos,
        now: SystemTime,
    ) -> Result<Vec<Alert>, LedgerError> {
        let mut guard = self.lock();
        let store = |e| self.store_error(e);
        let tx = guard.begin(now).map_err(store)?;
        let rowid = id.0 as i64;
        let lines: Vec<Line> = {
            let mut statement = tx
                .prepare_cached(
                    "SELECT scope, period, since_ms, cap, soft FROM reservation_lines WHERE id = ?1",
                )
                .map_err(store)?;
            let rows = statement
                .query_map(params![rowid], read_line)
                .map_err(store)?;
            rows.collect::<rusqlite::Result<_>>().map_err(store)?
        };
        let deleted = tx
            .exec("DELETE FROM reservations WHERE id = ?1", params![rowid])
            .map_err(store)?;
        if deleted == 0 {
            return Err(LedgerError(format!("reservation {} is not held", id.0)));
        }
        tx.exec(
            "DELETE FROM reservation_lines WHERE id = ?1",
            params![rowid],
        )
        .map_err(store)?;
        let mut alerts = Vec::new();
        for line in &lines {
            tx.exec(
                "INSERT INTO charges (scope, period, at_ms, amount) VALUES (?1, ?2, ?3, ?4)",
                params![line.scope, line.period.key, ms(now), amount(actual)],
            )
            .map_err(store)?;
            add_to_bucket(&tx, line, now, actual).map_err(store)?;
            if line.period.since.is_none() {
                tx.exec(
                    "INSERT INTO settled (scope, period, amount) VALUES (?1, ?2, ?3)
                         ON CONFLICT (scope, period) DO UPDATE SET amount = amount + excluded.amount",
                    params![line.scope, line.period.key, amount(actual)],
                )
                .map_err(store)?;
            }
            let Some(cap) = line.cap else { continue };
            let settled = settled_in(&tx, &line.scope, &line.period).map_err(store)?;
            for &permille in line.soft.iter() {
                let key = params![line.scope, line.period.key, permille];
                if settled >= cap.permille(permille) {
                    let fired = tx
                        .exec(
                            "INSERT OR IGNORE INTO alerts (scope, period, permille) VALUES (?1, ?2, ?3)",
                            key,
                        )
                        .map_err(store)?;
                    if fired == 1 {
                        alerts.push(Alert {
                            scope: line.scope.to_string(),
                            period: line.period.key.to_string(),
                            permille,
                            settled,
                            cap,
                        });
                    }
                } else if line.period.since.is_some() {
                    // A rolling window falls back below a threshold: it may alert again.
                    tx.exec(
                        "DELETE FROM alerts WHERE scope = ?1 AND period = ?2 AND permille = ?3",
                        key,
                    )
                    .map_err(store)?;
                }
            }
        }
        tx.commit().map_err(store)?;
        Ok(alerts)
    }

    fn release_now(&self, id: ReservationId) -> Result<(), LedgerError> {
        let guard = self.lock();
        let store = |e| self.store_error(e);
        let tx = Step::begin(&guard.connection).map_err(store)?;
        let rowid = id.0 as i64;
        tx.exec("DELETE FROM reservations WHERE id = ?1", params![rowid])
            .map_err(store)?;
        tx.exec(
            "DELETE FROM reservation_lines WHERE id = ?1",
            params![rowid],
        )
        .map_err(store)?;
        tx.commit().map_err(store)
    }

    fn balance_now(
        &self,
        scope: &str,
        period: &Period,
        now: SystemTime,
    ) -> Result<Balance, LedgerError> {
        let mut guard = self.lock();
        let store = |e| self.store_error(e);
        let tx = guard.begin(now).map_err(store)?;
        let balance = Balance {
            settled: settled_in(&tx, scope, period).map_err(store)?,
            reserved: reserved_in(&tx, scope, &period.key).map_err(store)?,
        };
        tx.commit().map_err(store)?;
        Ok(balance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::govern::ledger_tests;

    /// A directory of its own for one test, removed when dropped.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "foundry-ledger-{}-{name}-{}",
                std::process::id(),
                fastrand::u64(..)
            ));
            std::fs::create_dir_all(&dir).expect("temp dir");
            TempDir(dir)
        }

        fn ledger(&self) -> SqliteLedger {
            let file = self.0.join(format!("{}.sqlite", fastrand::u64(..)));
            SqliteLedger::open(&file, Durability::Normal).expect("opens")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn random_interleavings_never_overshoot_or_lose_a_record() {
        // Fewer seeds than the memory ledger: every step is a transaction on a file.
        let dir = TempDir::new("random");
        ledger_tests::random_interleavings(&|| Box::new(dir.ledger()), 40);
    }

    #[test]
    fn concurrent_reservations_never_overshoot() {
        let dir = TempDir::new("concurrent");
        ledger_tests::concurrent_calls_on_one_budget(std::sync::Arc::new(dir.ledger()));
    }

    #[test]
    fn two_handles_on_one_file_share_the_books() {
        // Two processes are two connections; the cap holds across them.
        let dir = TempDir::new("shared");
        let path = dir.0.join("shared.sqlite");
        let a = SqliteLedger::open(&path, Durability::Normal).expect("a");
        let b = SqliteLedger::open(&path, Durability::Full).expect("b");
        let now = SystemTime::now();
        let period = crate::govern::Window::Total.period(now);
        let hold = Hold {
            lines: vec![Line {
                scope: "team".into(),
                period: period.clone(),
                cap: Some(Nanos(100)),
                soft: std::sync::Arc::from([]),
            }],
            amount: Nanos(60),
            lease: Duration::from_secs(60),
            ..Hold::default()
        };
        let id = a.reserve_now(&hold, now).expect("room");
        assert!(matches!(
            b.reserve_now(&hold, now),
            Err(ReserveError::Overdraft(_))
        ));
        a.settle_now(id, Nanos(60), now).expect("settles");
        let seen = b.balance_now("team", &period, now).expect("balance");
        assert_eq!(seen.settled, Nanos(60));
        drop((a, b));
        let reopened = SqliteLedger::open(&path, Durability::Normal).expect("reopens");
        assert_eq!(
            reopened
                .balance_now("team", &period, now)
                .expect("balance")
                .settled,
            Nanos(60),
            "survives a restart"
        );
    }

    #[test]
    fn lapsed_reservations_free_their_room_and_still_settle() {
        ledger_tests::lapsed_reservations(&TempDir::new("lapsed").ledger());
    }

    #[test]
    fn soft_thresholds_alert_once_per_period() {
        ledger_tests::soft_thresholds(&TempDir::new("soft").ledger());
    }

    #[test]
    fn a_file_from_before_the_buckets_keeps_its_rolling_charges() {
        // A ledger made when rolling periods were summed from the journal: its charges are
        // bucketed when the file is opened, so none stops counting.
        let dir = TempDir::new("old");
        let path = dir.0.join("old.sqlite");
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let window = crate::govern::Window::Rolling(Duration::from_secs(1_024));
        let old = Connection::open(&path).expect("old file");
        old.execute_batch(
            "CREATE TABLE charges (scope TEXT NOT NULL, period TEXT NOT NULL,
                 at_ms INTEGER NOT NULL, amount INTEGER NOT NULL);",
        )
        .expect("old schema");
        for (ago, amount) in [(10, 40), (500, 2), (2_000, 1_000)] {
            old.execute(
                "INSERT INTO charges VALUES ('team', 'rolling:1024s', ?1, ?2)",
                params![ms(now - Duration::from_secs(ago)), amount],
            )
            .expect("old charge");
        }
        drop(old);
        let ledger = SqliteLedger::open(&path, Durability::Normal).expect("opens");
        let period = window.period(now);
        let seen = ledger.balance_now("team", &period, now).expect("balance");
        assert_eq!(seen.settled, Nanos(42), "the two charges inside the window");
        drop(ledger);
        // Opened again, nothing is bucketed twice.
        let again = SqliteLedger::open(&path, Durability::Normal).expect("reopens");
        assert_eq!(
            again
                .balance_now("team", &period, now)
                .expect("balance")
                .settled,
            Nanos(42)
        );
    }

    #[test]
    fn rolling_windows_let_charges_go_in_bounded_steps() {
        ledger_tests::rolling_windows(&TempDir::new("rolling").ledger());
    }

    #[test]
    fn an_unwritable_path_names_the_file() {
        let err = SqliteLedger::open(
            Path::new("/proc/no-such-dir/ledger.sqlite"),
            Durability::Normal,
        )
        .expect_err("cannot open");
        assert!(
            err.0.contains("/proc/no-such-dir/ledger.sqlite"),
            "{}",
            err.0
        );
    }
}
