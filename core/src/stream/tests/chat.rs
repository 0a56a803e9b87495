//! Chat-completions chunks: Azure's prompt-filter chunk, DeepSeek reasoning, tool calls,
//! inline `<think>`, in-band errors, and the accumulator's verdict merge.

use serde_json::json;

use super::*;
use crate::types::ToolCallDelta;

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
        .map(|r| (&*r.source, &*r.category))
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
