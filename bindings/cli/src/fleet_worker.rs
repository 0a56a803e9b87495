//! `foundry fleet-worker` (hidden): one process of a fleet test. It runs `--calls` chat calls
//! at once through a catalog (the fleet's shared ledger in it), waits until every settle has
//! reached the ledger, and prints what happened as one JSON line: how many were answered, how
//! many a budget refused, and the other errors by kind. The fleet tests start several of
//! these against one Redis and add their answers up.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use std::sync::{Arc, Mutex};

use foundry_client::config::Catalog;
use foundry_client::events::Event;
use foundry_client::{ChatRequest, ClientOptions, ErrorKind, Foundry};
use serde_json::{json, Value};

pub struct Args<'a> {
    pub config: &'a Path,
    pub model: String,
    pub calls: u32,
    /// Spread the calls evenly over this many seconds instead of starting them at once.
    pub over_secs: f64,
    pub max_tokens: u64,
}

pub async fn run(args: Args<'_>) -> foundry_client::Result<bool> {
    // The store's outage events, in order: what a platform team's alerting would see.
    let store_events: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = Arc::clone(&store_events);
    let on_event = Arc::new(move |event: &Event| {
        if let (Event::Store(e), Ok(mut seen)) = (event, seen.lock()) {
            seen.push(json!({"state": e.state, "mode": e.mode, "fleet_size": e.fleet_size}));
        }
    });
    let client = Foundry::new(
        Catalog::from_path(args.config)?,
        ClientOptions {
            on_event: Some(on_event),
            ..ClientOptions::default()
        },
    )?;
    let started = Instant::now();
    let gap = match args.calls {
        0 => Duration::ZERO,
        n => Duration::from_secs_f64(args.over_secs.max(0.0) / f64::from(n)),
    };
    let calls: Vec<_> = (0..args.calls)
        .map(|n| {
            let client = client.clone();
            let request = request(&args.model, args.max_tokens);
            let at = started + gap * n;
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                let r = client.chat(request?).await?;
                // When the answer came, on the wall clock every process shares.
                let answered_at_ms = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0);
                Ok::<_, foundry_client::Error>(Answered {
                    answered_at_ms,
                    usage: r.usage,
                })
            })
        })
        .collect();
    let mut answered = 0u64;
    let mut refused = 0u64;
    let mut tokens = 0u64;
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut first_error = None;
    let mut answered_at_ms = Vec::new();
    let mut service_429 = 0u64;
    for call in calls {
        match call.await {
            Ok(Ok(r)) => {
                answered += 1;
                tokens += r.usage.total_tokens;
                answered_at_ms.push(r.answered_at_ms);
            }
            Ok(Err(e)) if e.kind() == ErrorKind::BudgetExceeded => refused += 1,
            Ok(Err(e)) => {
                if e.status == Some(429) {
                    service_429 += 1;
                }
                *errors.entry(e.kind().as_str().to_string()).or_default() += 1;
                first_error.get_or_insert_with(|| e.to_string());
            }
            Err(e) => {
                *errors.entry("panic".into()).or_default() += 1;
                first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    client.settled().await;
    println!(
        "{}",
        json!({
            "language": "rust",
            "answered": answered,
            "refused": refused,
            "tokens": tokens,
            "errors": errors,
            "service_429": service_429,
            "answered_at_ms": answered_at_ms,
            "store_events": store_events.lock().map(|e| e.clone()).unwrap_or_default(),
            "first_error": first_error,
            "elapsed_ms": started.elapsed().as_millis() as u64,
        })
    );
    Ok(true)
}

struct Answered {
    answered_at_ms: u64,
    usage: foundry_client::Usage,
}

fn request(model: &str, max_tokens: u64) -> foundry_client::Result<ChatRequest> {
    serde_json::from_value(json!({
        "model": model,
        "messages": [{"role": "user", "content": "Status report please"}],
        "max_tokens": max_tokens,
    }))
    .map_err(|e| foundry_client::Error::config(format!("the worker's request: {e}")))
}
