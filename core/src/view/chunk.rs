//! The OpenAI `chat.completion.chunk` JSON of any streamed chunk: what the Python and Node
//! surfaces expose as `chunk.choices[0].delta...`, whichever API carried the stream.

use serde_json::{json, Map, Value};

use crate::types::{ChatChunk, Usage};

/// The `chat.completion.chunk` object for `chunk`, rebuilt from the normalized fields so that a
/// Responses stream and a chat stream read the same, and an inline `<think>` block arrives as
/// `delta.reasoning_content`.
///
/// A chunk that carries only totals (or only Azure's prompt verdicts) has `choices: []`, as the
/// service's last chunk with `stream_options.include_usage` does. Pure computation.
pub fn chat_chunk_view(chunk: &ChatChunk) -> Value {
    let created = ["created", "created_at"]
        .iter()
        .find_map(|k| chunk.raw.get(*k).and_then(Value::as_u64))
        .or_else(|| {
            chunk
                .raw
                .pointer("/response/created_at")
                .and_then(Value::as_u64)
        })
        .unwrap_or(0);
    let carries_choice = chunk.text.is_some()
        || chunk.reasoning.is_some()
        || !chunk.tool_calls.is_empty()
        || chunk.finish_reason.is_some();
    let choices = if carries_choice {
        vec![json!({
            "index": 0,
            "delta": delta(chunk),
            "finish_reason": chunk.finish_reason,
            "logprobs": null,
        })]
    } else {
        Vec::new()
    };
    json!({
        "id": chunk.id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": chunk.model,
        "choices": choices,
        "usage": chunk.usage.as_ref().map(usage_view),
    })
}

fn delta(chunk: &ChatChunk) -> Value {
    let mut delta = Map::new();
    delta.insert("content".to_string(), json!(chunk.text));
    if let Some(reasoning) = &chunk.reasoning {
        delta.insert("reasoning_content".to_string(), json!(reasoning));
    }
    if !chunk.tool_calls.is_empty() {
        let calls: Vec<Value> = chunk
            .tool_calls
            .iter()
            .map(|c| {
                // Only the first fragment of a call names it: later ones carry argument text
                // alone, as the service sends them.
                let mut call = Map::new();
                call.insert("index".to_string(), json!(c.index));
                if let Some(id) = &c.id {
                    call.insert("id".to_string(), json!(id));
                    call.insert("type".to_string(), json!("function"));
                }
                let mut function = Map::new();
                if let Some(name) = &c.name {
                    function.insert("name".to_string(), json!(name));
                }
                if let Some(arguments) = &c.arguments {
                    function.insert("arguments".to_string(), json!(arguments));
                }
                call.insert("function".to_string(), Value::Object(function));
                Value::Object(call)
            })
            .collect();
        delta.insert("tool_calls".to_string(), Value::Array(calls));
    }
    Value::Object(delta)
}

/// Usage in the chat-completions names.
fn usage_view(u: &Usage) -> Value {
    json!({
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.total_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cached_input_tokens},
        "completion_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ToolCallDelta;

    #[test]
    fn text_reasoning_and_finish() {
        let chunk = ChatChunk {
            id: "c1".into(),
            model: "m".into(),
            text: Some(" hi".into()),
            reasoning: Some("why".into()),
            raw: json!({"created": 7}).into(),
            ..ChatChunk::default()
        };
        let view = chat_chunk_view(&chunk);
        assert_eq!(view["object"], "chat.completion.chunk");
        assert_eq!(view["created"], 7);
        assert_eq!(view["choices"][0]["delta"]["content"], " hi");
        assert_eq!(view["choices"][0]["delta"]["reasoning_content"], "why");
        assert_eq!(view["choices"][0]["finish_reason"], Value::Null);
        assert_eq!(view["usage"], Value::Null);
    }

    #[test]
    fn tool_call_fragments_name_only_once() {
        let chunk = ChatChunk {
            tool_calls: vec![
                ToolCallDelta {
                    index: 0,
                    id: Some("call_1".into()),
                    name: Some("f".into()),
                    arguments: Some(String::new()),
                },
                ToolCallDelta {
                    index: 0,
                    arguments: Some("{\"a\"".into()),
                    ..ToolCallDelta::default()
                },
            ],
            ..ChatChunk::default()
        };
        let calls = &chat_chunk_view(&chunk)["choices"][0]["delta"]["tool_calls"];
        assert_eq!(
            calls[0],
            json!({"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": ""}})
        );
        assert_eq!(
            calls[1],
            json!({"index": 0, "function": {"arguments": "{\"a\""}})
        );
    }

    #[test]
    fn totals_only_chunk_has_no_choices() {
        let chunk = ChatChunk {
            usage: Some(Usage {
                input_tokens: 2,
                output_tokens: 3,
                total_tokens: 5,
                ..Usage::default()
            }),
            ..ChatChunk::default()
        };
        let view = chat_chunk_view(&chunk);
        assert_eq!(view["choices"], json!([]));
        assert_eq!(view["usage"]["total_tokens"], 5);
        assert_eq!(
            view["usage"]["completion_tokens_details"]["reasoning_tokens"],
            0
        );
    }
}
