//! Cell g (issue 11): what governance costs. The gate's decision in process (policy, rate-limit
//! lanes and budget reservation across the scope's enclosing budgets, every grant given back),
//! timed call by call; then throughput at 64 in flight with governance on (the in-memory
//! ledger and the embedded SQLite ledger, WAL with `synchronous = NORMAL`: no fsync per call)
//! against the same client with it off, in interleaved rounds.

use std::hint::black_box;
use std::time::{Duration, Instant};

use foundry_client::config::Catalog;
use foundry_client::{ChatRequest, ClientOptions, Foundry};
use tokio::task::JoinSet;

use super::{progress, Bench};
use crate::machine::own_cpu_ns;
use crate::mock::API_KEY;
use crate::stats::{percentile, PerVariant};
use crate::table::Row;
use crate::variants::Variant;

pub(super) const DEPLOYMENT: &str = "chat-1k";
pub(super) const CONCURRENCY: usize = 64;

/// The governance a platform team would turn on: a budget on the team and on the
/// organisation, the approved-deployment policy, and a rate limit on the team far above what
/// the mock is sent (so no call waits: the cost measured is the decision's, not a queue's).
/// Deployment pacing (`rate_limits`, off by default) is left off: it believes the mock's
/// canned `x-ratelimit-remaining-requests: 290`, as it should a real service's.
pub(super) fn governed(endpoint: &str, ledger: &str) -> Result<Foundry, String> {
    let text = format!(
        "defaults:\n  endpoint: {endpoint}\n  auth: {{type: api_key, key: {API_KEY}}}\n\
         deployments:\n  - {{name: {DEPLOYMENT}, pricing: {{input: 0.15, output: 0.6}}}}\n\
         governance:\n  scope: acme/search\n  {ledger}\n  budgets:\n\
         \x20   - {{scope: acme, window: month, time_zone: Europe/Berlin, hard_usd: 1000000000}}\n\
         \x20   - {{scope: acme/search, window: day, hard_usd: 1000000000}}\n\
         \x20 policies:\n    - {{scope: acme, approved: [{DEPLOYMENT}]}}\n\
         \x20 scopes:\n    - {{name: acme/search, rpm: 1000000000, tpm: 1000000000000}}\n"
    );
    let catalog =
        Catalog::from_str_with_env(&text, "bench.yaml", &|_| None).map_err(|e| e.to_string())?;
    Foundry::new(catalog, ClientOptions::default()).map_err(|e| e.to_string())
}

/// The decision's time, call by call: (p50, p99) in µs.
async fn decisions(
    client: &Foundry,
    request: &ChatRequest,
    calls: usize,
) -> Result<(f64, f64), String> {
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        black_box(client.governance_decision(request).await).map_err(|e| e.to_string())?;
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    Ok((percentile(&mut times, 50.0), percentile(&mut times, 99.0)))
}

/// Calls per second and client CPU per call (µs) at `CONCURRENCY` in flight for `duration`.
pub(super) async fn rate(
    client: &Foundry,
    request: &ChatRequest,
    duration: Duration,
) -> Result<(f64, Option<f64>), String> {
    let cpu_before = own_cpu_ns();
    let started = Instant::now();
    let stop = started + duration;
    let mut tasks = JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (client, request) = (client.clone(), request.clone());
        tasks.spawn(async move {
            let mut calls = 0u64;
            while Instant::now() < stop {
                black_box(
                    client
                        .chat(request.clone())
                        .await
                        .map_err(|e| e.to_string())?,
                );
                calls += 1;
            }
            Ok::<_, String>(calls)
        });
    }
    let mut calls = 0u64;
    while let Some(done) = tasks.join_next().await {
        calls += done.map_err(|e| e.to_string())??;
    }
    let cpu = own_cpu_ns()
        .zip(cpu_before)
        .map(|(a, b)| a.saturating_sub(b) as f64 / calls.max(1) as f64 / 1e3);
    Ok((calls as f64 / started.elapsed().as_secs_f64(), cpu))
}

/// A row of governed (in `core`) against ungoverned (in `bare`) numbers.
fn against_off(
    name: &str,
    metric: &str,
    unit: &str,
    values: &PerVariant,
    higher_is_better: bool,
    on: &str,
) -> Row {
    let mut row = Row::compared("g", name, metric, unit, values, higher_is_better, None);
    row.variant = format!("core, governance on ({on})");
    row.baseline_name = Some("core, governance off".into());
    row
}

pub async fn run(b: &Bench) -> Result<Vec<Row>, String> {
    let endpoint = b.server.endpoint();
    let dir = std::env::temp_dir().join(format!("foundry-bench-ledger-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let sqlite = dir.join("ledger.sqlite");
    let memory_client = governed(&endpoint, "ledger: memory")?;
    let sqlite_client = governed(&endpoint, &format!("ledger: {}", sqlite.display()))?;
    let off = b.clients.core.clone();
    let call = b.clients.call(DEPLOYMENT, false)?;
    let request = call.core_request().clone();
    let calls = b.settings.calls(20_000);
    progress(&format!(
        "cell g: the governance decision, {} rounds x {calls} decisions per ledger; throughput at c={CONCURRENCY} governed vs not",
        b.settings.rounds
    ));
    let mut rows = Vec::new();
    for (ledger, client) in [
        ("memory ledger", &memory_client),
        ("SQLite ledger", &sqlite_client),
    ] {
        decisions(client, &request, calls / 10).await?;
        let (mut p50, mut p99) = (Vec::new(), Vec::new());
        for _ in 0..b.settings.rounds {
            let (a, z) = decisions(client, &request, calls).await?;
            p50.push(a);
            p99.push(z);
        }
        let name = format!("governance decision (policy + scope rate limit + 2 budgets), {ledger}");
        rows.push(Row::single("g", &name, "core", "p50", "µs", p50));
        rows.push(Row::single("g", &name, "core", "p99", "µs", p99));
    }
    let seconds = Duration::from_secs_f64(b.settings.seconds(1.0));
    for client in [&off, &memory_client, &sqlite_client] {
        rate(client, &request, Duration::from_millis(300)).await?;
    }
    let (mut memory, mut sqlite_rate, mut memory_cpu, mut sqlite_cpu) = (
        PerVariant::default(),
        PerVariant::default(),
        PerVariant::default(),
        PerVariant::default(),
    );
    for _ in 0..b.settings.rounds {
        let (off_rate, off_cpu) = rate(&off, &request, seconds).await?;
        let (m_rate, m_cpu) = rate(&memory_client, &request, seconds).await?;
        let (s_rate, s_cpu) = rate(&sqlite_client, &request, seconds).await?;
        for (values, cpu, on_rate, on_cpu) in [
            (&mut memory, &mut memory_cpu, m_rate, m_cpu),
            (&mut sqlite_rate, &mut sqlite_cpu, s_rate, s_cpu),
        ] {
            values.push(Variant::Core, on_rate);
            values.push(Variant::Bare, off_rate);
            if let (Some(on), Some(off)) = (on_cpu, off_cpu) {
                cpu.push(Variant::Core, on);
                cpu.push(Variant::Bare, off);
            }
        }
    }
    let name = format!("throughput c={CONCURRENCY}, governance on vs off");
    rows.push(against_off(
        &name,
        "rate",
        "req/s",
        &memory,
        true,
        "memory ledger",
    ));
    rows.push(against_off(
        &name,
        "rate",
        "req/s",
        &sqlite_rate,
        true,
        "SQLite ledger",
    ));
    if !memory_cpu.core.is_empty() {
        rows.push(against_off(
            &name,
            "client CPU per call",
            "µs",
            &memory_cpu,
            false,
            "memory ledger",
        ));
        rows.push(against_off(
            &name,
            "client CPU per call",
            "µs",
            &sqlite_cpu,
            false,
            "SQLite ledger",
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rows)
}

/// `foundry-bench count`: `calls` governance decisions, or `calls` sequential calls with
/// governance on (memory ledger) or off, on the current thread. Run under callgrind twice with
/// two counts: the difference of the instruction totals over the difference of the counts is
/// the work's instructions per call, repeatable on a loaded machine where wall time is not.
pub async fn count(endpoint: &str, what: &str, calls: usize) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("foundry-bench-count-{}", std::process::id()));
    let client = match what {
        "decision" | "call-governed" => governed(endpoint, "ledger: memory")?,
        "decision-sqlite" | "call-sqlite" => {
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            governed(
                endpoint,
                &format!("ledger: {}", dir.join("ledger.sqlite").display()),
            )?
        }
        "call-ungoverned" => Foundry::new(
            Catalog::from_str_with_env(
                &format!(
                    "defaults:\n  endpoint: {endpoint}\n  auth: {{type: api_key, key: {API_KEY}}}\n\
                     deployments:\n  - {{name: {DEPLOYMENT}, pricing: {{input: 0.15, output: 0.6}}}}\n"
                ),
                "bench.yaml",
                &|_| None,
            )
            .map_err(|e| e.to_string())?,
            ClientOptions::default(),
        )
        .map_err(|e| e.to_string())?,
        other => {
            return Err(format!(
                "--what {other}: expected decision, decision-sqlite, call-governed, call-sqlite or call-ungoverned"
            ))
        }
    };
    // The same request every cell sends.
    let request = crate::variants::request(DEPLOYMENT);
    for _ in 0..calls {
        if what.starts_with("decision") {
            black_box(client.governance_decision(&request).await).map_err(|e| e.to_string())?;
        } else {
            black_box(client.chat(request.clone()).await).map_err(|e| e.to_string())?;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
