//! The fast reader of a chat stream's chunk: the event's text read by typed structs straight
//! into [`ChunkParts`], borrowing its strings and skipping every field a chunk does not hold,
//! instead of building a `serde_json::Value` tree per event and walking it.
//!
//! Like the answer's typed parse (`wire::chat_typed`, whose verdict and usage readers it
//! shares), it must read exactly what the `Value` reader reads, or refuse: a chunk holding
//! `error`, a field of another type, a repeated key, a float token count, a choice without
//! index 0 first... each goes to the `Value` reader, which decides.

use serde::Deserialize;

use super::chat::{carries_something, ChunkParts};
use crate::normalize::index_or;
use crate::types::{ContentFilterReport, ToolCallDelta};
use crate::wire::chat_typed::{
    push_prompt_filters, push_verdicts, usage, PromptFilter, Verdicts, WireUsage,
};
use crate::wire::shapes::{Obj, Seen, Text};

#[derive(Deserialize)]
struct Chunk<'a> {
    /// An in-band error: the `Value` reader turns it into the service's error.
    #[serde(default)]
    error: Seen,
    #[serde(default, borrow)]
    id: Option<Text<'a>>,
    #[serde(default, borrow)]
    model: Option<Text<'a>>,
    #[serde(default, borrow)]
    choices: Option<Vec<Obj<Choice<'a>>>>,
    #[serde(default)]
    usage: Option<Obj<WireUsage>>,
    #[serde(default)]
    prompt_filter_results: Option<Vec<Obj<PromptFilter>>>,
}

#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(default)]
    index: Option<u64>,
    #[serde(default, borrow)]
    delta: Option<Obj<Delta<'a>>>,
    #[serde(default, borrow)]
    finish_reason: Option<Text<'a>>,
    #[serde(default)]
    content_filter_results: Option<Verdicts>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(default, borrow)]
    content: Option<Text<'a>>,
    #[serde(default, borrow)]
    reasoning_content: Option<Text<'a>>,
    #[serde(default, borrow)]
    reasoning: Option<Text<'a>>,
    #[serde(default)]
    tool_calls: Option<Vec<Obj<WireToolDelta>>>,
}

#[derive(Deserialize)]
struct WireToolDelta {
    #[serde(default)]
    index: Option<u64>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<Obj<WireFunctionDelta>>,
}

#[derive(Deserialize)]
struct WireFunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

/// The parts of the chunk `data` holds, or `None` when the `Value` reader must decide.
/// Prompt verdicts are appended to `prompt` only when the parts are returned.
pub(super) fn read<'a>(data: &'a str, prompt: &mut ContentFilterReport) -> Option<ChunkParts<'a>> {
    let Obj(chunk) = serde_json::from_str::<Obj<Chunk<'a>>>(data).ok()?;
    if chunk.error.0 {
        return None;
    }
    let usage = match chunk.usage {
        Some(Obj(u)) => Some(usage(u)?),
        None => None,
    };
    let mut choices = chunk.choices.unwrap_or_default().into_iter();
    // The `Value` reader takes the first choice whose index is 0 (absent counts as 0); the
    // usual chunk has one choice, so anything else goes to it.
    let first = match (choices.next(), choices.next()) {
        (None, _) => None,
        (Some(Obj(choice)), None) => (choice.index.unwrap_or(0) == 0).then_some(choice),
        (Some(_), Some(_)) => return None,
    };
    let mut parts = ChunkParts {
        id: chunk.id.map(|Text(t)| t),
        model: chunk.model.map(|Text(t)| t),
        usage,
        ..ChunkParts::default()
    };
    if let Some(choice) = first {
        if let Some(Obj(delta)) = choice.delta {
            parts.content = delta.content.map(|Text(t)| t);
            parts.native_reasoning = delta.reasoning_content.or(delta.reasoning).map(|Text(t)| t);
            parts.tool_calls = delta
                .tool_calls
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(tool_call_delta)
                .filter(carries_something)
                .collect();
        }
        parts.finish_reason = choice.finish_reason.map(|Text(t)| t);
        push_verdicts(
            "completion",
            0,
            choice.content_filter_results,
            &mut parts.verdicts,
        );
    }
    if let Some(filters) = chunk.prompt_filter_results {
        push_prompt_filters(filters, prompt);
    }
    Some(parts)
}

fn tool_call_delta((position, Obj(call)): (usize, Obj<WireToolDelta>)) -> ToolCallDelta {
    let text = |s: Option<String>| s.filter(|s| !s.is_empty());
    let (name, arguments) = match call.function {
        Some(Obj(f)) => (text(f.name), text(f.arguments)),
        None => (None, None),
    };
    ToolCallDelta {
        index: index_or(call.index, position),
        id: text(call.id),
        name,
        arguments,
    }
}

#[cfg(test)]
mod tests {

    use serde_json::{json, Value};

    use super::read;
    use crate::sse::{SseEvent, SseParser};
    use crate::stream::chat::read_tree;
    use crate::types::ContentFilterReport;

    /// Whenever the typed reader answers, it answers what the `Value` reader does.
    fn agrees(data: &str) -> bool {
        let mut typed_prompt = ContentFilterReport::default();
        let Some(typed) = read(data, &mut typed_prompt) else {
            assert_eq!(
                typed_prompt,
                ContentFilterReport::default(),
                "a refused chunk left verdicts: {data}"
            );
            return false;
        };
        let tree: Value =
            serde_json::from_str(data).expect("the typed reader took a chunk that is not JSON");
        let mut tree_prompt = ContentFilterReport::default();
        let by_tree =
            read_tree(&tree, &mut tree_prompt).expect("the typed reader took an error chunk");
        assert_eq!(typed, by_tree, "{data}");
        assert_eq!(typed_prompt, tree_prompt, "{data}");
        true
    }

    #[test]
    fn well_formed_chunks_take_the_typed_path_and_agree() {
        let chunks = [
            json!({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {
                    "hate": {"filtered": false, "severity": "safe"},
                    "jailbreak": {"filtered": false, "detected": false}}}]}),
            json!({"id": "c1", "model": "gpt-4o-mini", "choices": [{"index": 0, "finish_reason": null, "logprobs": null,
                "delta": {"content": "Hi \"there\"\n\u{e9}", "role": "assistant", "refusal": null},
                "content_filter_results": {"violence": {"filtered": false, "severity": "low"}, "hate": {"filtered": true, "severity": "high"}}}]}),
            json!({"id": "c1", "choices": [{"delta": {"content": "<think>plan", "reasoning_content": null, "reasoning": "r"}}]}),
            json!({"id": "c1", "choices": [{"delta": {"reasoning_content": "", "reasoning": "r"}}]}),
            json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": ""}},
                {"id": null, "function": {"arguments": "{\"a\":1}"}},
                {"index": 99_999_999_999_u64, "function": null}, {"id": ""}]}}]}),
            json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "max_tokens", "content_filter_results": {}}]}),
            json!({"choices": [{"index": 1, "delta": {"content": "second choice"}}]}),
            json!({"choices": [{"delta": null, "content_filter_results": null}], "usage": null}),
            json!({"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
                "prompt_tokens_details": {"cached_tokens": 2}, "completion_tokens_details": {"reasoning_tokens": 1}}}),
            json!({"choices": null, "usage": {"prompt_tokens": null, "completion_tokens": 3, "prompt_cache_hit_tokens": 4}}),
            json!({"prompt_filter_results": null}),
            json!({"prompt_filter_results": [{"prompt_index": 4, "content_filter_result": {"hate": {"filtered": false}}},
                {"content_filter_results": null, "content_filter_result": {"hate": {"filtered": true}}},
                {"content_filter_results": {"zeta": {"filtered": false}, "alpha": {"filtered": true}, "error": {"code": "x", "message": "y"}}}]}),
        ];
        for chunk in chunks {
            assert!(agrees(&chunk.to_string()), "typed path not taken: {chunk}");
        }
    }

    #[test]
    fn what_the_typed_reader_cannot_read_alike_goes_the_value_way() {
        let chunks = [
            r#"{"error": {"message": "upstream failed"}}"#,
            r#"{"error": null, "choices": []}"#,
            r#"{"id": 5, "choices": []}"#,
            r#"{"choices": [{"index": 1}, {"index": 0, "delta": {"content": "b"}}]}"#,
            r#"{"choices": [{"index": -1, "delta": {"content": "a"}}]}"#,
            r#"{"choices": [{"delta": {"content": ["parts"]}}]}"#,
            r#"{"choices": [{"delta": {"tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]}}]}"#,
            r#"{"choices": [{"delta": {"tool_calls": [null]}}]}"#,
            r#"{"choices": [{"delta": [], "finish_reason": "stop"}]}"#,
            r#"{"choices": [{"content_filter_results": {"hate": {"filtered": true}, "hate": {"filtered": false}}}]}"#,
            r#"{"choices": [{"content_filter_results": {"hate": "x"}}]}"#,
            r#"{"choices": [], "usage": {"prompt_tokens": 3.0}}"#,
            r#"{"choices": [], "usage": {"input_tokens": 5, "output_tokens": 6}}"#,
            r#"{"choices": [], "usage": 7}"#,
            r#"{"id": "a", "id": "b"}"#,
            r#"[{"choices": []}]"#,
            "{",
        ];
        for data in chunks {
            assert!(!agrees(data), "{data}");
        }
    }

    /// Every chunk of every recorded chat stream of the corpus (../shared/corpus) that the typed
    /// reader takes, it reads as the `Value` reader does; it takes every Azure chunk.
    #[test]
    fn recorded_chunks_agree() {
        let Some(files) = crate::recorded_corpus::files() else {
            return;
        };
        let mut taken = 0;
        for (name, path) in files {
            if !name.starts_with("stream_") || name.contains("responses") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("corpus file is readable");
            let events: Vec<SseEvent> = if name.ends_with(".sse") {
                let mut parser = SseParser::new();
                let mut events = Vec::new();
                parser
                    .push(text.as_bytes(), &mut events)
                    .expect("the recorded stream parses");
                parser.finish(&mut events);
                events
            } else if name.ends_with(".chunks.jsonl") {
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| SseEvent {
                        event: None,
                        data: l.to_string(),
                    })
                    .collect()
            } else {
                continue;
            };
            for ev in events.iter().filter(|e| e.data.trim() != "[DONE]") {
                if agrees(&ev.data) {
                    taken += 1;
                } else {
                    assert!(
                        !name.starts_with("stream_azure"),
                        "{name}: a chunk took the Value path: {}",
                        ev.data
                    );
                }
            }
        }
        assert!(taken > 0, "no recorded chunk took the typed path");
    }
}
