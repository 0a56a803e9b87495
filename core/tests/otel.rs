//! OpenTelemetry export (feature `otel`) against the emulator's OTLP receiver: the spans'
//! names, kind, GenAI attributes and parentage (a caller's `traceparent` in `extra_headers`),
//! the `traceparent` the service receives (the core's span), errors, streams, and the GenAI
//! metrics. The export is set up once per process from `OTEL_*`, so this binary holds one
//! test that sets them before its first client.

use std::time::Duration;

use foundry_client::config::Catalog;
use foundry_client::{ChatRequest, ClientOptions, EmbeddingsRequest, Foundry};
use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use serde_json::{json, Value};

const CALLER_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN: &str = "b7ad6b7169203331";

fn catalog(endpoint: &str, scenario: &str) -> Catalog {
    let text = format!(
        "defaults:\n  endpoint: {endpoint}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n  headers: {{x-emulator-scenario: {scenario}}}\n  retry: {{base_delay_ms: 5, max_delay_ms: 20}}\n\
         deployments:\n  - name: DeepSeek-V3.2\n    pricing: {{input: 0.14, output: 0.42}}\n  - name: gpt-5.4\n    max_tokens_param: max_completion_tokens\n"
    );
    Catalog::from_str_with_env(&text, "test.yaml", &|_| None).expect("catalog")
}

fn chat(model: &str, headers: Value) -> ChatRequest {
    serde_json::from_value(json!({
        "model": model,
        "messages": [{"role": "user", "content": "say hello"}],
        "extra_headers": headers,
    }))
    .unwrap()
}

async fn request_log(emu: &Emulator, scenario: &str) -> Vec<Value> {
    let url = format!("{}_emulator/scenarios/{scenario}/requests", emu.endpoint());
    let log: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    log.as_array().cloned().unwrap_or_default()
}

/// Flushes the export and returns what the receiver holds, read over HTTP like any language.
async fn exported(emu: &Emulator) -> Value {
    let flushed = tokio::task::spawn_blocking(foundry_client::telemetry::flush)
        .await
        .unwrap();
    assert!(flushed, "the export did not complete within its deadline");
    let url = format!("{}_emulator/otlp", emu.endpoint());
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

fn spans_named<'a>(got: &'a Value, name: &str) -> Vec<&'a Value> {
    got["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == name)
        .collect()
}

fn metric<'a>(got: &'a Value, name: &str) -> Vec<&'a Value> {
    got["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name"] == name)
        .flat_map(|m| m["points"].as_array().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_exported_as_genai_spans_and_metrics() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emu = Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator starts");
    // The receiver is the emulator itself; the exporter adds /v1/traces and /v1/metrics.
    let base = emu.endpoint().trim_end_matches('/').to_string();
    // SAFETY (edition 2021: safe fn): set before the first client, which reads them.
    std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", &base);
    std::env::set_var("OTEL_SERVICE_NAME", "otel-core-test");
    std::env::set_var("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test");
    std::env::remove_var("OTEL_SDK_DISABLED");
    let client = Foundry::new(catalog(&emu.endpoint(), "otel"), ClientOptions::default()).unwrap();
    assert!(foundry_client::telemetry::enabled());

    // 1. A call under the caller's trace.
    let caller = format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01");
    let r = client
        .chat(chat(
            "DeepSeek-V3.2",
            json!({"traceparent": caller, "tracestate": "vendor=x"}),
        ))
        .await
        .unwrap();
    let got = exported(&emu).await;
    assert_eq!(
        got["requests"]["protobuf"].as_u64().map(|n| n > 0),
        Some(true),
        "{got}"
    );
    let spans = spans_named(&got, "chat DeepSeek-V3.2");
    assert_eq!(spans.len(), 1, "{got}");
    let span = spans[0];
    assert_eq!(span["kind"], "client");
    assert_eq!(span["duplicate_attributes"], json!([]));
    assert_eq!(span["trace_id"], CALLER_TRACE);
    assert_eq!(span["parent_span_id"], CALLER_SPAN);
    assert_eq!(span["trace_state"], "vendor=x");
    assert_eq!(span["resource"]["service.name"], "otel-core-test");
    assert_eq!(span["resource"]["deployment.environment"], "test");
    assert_eq!(span["scope"], "foundry-client");
    let a = &span["attributes"];
    assert_eq!(a["gen_ai.operation.name"], "chat");
    assert_eq!(a["gen_ai.provider.name"], "azure.ai.openai");
    assert_eq!(a["gen_ai.request.model"], "DeepSeek-V3.2");
    assert_eq!(a["gen_ai.request.stream"], false);
    assert_eq!(a["openai.api.type"], "chat_completions");
    assert_eq!(a["gen_ai.response.model"], r.model.as_str());
    assert_eq!(a["gen_ai.response.id"], r.id.as_str());
    assert_eq!(
        a["gen_ai.response.finish_reasons"],
        json!([r.finish_reason.clone().unwrap()])
    );
    assert_eq!(a["gen_ai.usage.input_tokens"], r.usage.input_tokens);
    assert_eq!(a["gen_ai.usage.output_tokens"], r.usage.output_tokens);
    assert_eq!(a["server.address"], "127.0.0.1");
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    assert_eq!(a["server.port"], port);
    assert_eq!(a["foundry.deployment"], "DeepSeek-V3.2");
    assert!(a["foundry.cost_usd"].as_f64().unwrap() > 0.0);
    assert_eq!(a["foundry.attempts"], 1);
    assert_eq!(a["foundry.retries"], 0);
    assert_eq!(a["foundry.fallback.used"], false);
    assert_eq!(a["foundry.queue_wait_ms"], 0);
    assert!(a.get("error.type").is_none());
    // No secret in any attribute.
    assert!(!got.to_string().contains(DEFAULT_API_KEY));
    // The service saw the core's span as the parent, in the caller's trace.
    let log = request_log(&emu, "otel").await;
    let sent = &log.last().unwrap()["headers"];
    let span_id = span["span_id"].as_str().unwrap();
    assert_eq!(
        sent["traceparent"],
        format!("00-{CALLER_TRACE}-{span_id}-01")
    );
    assert_eq!(sent["tracestate"], "vendor=x");
    // The GenAI metrics, with the conventions' attributes.
    let durations = metric(&got, "gen_ai.client.operation.duration");
    let point = durations
        .iter()
        .find(|p| p["attributes"]["gen_ai.request.model"] == "DeepSeek-V3.2")
        .expect("a duration point for the call");
    assert_eq!(point["count"], 1);
    assert_eq!(point["attributes"]["gen_ai.operation.name"], "chat");
    assert_eq!(
        point["attributes"]["gen_ai.provider.name"],
        "azure.ai.openai"
    );
    assert_eq!(point["attributes"]["server.address"], "127.0.0.1");
    let tokens = metric(&got, "gen_ai.client.token.usage");
    for (kind, n) in [
        ("input", r.usage.input_tokens),
        ("output", r.usage.output_tokens),
    ] {
        let p = tokens
            .iter()
            .find(|p| p["attributes"]["gen_ai.token.type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} token point: {got}"));
        assert_eq!(p["sum"].as_f64(), Some(n as f64));
    }
    assert!(!metric(&got, "foundry.client.cost").is_empty());
    emu.clear_otlp();

    // 2. No caller trace: a root span, and the request carries it.
    let r = client.chat(chat("gpt-5.4", json!({}))).await.unwrap();
    let got = exported(&emu).await;
    let span = spans_named(&got, "chat gpt-5.4")[0];
    assert!(span["parent_span_id"].is_null(), "{span}");
    let log = request_log(&emu, "otel").await;
    let sent = log.last().unwrap()["headers"]["traceparent"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        sent,
        format!(
            "00-{}-{}-01",
            span["trace_id"].as_str().unwrap(),
            span["span_id"].as_str().unwrap()
        )
    );
    assert_eq!(span["attributes"]["gen_ai.response.id"], r.id.as_str());
    emu.clear_otlp();

    // 3. A refused call: error.type and an error status; a retried one counts its retries.
    let e = client
        .chat(chat(
            "DeepSeek-V3.2",
            json!({"traceparent": caller, "x-emulator-fault": "status=400"}),
        ))
        .await
        .unwrap_err();
    let got = exported(&emu).await;
    let span = spans_named(&got, "chat DeepSeek-V3.2")[0];
    assert_eq!(span["attributes"]["error.type"], e.kind().as_str());
    assert_eq!(span["status"]["code"], 2);
    assert_eq!(span["parent_span_id"], CALLER_SPAN);
    let failed = metric(&got, "gen_ai.client.operation.duration");
    assert!(failed
        .iter()
        .any(|p| p["attributes"]["error.type"] == e.kind().as_str()));
    emu.clear_otlp();

    // 4. Streams: the span ends with the stream (usage included), or as cancelled when dropped.
    let mut stream = client
        .chat_stream(chat("DeepSeek-V3.2", json!({"traceparent": caller})))
        .await
        .unwrap();
    while let Some(chunk) = stream.next_chunk().await {
        chunk.unwrap();
    }
    let streamed = stream.result().cloned().unwrap();
    drop(stream);
    let mut dropped = client
        .chat_stream(chat(
            "gpt-5.4",
            json!({"x-emulator-fault": "chunk-delay-ms=20"}),
        ))
        .await
        .unwrap();
    dropped.next_chunk().await.unwrap().unwrap();
    drop(dropped);
    let got = exported(&emu).await;
    let span = spans_named(&got, "chat DeepSeek-V3.2")[0];
    assert_eq!(span["parent_span_id"], CALLER_SPAN);
    assert_eq!(
        span["attributes"]["gen_ai.usage.output_tokens"],
        streamed.usage.output_tokens
    );
    assert!(span["attributes"].get("error.type").is_none());
    assert_eq!(span["attributes"]["gen_ai.request.stream"], true);
    let span = spans_named(&got, "chat gpt-5.4")[0];
    assert_eq!(span["attributes"]["error.type"], "cancelled");
    assert_eq!(span["duplicate_attributes"], json!([]));
    emu.clear_otlp();

    // 5. Under a budget: admitted, or refused before any I/O (error.type budget_exceeded).
    for (cap, outcome) in [("1", "admitted"), ("0.0000001", "refused")] {
        let governed = format!(
            "defaults:\n  endpoint: {}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n\
             deployments:\n  - name: DeepSeek-V3.2\n    pricing: {{input: 0.14, output: 0.42}}\n\
             governance:\n  ledger: memory\n  budgets:\n    - {{scope: deployment:DeepSeek-V3.2, window: day, hard_usd: {cap}}}\n",
            emu.endpoint()
        );
        let catalog = Catalog::from_str_with_env(&governed, "g.yaml", &|_| None).unwrap();
        let client = Foundry::new(catalog, ClientOptions::default()).unwrap();
        let _ = client.chat(chat("DeepSeek-V3.2", json!({}))).await;
        let got = exported(&emu).await;
        let span = spans_named(&got, "chat DeepSeek-V3.2")[0];
        assert_eq!(
            span["attributes"]["foundry.budget.outcome"], outcome,
            "{span}"
        );
        if outcome == "refused" {
            assert_eq!(span["attributes"]["error.type"], "budget_exceeded");
        }
        emu.clear_otlp();
    }

    // 6. In Rust, without a traceparent header, the current OpenTelemetry context is the parent.
    {
        use opentelemetry::trace::{
            SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
        };
        let remote = SpanContext::new(
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
            SpanId::from_hex("00f067aa0ba902b7").unwrap(),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        let _current = opentelemetry::Context::new()
            .with_remote_span_context(remote)
            .attach();
        client.chat(chat("gpt-5.4", json!({}))).await.unwrap();
    }
    let got = exported(&emu).await;
    let span = spans_named(&got, "chat gpt-5.4")[0];
    assert_eq!(span["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(span["parent_span_id"], "00f067aa0ba902b7");
    emu.clear_otlp();

    // 7. Embeddings are their own operation.
    let request: EmbeddingsRequest = serde_json::from_value(json!({
        "model": "DeepSeek-V3.2", "input": "hello",
    }))
    .unwrap();
    let _ = client.embeddings(request).await;
    let got = exported(&emu).await;
    let span = spans_named(&got, "embeddings DeepSeek-V3.2")[0];
    assert_eq!(span["attributes"]["gen_ai.operation.name"], "embeddings");
    tokio::time::sleep(Duration::from_millis(1)).await;
}
