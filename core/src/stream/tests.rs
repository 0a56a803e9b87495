//! ChunkDecoder and StreamAccumulator on hand-written events: each Azure / OpenAI /
//! DeepSeek quirk the decoder handles, one test each.

use serde_json::{json, Value};

use super::*;
use crate::types::ToolCallDelta;

fn data(v: Value) -> SseEvent {
    SseEvent {
        event: None,
        data: v.to_string(),
    }
}

fn done() -> SseEvent {
    SseEvent {
        event: None,
        data: "[DONE]".into(),
    }
}

fn named(v: Value) -> SseEvent {
    let event = v["type"].as_str().map(str::to_string);
    SseEvent {
        event,
        data: v.to_string(),
    }
}

fn decode_all(api: Api, events: &[SseEvent]) -> Result<Vec<ChatChunk>> {
    let mut decoder = ChunkDecoder::new(api, "dep");
    let mut out = Vec::new();
    for ev in events {
        decoder.decode(ev, &mut out)?;
    }
    decoder.finish(&mut out)?;
    Ok(out)
}

fn fold(chunks: &[ChatChunk]) -> crate::types::ChatResult {
    let mut acc = StreamAccumulator::new();
    chunks.iter().for_each(|c| acc.push(c));
    acc.finish()
}

fn content(id: &str, text: Value) -> SseEvent {
    data(
        json!({"id": id, "model": "m", "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]}),
    )
}

fn prompt_filter_chunk() -> SseEvent {
    data(
        json!({"choices": [], "id": "", "model": "", "created": 0, "object": "",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {
            "hate": {"filtered": false, "severity": "safe"},
            "jailbreak": {"filtered": false, "detected": false}}}]}),
    )
}

#[test]
fn azure_prompt_filter_chunk_is_folded_into_the_next_emitted_chunk() {
    let role = data(
        json!({"id": "c1", "model": "m", "choices": [{"index": 0, "content_filter_results": {},
        "delta": {"role": "assistant", "content": "", "refusal": null}, "finish_reason": null}]}),
    );
    let text = data(json!({"id": "c1", "model": "m", "choices": [{"index": 0,
        "content_filter_results": {"violence": {"filtered": false, "severity": "low"}},
        "delta": {"content": "Hi"}, "finish_reason": null}]}));
    let chunks = decode_all(Api::Chat, &[prompt_filter_chunk(), role, text, done()]).unwrap();
    assert_eq!(chunks.len(), 1, "no empty chunk surfaces: {chunks:?}");
    let chunk = &chunks[0];
    assert_eq!(
        (
            chunk.id.as_str(),
            chunk.model.as_str(),
            chunk.deployment.as_str()
        ),
        ("c1", "m", "dep")
    );
    assert_eq!(chunk.text.as_deref(), Some("Hi"));
    let report = chunk.content_filter.as_ref().unwrap();
    let sources: Vec<_> = report
        .results
        .iter()
        .map(|r| (r.source.as_str(), r.category.as_str()))
        .collect();
    assert_eq!(
        sources,
        [
            ("prompt", "hate"),
            ("prompt", "jailbreak"),
            ("completion", "violence")
        ]
    );
    assert!(!report.filtered);
    assert_eq!(chunk.raw["id"], "c1");
}

#[test]
fn prompt_filter_with_nothing_after_it_rides_on_the_final_chunk() {
    let chunks = decode_all(Api::Chat, &[prompt_filter_chunk(), done()]).unwrap();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].content_filter.as_ref().unwrap().results.len(), 2);
}

#[test]
fn a_filtered_completion_is_reported() {
    let ev = data(
        json!({"id": "c", "model": "m", "choices": [{"index": 0, "delta": {},
        "finish_reason": "content_filter",
        "content_filter_results": {"sexual": {"filtered": true, "severity": "medium"}}}]}),
    );
    let result = fold(&decode_all(Api::Chat, &[ev, done()]).unwrap());
    assert_eq!(result.finish_reason.as_deref(), Some("content_filter"));
    assert!(result.content_filter.filtered);
    assert_eq!(result.content_filter.categories, ["sexual"]);
}

#[test]
fn reasoning_content_and_explicit_nulls() {
    let reasoning = data(
        json!({"id": "d", "model": "deepseek", "choices": [{"index": 0,
        "delta": {"role": null, "content": null, "reasoning_content": "Think", "tool_calls": null},
        "finish_reason": null, "matched_stop": null}], "usage": null}),
    );
    let vllm = data(json!({"id": "d", "choices": [{"index": 0, "delta": {"reasoning": "ing."}}]}));
    let answer = content("d", json!("42"));
    let last = data(
        json!({"id": "d", "model": "deepseek", "choices": [{"index": 0,
        "delta": {"content": "", "reasoning_content": null}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 18, "completion_tokens": 219, "total_tokens": 237,
            "prompt_tokens_details": {"cached_tokens": 3}, "completion_tokens_details": {"reasoning_tokens": 205}}}),
    );
    let chunks = decode_all(Api::Chat, &[reasoning, vllm, answer, last, done()]).unwrap();
    assert_eq!(chunks.len(), 4);
    assert_eq!(chunks[3].finish_reason.as_deref(), Some("stop"));
    let result = fold(&chunks);
    assert_eq!(result.reasoning.as_deref(), Some("Thinking."));
    assert_eq!(result.text.as_deref(), Some("42"));
    assert_eq!(result.usage.input_tokens, 18);
    assert_eq!(result.usage.cached_input_tokens, 3);
    assert_eq!(result.usage.reasoning_tokens, 205);
    assert_eq!(result.raw["usage"]["total_tokens"], 237);
}

#[test]
fn azure_final_usage_chunk_with_empty_choices() {
    let usage = data(json!({"choices": [], "id": "c", "model": "m", "usage": {
        "completion_tokens": 12, "prompt_tokens": 15, "total_tokens": 27}}));
    let chunks = decode_all(Api::Chat, &[content("c", json!("x")), usage, done()]).unwrap();
    assert_eq!(chunks[1].usage.map(|u| u.total_tokens), Some(27));
}

#[test]
fn tool_call_deltas_are_assembled_by_index() {
    let call = |index: u64, function: Value, id: Option<&str>| {
        let mut tc = json!({"index": index, "function": function});
        if let Some(id) = id {
            tc["id"] = json!(id);
            tc["type"] = json!("function");
        }
        data(
            json!({"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": [tc]}}]}),
        )
    };
    let events = [
        call(0, json!({"name": "f", "arguments": ""}), Some("call_a")),
        call(0, json!({"arguments": "{\"a\""}), None),
        call(1, json!({"name": "g", "arguments": "{}"}), Some("call_b")),
        call(0, json!({"arguments": ":1}"}), None),
        data(
            json!({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
        ),
        done(),
    ];
    let chunks = decode_all(Api::Chat, &events).unwrap();
    assert_eq!(
        chunks[0].tool_calls,
        [ToolCallDelta {
            index: 0,
            id: Some("call_a".into()),
            name: Some("f".into()),
            arguments: None
        }]
    );
    let result = fold(&chunks);
    let calls: Vec<_> = result
        .tool_calls
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str(), c.arguments.as_str()))
        .collect();
    assert_eq!(calls, [("call_a", "f", "{\"a\":1}"), ("call_b", "g", "{}")]);
    assert_eq!(result.finish_reason.as_deref(), Some("tool_calls"));
}

#[test]
fn inline_think_tags_split_across_chunks() {
    let pieces = ["<thi", "nk>", "2+2", " is 4</th", "ink>\n\n", "Four."];
    let mut events: Vec<SseEvent> = pieces.iter().map(|p| content("c", json!(p))).collect();
    events.push(done());
    let chunks = decode_all(Api::Chat, &events).unwrap();
    let result = fold(&chunks);
    assert_eq!(result.reasoning.as_deref(), Some("2+2 is 4"));
    assert_eq!(result.text.as_deref(), Some("Four."));
}

#[test]
fn held_back_text_is_released_with_the_finish_reason() {
    let last =
        data(json!({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}));
    let chunks = decode_all(Api::Chat, &[content("c", json!("<thi")), last, done()]).unwrap();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].text.as_deref(), Some("<thi"));
    assert_eq!(chunks[0].finish_reason.as_deref(), Some("length"));
}

#[test]
fn held_back_text_is_released_at_the_end_of_the_body() {
    let mut decoder = ChunkDecoder::new(Api::Chat, "dep");
    let mut out = Vec::new();
    decoder
        .decode(&content("c", json!("  <th")), &mut out)
        .unwrap();
    assert!(out.is_empty());
    let err = decoder.finish(&mut out).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stream);
    assert!(err.message.contains("[DONE]"));
    assert_eq!(out[0].text.as_deref(), Some("  <th"));
    assert_eq!(out[0].id, "c");
}

#[test]
fn other_choices_are_ignored() {
    let ev = data(
        json!({"id": "c", "choices": [{"index": 1, "delta": {"content": "B"}}, {"index": 0, "delta": {"content": "A"}}]}),
    );
    let chunks = decode_all(Api::Chat, &[ev, done()]).unwrap();
    assert_eq!(chunks[0].text.as_deref(), Some("A"));
}

#[test]
fn malformed_json_is_an_invalid_response_naming_the_event() {
    let ev = SseEvent {
        event: Some("response.output_text.delta".into()),
        data: "{\"type\": ".into(),
    };
    let err = decode_all(Api::Responses, &[ev]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(
        err.message.contains("response.output_text.delta"),
        "{}",
        err.message
    );
    let err = decode_all(
        Api::Chat,
        &[SseEvent {
            event: None,
            data: "not json".into(),
        }],
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
}

#[test]
fn chat_error_object_mid_stream_is_an_error() {
    let ev = data(json!({"error": {"code": "429", "message": "Rate limit reached"}}));
    let err = decode_all(Api::Chat, &[content("c", json!("a")), ev]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimit);
    assert_eq!(err.message, "Rate limit reached");
}

#[test]
fn events_after_the_terminator_are_ignored() {
    let mut decoder = ChunkDecoder::new(Api::Chat, "dep");
    let mut out = Vec::new();
    decoder.decode(&done(), &mut out).unwrap();
    assert!(decoder.is_done());
    decoder
        .decode(
            &SseEvent {
                event: None,
                data: "garbage".into(),
            },
            &mut out,
        )
        .unwrap();
    decoder.finish(&mut out).unwrap();
    assert!(out.is_empty());
}

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

#[test]
fn accumulator_keeps_one_verdict_per_category_at_its_worst() {
    let verdict = |severity: &str, filtered: bool| {
        data(
            json!({"id": "c", "choices": [{"index": 0, "delta": {"content": "x"},
            "content_filter_results": {"hate": {"filtered": filtered, "severity": severity}}}]}),
        )
    };
    let events = [
        verdict("safe", false),
        verdict("medium", true),
        verdict("low", false),
        done(),
    ];
    let result = fold(&decode_all(Api::Chat, &events).unwrap());
    let report = &result.content_filter;
    assert_eq!(report.results.len(), 1);
    assert_eq!(report.results[0].severity.as_deref(), Some("medium"));
    assert!(report.filtered && report.results[0].filtered);
    assert_eq!(report.categories, ["hate"]);
}
