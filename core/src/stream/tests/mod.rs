//! ChunkDecoder and StreamAccumulator on hand-written events: each Azure / OpenAI /
//! DeepSeek quirk the decoder handles, one test each.

mod chat;
mod responses;

use serde_json::{json, Value};

use super::*;

pub(super) fn data(v: Value) -> SseEvent {
    SseEvent {
        event: None,
        data: v.to_string(),
    }
}

pub(super) fn done() -> SseEvent {
    SseEvent {
        event: None,
        data: "[DONE]".into(),
    }
}

pub(super) fn named(v: Value) -> SseEvent {
    let event = v["type"].as_str().map(str::to_string);
    SseEvent {
        event,
        data: v.to_string(),
    }
}

pub(super) fn decode_all(api: Api, events: &[SseEvent]) -> Result<Vec<ChatChunk>> {
    let mut decoder = ChunkDecoder::new(api, "dep");
    let mut out = Vec::new();
    for ev in events {
        decoder.decode(ev, &mut out)?;
    }
    decoder.finish(&mut out)?;
    Ok(out)
}

pub(super) fn fold(chunks: &[ChatChunk]) -> crate::types::ChatResult {
    let mut acc = StreamAccumulator::new();
    chunks.iter().for_each(|c| acc.push(c));
    acc.finish()
}

pub(super) fn content(id: &str, text: Value) -> SseEvent {
    data(
        json!({"id": id, "model": "m", "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]}),
    )
}

pub(super) fn prompt_filter_chunk() -> SseEvent {
    data(
        json!({"choices": [], "id": "", "model": "", "created": 0, "object": "",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {
            "hate": {"filtered": false, "severity": "safe"},
            "jailbreak": {"filtered": false, "detected": false}}}]}),
    )
}

/// Wrong types, nulls and huge numbers where objects are expected: no panic, and whatever
/// is readable still comes out.
#[test]
fn odd_shapes_never_panic() {
    let odd = [
        json!(null),
        json!([1, 2]),
        json!("text"),
        json!({"choices": "none", "usage": 5, "prompt_filter_results": {"a": 1}}),
        json!({"choices": [null, 3, {"delta": 7}, {"index": "0", "delta": {"content": 5}}]}),
        json!({"choices": [{"delta": {"tool_calls": [null, {"index": u64::MAX, "function": 1}]}}]}),
        json!({"choices": [{"delta": {"content": "ok"}, "content_filter_results": [1], "finish_reason": 3}]}),
        json!({"type": 5, "delta": "x"}),
        json!({"type": "response.output_item.added", "item": "fc"}),
        json!({"type": "response.output_item.added", "output_index": -1, "item": {"type": "function_call"}}),
        json!({"type": "response.function_call_arguments.delta", "delta": "{}"}),
        json!({"type": "response.output_item.done", "item": {"type": "function_call", "arguments": 3}}),
        json!({"type": "response.reasoning_summary_text.delta", "summary_index": "a", "delta": "r"}),
        json!({"type": "response.completed", "response": {"usage": [], "content_filters": {}, "output": 1}}),
    ];
    for api in [Api::Chat, Api::Responses] {
        let mut decoder = ChunkDecoder::new(api, "dep");
        let mut out = Vec::new();
        for v in &odd {
            let _ = decoder.decode(&data(v.clone()), &mut out);
        }
        let _ = decoder.finish(&mut out);
        let result = fold(&out);
        if api == Api::Chat {
            assert_eq!(result.text.as_deref(), Some("ok"));
        } else {
            assert_eq!(result.finish_reason.as_deref(), Some("tool_calls"));
        }
    }
}
