//! The retry budget and the circuit breakers across several calls of one client: what a
//! single-call conformance vector cannot show (the vector format has one call per vector).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use foundry_client::config::Catalog;
use foundry_client::events::Event;
use foundry_client::{ChatRequest, ClientOptions, Error, Foundry};
use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use serde_json::{json, Value};

async fn emulator() -> Emulator {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator starts")
}

/// A client on `scenario`, with `extra` YAML lines under `defaults:` and its event log.
fn client(emu: &Emulator, scenario: &str, extra: &str) -> (Foundry, Arc<Mutex<Vec<Value>>>) {
    let endpoint = emu.endpoint();
    let text = format!(
        "defaults:\n  endpoint: {endpoint}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n  headers: {{x-emulator-scenario: {scenario}}}\n  retry: {{max_retries: 3, base_delay_ms: 5, max_delay_ms: 20}}\n{extra}\
         deployments:\n  - name: DeepSeek-V3.2\n  - name: gpt-5.4\n    max_tokens_param: max_completion_tokens\n\
         routes:\n  - name: decision\n    deployments: [gpt-5.4, DeepSeek-V3.2]\n"
    );
    let catalog = Catalog::from_str_with_env(&text, "test.yaml", &|_| None).expect("catalog");
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = seen.clone();
    let options = ClientOptions {
        on_event: Some(Arc::new(move |e: &Event| {
            if let (Ok(mut v), Ok(e)) = (sink.lock(), serde_json::to_value(e)) {
                v.push(e);
            }
        })),
        ..Default::default()
    };
    (Foundry::new(catalog, options).expect("client"), seen)
}

async fn script(emu: &Emulator, scenario: &str, deployments: Value) {
    reqwest::Client::new()
        .post(format!("{}_emulator/scenarios/{scenario}", emu.endpoint()))
        .json(&json!({ "deployments": deployments }))
        .send()
        .await
        .expect("scenario registered");
}

async fn requests(emu: &Emulator, scenario: &str) -> Vec<Value> {
    let url = format!("{}_emulator/scenarios/{scenario}/requests", emu.endpoint());
    let log: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    log.as_array().cloned().unwrap_or_default()
}

fn chat(model: &str) -> ChatRequest {
    serde_json::from_value(json!({"model": model, "messages": [{"role": "user", "content": "hi"}]}))
        .unwrap()
}

/// A request the emulator answers with `fault`.
fn faulty(model: &str, fault: &str) -> ChatRequest {
    let mut r = chat(model);
    r.extra_headers
        .insert("x-emulator-fault".into(), json!(fault));
    r
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

fn circuit_states(events: &[Value]) -> Vec<String> {
    of_type(events, "circuit")
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["deployment"].as_str().unwrap_or("?"),
                e["state"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

#[tokio::test]
async fn a_503_storm_across_calls_retries_only_what_the_budget_pays_and_successes_refill_it() {
    let emu = emulator().await;
    let (client, seen) = client(
        &emu,
        "storm",
        "  retry_budget: {capacity: 20, retry_cost: 5, timeout_cost: 10, refill: 5}\n  circuit_breaker: {enabled: false}\n",
    );
    // Twenty calls at once, each willing to retry three times (80 requests without a budget).
    let calls = (0..20).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.chat(faulty("gpt-5.4", "status=503")).await })
    });
    let mut spent_hints = 0;
    for call in calls {
        let err: Error = call.await.unwrap().expect_err("every call meets 503s");
        assert_eq!(err.status, Some(503));
        spent_hints += usize::from(err.hint.contains("retry budget is spent"));
    }
    // capacity / retry_cost = 4 retries for the whole client, however the calls interleave.
    assert_eq!(requests(&emu, "storm").await.len(), 20 + 4);
    assert!(
        spent_hints >= 16,
        "{spent_hints} calls said why they did not retry"
    );
    let refused = of_type(&seen.lock().unwrap(), "retry_refused").len();
    assert_eq!(refused, spent_hints);
    let events = seen.lock().unwrap().clone();
    let first_refusal = of_type(&events, "retry_refused")[0].clone();
    assert_eq!(first_refusal["deployment"], "gpt-5.4");
    assert_eq!(first_refusal["error"], "server");
    assert_eq!(first_refusal["cost"], 5);
    assert_eq!(first_refusal["capacity"], 20);

    // Still spent: the next failing call is not retried.
    let err = client
        .chat(faulty("gpt-5.4", "status=503"))
        .await
        .unwrap_err();
    assert_eq!(err.attempts.len(), 1);
    // Two successes put back 2 x 5 tokens: two retries' worth.
    for _ in 0..2 {
        client.chat(chat("gpt-5.4")).await.expect("a healthy call");
    }
    let err = client
        .chat(faulty("gpt-5.4", "status=503"))
        .await
        .unwrap_err();
    assert_eq!(
        err.attempts.len(),
        3,
        "one attempt and the two retries refilled"
    );
    assert!(err.hint.contains("retry budget is spent"));
}

#[tokio::test]
async fn an_open_breaker_fails_the_next_call_fast_without_a_request() {
    let emu = emulator().await;
    script(&emu, "open", json!({"gpt-5.4": vec!["status=503"; 10]})).await;
    let (client, seen) = client(
        &emu,
        "open",
        "  circuit_breaker: {failure_threshold: 3, cooldown_ms: 60000}\n",
    );
    let err = client.chat(chat("gpt-5.4")).await.unwrap_err();
    assert_eq!(err.status, Some(503));
    assert_eq!(
        err.attempts.len(),
        3,
        "the third failure in a row opened it"
    );
    assert!(err.hint.contains("circuit breaker opened"), "{}", err.hint);

    let err = client.chat(chat("gpt-5.4")).await.unwrap_err();
    assert_eq!(err.kind().as_str(), "server");
    assert_eq!(err.code.as_deref(), Some("circuit_open"));
    assert_eq!(err.deployment.as_deref(), Some("gpt-5.4"));
    assert!(err.attempts.is_empty());
    let left = err.retry_after.expect("the remaining cooldown");
    assert!(left > Duration::ZERO && left <= Duration::from_secs(60));
    assert!(err.hint.contains("defaults.circuit_breaker"));
    assert_eq!(
        requests(&emu, "open").await.len(),
        3,
        "no request while open"
    );

    // Other deployments of the client are unaffected.
    client
        .chat(chat("DeepSeek-V3.2"))
        .await
        .expect("a healthy deployment");
    let events = seen.lock().unwrap().clone();
    assert_eq!(circuit_states(&events), ["gpt-5.4:open"]);
    let opened = &of_type(&events, "circuit")[0];
    assert_eq!(opened["consecutive_failures"], 3);
    assert_eq!(opened["cooldown_ms"], 60000);
}

#[tokio::test]
async fn a_route_skips_an_open_deployment() {
    let emu = emulator().await;
    script(
        &emu,
        "skip",
        json!({"gpt-5.4": ["status=500", "status=500"]}),
    )
    .await;
    let (client, _) = client(
        &emu,
        "skip",
        "  circuit_breaker: {failure_threshold: 2, cooldown_ms: 60000}\n",
    );
    client.chat(chat("gpt-5.4")).await.unwrap_err();
    assert_eq!(requests(&emu, "skip").await.len(), 2);

    let r = client
        .chat(chat("decision"))
        .await
        .expect("the fallback answers");
    assert_eq!(r.deployment, "DeepSeek-V3.2");
    assert_eq!(r.tried.len(), 1, "no attempt on the open deployment");
    assert!(r.tried[0].fallback);
    let log = requests(&emu, "skip").await;
    assert_eq!(log.len(), 3);
    assert_eq!(log[2]["deployment"], "DeepSeek-V3.2");
}

#[tokio::test]
async fn after_the_cooldown_exactly_one_probe_goes_through_and_its_success_closes_the_breaker() {
    let emu = emulator().await;
    // The probe's answer is slow, so the other calls arrive while it is out.
    script(
        &emu,
        "probe",
        json!({"gpt-5.4": ["status=503", "delay-ms=400"]}),
    )
    .await;
    let (client, seen) = client(
        &emu,
        "probe",
        "  circuit_breaker: {failure_threshold: 1, cooldown_ms: 100}\n",
    );
    client.chat(chat("gpt-5.4")).await.unwrap_err();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.chat(chat("gpt-5.4")).await })
        })
        .collect();
    let (mut answered, mut refused) = (0, 0);
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => answered += 1,
            Err(e) => {
                assert_eq!(e.code.as_deref(), Some("circuit_open"), "{e}");
                assert!(e.message.contains("probe"), "{}", e.message);
                refused += 1;
            }
        }
    }
    assert_eq!((answered, refused), (1, 9));
    assert_eq!(
        requests(&emu, "probe").await.len(),
        2,
        "the failure and the probe"
    );
    client.chat(chat("gpt-5.4")).await.expect("closed again");
    let states = circuit_states(&seen.lock().unwrap());
    assert_eq!(
        states,
        ["gpt-5.4:open", "gpt-5.4:half_open", "gpt-5.4:closed"]
    );
}

#[tokio::test]
async fn a_failed_probe_opens_the_breaker_for_another_cooldown() {
    let emu = emulator().await;
    script(
        &emu,
        "reopen",
        json!({"gpt-5.4": ["status=503", "status=503"]}),
    )
    .await;
    let (client, seen) = client(
        &emu,
        "reopen",
        "  circuit_breaker: {failure_threshold: 1, cooldown_ms: 100}\n",
    );
    client.chat(chat("gpt-5.4")).await.unwrap_err();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let err = client.chat(chat("gpt-5.4")).await.unwrap_err();
    assert_eq!(err.status, Some(503));
    assert_eq!(err.attempts.len(), 1, "a failed probe is not retried");
    let err = client.chat(chat("gpt-5.4")).await.unwrap_err();
    assert_eq!(err.code.as_deref(), Some("circuit_open"));
    assert_eq!(requests(&emu, "reopen").await.len(), 2);
    assert_eq!(
        circuit_states(&seen.lock().unwrap()),
        ["gpt-5.4:open", "gpt-5.4:half_open", "gpt-5.4:open"]
    );
}

#[tokio::test]
async fn client_errors_never_open_the_breaker() {
    let emu = emulator().await;
    let (client, seen) = client(
        &emu,
        "client-errors",
        "  circuit_breaker: {failure_threshold: 1, cooldown_ms: 60000}\n",
    );
    for _ in 0..3 {
        let err = client
            .chat(faulty("gpt-5.4", "status=400"))
            .await
            .unwrap_err();
        assert_eq!(err.status, Some(400));
    }
    client.chat(chat("gpt-5.4")).await.expect("still closed");
    assert!(circuit_states(&seen.lock().unwrap()).is_empty());
}

#[tokio::test]
async fn a_wait_named_only_in_the_message_is_honoured() {
    let emu = emulator().await;
    // A bare 429 from the emulator says "Please retry after 1 second." and sends no header.
    script(
        &emu,
        "message-hint",
        json!({"gpt-5.4": ["status=429", "ok"]}),
    )
    .await;
    let (client, seen) = client(&emu, "message-hint", "");
    let r = client
        .chat(chat("gpt-5.4"))
        .await
        .expect("retried, then answered");
    assert_eq!(r.attempts, 2);
    let events = seen.lock().unwrap().clone();
    let wait = of_type(&events, "attempt")[0]["retry_in_ms"]
        .as_u64()
        .expect("a retry");
    // The announced second plus at most 10 % jitter (not a measured time: the client's plan).
    assert!((1_000..=1_100).contains(&wait), "{wait}");
}

fn load(defaults_extra: &str) -> Result<Catalog, Error> {
    let text = format!(
        "defaults:\n  endpoint: https://res.example.com/\n{defaults_extra}deployments:\n  - name: gpt-5.4\n"
    );
    Catalog::from_str_with_env(&text, "test.yaml", &|_| None)
}

#[test]
fn budget_and_breaker_settings_have_defaults_and_are_range_checked() {
    let c = load("").expect("defaults");
    let (b, cb) = (c.defaults.retry_budget, c.defaults.circuit_breaker);
    assert!(b.enabled && cb.enabled);
    assert_eq!(
        (b.capacity, b.retry_cost, b.timeout_cost, b.refill),
        (500, 5, 10, 1)
    );
    assert_eq!((cb.failure_threshold, cb.cooldown_ms), (5, 30_000));
    let off = load("  retry_budget: {enabled: false}\n  circuit_breaker: {enabled: false}\n")
        .expect("both can be turned off");
    assert!(!off.defaults.retry_budget.enabled && !off.defaults.circuit_breaker.enabled);

    let refused = [
        ("  retry_budget: {capacity: 0}\n", "capacity is 0"),
        (
            "  retry_budget: {capacity: 2000000}\n",
            "capacity is 2000000",
        ),
        ("  retry_budget: {retry_cost: 0}\n", "retry_cost is 0"),
        ("  retry_budget: {capacity: 8}\n", "timeout_cost is 10"),
        ("  retry_budget: {refill: 501}\n", "refill is 501"),
        (
            "  retry_budget: {capacity: 10, cost: 1}\n",
            "unknown field `cost`",
        ),
        (
            "  circuit_breaker: {failure_threshold: 0}\n",
            "failure_threshold is 0",
        ),
        (
            "  circuit_breaker: {failure_threshold: 5000}\n",
            "failure_threshold is 5000",
        ),
        ("  circuit_breaker: {cooldown_ms: 0}\n", "cooldown_ms is 0"),
        (
            "  circuit_breaker: {cooldown_ms: 3600001}\n",
            "cooldown_ms is 3600001",
        ),
        ("  circuit_breaker: {cooldown_ms: -1}\n", "circuit_breaker"),
    ];
    for (yaml, want) in refused {
        let err = load(yaml).expect_err(yaml);
        assert_eq!(err.kind().as_str(), "config");
        assert!(err.message.contains(want), "{yaml}: {}", err.message);
        assert!(!err.hint.is_empty());
    }

    // Catalogs from code are checked the same way.
    let err = Catalog::builder()
        .deployment(foundry_client::Deployment::new(
            "gpt-5.4",
            "https://res.example.com/",
        ))
        .circuit_breaker(foundry_client::config::CircuitBreaker {
            enabled: true,
            failure_threshold: 5,
            cooldown_ms: 0,
        })
        .build()
        .expect_err("cooldown 0");
    assert!(err.message.contains("cooldown_ms is 0"), "{}", err.message);
    let err = Catalog::builder()
        .retry_budget(foundry_client::config::RetryBudget {
            capacity: 0,
            ..Default::default()
        })
        .build()
        .expect_err("capacity 0");
    assert!(err.message.contains("capacity is 0"), "{}", err.message);
}

#[tokio::test]
async fn a_spent_daily_quota_keeps_the_breaker_open_as_long_as_the_service_says_up_to_an_hour() {
    let emu = emulator().await;
    let (client, seen) = client(
        &emu,
        "daily",
        "  circuit_breaker: {failure_threshold: 1, cooldown_ms: 1000}\n",
    );
    // The wait is only in the text, as Azure words a spent daily quota.
    let quota = r#"status=429;body={"error":{"code":"429","message":"Daily quota exceeded. Please retry after 86400 seconds."}}"#;
    let err = client.chat(faulty("gpt-5.4", quota)).await.unwrap_err();
    assert_eq!(err.retry_after, Some(Duration::from_secs(86_400)));
    assert_eq!(err.attempts.len(), 1);
    let err = client.chat(chat("gpt-5.4")).await.unwrap_err();
    assert_eq!(err.code.as_deref(), Some("circuit_open"));
    let left = err.retry_after.expect("the remaining cooldown");
    assert!(
        left > Duration::from_secs(3_500) && left <= Duration::from_secs(3_600),
        "{left:?}"
    );
    let opened = of_type(&seen.lock().unwrap(), "circuit")[0].clone();
    assert_eq!(opened["cooldown_ms"], 3_600_000);
    assert_eq!(requests(&emu, "daily").await.len(), 1);
}
