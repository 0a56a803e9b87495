//! The demo's rate-limit step: a burst of calls at a deployment whose quota the emulator
//! enforces. The client paces them to the catalog's tpm/rpm the way Azure counts (a sixth of
//! the minute's tokens in any 10 s, prompt plus max_tokens per call), so the calls over the
//! window's share wait in its queue instead of earning 429s, and a high-priority call sent last is
//! served before the batch calls waiting ahead of it.

use std::sync::{Arc, Mutex};

use foundry_client::config::Catalog;
use foundry_client::events::Event;
use foundry_client::{ClientOptions, Foundry};
use serde_json::{json, Value};

use crate::chat::request;
use crate::output::Output;

/// The quota, in the catalog and enforced by the emulator over Azure's 10-second windows as
/// well as the minute: 2,400 tokens a minute, so 400 in any 10 s; 1,200 requests.
const TPM: u64 = 2_400;
const RPM: u64 = 1_200;
/// More calls than one window admits (each counts about 16 tokens: its prompt and max_tokens).
const BURST: usize = 30;
const SCENARIO: &str = "demo-burst";

/// An attempt as sent: how long it queued (ms) and the status it got.
type Sent = (u64, Option<u16>);

pub async fn run(
    out: &Output,
    reference: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> foundry_client::Result<Value> {
    let endpoint = env("FOUNDRY_ENDPOINT").unwrap_or_default();
    // The emulator enforces the quota for this scenario (its rate limits are on).
    let limits = json!({"limits": {"gpt-5.4": {"tpm": TPM, "rpm": RPM, "sub_window_secs": 10}}});
    crate::demo::register_scenario(&endpoint, SCENARIO, &limits).await?;
    let text = format!("{reference}\ngovernance:\n  rate_limits: true\n");
    let mut catalog = Catalog::from_str_with_env(&text, "foundry.yaml", env)?;
    catalog
        .defaults
        .headers
        .insert("x-emulator-scenario".into(), SCENARIO.into());
    for d in catalog
        .deployments
        .iter_mut()
        .filter(|d| d.name == "gpt-5.4")
    {
        (d.tpm, d.rpm) = (Some(TPM), Some(RPM));
    }
    let attempts: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let seen = attempts.clone();
    let on_event = Arc::new(move |event: &Event| {
        if let (Event::Attempt(a), Ok(mut seen)) = (event, seen.lock()) {
            seen.push((a.queued_ms, a.status));
        }
    });
    let client = Foundry::new(
        catalog,
        ClientOptions {
            on_event: Some(on_event),
            ..Default::default()
        },
    )?;
    let batch = (0..BURST).map(|n| {
        let mut r = request("gpt-5.4", None, &format!("Classify ticket {n}"), Some(5));
        r.params.insert("priority".into(), json!("low"));
        client.chat(r)
    });
    let mut urgent = request("gpt-5.4", None, "Page the on-call", Some(5));
    urgent.params.insert("priority".into(), json!("high"));
    let urgent = async {
        // Sent after the whole batch is queued.
        tokio::task::yield_now().await;
        let sent = std::time::Instant::now();
        client.chat(urgent).await.map(|_| sent.elapsed())
    };
    let (answers, urgent_wait) = tokio::join!(futures_util::future::join_all(batch), urgent);
    let urgent_wait = urgent_wait?;
    for answer in answers {
        answer?;
    }
    let attempts = attempts.lock().map(|a| a.clone()).unwrap_or_default();
    let queued: Vec<u64> = attempts
        .iter()
        .map(|(q, _)| *q)
        .filter(|q| *q > 0)
        .collect();
    let throttled = attempts.iter().filter(|(_, s)| *s == Some(429)).count();
    let longest = queued.iter().copied().max().unwrap_or(0);
    if !out.json {
        println!(
            "  {} calls at once at a {TPM}-TPM / {RPM}-RPM deployment: {} sent at once, {} waited \
             in the queue (longest {:.1} s)",
            BURST + 1,
            attempts.len() - queued.len(),
            queued.len(),
            longest as f64 / 1000.0
        );
        println!(
            "  the high-priority call, sent last, went ahead of the waiting batch: {} ms",
            urgent_wait.as_millis()
        );
        let line = format!("429s from the emulator, whose quota is enforced: {throttled}");
        println!(
            "  {}",
            if throttled == 0 {
                out.green(&line)
            } else {
                out.red(&line)
            }
        );
        crate::limits::print_table(out, &client.limits());
    }
    Ok(json!({
        "step": "rate_limits",
        "calls": BURST + 1,
        "queued": queued.len(),
        "longest_wait_ms": longest,
        "urgent_wait_ms": urgent_wait.as_millis() as u64,
        "throttled": throttled,
    }))
}
