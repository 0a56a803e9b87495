//! The OpenAI `chat.completion` JSON of any result: what the Python and Node surfaces expose
//! as `choices[0].message...`, whichever API carried the call.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::types::{CategoryResult, ChatResult, ToolCall};

/// The `chat.completion` object for `r`.
///
/// A chat answer is returned as received, except that when an inline `<think>` block was
/// split off, `message.content` holds the remaining text and `message.reasoning_content` the
/// reasoning. Any other result (a Responses answer, an assembled stream) is rebuilt from the
/// normalized fields, with Azure's filter verdicts where there were any.
pub fn chat_completion_view(r: &ChatResult) -> Value {
    if is_chat_completion(&r.raw) {
        let mut view = r.raw.value().clone();
        if let Some(message) = view
            .pointer_mut("/choices/0/message")
            .and_then(Value::as_object_mut)
        {
            let inline_think = message
                .get("content")
                .and_then(Value::as_str)
                .is_some_and(|c| c.trim_start().starts_with("<think>"));
            if inline_think {
                message.insert("content".to_string(), json!(r.text));
                message.insert("reasoning_content".to_string(), json!(r.reasoning));
            }
        }
        return view;
    }
    build_view(r)
}

fn is_chat_completion(raw: &Value) -> bool {
    // An assembled stream's raw is its last chunk (`chat.completion.chunk`): rebuilt, not passed.
    !matches!(
        raw.get("object").and_then(Value::as_str),
        Some("response" | "chat.completion.chunk")
    ) && raw.get("choices").is_some_and(Value::is_array)
}

fn build_view(r: &ChatResult) -> Value {
    let created = ["created_at", "created"]
        .iter()
        .find_map(|k| r.raw.get(*k).and_then(Value::as_u64))
        .unwrap_or(0);
    let mut message = Map::new();
    message.insert("role".to_string(), json!("assistant"));
    message.insert("content".to_string(), json!(r.text));
    message.insert("refusal".to_string(), Value::Null);
    if let Some(reasoning) = &r.reasoning {
        message.insert("reasoning_content".to_string(), json!(reasoning));
    }
    if !r.tool_calls.is_empty() {
        let calls: Vec<Value> = r.tool_calls.iter().map(ToolCall::to_wire).collect();
        message.insert("tool_calls".to_string(), Value::Array(calls));
    }
    let mut choice =
        json!({"index": 0, "message": message, "finish_reason": r.finish_reason, "logprobs": null});
    let completion = filter_results(
        r.content_filter
            .results
            .iter()
            .filter(|c| c.source != "prompt" && c.index == 0),
    );
    if !completion.is_empty() {
        choice["content_filter_results"] = Value::Object(completion);
    }
    let u = &r.usage;
    let mut view = json!({
        "id": r.id,
        "object": "chat.completion",
        "created": created,
        "model": r.model,
        "choices": [choice],
        "usage": {
            "prompt_tokens": u.input_tokens,
            "completion_tokens": u.output_tokens,
            "total_tokens": u.total_tokens,
            "prompt_tokens_details": {"cached_tokens": u.cached_input_tokens},
            "completion_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        },
    });
    let prompts = prompt_filter_results(&r.content_filter.results);
    if !prompts.is_empty() {
        view["prompt_filter_results"] = Value::Array(prompts);
    }
    view
}

/// Verdicts back in Azure's `content_filter_results` shape.
fn filter_results<'a>(results: impl Iterator<Item = &'a CategoryResult>) -> Map<String, Value> {
    results
        .map(|c| {
            let mut verdict = Map::new();
            verdict.insert("filtered".to_string(), json!(c.filtered));
            if let Some(severity) = &c.severity {
                verdict.insert("severity".to_string(), json!(severity));
            }
            if let Some(detected) = c.detected {
                verdict.insert("detected".to_string(), json!(detected));
            }
            (c.category.to_string(), Value::Object(verdict))
        })
        .collect()
}

fn prompt_filter_results(results: &[CategoryResult]) -> Vec<Value> {
    let mut by_index: BTreeMap<u32, Vec<&CategoryResult>> = BTreeMap::new();
    for c in results.iter().filter(|c| c.source == "prompt") {
        by_index.entry(c.index).or_default().push(c);
    }
    by_index
        .into_iter()
        .map(|(index, cs)| {
            json!({"prompt_index": index, "content_filter_results": filter_results(cs.into_iter())})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ToolCall, Usage};
    use crate::wire::{parse_chat, parse_responses};

    #[test]
    fn chat_answers_pass_through_and_think_is_split() {
        let raw = json!({"object": "chat.completion", "id": "a", "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": "plain"}}]});
        let r = parse_chat(raw.to_string().as_bytes()).unwrap();
        assert_eq!(chat_completion_view(&r), raw);

        let raw = json!({"object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": "<think>why</think>\nbecause"}}]});
        let r = parse_chat(raw.to_string().as_bytes()).unwrap();
        let view = chat_completion_view(&r);
        assert_eq!(view["choices"][0]["message"]["content"], "because");
        assert_eq!(view["choices"][0]["message"]["reasoning_content"], "why");
    }

    #[test]
    fn responses_answers_are_rebuilt() {
        let raw = json!({"id": "resp_1", "object": "response", "created_at": 1700000000, "model": "gpt-5.1-codex",
            "status": "completed",
            "output": [{"type": "reasoning", "summary": [{"type": "summary_text", "text": "plan"}]},
                       {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"}],
            "content_filters": [{"blocked": false, "source_type": "prompt",
                "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}}}],
            "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 4}, "output_tokens": 7,
                      "output_tokens_details": {"reasoning_tokens": 5}, "total_tokens": 17}});
        let r = parse_responses(raw.to_string().as_bytes()).unwrap();
        let view = chat_completion_view(&r);
        assert_eq!(
            view,
            json!({
                "id": "resp_1", "object": "chat.completion", "created": 1700000000, "model": "gpt-5.1-codex",
                "choices": [{"index": 0, "logprobs": null, "finish_reason": "tool_calls", "message": {
                    "role": "assistant", "content": null, "refusal": null, "reasoning_content": "plan",
                    "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 7, "total_tokens": 17,
                    "prompt_tokens_details": {"cached_tokens": 4}, "completion_tokens_details": {"reasoning_tokens": 5}},
                "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}}}]
            })
        );
    }

    #[test]
    fn assembled_streams_are_rebuilt_not_their_last_chunk() {
        let r = ChatResult {
            text: Some("hi".into()),
            finish_reason: Some("stop".into()),
            raw: json!({"object": "chat.completion.chunk", "choices": [], "usage": {"total_tokens": 3}}).into(),
            ..ChatResult::default()
        };
        let view = chat_completion_view(&r);
        assert_eq!(view["object"], "chat.completion");
        assert_eq!(view["choices"][0]["message"]["content"], "hi");
    }

    #[test]
    fn assembled_results_without_raw_are_built() {
        let r = ChatResult {
            id: "x".into(),
            model: "m".into(),
            text: Some("hi".into()),
            finish_reason: Some("stop".into()),
            usage: Usage {
                input_tokens: 1,
                output_tokens: 2,
                total_tokens: 3,
                ..Usage::default()
            },
            tool_calls: vec![ToolCall {
                id: "c".into(),
                name: "n".into(),
                arguments: "{}".into(),
            }],
            ..ChatResult::default()
        };
        let view = chat_completion_view(&r);
        assert_eq!(view["created"], 0);
        assert_eq!(view["choices"][0]["message"]["content"], "hi");
        assert_eq!(
            view["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
            "n"
        );
        assert!(view["choices"][0]["message"]
            .get("reasoning_content")
            .is_none());
        assert!(view.get("prompt_filter_results").is_none());
    }
}
