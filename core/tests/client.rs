//! Client behaviour that vectors cannot show: cancellation, events, concurrency, secrets.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use foundry_client::config::Catalog;
use foundry_client::events::Event;
use foundry_client::{ChatRequest, ClientOptions, ErrorKind, Foundry};
use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use serde_json::{json, Value};

const WRONG_KEY: &str = "test-key-9f8e7d6c5b4a-not-real";

async fn emulator() -> Emulator {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator starts")
}

fn catalog(endpoint: &str, key: &str, scenario: &str) -> Catalog {
    let text = format!(
        "defaults:\n  endpoint: {endpoint}\n  auth: {{type: api_key, key: {key}}}\n  headers: {{x-emulator-scenario: {scenario}}}\n  retry: {{base_delay_ms: 5, max_delay_ms: 20}}\n\
         deployments:\n  - name: DeepSeek-V3.2\n    pricing: {{input: 0.14, output: 0.42}}\n  - name: gpt-5.4\n    max_tokens_param: max_completion_tokens\n"
    );
    Catalog::from_str_with_env(&text, "test.yaml", &|_| None).expect("catalog")
}

fn chat(model: &str, prompt: &str) -> ChatRequest {
    serde_json::from_value(
        json!({"model": model, "messages": [{"role": "user", "content": prompt}]}),
    )
    .unwrap()
}

async fn request_log(endpoint: &str, scenario: &str) -> Vec<Value> {
    let url = format!("{endpoint}_emulator/scenarios/{scenario}/requests");
    let log: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    log.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn dropping_a_stream_aborts_the_request() {
    let emu = emulator().await;
    let client = Foundry::new(
        catalog(&emu.endpoint(), DEFAULT_API_KEY, "drop"),
        ClientOptions::default(),
    )
    .unwrap();
    // A long answer paced by the emulator, so the stream is still open when dropped.
    let prompt = vec!["word"; 400].join(" ");
    let mut req = chat("DeepSeek-V3.2", &prompt);
    req.extra_headers
        .insert("x-emulator-fault".into(), json!("chunk-delay-ms=5"));
    let mut stream = client.chat_stream(req).await.unwrap();
    let first = stream.next_chunk().await.unwrap().unwrap();
    assert!(first.text.is_some() || first.reasoning.is_some() || first.content_filter.is_some());
    drop(stream);
    let mut aborted = false;
    for _ in 0..100 {
        let log = request_log(&emu.endpoint(), "drop").await;
        if log.first().and_then(|r| r["aborted"].as_bool()) == Some(true) {
            aborted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(aborted, "the emulator never saw the connection close");
}

#[tokio::test]
async fn events_report_each_attempt_and_the_result() {
    let emu = emulator().await;
    reqwest::Client::new()
        .post(format!("{}_emulator/scenarios/events", emu.endpoint()))
        .json(&json!({"deployments": {"DeepSeek-V3.2": ["status=503", "ok"]}}))
        .send()
        .await
        .unwrap();
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = seen.clone();
    let options = ClientOptions {
        on_event: Some(Arc::new(move |e: &Event| {
            sink.lock().unwrap().push(serde_json::to_value(e).unwrap())
        })),
        ..Default::default()
    };
    let client =
        Foundry::new(catalog(&emu.endpoint(), DEFAULT_API_KEY, "events"), options).unwrap();
    let r = client
        .chat(chat("DeepSeek-V3.2", "two words"))
        .await
        .unwrap();
    assert_eq!(r.attempts, 2);
    let events = seen.lock().unwrap().clone();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["attempt", "attempt", "result"], "{events:#?}");
    assert_eq!(events[0]["status"], 503);
    assert_eq!(events[0]["error"], "server");
    assert!(events[0]["retry_in_ms"].as_u64().is_some());
    assert_eq!(events[1]["status"], 200);
    assert_eq!(events[2]["deployment"], "DeepSeek-V3.2");
    assert_eq!(events[2]["attempts"], 2);
    assert_eq!(events[2]["usage"]["input_tokens"], r.usage.input_tokens);
    assert!((events[2]["cost_usd"].as_f64().unwrap() - r.cost_usd).abs() < 1e-12);
    assert!(r.cost_usd > 0.0);
}

#[tokio::test]
async fn a_panicking_observer_does_not_break_the_call() {
    let emu = emulator().await;
    let options = ClientOptions {
        on_event: Some(Arc::new(|_: &Event| panic!("observer bug"))),
        ..Default::default()
    };
    let client = Foundry::new(catalog(&emu.endpoint(), DEFAULT_API_KEY, "panic"), options).unwrap();
    assert!(client.chat(chat("DeepSeek-V3.2", "hi")).await.is_ok());
}

#[tokio::test]
async fn keys_never_appear_in_errors_or_debug_output() {
    let emu = emulator().await;
    let client = Foundry::new(
        catalog(&emu.endpoint(), WRONG_KEY, "secret"),
        ClientOptions::default(),
    )
    .unwrap();
    let err = client.chat(chat("DeepSeek-V3.2", "hi")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(err.status, Some(401));
    for text in [
        format!("{err}"),
        format!("{err:?}"),
        err.to_json().to_string(),
        format!("{client:?}"),
    ] {
        assert!(!text.contains(WRONG_KEY), "key leaked: {text}");
    }
    assert!(err.hint.contains("Key Vault"), "{}", err.hint);
}

#[tokio::test]
async fn one_client_serves_many_concurrent_calls() {
    let emu = emulator().await;
    let client = Foundry::new(
        catalog(&emu.endpoint(), DEFAULT_API_KEY, "many"),
        ClientOptions::default(),
    )
    .unwrap();
    let calls = (0..300).map(|i| {
        let client = client.clone();
        async move {
            client
                .chat(chat("DeepSeek-V3.2", &format!("call {i}")))
                .await
        }
    });
    let results = futures_util::future::join_all(calls).await;
    for (i, r) in results.into_iter().enumerate() {
        let r = r.unwrap();
        assert_eq!(
            r.text.as_deref(),
            Some(format!("DeepSeek-V3.2 heard: call {i}").as_str())
        );
    }
}

#[tokio::test]
async fn what_the_service_teaches_is_remembered() {
    let emu = emulator().await;
    // gpt-5.4 is not flagged here: the first call learns max_completion_tokens from the 400.
    let text = format!(
        "defaults:\n  endpoint: {}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n  headers: {{x-emulator-scenario: learn}}\n\
         deployments:\n  - name: gpt-5.4\n  - name: gpt-5.1-codex\n",
        emu.endpoint()
    );
    let client = Foundry::new(
        Catalog::from_str_with_env(&text, "t.yaml", &|_| None).unwrap(),
        ClientOptions::default(),
    )
    .unwrap();
    let mut req = chat("gpt-5.4", "hello there");
    req.params.insert("max_tokens".into(), json!(50));
    assert_eq!(client.chat(req.clone()).await.unwrap().attempts, 2);
    assert_eq!(
        client.chat(req).await.unwrap().attempts,
        1,
        "learned once, not per call"
    );
    let r = client
        .chat(chat("gpt-5.1-codex", "hello there"))
        .await
        .unwrap();
    assert_eq!(r.attempts, 2);
    assert_eq!(r.text.as_deref(), Some("gpt-5.1-codex heard: hello there"));
    let r = client.chat(chat("gpt-5.1-codex", "again")).await.unwrap();
    assert_eq!(r.attempts, 1);
    let learned = client.deployments();
    assert!(learned
        .iter()
        .any(|d| d.name == "gpt-5.1-codex" && d.responses_only));
    let log = request_log(&emu.endpoint(), "learn").await;
    let paths: Vec<&str> = log.iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths.iter().filter(|p| p.ends_with("/responses")).count(),
        2
    );
}

#[tokio::test]
async fn a_stalled_stream_times_out_instead_of_hanging() {
    let emu = emulator().await;
    let mut catalog = catalog(&emu.endpoint(), DEFAULT_API_KEY, "stall");
    catalog.defaults.timeout_secs = 0.2;
    let client = Foundry::new(catalog, ClientOptions::default()).unwrap();
    let mut req = chat("DeepSeek-V3.2", "a few words here");
    req.extra_headers
        .insert("x-emulator-fault".into(), json!("chunk-delay-ms=1500"));
    let mut stream = client.chat_stream(req).await.unwrap();
    let mut outcome = None;
    while let Some(item) = stream.next_chunk().await {
        if let Err(e) = item {
            outcome = Some(e);
            break;
        }
    }
    let err = outcome.expect("the stall must surface as an error");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[tokio::test]
async fn a_slow_but_steady_stream_outlives_the_idle_timeout() {
    // Pieces every 150 ms under a 500 ms idle bound, for longer than 500 ms in all: the idle
    // timer must be moved along by the data, not fire 500 ms after the start.
    let emu = emulator().await;
    let mut catalog = catalog(&emu.endpoint(), DEFAULT_API_KEY, "steady");
    catalog.defaults.timeout_secs = 0.5;
    let client = Foundry::new(catalog, ClientOptions::default()).unwrap();
    let mut req = chat("DeepSeek-V3.2", "one two three four five six seven eight");
    req.extra_headers
        .insert("x-emulator-fault".into(), json!("chunk-delay-ms=150"));
    let started = std::time::Instant::now();
    let stream = client.chat_stream(req).await.unwrap();
    let result = stream
        .collect_result()
        .await
        .expect("a steady stream completes");
    assert!(result.text.is_some());
    assert!(
        started.elapsed() > std::time::Duration::from_millis(500),
        "the stream must last longer than the idle bound for this test to mean anything"
    );
}
