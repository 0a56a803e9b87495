//! Responses-API events: text, reasoning parts, function calls, completion, failures.

use serde_json::{json, Value};

use super::*;
use crate::types::ToolCallDelta;

fn created() -> Value {
    json!({"type": "response.created", "response": {"id": "resp_1", "model": "gpt-5", "status": "in_progress", "output": []}})
}

fn completed(status: &str, extra: Value) -> Value {
    let mut response = json!({"id": "resp_1", "model": "gpt-5", "status": status,
        "usage": {"input_tokens": 32, "input_tokens_details": {"cached_tokens": 2},
            "output_tokens": 839, "output_tokens_details": {"reasoning_tokens": 832}, "total_tokens": 871}});
    if let (Some(r), Some(e)) = (response.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    let kind = if status == "completed" {
        "response.completed"
    } else {
        "response.incomplete"
    };
    json!({"type": kind, "response": response})
}

#[test]
fn responses_text_reasoning_parts_and_usage() {
    let summary = |index: u64, delta: &str| {
        named(
            json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs", "output_index": 0,
            "summary_index": index, "delta": delta}),
        )
    };
    let events = [
        named(created()),
        named(json!({"type": "response.in_progress", "response": {"id": "resp_1"}})),
        summary(0, "**A**"),
        summary(0, " one"),
        named(json!({"type": "response.reasoning_summary_part.added", "summary_index": 1})),
        summary(1, "**B**"),
        named(
            json!({"type": "response.output_text.delta", "item_id": "msg", "output_index": 1, "delta": "3"}),
        ),
        named(json!({"type": "response.output_text.done", "text": "3"})),
        named(json!({"type": "response.brand_new_event", "x": 1})),
        named(completed("completed", json!({}))),
    ];
    let chunks = decode_all(Api::Responses, &events).unwrap();
    assert!(chunks
        .iter()
        .all(|c| c.id == "resp_1" && c.model == "gpt-5" && c.deployment == "dep"));
    let result = fold(&chunks);
    assert_eq!(result.reasoning.as_deref(), Some("**A** one\n\n**B**"));
    assert_eq!(result.text.as_deref(), Some("3"));
    assert_eq!(result.finish_reason.as_deref(), Some("stop"));
    assert_eq!(result.usage.cached_input_tokens, 2);
    assert_eq!(result.usage.reasoning_tokens, 832);
    assert_eq!(
        result.raw["id"], "resp_1",
        "raw is the final response object"
    );
}

#[test]
fn responses_events_named_only_by_their_type_field() {
    let events: Vec<SseEvent> = [
        created(),
        json!({"type": "response.output_text.delta", "delta": "hi"}),
        completed("completed", json!({})),
    ]
    .into_iter()
    .map(data)
    .collect();
    let result = fold(&decode_all(Api::Responses, &events).unwrap());
    assert_eq!(result.text.as_deref(), Some("hi"));
}

#[test]
fn responses_function_calls() {
    let events = [
        named(created()),
        named(
            json!({"type": "response.output_item.added", "output_index": 0,
            "item": {"id": "fc_1", "type": "function_call", "arguments": "", "call_id": "call_1", "name": "weather"}}),
        ),
        named(
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 0, "delta": "{\"l\""}),
        ),
        named(
            json!({"type": "response.output_item.added", "output_index": 1,
            "item": {"id": "fc_2", "type": "function_call", "arguments": "", "call_id": "call_2", "name": "time"}}),
        ),
        named(
            json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 0, "delta": ":1}"}),
        ),
        named(
            json!({"type": "response.function_call_arguments.done", "item_id": "fc_1", "arguments": "{\"l\":1}"}),
        ),
        named(
            json!({"type": "response.output_item.done", "output_index": 0,
            "item": {"id": "fc_1", "type": "function_call", "arguments": "{\"l\":1}", "call_id": "call_1", "name": "weather"}}),
        ),
        // No argument deltas for the second call: its arguments come with `done`.
        named(
            json!({"type": "response.output_item.done", "output_index": 1,
            "item": {"id": "fc_2", "type": "function_call", "arguments": "{}", "call_id": "call_2", "name": "time"}}),
        ),
        named(completed("completed", json!({}))),
    ];
    let chunks = decode_all(Api::Responses, &events).unwrap();
    assert_eq!(
        chunks[0].tool_calls,
        [ToolCallDelta {
            index: 0,
            id: Some("call_1".into()),
            name: Some("weather".into()),
            arguments: None
        }]
    );
    let result = fold(&chunks);
    let calls: Vec<_> = result
        .tool_calls
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str(), c.arguments.as_str()))
        .collect();
    assert_eq!(
        calls,
        [("call_1", "weather", "{\"l\":1}"), ("call_2", "time", "{}")]
    );
    assert_eq!(result.finish_reason.as_deref(), Some("tool_calls"));
}

#[test]
fn responses_incomplete_is_length() {
    let incomplete = completed(
        "incomplete",
        json!({"incomplete_details": {"reason": "max_output_tokens"}}),
    );
    let mut decoder = ChunkDecoder::new(Api::Responses, "dep");
    let mut out = Vec::new();
    decoder.decode(&named(incomplete), &mut out).unwrap();
    assert!(decoder.is_done());
    assert_eq!(out[0].finish_reason.as_deref(), Some("length"));
    let filtered = completed(
        "incomplete",
        json!({"incomplete_details": {"reason": "content_filter"}}),
    );
    let chunks = decode_all(Api::Responses, &[named(filtered)]).unwrap();
    assert_eq!(chunks[0].finish_reason.as_deref(), Some("content_filter"));
}

#[test]
fn responses_content_filters_on_completion() {
    let filters = json!({"content_filters": [
        {"blocked": false, "source_type": "prompt", "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}}},
        {"blocked": true, "source_type": "completion", "content_filter_results": {"violence": {"filtered": true, "severity": "high"}}}]});
    let result =
        fold(&decode_all(Api::Responses, &[named(completed("completed", filters))]).unwrap());
    assert!(result.content_filter.filtered);
    assert_eq!(result.content_filter.categories, ["violence"]);
    assert_eq!(result.content_filter.results.len(), 2);
}

#[test]
fn responses_failures_are_errors_of_the_right_kind() {
    let failed = json!({"type": "response.failed", "response": {"id": "r", "status": "failed",
        "error": {"code": "server_error", "message": "boom"}}});
    let mut decoder = ChunkDecoder::new(Api::Responses, "dep");
    let err = decoder.decode(&named(failed), &mut Vec::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(err.message.contains("boom"));
    assert!(decoder.is_done());

    let rate = json!({"type": "error", "code": "rate_limit_exceeded", "message": "slow down", "param": null});
    assert_eq!(
        decode_all(Api::Responses, &[named(rate)])
            .unwrap_err()
            .kind(),
        ErrorKind::RateLimit
    );
    let nested = json!({"type": "error", "error": {"type": "invalid_request_error", "code": "content_filter", "message": "filtered"}});
    let err = decode_all(Api::Responses, &[named(nested)]).unwrap_err();
    assert_eq!(
        (err.kind(), err.message.as_str()),
        (ErrorKind::ContentFilter, "filtered")
    );
    let bad = json!({"type": "error", "code": "invalid_prompt", "message": "no"});
    assert_eq!(
        decode_all(Api::Responses, &[named(bad)])
            .unwrap_err()
            .kind(),
        ErrorKind::BadRequest
    );
}

#[test]
fn responses_stream_cut_before_completion_is_a_stream_error() {
    let events = [
        named(created()),
        named(json!({"type": "response.output_text.delta", "delta": "par"})),
    ];
    let err = decode_all(Api::Responses, &events).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stream);
    assert!(err.message.contains("response.completed"));
}
