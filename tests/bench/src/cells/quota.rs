//! Cell q (issue 11's target): at 95 % of a deployment's quota, how many calls see a 429?
//! Calls arrive at random at 95 % of the deployment's tokens per minute as the service counts
//! them (the emulator: prompt words plus `max_tokens`; the client's own estimate, prompt bytes
//! / 4, is about 4 % higher), against the emulator enforcing that quota over Azure's
//! 10-second windows as well as the minute: one call at a time (a Poisson process) and in
//! clumps of 50 (a batch job's fan-out, Poisson clumps at the same average rate). Each with
//! the client's rate limits on (`governance.rate_limits`) and off; no retries, so every 429 is
//! seen. A paced call that would wait past its 30 s deadline is refused locally; after five
//! failures in a row the deployment's circuit breaker refuses calls without sending them.

use std::time::{Duration, Instant};

use foundry_client::config::Catalog;
use foundry_client::{ChatRequest, ClientOptions, Error, ErrorKind, Foundry};
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
/// What the emulator counts per call: 200 prompt words and `max_tokens`.
const COUNTED: u64 = 200 + MAX_TOKENS;

/// How the calls of one run ended.
#[derive(Default)]
struct Outcomes {
    answered: u32,
    throttled: u32,
    refused_locally: u32,
    breaker_open: u32,
    other: u32,
}

impl Outcomes {
    fn count(&mut self, outcome: Result<(), Error>) {
        match outcome {
            Ok(()) => self.answered += 1,
            Err(e) if e.status == Some(429) => self.throttled += 1,
            Err(e) if e.code.as_deref() == Some("circuit_open") => self.breaker_open += 1,
            Err(e) if e.kind() == ErrorKind::RateLimit => self.refused_locally += 1,
            Err(_) => self.other += 1,
        }
    }

    fn calls(&self) -> u32 {
        self.answered + self.throttled + self.refused_locally + self.breaker_open + self.other
    }
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

/// Arrivals at `LOAD` of the quota for `duration`, `clump` calls at a time at Poisson
/// instants; every call is awaited.
async fn run_load(client: &Foundry, clump: u32, duration: Duration) -> Outcomes {
    let clumps_per_sec = LOAD * TPM as f64 / 60.0 / COUNTED as f64 / f64::from(clump);
    let request = request();
    let started = Instant::now();
    let mut next = started;
    let mut tasks = JoinSet::new();
    while next < started + duration {
        tokio::time::sleep_until(next.into()).await;
        for _ in 0..clump {
            let (client, request) = (client.clone(), request.clone());
            tasks.spawn(async move { client.chat(request).await.map(|_| ()) });
        }
        let gap = -(1.0 - fastrand::f64()).ln() / clumps_per_sec;
        next += Duration::from_secs_f64(gap);
    }
    let mut out = Outcomes::default();
    while let Some(done) = tasks.join_next().await {
        out.count(done.unwrap_or_else(|e| Err(Error::invalid_request(e.to_string()))));
    }
    out
}

pub async fn run(b: &Bench) -> Result<Vec<Row>, String> {
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .map_err(|e| format!("the emulator did not start: {e}"))?;
    let endpoint = emulator.endpoint();
    let seconds = b.settings.seconds(45.0);
    progress(&format!(
        "cell q: calls at {:.0} % of a {TPM}-TPM quota the emulator enforces over 10 s windows, \
         one at a time and in clumps of 50, paced and not, {seconds} s each",
        LOAD * 100.0
    ));
    let http = reqwest::Client::new();
    let mut rows = Vec::new();
    let runs = [
        ("quota-paced", true, 1),
        ("quota-unpaced", false, 1),
        ("quota-paced-clumps", true, 50),
        ("quota-unpaced-clumps", false, 50),
    ];
    for (scenario, paced, clump) in runs {
        let limits =
            json!({"limits": {DEPLOYMENT: {"tpm": TPM, "rpm": 1_000_000, "sub_window_secs": 10}}});
        http.post(format!("{endpoint}_emulator/scenarios/{scenario}"))
            .json(&limits)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("the emulator refused the scenario: {e}"))?;
        let client = client(&endpoint, scenario, paced)?;
        let out = run_load(&client, clump, Duration::from_secs_f64(seconds)).await;
        let share = |n: u32| vec![100.0 * f64::from(n) / f64::from(out.calls().max(1))];
        let variant = match paced {
            true => "core, rate limits on",
            false => "core, rate limits off",
        };
        let arrivals = match clump {
            1 => "one at a time".to_string(),
            n => format!("in clumps of {n}"),
        };
        let name = format!(
            "{} calls at 95 % of the quota, {arrivals}, emulator enforcing 10 s windows",
            out.calls()
        );
        for (metric, n) in [
            ("answered 429", out.throttled),
            ("refused by the breaker after 429s", out.breaker_open),
            (
                "refused locally (wait past the deadline)",
                out.refused_locally,
            ),
            ("other errors", out.other),
        ] {
            rows.push(Row::single("q", &name, variant, metric, "%", share(n)));
        }
    }
    Ok(rows)
}
