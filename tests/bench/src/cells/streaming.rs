//! Cell 3 (streaming at zero pacing) and the stream half of cell 8's timings: streams of 10,
//! 100 and 1,000 content events read to the end by the core's `ChatStream` and by a bare
//! reqwest byte stream with a trivial splitter that parses each event's JSON.
//!
//! Time to first token is measured on the 100-event stream; the per-event cost is the slope
//! (T(1000) - T(10)) / 990 per round, so the fixed cost of the request cancels out; events per
//! second is 1000 / T(1000).

use super::{check_text, progress, Bench};
use crate::bodies::{stream_events, stream_key, STREAM_EVENTS};
use crate::stats::{median, PerVariant};
use crate::table::Row;
use crate::variants::Variant;

fn iterations(events: usize) -> usize {
    match events {
        0..=10 => 400,
        11..=100 => 200,
        _ => 40,
    }
}

pub async fn run(b: &Bench) -> Result<Vec<Row>, String> {
    progress(&format!(
        "cell 3: streams of {STREAM_EVENTS:?} events at zero pacing, {} rounds",
        b.settings.rounds
    ));
    let mut calls = Vec::new();
    for n in STREAM_EVENTS {
        let call = b.clients.call(&stream_key(n), true)?;
        let expected = stream_events(n).1;
        for v in Variant::ALL {
            check_text(v, &b.clients.stream(v, &call).await?.text, &expected)?;
            for _ in 0..b.settings.calls(iterations(n)) / 4 {
                b.clients.stream(v, &call).await?;
            }
        }
        calls.push((n, call));
    }
    // totals[i] / first_token[i]: round medians for STREAM_EVENTS[i], in µs.
    let mut totals = vec![PerVariant::default(); STREAM_EVENTS.len()];
    let mut first_token = vec![PerVariant::default(); STREAM_EVENTS.len()];
    for _ in 0..b.settings.rounds {
        for v in Variant::ALL {
            for (i, (n, call)) in calls.iter().enumerate() {
                let (mut total, mut first) = (Vec::new(), Vec::new());
                for _ in 0..b.settings.calls(iterations(*n)) {
                    let t = b.clients.stream(v, call).await?;
                    total.push(t.total.as_secs_f64() * 1e6);
                    first.push(t.first_token.as_secs_f64() * 1e6);
                }
                totals[i].push(v, median(&total));
                first_token[i].push(v, median(&first));
            }
        }
    }
    let (first, last) = (0, STREAM_EVENTS.len() - 1);
    let span = (STREAM_EVENTS[last] - STREAM_EVENTS[first]) as f64;
    let slope = |rounds_hi: &[f64], rounds_lo: &[f64]| -> Vec<f64> {
        rounds_hi
            .iter()
            .zip(rounds_lo)
            .map(|(hi, lo)| (hi - lo) / span)
            .collect()
    };
    let per_event = PerVariant {
        core: slope(&totals[last].core, &totals[first].core),
        bare: slope(&totals[last].bare, &totals[first].bare),
        ..PerVariant::default()
    };
    let rate = |rounds: &[f64]| -> Vec<f64> {
        rounds
            .iter()
            .map(|t| STREAM_EVENTS[last] as f64 / (t / 1e6))
            .collect()
    };
    let events_per_s = PerVariant {
        core: rate(&totals[last].core),
        bare: rate(&totals[last].bare),
        ..PerVariant::default()
    };
    let ttft_index = STREAM_EVENTS
        .iter()
        .position(|n| *n == 100)
        .unwrap_or(first);
    let mut rows = vec![
        Row::compared(
            "3",
            &format!("stream, {} events", STREAM_EVENTS[ttft_index]),
            "time to first token p50",
            "µs",
            &first_token[ttft_index],
            false,
            Some(1.1),
        ),
        Row::compared(
            "3",
            &format!(
                "stream, {}→{} events",
                STREAM_EVENTS[first], STREAM_EVENTS[last]
            ),
            "cost per event",
            "µs",
            &per_event,
            false,
            Some(1.1),
        ),
        Row::compared(
            "3",
            &format!("stream, {} events, zero pacing", STREAM_EVENTS[last]),
            "rate",
            "events/s",
            &events_per_s,
            true,
            Some(1.1),
        ),
    ];
    for (i, n) in STREAM_EVENTS.iter().enumerate() {
        rows.push(Row::compared(
            "8",
            &format!("growth, stream of {n} events"),
            "whole stream p50",
            "µs",
            &totals[i],
            false,
            None,
        ));
    }
    Ok(rows)
}
