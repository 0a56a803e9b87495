//! Cell 1a: latency at concurrency 1 (p50, p99) on the recorded-size (1.2 KB) answer, plus the client's CPU
//! time per call (the client runs on one thread, so its thread CPU time is the whole cost), for
//! the core, bare reqwest and the Rust peers in interleaved rounds.

use std::hint::black_box;
use std::time::Instant;

use super::{check_text, progress, Bench};
use crate::bodies::{chat_body, SMALL};
use crate::machine::own_cpu_ns;
use crate::stats::{percentile, PerVariant};
use crate::table::Row;
use crate::variants::Variant;

pub async fn run(b: &Bench) -> Result<Vec<Row>, String> {
    let calls = b.settings.calls(3000);
    progress(&format!(
        "cell 1: latency at c=1, 1.2 KB answer, {} rounds x {calls} calls per variant",
        b.settings.rounds
    ));
    let call = b.clients.call("chat-1k", false)?;
    let expected = chat_body(SMALL).1;
    for v in Variant::WITH_PEERS {
        check_text(v, &b.clients.chat(v, &call).await?, &expected)?;
        for _ in 0..b.settings.calls(300) {
            black_box(b.clients.chat(v, &call).await?);
        }
    }
    let (mut p50, mut p99, mut cpu) = (
        PerVariant::default(),
        PerVariant::default(),
        PerVariant::default(),
    );
    for _ in 0..b.settings.rounds {
        for v in Variant::WITH_PEERS {
            let mut latencies = Vec::with_capacity(calls);
            let cpu_before = own_cpu_ns();
            for _ in 0..calls {
                let t = Instant::now();
                black_box(b.clients.chat(v, &call).await?);
                latencies.push(t.elapsed().as_secs_f64() * 1e6);
            }
            if let (Some(before), Some(after)) = (cpu_before, own_cpu_ns()) {
                cpu.push(v, after.saturating_sub(before) as f64 / calls as f64 / 1e3);
            }
            p50.push(v, percentile(&mut latencies, 50.0));
            p99.push(v, percentile(&mut latencies, 99.0));
        }
    }
    let name = "latency c=1, 1.2 KB answer";
    let mut rows = Row::compared_with_peers("1", name, "p50", "µs", &p50, false, Some(1.05));
    rows.extend(Row::compared_with_peers(
        "1",
        name,
        "p99",
        "µs",
        &p99,
        false,
        Some(1.15),
    ));
    if !cpu.core.is_empty() {
        rows.extend(Row::compared_with_peers(
            "1",
            name,
            "client CPU per call",
            "µs",
            &cpu,
            false,
            None,
        ));
    }
    Ok(rows)
}
