//! `StreamHandle`'s rules (client/handle.rs): read, end, failure, cancel and overlapping reads,
//! against the emulator.

use std::sync::Arc;
use std::time::Duration;

use foundry_client::config::Catalog;
use foundry_client::{ChatRequest, ClientOptions, ErrorKind, Foundry, StreamHandle};
use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use serde_json::{json, Value};

async fn setup(scenario: &str) -> (Emulator, Foundry) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator starts");
    let text = format!(
        "defaults:\n  endpoint: {}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n  headers: {{x-emulator-scenario: {scenario}}}\n  retry: {{max_retries: 0}}\n\
         deployments:\n  - name: DeepSeek-V3.2\n",
        emulator.endpoint()
    );
    let catalog = Catalog::from_str_with_env(&text, "handle.yaml", &|_| None).expect("catalog");
    let client = Foundry::new(catalog, ClientOptions::default()).expect("client");
    (emulator, client)
}

fn request(fault: Option<&str>) -> ChatRequest {
    let mut r = json!({
        "model": "DeepSeek-V3.2",
        "messages": [{"role": "user", "content": "one two three four five six"}],
    });
    if let Some(f) = fault {
        r["extra_headers"] = json!({"x-emulator-fault": f});
    }
    serde_json::from_value(r).expect("request")
}

async fn open(client: &Foundry, fault: Option<&str>) -> StreamHandle {
    StreamHandle::new(client.chat_stream(request(fault)).await.expect("opens"))
}

async fn request_log(emulator: &Emulator, scenario: &str) -> Vec<Value> {
    let url = format!(
        "{}_emulator/scenarios/{scenario}/requests",
        emulator.endpoint()
    );
    let log: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    log.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_clean_end_reads_none_again_and_again_and_keeps_the_result() {
    let (_emulator, client) = setup("handle-end").await;
    let stream = open(&client, None).await;
    let mut chunks = 0;
    while stream.next().await.expect("no error").is_some() {
        chunks += 1;
    }
    assert!(chunks > 1);
    assert!(stream.next().await.expect("still no error").is_none());
    let result = stream.result().expect("a result after a clean end");
    assert_eq!(result.finish_reason.as_deref(), Some("stop"));
    stream.cancel();
    assert!(stream
        .next()
        .await
        .expect("cancel after the end changes nothing")
        .is_none());
    assert!(stream.result().is_some());
}

#[tokio::test]
async fn a_failure_is_repeated_never_a_quiet_end() {
    let (_emulator, client) = setup("handle-fail").await;
    let stream = open(&client, Some("cut-after=2")).await;
    let first = loop {
        match stream.next().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("a cut stream ended cleanly"),
            Err(e) => break e,
        }
    };
    assert_eq!(first.kind(), ErrorKind::Stream, "{first}");
    let again = stream.next().await.expect_err("the failure again");
    assert_eq!(again.kind(), first.kind());
    assert_eq!(again.message, first.message);
    assert!(stream.result().is_none());
}

#[tokio::test]
async fn cancel_ends_reads_with_cancelled_and_closes_the_connection() {
    let (emulator, client) = setup("handle-cancel").await;
    let stream = open(&client, Some("chunk-delay-ms=50")).await;
    assert!(stream.next().await.expect("first chunk").is_some());
    stream.cancel();
    for _ in 0..2 {
        let e = stream.next().await.expect_err("cancelled");
        assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
        assert!(!e.retryable);
    }
    assert!(stream.result().is_none());
    // The emulator marks the request aborted once it sees the connection close.
    let mut aborted = false;
    for _ in 0..100 {
        let log = request_log(&emulator, "handle-cancel").await;
        if log.first().and_then(|e| e["aborted"].as_bool()) == Some(true) {
            aborted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(aborted, "the connection was not closed");
}

#[tokio::test]
async fn cancel_wakes_a_pending_read_and_overlapping_reads_are_refused() {
    let (_emulator, client) = setup("handle-pending").await;
    let stream = Arc::new(open(&client, Some("chunk-delay-ms=5000")).await);
    assert!(stream
        .next()
        .await
        .expect("the first chunk comes at once")
        .is_some());
    let reader = {
        let stream = Arc::clone(&stream);
        tokio::spawn(async move { stream.next().await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let overlap = stream
        .next()
        .await
        .expect_err("a second read while one is pending");
    assert_eq!(overlap.kind(), ErrorKind::InvalidRequest, "{overlap}");
    stream.cancel();
    // A correctness bound: the pending read must end long before the 5 s chunk would come.
    let pending = tokio::time::timeout(Duration::from_secs(4), reader)
        .await
        .expect("cancel woke the pending read")
        .expect("task");
    assert_eq!(pending.expect_err("cancelled").kind(), ErrorKind::Cancelled);
}
