//! The fleet's ledger: a Redis (or Valkey) server shared by every process of a service. Each
//! step is one server-side script (redis_scripts.lua), so a reservation is checked and taken
//! on every line in one atomic round trip, and a settle is one more:
//!
//! - every key carries the hash tag `{prefix}`, so each script touches one cluster slot;
//! - time is the server's (`TIME` in the script), so machines with skewed clocks agree;
//! - a reservation is a lease: the script drops ended leases before it checks, so a process
//!   killed mid-call frees its hold when the lease ends;
//! - a settle is idempotent by reservation id (a second one changes nothing), and a crossed
//!   soft threshold is claimed with `SET NX` per (scope, period, threshold): one process of
//!   the fleet raises each alert;
//! - periods are in the keys (no reset job) and every key has a TTL past its period.
//!
//! The connection lives on a small runtime of its own (one thread), so the ledger works from
//! any caller (a binding's runtime, a synchronous `spend()` report) and a dropped caller
//! runtime never takes the connection with it. A connection that fails is dropped and made
//! again at the next step; connecting and answering both have short timeouts, so an outage
//! fails a step fast instead of holding a call.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::BoxFuture;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Script};

use super::ledger::{
    Alert, Balance, Hold, Ledger, LedgerError, Line, Overdraft, RateWindow, ReservationId,
    ReserveError,
};
use super::money::Nanos;
use super::window::Period;
use crate::config::RedisUrl;

/// How long connecting (the handshake included) may take before the step fails: a fleet
/// starting at once on a busy machine connects in well under it.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3_000);
/// How long a step waits for its answer before it fails (a call's own deadline may end the
/// wait sooner). Generous: a loaded server fsyncing every write still answers well within it,
/// and a dead one drops the connection, which fails at once.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(5_000);
/// After a failed connect, steps fail at once for this long instead of each trying again.
const RECONNECT_PAUSE: Duration = Duration::from_millis(250);
/// How long a reservation's record is kept after its lease, so a late settle still lands.
const KEEP_RECORD: Duration = Duration::from_secs(86_400);
/// How long a settled id is remembered, so a repeated settle changes nothing.
const KEEP_DONE: Duration = Duration::from_secs(86_400);
/// How long a settle that cannot reach the server keeps trying (it runs as a task).
const SETTLE_RETRY_FOR: Duration = Duration::from_secs(120);

/// Whose clock the scripts use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The server's (`TIME`): every process of the fleet agrees. What clients use.
    Server,
    /// The `now` each step is given: for tests that move time.
    Caller,
}

struct Scripts {
    reserve: Script,
    settle: Script,
    release: Script,
    balance: Script,
}

fn scripts() -> &'static Scripts {
    static SCRIPTS: OnceLock<Scripts> = OnceLock::new();
    SCRIPTS.get_or_init(|| {
        let source = include_str!("redis_scripts.lua");
        let mut parts = source.split("\n--@ ");
        let prelude = parts.next().unwrap_or_default();
        let mut body = |name: &str| {
            let part = parts.next().unwrap_or_default();
            debug_assert!(part.starts_with(name), "script order: {name}");
            Script::new(&format!("{prelude}\n-- {part}"))
        };
        Scripts {
            reserve: body("reserve"),
            settle: body("settle"),
            release: body("release"),
            balance: body("balance"),
        }
    })
}

/// The runtime the connections live on: one thread for all Redis ledgers of the process.
fn io_runtime() -> Result<&'static tokio::runtime::Handle, LedgerError> {
    static IO: OnceLock<Result<tokio::runtime::Handle, String>> = OnceLock::new();
    IO.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the Redis connection's runtime: {e}"))?;
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("foundry-redis-io".into())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))
            .map_err(|e| format!("cannot start the Redis connection's thread: {e}"))?;
        Ok(handle)
    })
    .as_ref()
    .map_err(|e| LedgerError(e.clone()))
}

#[derive(Default)]
struct Link {
    connection: Option<MultiplexedConnection>,
    failed_at: Option<(Instant, String)>,
}

/// Reservations and spend on a Redis server.
pub struct RedisLedger {
    client: redis::Client,
    url: RedisUrl,
    /// `{prefix}`: the hash tag of every key.
    tag: String,
    clock: Clock,
    link: Mutex<Link>,
    /// Reservations whose lane grants were booked ahead: how long after the reservation the
    /// call starts (taken once by `starts_after`).
    starts: Mutex<std::collections::HashMap<u64, Duration>>,
    /// One connect at a time: the others wait for it instead of each opening a socket.
    connecting: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for RedisLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLedger")
            .field("url", &self.url)
            .field("tag", &self.tag)
            .finish()
    }
}

/// Why a step failed: the server could not be reached (the caller may degrade), or it
/// answered with an error.
enum StepError {
    Unreachable(String),
    Failed(String),
}

impl StepError {
    fn into_ledger(self) -> LedgerError {
        match self {
            StepError::Unreachable(m) | StepError::Failed(m) => LedgerError(m),
        }
    }
}

fn ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// How long a calendar or total period's keys must live: past the period's end.
fn period_ttl(period: &Period) -> Option<Duration> {
    let day = 86_400;
    let key: &str = &period.key;
    let secs = if key.starts_with("day:") {
        3 * day
    } else if key.starts_with("week:") {
        10 * day
    } else if key.starts_with("month:") {
        40 * day
    } else {
        return None;
    };
    Some(Duration::from_secs(secs))
}

impl RedisLedger {
    /// A ledger on the server at `url`, its keys under `{prefix}`. Connects at the first step.
    pub fn new(url: &RedisUrl, prefix: &str, clock: Clock) -> Result<RedisLedger, LedgerError> {
        let client = redis::Client::open(url.expose()).map_err(|e| {
            LedgerError(format!(
                "the Redis URL {} cannot be used: {:?}",
                url.redacted(),
                e.kind()
            ))
        })?;
        Ok(RedisLedger {
            client,
            url: url.clone(),
            tag: format!("{{{prefix}}}"),
            clock,
            link: Mutex::new(Link::default()),
            starts: Mutex::default(),
            connecting: tokio::sync::Mutex::new(()),
        })
    }

    /// The server, without its password, for messages.
    pub fn server(&self) -> String {
        self.url.redacted()
    }

    fn link(&self) -> std::sync::MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn unreachable(&self, problem: impl std::fmt::Display) -> StepError {
        StepError::Unreachable(format!(
            "the Redis ledger at {} did not answer: {problem}",
            self.server()
        ))
    }

    async fn connection(&self) -> Result<MultiplexedConnection, StepError> {
        if let Some(c) = &self.link().connection {
            return Ok(c.clone());
        }
        let _one = self.connecting.lock().await;
        {
            let link = self.link();
            if let Some(c) = &link.connection {
                return Ok(c.clone());
            }
            if let Some((at, problem)) = &link.failed_at {
                if at.elapsed() < RECONNECT_PAUSE {
                    return Err(self.unreachable(problem));
                }
            }
        }
        let client = self.client.clone();
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let io = io_runtime().map_err(|e| StepError::Failed(e.0))?;
        let made = io
            .spawn(async move {
                client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
            })
            .await;
        let mut link = self.link();
        match made {
            Ok(Ok(c)) => {
                link.connection = Some(c.clone());
                link.failed_at = None;
                Ok(c)
            }
            Ok(Err(e)) => {
                let problem = describe(&e);
                link.failed_at = Some((Instant::now(), problem.clone()));
                Err(self.unreachable(problem))
            }
            Err(e) => Err(self.unreachable(e)),
        }
    }

    /// Runs `script` once; a connection that failed is dropped, to be made again.
    async fn run(&self, invocation: redis::ScriptInvocation<'_>) -> Result<Vec<String>, StepError> {
        let mut connection = self.connection().await?;
        match invocation.invoke_async(&mut connection).await {
            Ok(answer) => Ok(answer),
            Err(e) if e.kind() == redis::ErrorKind::UnexpectedReturnType => Err(StepError::Failed(
                format!("the Redis ledger at {} answered: {e}", self.server()),
            )),
            Err(e) if is_server_refusal(&e) => Err(StepError::Failed(format!(
                "the Redis ledger at {} refused the step: {}",
                self.server(),
                describe(&e)
            ))),
            Err(e) => {
                self.link().connection = None;
                Err(self.unreachable(describe(&e)))
            }
        }
    }

    fn key(&self, kind: &str, line: &str) -> String {
        format!("{}:{kind}:{line}", self.tag)
    }

    fn now_arg(&self, now: SystemTime) -> String {
        match self.clock {
            Clock::Server => String::new(),
            Clock::Caller => ms(now).to_string(),
        }
    }

    async fn reserve_step(
        &self,
        hold: &Hold,
        now: SystemTime,
    ) -> Result<ReservationId, ReserveError> {
        let scripts = scripts();
        let mut call = scripts.reserve.key(format!("{}:seq", self.tag));
        call.arg(self.now_arg(now))
            .arg(hold.amount.0)
            .arg(hold.lease.as_millis() as u64)
            .arg(KEEP_RECORD.as_millis() as u64)
            .arg(&self.tag)
            .arg(hold.lines.len())
            .arg(hold.lanes.len())
            .arg(hold.tokens)
            .arg(hold.book_ahead.as_micros() as u64);
        for line in &hold.lines {
            let name = line_name(line);
            for kind in ["s", "c", "r", "l", "h"] {
                call.key(self.key(kind, &name));
            }
            call.arg(&name)
                .arg(line.cap.map(|c| c.0.to_string()).unwrap_or_default())
                .arg(span_arg(&line.period))
                .arg(ttl_arg(&line.period, now))
                .arg(&*line.scope)
                .arg(&*line.period.key)
                .arg(soft_arg(line));
        }
        for lane in &hold.lanes {
            call.key(self.key("lane", &format!("{}:t", lane.name)))
                .key(self.key("lane", &format!("{}:q", lane.name)));
            let window = |w: &Option<RateWindow>| match w {
                Some(w) => (
                    w.limit.to_string(),
                    (w.length.as_micros() as u64).to_string(),
                ),
                None => (String::new(), String::new()),
            };
            let (tokens, token_window) = window(&lane.tokens);
            let (requests, request_window) = window(&lane.requests);
            call.arg(&lane.name)
                .arg(tokens)
                .arg(token_window)
                .arg(requests)
                .arg(request_window);
        }
        let answer = self.run(call).await.map_err(|e| match e {
            StepError::Unreachable(m) => ReserveError::Unreachable(LedgerError(m)),
            StepError::Failed(m) => ReserveError::Store(LedgerError(m)),
        })?;
        match answer.as_slice() {
            [wait, ms, lane] if wait == "WAIT" => Err(ReserveError::Wait {
                wait: Duration::from_millis(ms.parse().unwrap_or(1)),
                lane: lane.clone(),
            }),
            [ok, id, start_us] if ok == "OK" => {
                let id = id
                    .parse()
                    .map(ReservationId)
                    .map_err(|_| ReserveError::Store(self.odd(&answer)))?;
                let start = Duration::from_micros(start_us.parse().unwrap_or(0));
                if !start.is_zero() {
                    self.starts
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(id.0, start);
                }
                Ok(id)
            }
            [verdict, scope, _, committed, cap] if verdict == "OVERDRAFT" => {
                let line = hold
                    .lines
                    .iter()
                    .find(|l| *l.scope == **scope)
                    .ok_or_else(|| ReserveError::Store(self.odd(&answer)))?;
                let number = |s: &str| {
                    s.parse()
                        .map(Nanos)
                        .map_err(|_| ReserveError::Store(self.odd(&answer)))
                };
                let (committed, cap) = (number(committed)?, number(cap)?);
                Overdraft::check(line, committed, cap, hold.amount)?;
                // The server refused what the same rule here admits: its answer is odd.
                Err(ReserveError::Store(self.odd(&answer)))
            }
            _ => Err(ReserveError::Store(self.odd(&answer))),
        }
    }

    async fn settle_step(
        &self,
        id: ReservationId,
        actual: Nanos,
        now: SystemTime,
    ) -> Result<Vec<Alert>, StepError> {
        let scripts = scripts();
        let mut call = scripts.settle.key(format!("{}:res:{}", self.tag, id.0));
        call.key(format!("{}:done:{}", self.tag, id.0))
            .arg(self.now_arg(now))
            .arg(id.0)
            .arg(actual.0)
            .arg(KEEP_DONE.as_millis() as u64)
            .arg(&self.tag);
        let answer = self.run(call).await?;
        match answer.first().map(String::as_str) {
            Some("OK") => answer[1..]
                .chunks(5)
                .map(|a| match a {
                    [scope, period, permille, settled, cap] => Some(Alert {
                        scope: scope.clone(),
                        period: period.clone(),
                        permille: permille.parse().ok()?,
                        settled: Nanos(settled.parse().ok()?),
                        cap: Nanos(cap.parse().ok()?),
                    }),
                    _ => None,
                })
                .collect::<Option<Vec<Alert>>>()
                .ok_or_else(|| StepError::Failed(self.odd(&answer).0)),
            Some("DONE") => Ok(Vec::new()),
            Some("UNKNOWN") => Err(StepError::Failed(format!(
                "reservation {} is not held",
                id.0
            ))),
            _ => Err(StepError::Failed(self.odd(&answer).0)),
        }
    }

    fn odd(&self, answer: &[String]) -> LedgerError {
        LedgerError(format!(
            "the Redis ledger at {} gave an answer this client cannot read: {answer:?}",
            self.server()
        ))
    }
}

/// A line's name in its keys: scope and period (a scope path holds no `|`).
fn line_name(line: &Line) -> String {
    format!("{}|{}", line.scope, line.period.key)
}

/// A line's soft thresholds as the script reads them: "permille:amount,...".
fn soft_arg(line: &Line) -> String {
    let Some(cap) = line.cap else {
        return String::new();
    };
    line.soft
        .iter()
        .map(|&p| format!("{p}:{}", cap.permille(p).0))
        .collect::<Vec<_>>()
        .join(",")
}

/// A rolling period's length in ms, which the script buckets as govern/rolling.rs does.
fn span_arg(period: &Period) -> String {
    match period.rolling_length() {
        Some(length) => length.as_millis().to_string(),
        None => String::new(),
    }
}

/// The TTL of a line's settled keys and alert claims: past the period's end.
fn ttl_arg(period: &Period, now: SystemTime) -> String {
    let margin = Duration::from_secs(86_400);
    match (period.since, period_ttl(period)) {
        (Some(since), _) => (now.duration_since(since).unwrap_or_default() + margin)
            .as_millis()
            .to_string(),
        (None, Some(ttl)) => ttl.as_millis().to_string(),
        (None, None) => String::new(),
    }
}

/// The server answered the step with an error of the step's own (a script error): not an
/// outage. A server still loading its data after a restart, or one that cannot serve the
/// slot now, is treated as not answering.
fn is_server_refusal(e: &redis::RedisError) -> bool {
    use redis::ServerErrorKind as Kind;
    match e.kind() {
        redis::ErrorKind::Server(
            Kind::BusyLoading | Kind::TryAgain | Kind::ClusterDown | Kind::MasterDown,
        ) => false,
        redis::ErrorKind::Server(_) => !e.is_connection_dropped(),
        _ => false,
    }
}

/// What went wrong, in a few words (the crate's messages never carry the URL's password).
fn describe(e: &redis::RedisError) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connection_refusal() {
        "connection refused".into()
    } else {
        e.to_string()
    }
}

impl Ledger for RedisLedger {
    fn reserve<'a>(
        &'a self,
        hold: &'a Hold,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<ReservationId, ReserveError>> {
        Box::pin(self.reserve_step(hold, now))
    }

    fn settle(
        &self,
        id: ReservationId,
        actual: Nanos,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<Vec<Alert>, LedgerError>> {
        Box::pin(async move {
            // The lines come from the reservation's record on the server. A settle that cannot
            // reach the server tries again (it is idempotent), so an outage does not lose a
            // billed call from the books.
            let started = Instant::now();
            let mut pause = Duration::from_millis(50);
            loop {
                match self.settle_step(id, actual, now).await {
                    Ok(alerts) => return Ok(alerts),
                    Err(StepError::Unreachable(m)) if started.elapsed() < SETTLE_RETRY_FOR => {
                        tracing::debug!("settle of reservation {} waits: {m}", id.0);
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(2));
                    }
                    Err(e) => return Err(e.into_ledger()),
                }
            }
        })
    }

    fn release(&self, id: ReservationId) -> BoxFuture<'_, Result<(), LedgerError>> {
        Box::pin(async move {
            let mut call = scripts().release.key(format!("{}:res:{}", self.tag, id.0));
            call.arg(id.0).arg(&self.tag);
            self.run(call)
                .await
                .map(|_| ())
                .map_err(StepError::into_ledger)
        })
    }

    fn balance<'a>(
        &'a self,
        scope: &'a str,
        period: &'a Period,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Balance, LedgerError>> {
        Box::pin(async move {
            let name = format!("{scope}|{}", period.key);
            let mut call = scripts().balance.key(self.key("s", &name));
            call.key(self.key("c", &name))
                .key(self.key("r", &name))
                .key(self.key("l", &name))
                .key(self.key("h", &name))
                .arg(self.now_arg(now))
                .arg(span_arg(period));
            let answer = self.run(call).await.map_err(StepError::into_ledger)?;
            match answer.as_slice() {
                [settled, reserved] => match (settled.parse(), reserved.parse()) {
                    (Ok(s), Ok(r)) => Ok(Balance {
                        settled: Nanos(s),
                        reserved: Nanos(r),
                    }),
                    _ => Err(self.odd(&answer)),
                },
                _ => Err(self.odd(&answer)),
            }
        })
    }

    fn is_networked(&self) -> bool {
        true
    }

    fn starts_after(&self, id: ReservationId) -> Duration {
        self.starts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id.0)
            .unwrap_or_default()
    }
}

#[cfg(test)]
#[path = "../../tests/support/redis_server.rs"]
mod redis_server;

#[cfg(test)]
mod tests {
    use super::redis_server::RedisServer;
    use super::*;
    use crate::govern::ledger_tests::{self, block};
    use crate::govern::Window;
    use std::sync::Arc;

    fn ledger(server: &RedisServer, clock: Clock) -> RedisLedger {
        let url = RedisUrl::for_tests(&server.url());
        let prefix = format!("t{}", fastrand::u64(..));
        RedisLedger::new(&url, &prefix, clock).expect("a ledger")
    }

    #[test]
    fn random_interleavings_never_overshoot_or_lose_a_record() {
        let server = RedisServer::start();
        ledger_tests::random_interleavings(&|| Box::new(ledger(&server, Clock::Caller)), 40);
    }

    #[test]
    fn concurrent_reservations_never_overshoot() {
        let server = RedisServer::start();
        ledger_tests::concurrent_calls_on_one_budget(Arc::new(ledger(&server, Clock::Caller)));
    }

    #[test]
    fn lapsed_reservations_free_their_room_and_still_settle() {
        let server = RedisServer::start();
        ledger_tests::lapsed_reservations(&ledger(&server, Clock::Caller));
    }

    #[test]
    fn soft_thresholds_alert_once_per_period() {
        let server = RedisServer::start();
        ledger_tests::soft_thresholds(&ledger(&server, Clock::Caller));
    }

    #[test]
    fn rolling_windows_let_charges_go_in_bounded_steps() {
        let server = RedisServer::start();
        ledger_tests::rolling_windows(&ledger(&server, Clock::Caller));
    }

    #[test]
    fn two_ledgers_on_one_server_share_the_books_on_its_clock() {
        // Two processes are two connections; the server's clock dates the leases.
        let server = RedisServer::start();
        let a = ledger(&server, Clock::Server);
        let b = RedisLedger::new(
            &RedisUrl::for_tests(&server.url()),
            a.tag.trim_matches(|c| c == '{' || c == '}'),
            Clock::Server,
        )
        .expect("b");
        // A caller whose clock is a day off changes nothing: the server's time counts.
        let skewed = SystemTime::now() - Duration::from_secs(86_400);
        let period = Window::Total.period(skewed);
        let hold = Hold {
            lines: vec![Line {
                scope: "team".into(),
                period: period.clone(),
                cap: Some(Nanos(100)),
                soft: std::sync::Arc::from([500]),
            }],
            amount: Nanos(60),
            lease: Duration::from_secs(60),
            ..Hold::default()
        };
        let id = block(a.reserve(&hold, skewed)).expect("room");
        assert!(matches!(
            block(b.reserve(&hold, SystemTime::now())),
            Err(ReserveError::Overdraft(ref o)) if o.committed == Nanos(60) && o.cap == Nanos(100)
        ));
        let alerts = block(a.settle(id, Nanos(55), skewed)).expect("settles");
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        let again = block(b.settle(id, Nanos(55), skewed)).expect("a second settle is a no-op");
        assert!(again.is_empty());
        let seen = block(b.balance("team", &period, SystemTime::now())).expect("balance");
        assert_eq!(
            seen,
            Balance {
                settled: Nanos(55),
                reserved: Nanos::ZERO
            }
        );
    }

    #[test]
    fn a_fleet_lane_admits_its_window_and_says_how_long_to_wait() {
        let server = RedisServer::start();
        let l = ledger(&server, Clock::Caller);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let hold = FleetLaneFor::call; // 100 tokens in any 10 s
        let first = block(l.reserve(&hold(60), now)).expect("room");
        let wait = match block(l.reserve(&hold(60), now)) {
            Err(ReserveError::Wait { wait, lane }) => {
                assert_eq!(lane, "deployment:d");
                wait
            }
            other => panic!("{other:?}"),
        };
        // The first grant's slot leaves the window 10 s (and at most a slot) later.
        assert!(
            wait >= Duration::from_secs(10) && wait <= Duration::from_millis(10_040),
            "{wait:?}"
        );
        // A release gives the grant back: the call fits at once.
        block(l.release(first)).expect("released");
        let again = block(l.reserve(&hold(60), now)).expect("the grant came back");
        block(l.settle(again, Nanos::ZERO, now)).expect("settles");
        // A settled grant stays in the window (the deployment's count keeps it) until it
        // leaves: then the next call fits.
        assert!(matches!(
            block(l.reserve(&hold(60), now + Duration::from_secs(5))),
            Err(ReserveError::Wait { .. })
        ));
        let later = now + wait;
        block(l.reserve(&hold(60), later)).expect("the window moved on");
        // A call that can wait is booked at the instant the lane frees room, in one step.
        let patient = Hold {
            book_ahead: Duration::from_secs(20),
            ..hold(60)
        };
        let booked = block(l.reserve(&patient, later)).expect("booked ahead");
        let start = l.starts_after(booked);
        assert!(
            start >= Duration::from_secs(10) && start <= Duration::from_millis(10_040),
            "{start:?}"
        );
        assert_eq!(l.starts_after(booked), Duration::ZERO, "asked once");
        // The booked grant counts: a third call waits for it too.
        assert!(matches!(
            block(l.reserve(&hold(60), later + start)),
            Err(ReserveError::Wait { .. })
        ));
    }

    /// The lane's running total stays exact over many windows, through releases and through
    /// an idle spell longer than two windows (when the slots that left are read, not named).
    #[test]
    fn a_fleet_lane_keeps_its_rate_over_many_windows_and_after_idling() {
        let server = RedisServer::start();
        let l = ledger(&server, Clock::Caller);
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let hold = FleetLaneFor::call; // 100 tokens in any 10 s
        let mut rng = fastrand::Rng::with_seed(7);
        let mut admitted: Vec<(Duration, u64)> = Vec::new();
        let mut t = Duration::ZERO;
        while t < Duration::from_secs(300) {
            t += Duration::from_millis(rng.u64(1..400));
            let idle = Duration::from_secs(100)..Duration::from_secs(150);
            if idle.contains(&t) {
                continue;
            }
            let tokens = rng.u64(1..20);
            match block(l.reserve(&hold(tokens), start + t)) {
                // One call in ten is never sent: its grant comes back.
                Ok(id) if rng.u8(0..10) == 0 => block(l.release(id)).expect("released"),
                Ok(id) => {
                    block(l.settle(id, Nanos::ZERO, start + t)).expect("settles");
                    admitted.push((t, tokens));
                }
                Err(ReserveError::Wait { .. }) => {}
                Err(other) => panic!("{other:?}"),
            }
        }
        for &(from, _) in &admitted {
            let window = from..from + Duration::from_secs(10);
            let held: u64 = admitted
                .iter()
                .filter(|(at, _)| window.contains(at))
                .map(|(_, n)| n)
                .sum();
            assert!(held <= 100, "{held} tokens in the 10 s from {from:?}");
        }
        // Asked for five times its rate over 250 s of traffic, the lane admits its rate: 2,500
        // tokens, less a slot's width at each turn of the window and the released grants' room
        // re-used late.
        let total: u64 = admitted.iter().map(|(_, n)| n).sum();
        assert!((2_300..=2_600).contains(&total), "{total} tokens admitted");
    }

    /// Lanes for the tests.
    struct FleetLaneFor;

    impl FleetLaneFor {
        fn tokens(tpm: u64) -> crate::govern::FleetLane {
            crate::govern::FleetLane {
                name: "deployment:d".into(),
                tokens: Some(RateWindow::per_minute(tpm, Duration::from_secs(10))),
                requests: None,
            }
        }

        /// A call of `tokens` on a 600 tpm lane (100 tokens in any 10 s), with no budget line.
        fn call(tokens: u64) -> Hold {
            Hold {
                lease: Duration::from_secs(60),
                lanes: vec![FleetLaneFor::tokens(600)],
                tokens,
                ..Hold::default()
            }
        }
    }

    #[test]
    fn an_unreachable_server_fails_fast_and_names_it_without_the_password() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a port");
        // Nothing listens there once the listener is dropped.
        let url = RedisUrl::for_tests(&format!("redis://:hunter2@127.0.0.1:{port}/0"));
        let l = RedisLedger::new(&url, "x", Clock::Server).expect("a ledger");
        let period = Window::Total.period(SystemTime::now());
        let hold = Hold {
            lines: vec![Line {
                scope: "team".into(),
                period,
                cap: Some(Nanos(100)),
                soft: std::sync::Arc::from([]),
            }],
            amount: Nanos(1),
            lease: Duration::from_secs(60),
            ..Hold::default()
        };
        let started = Instant::now();
        let err = block(l.reserve(&hold, SystemTime::now())).expect_err("no server");
        assert!(started.elapsed() < CONNECT_TIMEOUT + Duration::from_secs(1));
        let ReserveError::Unreachable(e) = err else {
            panic!("{err:?}")
        };
        assert!(e.0.contains(&format!("127.0.0.1:{port}")), "{}", e.0);
        assert!(!e.0.contains("hunter2"), "{}", e.0);
        assert!(!format!("{l:?}").contains("hunter2"));
    }
}
