//! SSE framing against the recorded streams, and delivery as the events are produced.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn stream(text: &str) -> Value {
    json!({"messages": [{"role": "user", "content": text}], "stream": true})
}

/// The content (or reasoning) deltas, concatenated.
fn joined(events: &[Value], field: &str) -> String {
    events
        .iter()
        .filter_map(|e| e.get("choices")?.get(0)?.get("delta")?.get(field)?.as_str())
        .collect()
}

#[tokio::test]
async fn chat_stream_follows_the_recorded_framing() {
    let env = start().await;
    let r = env.chat("gpt-5.4", &[], stream("hello  big world")).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    assert!(r.text.starts_with("data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":"));
    assert!(r.text.ends_with("data: [DONE]\n\n"));
    let ev = r.sse_data();
    // prompt filter, role, 5 words, finish, [DONE]
    assert_eq!(ev.len(), 1 + 1 + 5 + 1 + 1);
    assert_eq!(joined(&ev, "content"), "gpt-5.4 heard: hello  big world");
    assert_eq!(ev[3]["choices"][0]["delta"]["content"], " heard:");
    assert_eq!(ev[7]["choices"][0]["finish_reason"], "stop");
    assert!(ev[2].get("usage").is_none());
    if let Some(rec) = corpus("stream_azure_chat_gpt4omini_1.sse") {
        let rec: Vec<Value> = rec
            .split("\n\n")
            .filter_map(|e| e.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .map(|d| serde_json::from_str(d).unwrap())
            .collect();
        let mut ours = ev.clone();
        // gpt-4o-mini has a fingerprint where gpt-5 has null; the shape is otherwise equal.
        for e in ours.iter_mut().skip(1) {
            if let Some(fp) = e.get_mut("system_fingerprint") {
                *fp = json!("fp");
            }
        }
        same_shape(&rec[0], &ours[0], "prompt chunk");
        same_shape(&rec[1], &ours[1], "role chunk");
        same_shape(&rec[2], &ours[2], "content chunk");
        same_shape(rec.last().unwrap(), &ours[ours.len() - 2], "finish chunk");
    }
}

#[tokio::test]
async fn chat_stream_with_usage_and_reasoning() {
    let env = start().await;
    let mut body = stream("hi");
    body["stream_options"] = json!({"include_usage": true});
    let r = env.chat("Kimi-K2.6", &[], body).await;
    let ev = r.sse_data();
    assert_eq!(
        joined(&ev, "reasoning_content"),
        foundry_emulator::REASONING
    );
    assert_eq!(joined(&ev, "content"), "Kimi-K2.6 heard: hi");
    let usage = &ev[ev.len() - 2];
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["usage"]["completion_tokens"], 64 + 3);
    assert_eq!(
        usage["usage"]["completion_tokens_details"]["reasoning_tokens"],
        64
    );
    assert!(ev[1..ev.len() - 2]
        .iter()
        .all(|e| e["usage"].is_null() && e.get("usage").is_some()));
    if let Some(rec) = corpus("stream_azure_v1_gpt5mini_usage_1.sse") {
        let last = rec
            .split("\n\n")
            .filter_map(|e| e.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .last()
            .unwrap();
        same_shape(&serde_json::from_str(last).unwrap(), usage, "usage chunk");
    }

    // Out of budget while reasoning: reasoning deltas only, finish "length".
    let mut body = stream("hi");
    body["max_tokens"] = json!(10);
    let ev = env.chat("Kimi-K2.6", &[], body).await.sse_data();
    assert_eq!(
        joined(&ev, "reasoning_content").split_whitespace().count(),
        10
    );
    assert_eq!(joined(&ev, "content"), "");
    assert_eq!(ev[ev.len() - 2]["choices"][0]["finish_reason"], "length");
}

#[tokio::test]
async fn chat_stream_tool_call_deltas() {
    let env = start().await;
    let body = json!({"stream": true, "messages": [{"role": "user", "content": "mellon"}],
        "tools": [{"type": "function", "function": {"name": "secret_retrieval_tool", "parameters": {"required": ["password"]}}}]});
    let ev = env.chat("gpt-5.4", &[], body).await.sse_data();
    assert_eq!(
        ev[1]["choices"][0]["delta"],
        json!({"content": null, "role": "assistant"})
    );
    let head = &ev[2]["choices"][0]["delta"]["tool_calls"][0];
    assert_eq!(
        (
            head["id"].as_str(),
            head["function"]["name"].as_str(),
            head["function"]["arguments"].as_str()
        ),
        (Some("call_emu_1"), Some("secret_retrieval_tool"), Some(""))
    );
    let args: String = ev[3..]
        .iter()
        .filter_map(|e| e["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    assert_eq!(args, "{\"password\":\"mellon\"}");
    assert_eq!(
        ev[ev.len() - 2]["choices"][0]["finish_reason"],
        "tool_calls"
    );
    if let Some(rec) = corpus("stream_azure_v1_gpt5mini_tool_calls_1.sse") {
        let rec: Vec<Value> = rec
            .split("\n\n")
            .filter_map(|e| e.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .map(|d| serde_json::from_str(d).unwrap())
            .collect();
        let strip = |mut v: Value| {
            v.as_object_mut().unwrap().remove("usage");
            v
        };
        same_shape(&strip(rec[2].clone()), &ev[2], "tool head");
        same_shape(&strip(rec[3].clone()), &ev[3], "tool fragment");
    }
}

#[tokio::test]
async fn completion_filter_in_a_stream() {
    let env = start().await;
    let ev = env
        .chat("gpt-5.4", &[], stream("x [[filter-completion:violence]] y"))
        .await
        .sse_data();
    assert_eq!(joined(&ev, "content"), "gpt-5.4 heard: x");
    let fin = &ev[ev.len() - 2]["choices"][0];
    assert_eq!(fin["finish_reason"], "content_filter");
    assert_eq!(
        fin["content_filter_results"]["violence"],
        json!({"filtered": true, "severity": "high"})
    );
    // A prompt filter hit is a JSON 400, not a stream.
    let r = env.chat("gpt-5.4", &[], stream("[[filter:hate]]")).await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (400, Some("application/json"))
    );
}

#[tokio::test]
async fn responses_stream_events() {
    let env = start().await;
    let r = env
        .post(
            "openai/responses?api-version=2025-03-01-preview",
            &[KEY],
            json!({"model": "gpt-5.4", "input": "four two", "stream": true}),
        )
        .await;
    assert_eq!(
        r.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    let ev = r.sse_events();
    let names: Vec<&str> = ev.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed"
        ]
    );
    for (i, (name, data)) in ev.iter().enumerate() {
        assert_eq!(data["type"], name.as_str());
        assert_eq!(data["sequence_number"], i);
    }
    let text: String = ev
        .iter()
        .filter(|(n, _)| n == "response.output_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(text, "gpt-5.4 heard: four two");
    let done = &ev.last().unwrap().1["response"];
    assert_eq!(done["usage"]["output_tokens"], 4);
    assert_eq!(done["status"], "completed");
    if let Some(rec) = corpus("stream_azure_responses_1.sse") {
        let rec: Vec<(String, Value)> = rec
            .split("\n\n")
            .filter(|e| !e.trim().is_empty())
            .map(|e| {
                let name = e
                    .lines()
                    .find_map(|l| l.strip_prefix("event: "))
                    .unwrap()
                    .to_string();
                let data = e.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
                (name, serde_json::from_str(data).unwrap())
            })
            .collect();
        for (name, ours) in &ev {
            let recorded = &rec.iter().find(|(n, _)| n == name).unwrap().1;
            same_shape(recorded, ours, name);
        }
    }
}

#[tokio::test]
async fn responses_stream_reasoning_and_tools() {
    let env = start().await;
    let ev = env
        .post(
            "openai/v1/responses",
            &[KEY],
            json!({"model": "Kimi-K2.6", "input": "hi", "stream": true}),
        )
        .await
        .sse_events();
    let summary: String = ev
        .iter()
        .filter(|(n, _)| n == "response.reasoning_summary_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(summary, foundry_emulator::REASONING);
    assert_eq!(ev[2].1["item"]["type"], "reasoning");
    assert!(ev
        .iter()
        .any(|(n, _)| n == "response.reasoning_summary_part.done"));
    let done = &ev.last().unwrap().1["response"];
    assert_eq!(done["output"][0]["type"], "reasoning");
    assert_eq!(
        done["output"][1]["content"][0]["text"],
        "Kimi-K2.6 heard: hi"
    );

    let tools =
        json!([{"type": "function", "name": "weather", "parameters": {"required": ["location"]}}]);
    let ev = env
        .post(
            "openai/v1/responses",
            &[KEY],
            json!({"model": "gpt-5.4", "input": "San Francisco", "tools": tools, "stream": true}),
        )
        .await
        .sse_events();
    let args: String = ev
        .iter()
        .filter(|(n, _)| n == "response.function_call_arguments.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(args, "{\"location\":\"San Francisco\"}");
    let done_args = ev
        .iter()
        .find(|(n, _)| n == "response.function_call_arguments.done")
        .unwrap();
    assert_eq!(done_args.1["arguments"], args.as_str());
    if let Some(rec) = corpus("stream_azure_responses_tool_call_1.chunks.jsonl") {
        let rec: Vec<Value> = rec
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        for kind in [
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
        ] {
            let r = rec.iter().find(|v| v["type"] == kind).unwrap();
            let o = &ev.iter().find(|(n, _)| n == kind).unwrap().1;
            same_shape(r, o, kind);
        }
    }

    let ev = env
        .post(
            "openai/v1/responses",
            &[KEY],
            json!({"model": "Kimi-K2.6", "input": "hi", "stream": true, "max_output_tokens": 20}),
        )
        .await
        .sse_events();
    let (name, last) = ev.last().unwrap();
    assert_eq!(name, "response.incomplete");
    assert_eq!(
        last["response"]["incomplete_details"]["reason"],
        "max_output_tokens"
    );
}

#[tokio::test]
async fn events_are_delivered_as_they_are_produced() {
    let env = start().await;
    let url = env.url(&format!("openai/deployments/gpt-5.4/chat/completions?{V}"));
    let started = Instant::now();
    let mut resp = env
        .http
        .post(url)
        .header("api-key", foundry_emulator::DEFAULT_API_KEY)
        .header("x-emulator-fault", "chunk-delay-ms=150")
        .json(&stream("one two three four"))
        .send()
        .await
        .unwrap();
    let first = resp.chunk().await.unwrap().unwrap();
    let first_at = started.elapsed();
    assert!(String::from_utf8_lossy(&first).starts_with("data: "));
    let mut rest = Vec::new();
    while let Some(c) = resp.chunk().await.unwrap() {
        rest.push(c);
    }
    let total = started.elapsed();
    assert!(
        first_at < Duration::from_millis(500),
        "first event after {first_at:?}"
    );
    assert!(
        total >= Duration::from_millis(150 * 7),
        "stream took only {total:?}"
    );
}
