//! Cell 8: cost as the answer grows. Latency p50 at c=1 for 1.2 KB, 10 KB and 100 KB bodies and
//! the slope per KB; then, with the counting allocator on, heap bytes allocated, the peak
//! live heap and the number of allocations per call, for each body size and stream length.
//! (Stream timings come from the streaming cell.)

use std::hint::black_box;
use std::time::Instant;

use super::{check_text, progress, Bench};
use crate::alloc;
use crate::bodies::{chat_body, stream_key, CHAT_SIZES, STREAM_EVENTS};
use crate::stats::{median, percentile, PerVariant};
use crate::table::Row;
use crate::variants::{Call, Variant};

fn iterations(size: usize) -> usize {
    if size >= 100 * 1024 {
        300
    } else {
        1000
    }
}

pub async fn run(b: &Bench) -> Result<Vec<Row>, String> {
    progress(&format!(
        "cell 8: latency and heap as the answer grows, {} rounds",
        b.settings.rounds
    ));
    let mut calls = Vec::new();
    for (key, size, _) in CHAT_SIZES {
        let call = b.clients.call(key, false)?;
        let expected = chat_body(size).1;
        for v in Variant::ALL {
            check_text(v, &b.clients.chat(v, &call).await?, &expected)?;
            for _ in 0..b.settings.calls(iterations(size)) / 5 {
                black_box(b.clients.chat(v, &call).await?);
            }
        }
        calls.push((size, call));
    }
    let mut p50 = vec![PerVariant::default(); CHAT_SIZES.len()];
    for _ in 0..b.settings.rounds {
        for v in Variant::ALL {
            for (i, (size, call)) in calls.iter().enumerate() {
                let mut latencies = Vec::new();
                for _ in 0..b.settings.calls(iterations(*size)) {
                    let t = Instant::now();
                    black_box(b.clients.chat(v, call).await?);
                    latencies.push(t.elapsed().as_secs_f64() * 1e6);
                }
                p50[i].push(v, percentile(&mut latencies, 50.0));
            }
        }
    }
    let mut rows = Vec::new();
    for (i, (_, _, label)) in CHAT_SIZES.iter().enumerate() {
        rows.push(Row::compared(
            "8",
            &format!("growth, {label} body"),
            "latency p50",
            "µs",
            &p50[i],
            false,
            None,
        ));
    }
    let (lo, hi) = (0, CHAT_SIZES.len() - 1);
    let kib = (CHAT_SIZES[hi].1 - CHAT_SIZES[lo].1) as f64 / 1024.0;
    let slope = |h: &[f64], l: &[f64]| h.iter().zip(l).map(|(h, l)| (h - l) / kib).collect();
    let per_kib = PerVariant {
        core: slope(&p50[hi].core, &p50[lo].core),
        bare: slope(&p50[hi].bare, &p50[lo].bare),
        ..PerVariant::default()
    };
    rows.push(Row::compared(
        "8",
        &format!("growth, {}→{} body", CHAT_SIZES[lo].2, CHAT_SIZES[hi].2),
        "latency per KB",
        "µs",
        &per_kib,
        false,
        None,
    ));
    rows.extend(heap(b, &calls).await?);
    Ok(rows)
}

/// Heap per call, median over calls; one value per variant (the allocator is deterministic
/// enough that rounds add nothing).
#[derive(Default)]
struct HeapPerCall {
    allocated_kib: PerVariant,
    peak_kib: PerVariant,
    allocations: PerVariant,
}

impl HeapPerCall {
    fn rows(&self, name: &str) -> Vec<Row> {
        vec![
            Row::compared(
                "8",
                name,
                "heap allocated per call",
                "KiB",
                &self.allocated_kib,
                false,
                None,
            ),
            Row::compared(
                "8",
                name,
                "peak live heap per call",
                "KiB",
                &self.peak_kib,
                false,
                None,
            ),
            Row::compared(
                "8",
                name,
                "allocations per call",
                "count",
                &self.allocations,
                false,
                None,
            ),
        ]
    }
}

async fn measure_heap(
    b: &Bench,
    v: Variant,
    call: &Call,
    stream: bool,
    out: &mut HeapPerCall,
) -> Result<(), String> {
    let (mut allocated, mut peak, mut count) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..b.settings.calls(50) {
        alloc::reset_peak();
        let before = alloc::snapshot();
        if stream {
            black_box(b.clients.stream(v, call).await?);
        } else {
            black_box(b.clients.chat(v, call).await?);
        }
        let after = alloc::snapshot();
        allocated.push((after.allocated - before.allocated) as f64 / 1024.0);
        peak.push((alloc::peak() - before.live) as f64 / 1024.0);
        count.push((after.count - before.count) as f64);
    }
    out.allocated_kib.push(v, median(&allocated));
    out.peak_kib.push(v, median(&peak));
    out.allocations.push(v, median(&count));
    Ok(())
}

async fn heap(b: &Bench, bodies: &[(usize, Call)]) -> Result<Vec<Row>, String> {
    let label = |size: usize| {
        CHAT_SIZES
            .iter()
            .find(|(_, s, _)| *s == size)
            .map_or("?", |(_, _, l)| l)
    };
    let mut streams = Vec::new();
    for n in STREAM_EVENTS {
        streams.push((n, b.clients.call(&stream_key(n), true)?));
    }
    alloc::set_counting(true);
    let mut rows = Vec::new();
    let outcome = async {
        for (size, call) in bodies {
            let mut h = HeapPerCall::default();
            for v in Variant::ALL {
                measure_heap(b, v, call, false, &mut h).await?;
            }
            rows.extend(h.rows(&format!("growth, {} body", label(*size))));
        }
        for (n, call) in &streams {
            let mut h = HeapPerCall::default();
            for v in Variant::ALL {
                measure_heap(b, v, call, true, &mut h).await?;
            }
            rows.extend(h.rows(&format!("growth, stream of {n} events")));
        }
        Ok::<_, String>(())
    }
    .await;
    alloc::set_counting(false);
    outcome.map(|_| rows)
}
