//! Cell 1b: throughput at concurrency 64 and 512: first against the zero-delay mock (the
//! client's own cost decides), then with a simulated 50 ms model latency (does the client add
//! queueing under load? reported with its p99 latency).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::task::JoinSet;

use super::{progress, Bench};
use crate::machine::own_cpu_ns;
use crate::stats::{median, percentile, PerVariant};
use crate::table::Row;
use crate::variants::{Call, Clients, Variant};

pub const CONCURRENCY: [usize; 2] = [64, 512];

struct Window {
    requests_per_s: f64,
    p99_ms: f64,
    client_cpu_us_per_call: Option<f64>,
    server_busy: Option<f64>,
}

/// `concurrency` tasks call in a loop until `duration` is up; every started call completes.
async fn window(
    b: &Bench,
    variant: Variant,
    call: &Arc<Call>,
    concurrency: usize,
    duration: Duration,
) -> Result<Window, String> {
    let cpu_before = own_cpu_ns();
    let server_before = b.server.cpu_ns();
    let started = Instant::now();
    let stop = started + duration;
    let mut tasks = JoinSet::new();
    for _ in 0..concurrency {
        let clients: Arc<Clients> = Arc::clone(&b.clients);
        let call = Arc::clone(call);
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < stop {
                let t = Instant::now();
                std::hint::black_box(clients.chat(variant, &call).await?);
                latencies.push(t.elapsed().as_secs_f64() * 1e3);
            }
            Ok::<_, String>(latencies)
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done.map_err(|e| e.to_string())??);
    }
    let wall = started.elapsed();
    let calls = latencies.len().max(1) as f64;
    let cpu = own_cpu_ns()
        .zip(cpu_before)
        .map(|(a, b)| a.saturating_sub(b) as f64 / calls / 1e3);
    let server = b
        .server
        .cpu_ns()
        .zip(server_before)
        .map(|(a, b)| a.saturating_sub(b) as f64 / wall.as_nanos() as f64);
    Ok(Window {
        requests_per_s: latencies.len() as f64 / wall.as_secs_f64(),
        p99_ms: percentile(&mut latencies, 99.0),
        client_cpu_us_per_call: cpu,
        server_busy: server,
    })
}

/// Rounds at one model latency; rows plus side numbers for the JSON.
async fn at_delay(b: &mut Bench, delay_ms: u64, rows: &mut Vec<Row>) -> Result<(), String> {
    let deployment = if delay_ms == 0 {
        "chat-1k".to_string()
    } else {
        format!("chat-1k-d{delay_ms}")
    };
    let call = Arc::new(b.clients.call(&deployment, false)?);
    let seconds = b.settings.seconds(if delay_ms == 0 { 1.0 } else { 1.5 });
    progress(&format!(
        "cell 1: throughput at c={CONCURRENCY:?}, model latency {delay_ms} ms, {} rounds x {seconds} s per variant",
        b.settings.rounds
    ));
    // Open the pools' connections before timing.
    for c in CONCURRENCY {
        for v in Variant::WITH_PEERS {
            let warm = Duration::from_millis(200 + 2 * delay_ms);
            window(b, v, &call, c, warm).await?;
        }
    }
    let mut side = serde_json::Map::new();
    for c in CONCURRENCY {
        let (mut rate, mut p99, mut cpu) = (
            PerVariant::default(),
            PerVariant::default(),
            PerVariant::default(),
        );
        let mut busy = PerVariant::default();
        for _ in 0..b.settings.rounds {
            for v in Variant::WITH_PEERS {
                let w = window(b, v, &call, c, Duration::from_secs_f64(seconds)).await?;
                rate.push(v, w.requests_per_s);
                p99.push(v, w.p99_ms);
                if let Some(x) = w.client_cpu_us_per_call {
                    cpu.push(v, x);
                }
                if let Some(x) = w.server_busy {
                    busy.push(v, x);
                }
            }
        }
        let name = format!("throughput c={c}, model latency {delay_ms} ms");
        rows.extend(Row::compared_with_peers(
            "1", &name, "rate", "req/s", &rate, true, None,
        ));
        if delay_ms > 0 {
            rows.extend(Row::compared_with_peers(
                "1", &name, "p99", "ms", &p99, false, None,
            ));
        } else if !cpu.core.is_empty() {
            rows.extend(Row::compared_with_peers(
                "1",
                &name,
                "client CPU per call",
                "µs",
                &cpu,
                false,
                None,
            ));
        }
        side.insert(
            format!("c{c}"),
            json!({
                "server_core_busy_fraction": {"core": median(&busy.core), "reqwest": median(&busy.bare)},
            }),
        );
    }
    b.extra
        .insert(format!("throughput_delay_{delay_ms}ms"), side.into());
    Ok(())
}

/// `foundry-bench profile`: one variant against the zero-delay mock for `seconds`, to run
/// under `perf record` when a target is missed: chat deployments at c=64, streams one after
/// another.
pub async fn profile(
    b: &Bench,
    variant: Variant,
    deployment: &str,
    seconds: f64,
) -> Result<(), String> {
    let stream = deployment.starts_with("stream-");
    let call = Arc::new(b.clients.call(deployment, stream)?);
    let duration = Duration::from_secs_f64(seconds);
    if stream {
        let (started, cpu_before) = (Instant::now(), own_cpu_ns());
        let mut n = 0u32;
        while started.elapsed() < duration {
            std::hint::black_box(b.clients.stream(variant, &call).await?);
            n += 1;
        }
        let cpu = own_cpu_ns()
            .zip(cpu_before)
            .map(|(a, b)| a.saturating_sub(b) as f64 / f64::from(n.max(1)) / 1e3);
        progress(&format!(
            "{}: {n} streams of {deployment}, client CPU {:.1} µs per stream",
            variant.name(),
            cpu.unwrap_or(f64::NAN)
        ));
        return Ok(());
    }
    let w = window(b, variant, &call, 64, duration).await?;
    progress(&format!(
        "{}: {:.0} req/s on {deployment}, client CPU {:.1} µs per call",
        variant.name(),
        w.requests_per_s,
        w.client_cpu_us_per_call.unwrap_or(f64::NAN)
    ));
    Ok(())
}

pub async fn run(b: &mut Bench) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    at_delay(b, 0, &mut rows).await?;
    at_delay(b, 50, &mut rows).await?;
    Ok(rows)
}
