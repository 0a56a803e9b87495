//! Cell r (issue 12): the fleet's ledger on a loopback Redis (started here, AOF fsynced on
//! every write, as the tests run it). Printed, never asserted:
//!
//! - Redis round trips per call, counted by the server (`INFO commandstats`): the scripts
//!   run per call (one to reserve, one to settle) and every command;
//! - the latency a call gains, p50 and p99, against the same client without governance
//!   (the settle runs after the answer, off the call's path);
//! - throughput at 64 in flight: governance off, the embedded SQLite ledger, Redis.
//!
//! The governance is cell g's: two budgets, a policy and a scope rate limit (on Redis the
//! scope's limit is a fleet lane, taken in the same script as the budgets).

use std::time::{Duration, Instant};

use foundry_client::{ChatRequest, Foundry};

use super::governance::{governed, rate, CONCURRENCY, DEPLOYMENT};
use super::{progress, Bench};
use crate::stats::percentile;
use crate::table::Row;

#[path = "../../../../core/tests/support/redis_server.rs"]
mod redis_server;
use redis_server::RedisServer;

/// Each command's calls since the last `CONFIG RESETSTAT`, from `INFO commandstats`.
fn command_calls(server: &RedisServer) -> Vec<(String, u64)> {
    server
        .command(&["INFO", "commandstats"])
        .lines()
        .filter_map(|line| {
            let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats.split(',').find_map(|kv| kv.strip_prefix("calls="))?;
            Some((name.to_string(), calls.parse().ok()?))
        })
        .filter(|(name, _)| name != "info" && !name.starts_with("config"))
        .collect()
}

/// Each call's latency, one at a time, in µs.
async fn latencies(
    client: &Foundry,
    request: &ChatRequest,
    calls: usize,
) -> Result<Vec<f64>, String> {
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        client
            .chat(request.clone())
            .await
            .map_err(|e| e.to_string())?;
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    Ok(times)
}

pub async fn run(b: &Bench) -> Result<Vec<Row>, String> {
    let endpoint = b.server.endpoint();
    let redis = RedisServer::start();
    let dir = redis.dir.join("sqlite");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let store = format!(
        "store: {{type: redis, url: '{}', prefix: bench}}",
        redis.url()
    );
    let redis_client = governed(&endpoint, &store)?;
    let sqlite_client = governed(
        &endpoint,
        &format!("ledger: {}", dir.join("ledger.sqlite").display()),
    )?;
    let off = b.clients.core.clone();
    let request = b.clients.call(DEPLOYMENT, false)?.core_request().clone();
    let calls = b.settings.calls(5_000);
    progress(&format!(
        "cell r: Redis round trips per call, added latency ({} rounds x {calls} calls), throughput at c={CONCURRENCY}",
        b.settings.rounds
    ));
    let mut rows = Vec::new();

    // Round trips: the connection is made and the scripts loaded first, then counted.
    latencies(&redis_client, &request, 10).await?;
    redis_client.settled().await;
    redis.command(&["CONFIG", "RESETSTAT"]);
    let counted = calls.min(1_000);
    latencies(&redis_client, &request, counted).await?;
    redis_client.settled().await;
    let per_call = |name: &str| {
        let n: u64 = command_calls(&redis)
            .iter()
            .filter(|(c, _)| c == name)
            .map(|(_, n)| *n)
            .sum();
        n as f64 / counted as f64
    };
    let all: u64 = command_calls(&redis).iter().map(|(_, n)| n).sum();
    let name = "Redis round trips per call (INFO commandstats; reserve + settle)";
    rows.push(Row::single(
        "r",
        name,
        "core, Redis store",
        "EVALSHA per call",
        "calls",
        vec![per_call("evalsha")],
    ));
    rows.push(Row::single(
        "r",
        name,
        "core, Redis store",
        "commands run per call (the scripts' own included)",
        "calls",
        vec![all as f64 / counted as f64],
    ));

    // Added latency: governed on Redis against off, in interleaved rounds; with the AOF
    // fsynced on every write (as the tests run it: a reservation waits for the disk) and once
    // a second (Redis's default durability).
    for fsync in ["always", "everysec"] {
        redis.command(&["CONFIG", "SET", "appendfsync", fsync]);
        let (mut on50, mut on99, mut off50, mut off99) = (vec![], vec![], vec![], vec![]);
        for _ in 0..b.settings.rounds {
            let mut on = latencies(&redis_client, &request, calls).await?;
            let mut bare = latencies(&off, &request, calls).await?;
            on50.push(percentile(&mut on, 50.0));
            on99.push(percentile(&mut on, 99.0));
            off50.push(percentile(&mut bare, 50.0));
            off99.push(percentile(&mut bare, 99.0));
        }
        redis_client.settled().await;
        let added = |on: &[f64], off: &[f64]| on.iter().zip(off).map(|(a, z)| a - z).collect();
        let name = format!(
            "latency c=1 added by governance on the Redis store, appendfsync {fsync} (vs governance off)"
        );
        rows.push(Row::single(
            "r",
            &name,
            "core, Redis store",
            "p50",
            "µs",
            added(&on50, &off50),
        ));
        rows.push(Row::single(
            "r",
            &name,
            "core, Redis store",
            "p99",
            "µs",
            added(&on99, &off99),
        ));
    }

    // Throughput: none, embedded, Redis.
    let seconds = Duration::from_secs_f64(b.settings.seconds(1.0));
    let (mut none, mut embedded, mut fleet) = (vec![], vec![], vec![]);
    for _ in 0..b.settings.rounds {
        none.push(rate(&off, &request, seconds).await?.0);
        embedded.push(rate(&sqlite_client, &request, seconds).await?.0);
        fleet.push(rate(&redis_client, &request, seconds).await?.0);
    }
    redis_client.settled().await;
    let name = format!("throughput c={CONCURRENCY} by store");
    for (variant, values) in [
        ("core, governance off", none),
        ("core, embedded SQLite ledger", embedded),
        ("core, Redis store", fleet),
    ] {
        rows.push(Row::single("r", &name, variant, "rate", "req/s", values));
    }
    Ok(rows)
}
