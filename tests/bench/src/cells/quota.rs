//! Cell q (issue 11's target): at 95 % of a deployment's quota, how many calls see a 429?
//! Calls arrive at random (a Poisson process) at 95 % of the deployment's tokens per minute as
//! the client counts them (prompt bytes / 4 plus `max_tokens`), against the emulator enforcing
//! that quota over Azure's 10-second windows as well as the minute. Once with the client's
//! rate limits on (`governance.rate_limits`), once off; no retries, so every 429 is seen.

use std::sync::Arc;
use std::time::{Duration, Instant};

use foundry_client::config::Catalog;
use foundry_client::{ChatRequest, ClientOptions, ErrorKind, Foundry};
use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use serde_json::json;
use tokio::task::JoinSet;

use super::{progress, Bench};
use crate::table::Row;

const DEPLOYMENT: &str = "DeepSeek-V3.2";
const TPM: u64 = 600_000;
const MAX_TOKENS: u64 = 20;
/// The share of the quota offered.
const LOAD: f64 = 0.95;

#[derive(Default)]
struct Outcomes {
    answered: u32,
    throttled: u32,
    refused_locally: u32,
    other: u32,
}

fn request() -> ChatRequest {
    // 200 words of 3 letters: 800 bytes, so bytes / 4 is close to the emulator's word count.
    let prompt = vec!["abc"; 200].join(" ");
    serde_json::from_value(json!({
        "model": DEPLOYMENT,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": MAX_TOKENS,
        "timeout": 30,
    }))
    .unwrap_or_default()
}

fn client(endpoint: &str, scenario: &str, paced: bool) -> Result<Foundry, String> {
    let text = format!(
        "defaults:\n  endpoint: {endpoint}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n  \
         headers: {{x-emulator-scenario: {scenario}}}\n  retry: {{max_retries: 0}}\n\
         deployments:\n  - {{name: {DEPLOYMENT}, tpm: {TPM}, rpm: 1000000}}\n\
         governance:\n  rate_limits: {paced}\n"
    );
    let catalog =
        Catalog::from_str_with_env(&text, "quota.yaml", &|_| None).map_err(|e| e.to_string())?;
    Foundry::new(catalog, ClientOptions::default()).map_err(|e| e.to_string())
}

/// Poisson arrivals at `LOAD` of the quota for `duration`; every call is awaited.
async fn run_load(client: &Foundry, request: &ChatRequest, duration: Duration) -> Outcomes {
    // What the client counts per call, so the offered rate is 95 % of what it may send.
    let body = serde_json::to_vec(&request.params["messages"]).map_or(0, |b| b.len() as u64);
    let per_call = body.div_ceil(4) + MAX_TOKENS;
    let calls_per_sec = LOAD * TPM as f64 / 60.0 / per_call as f64;
    let started = Instant::now();
    let mut next = started;
    let mut tasks = JoinSet::new();
    while next < started + duration {
        tokio::time::sleep_until(next.into()).await;
        let (client, request) = (client.clone(), request.clone());
        tasks.spawn(async move { client.chat(request).await });
        let gap = -(1.0 - fastrand::f64()).ln() / calls_per_sec;
        next += Duration::from_secs_f64(gap);
    }
    let mut out = Outcomes::default();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(_)) => out.answered += 1,
            Ok(Err(e)) if e.status == Some(429) => out.throttled += 1,
            Ok(Err(e)) if e.kind() == ErrorKind::RateLimit => out.refused_locally += 1,
            _ => out.other += 1,
        }
    }
    out
}

pub async fn run(b: &Bench) -> Result<Vec<Row>, String> {
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .map_err(|e| format!("the emulator did not start: {e}"))?;
    let endpoint = emulator.endpoint();
    let seconds = b.settings.seconds(60.0);
    progress(&format!(
        "cell q: Poisson calls at {:.0} % of a {TPM}-TPM quota the emulator enforces over 10 s windows, {seconds} s paced then {seconds} s unpaced",
        LOAD * 100.0
    ));
    let http = reqwest::Client::new();
    let request = Arc::new(request());
    let mut rows = Vec::new();
    for (scenario, paced) in [("quota-paced", true), ("quota-unpaced", false)] {
        let limits =
            json!({"limits": {DEPLOYMENT: {"tpm": TPM, "rpm": 1_000_000, "sub_window_secs": 10}}});
        http.post(format!("{endpoint}_emulator/scenarios/{scenario}"))
            .json(&limits)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("the emulator refused the scenario: {e}"))?;
        let client = client(&endpoint, scenario, paced)?;
        let out = run_load(&client, &request, Duration::from_secs_f64(seconds)).await;
        let calls = out.answered + out.throttled + out.refused_locally + out.other;
        let share = |n: u32| 100.0 * f64::from(n) / f64::from(calls.max(1));
        let variant = if paced {
            "core, rate limits on"
        } else {
            "core, rate limits off"
        };
        let name = format!(
            "{calls} calls at 95 % of the quota (Poisson), emulator enforcing 10 s windows"
        );
        rows.push(Row::single(
            "q",
            &name,
            variant,
            "calls answered 429",
            "%",
            vec![share(out.throttled)],
        ));
        rows.push(Row::single(
            "q",
            &name,
            variant,
            "refused locally (wait past the deadline)",
            "%",
            vec![share(out.refused_locally)],
        ));
        if out.other > 0 {
            rows.push(Row::single(
                "q",
                &name,
                variant,
                "other errors",
                "%",
                vec![share(out.other)],
            ));
        }
    }
    Ok(rows)
}
