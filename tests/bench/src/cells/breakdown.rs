//! Cell 1 breakdown ("1b"), in process and without the network: what the core's public
//! building blocks cost per call next to what the baseline does in their place, so a missed
//! latency target can be explained in nanoseconds. Pieces the core keeps private (headers,
//! the attempt bookkeeping, events, the per-attempt timeout) are the remainder of the
//! CPU-per-call difference measured by cell 1.

use std::hint::black_box;
use std::time::Instant;

use foundry_client::{wire, Api, Catalog};
use serde_json::Value;

use super::{progress, Bench};
use crate::bodies::{chat_body, SMALL};
use crate::stats::{median, PerVariant};
use crate::table::Row;
use crate::variants::{Call, Variant};

/// ns per iteration of `f`, the median of a few batches.
fn time_ns(iterations: usize, mut f: impl FnMut()) -> f64 {
    let mut batches = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..iterations {
            f();
        }
        batches.push(t.elapsed().as_nanos() as f64 / iterations as f64);
    }
    median(&batches)
}

pub fn run(b: &Bench) -> Result<Vec<Row>, String> {
    progress("cell 1b: in-process breakdown of the core's per-call work");
    let n = b.settings.calls(20_000);
    let call: Call = b.clients.call("chat-1k", false)?;
    let catalog: &Catalog = b.clients.core.catalog();
    let deployment = catalog
        .deployment("chat-1k")
        .ok_or("no chat-1k deployment")?
        .clone();
    let (answer, _) = chat_body(SMALL);
    let request = call.core_request().clone();
    let wire_body = call.wire_body().clone();

    let (mut build, mut parse, mut url) = (
        PerVariant::default(),
        PerVariant::default(),
        PerVariant::default(),
    );
    let mut resolve = Vec::new();
    for _ in 0..b.settings.rounds {
        build.core.push(time_ns(n, || {
            let body = wire::build_chat_body(&deployment, black_box(&request), false);
            black_box(body.ok().and_then(|b| serde_json::to_vec(&b).ok()));
        }));
        build.bare.push(time_ns(n, || {
            black_box(serde_json::to_vec(&black_box(&wire_body).clone()).ok());
        }));
        parse.core.push(time_ns(n, || {
            black_box(wire::parse_chat(black_box(&answer)).ok());
        }));
        parse.bare.push(time_ns(n, || {
            let v: Option<Value> = serde_json::from_slice(black_box(&answer)).ok();
            black_box(v.as_ref().and_then(|v| {
                v.pointer("/choices/0/message/content")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            }));
        }));
        url.core.push(time_ns(n, || {
            black_box(wire::request_url(black_box(&deployment), Api::Chat));
        }));
        url.bare.push(time_ns(n, || {
            black_box(format!(
                "{}/openai/deployments/{}/chat/completions?api-version={}",
                black_box("http://127.0.0.1:1"),
                black_box("chat-1k"),
                "2024-10-21"
            ));
        }));
        resolve.push(time_ns(n, || {
            black_box(catalog.resolve(black_box("chat-1k")).ok());
        }));
    }
    // What an in-flight call holds before any IO: the future's own size (a spawned task
    // keeps it on the heap), core next to the baseline's.
    let future_bytes = PerVariant {
        core: vec![std::mem::size_of_val(&b.clients.core.chat(request.clone())) as f64],
        bare: vec![std::mem::size_of_val(&b.clients.chat(Variant::Bare, &call)) as f64],
        ..PerVariant::default()
    };
    let core_stream_future = b.clients.core.chat_stream(request.clone());
    let stream_future = std::mem::size_of_val(&core_stream_future) as f64;
    drop(core_stream_future);
    let name = "breakdown, 1.2 KB answer, in process";
    Ok(vec![
        Row::compared(
            "1b",
            name,
            "build + serialize request body",
            "ns",
            &build,
            false,
            None,
        ),
        Row::compared(
            "1b",
            name,
            "parse answer (core: parse_chat normalizes)",
            "ns",
            &parse,
            false,
            None,
        ),
        Row::compared("1b", name, "request URL", "ns", &url, false, None),
        Row::single(
            "1b",
            name,
            "core",
            "catalog.resolve (borrows the Deployment)",
            "ns",
            resolve,
        ),
        Row::compared(
            "1b",
            name,
            "size of one call's future",
            "bytes",
            &future_bytes,
            false,
            None,
        ),
        Row::single(
            "1b",
            name,
            "core",
            "size of chat_stream's future",
            "bytes",
            vec![stream_future],
        ),
    ])
}
