//! Chat completions: the request body for `/chat/completions` and the parsed answer.

use bytes::Bytes;
use serde_json::{Map, Value};

use super::chat_typed;
use super::params::{
    chat_token_limit, check_messages, number_in, positive_int, set_stream, with_extra_body,
    with_floor,
};
use super::{arguments_text, parse_answer, str_field, url::body_carries_model};
use crate::config::{Deployment, TokensParam};
use crate::normalize::{
    choice_filter_results, finalize_report, normalize_finish_reason, prompt_filter_results,
    split_think, usage_from_chat,
};
use crate::types::{Api, ChatRequest, ChatResult, ContentFilterReport, RawJson, ToolCall};
use crate::{Error, ErrorKind, Result};

/// The JSON body of a chat-completions call to `d`.
///
/// Validates before anything is sent (`messages`, `max_tokens` / `max_completion_tokens`,
/// `temperature` in [0, 2], `n` >= 1), merges `extra_body`, names the deployment in `model`
/// where the route does not, sends the output-token limit under the name the deployment
/// accepts, raises it to the deployment's thinking floor, and sets the stream flags.
pub fn build_chat_body(d: &Deployment, req: &ChatRequest, stream: bool) -> Result<Value> {
    let mut body = with_extra_body(&req.params)?;
    check_messages(&body)?;
    number_in(&mut body, "temperature", 0.0, 2.0)?;
    positive_int(&mut body, "n")
        .map_err(|_| Error::invalid_request("n must be an integer >= 1 (the number of choices)"))?;
    if let Some((given, limit)) = chat_token_limit(&mut body)? {
        let name = match d.max_tokens_param {
            // The gpt-5 family refuses `max_tokens` with 400 `unsupported_parameter`.
            TokensParam::MaxCompletionTokens => "max_completion_tokens",
            TokensParam::MaxTokens => given,
        };
        let value = Value::from(with_floor(d, limit));
        match body.get_mut(name) {
            // The name the caller gave: its value is replaced in place.
            Some(slot) if name == given => *slot = value,
            _ => {
                body.remove(given);
                body.insert(name.to_string(), value);
            }
        }
    }
    if body_carries_model(d, Api::Chat) {
        body.insert("model".to_string(), Value::String(d.deployment.clone()));
    } else {
        body.remove("model");
    }
    set_stream(&mut body, stream, true);
    Ok(Value::Object(body))
}

/// Message content as text: a string, or the text parts of a content-part array (some
/// OpenAI-compatible servers answer with parts).
pub(super) fn content_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => {
            let texts: Vec<&str> = parts
                .iter()
                .filter_map(|p| match p {
                    Value::String(s) => Some(s.as_str()),
                    _ => p.get("text").and_then(Value::as_str),
                })
                .collect();
            (!texts.is_empty()).then(|| texts.concat())
        }
        _ => None,
    }
}

/// `message.tool_calls`, plus the legacy single `function_call`.
fn tool_calls(message: &Map<String, Value>) -> Vec<ToolCall> {
    let mut calls: Vec<ToolCall> = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|call| {
            let function = call.get("function")?;
            Some(ToolCall {
                id: call
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                name: function.get("name").and_then(Value::as_str)?.to_string(),
                arguments: arguments_text(function.get("arguments")),
            })
        })
        .collect();
    if let Some(function) = message.get("function_call").filter(|f| f.is_object()) {
        if let Some(name) = function.get("name").and_then(Value::as_str) {
            calls.push(ToolCall {
                id: String::new(),
                name: name.to_string(),
                arguments: arguments_text(function.get("arguments")),
            });
        }
    }
    calls
}

/// Parses a chat-completions answer into the normalized result (see [`parse_chat_body`]).
pub fn parse_chat(bytes: &[u8]) -> Result<ChatResult> {
    parse_chat_body(Bytes::copy_from_slice(bytes))
}

/// Parses a chat-completions answer into the normalized result.
///
/// Text is `choices[0].message.content` with an inline `<think>` block moved to
/// `reasoning`; reasoning is otherwise `reasoning_content` (DeepSeek, Kimi) or `reasoning`
/// (vLLM, Ollama). Prompt and choice filter verdicts, usage and the raw JSON are kept. An
/// empty `choices` is accepted only with usage (a filtered answer); no `choices` at all, or
/// a body that is not a JSON object, is an `InvalidResponse`.
///
/// A well-formed answer is read by a typed parse (`chat_typed`) and keeps its bytes as `raw`,
/// made a tree only when read; anything that parse cannot read exactly as the `Value` path
/// below would is read by that path.
pub fn parse_chat_body(body: Bytes) -> Result<ChatResult> {
    if let Some(mut result) = chat_typed::parse(&body) {
        result.raw = RawJson::from_bytes(body);
        return Ok(result);
    }
    parse_chat_tree(&body)
}

/// The `Value` path of [`parse_chat_body`].
pub(super) fn parse_chat_tree(bytes: &[u8]) -> Result<ChatResult> {
    let root = parse_answer(bytes, "chat completions")?;
    let choices = match root.get("choices") {
        Some(Value::Array(c)) => c.as_slice(),
        _ => return Err(missing_choices(&root)),
    };
    if choices.is_empty() && !root.get("usage").is_some_and(Value::is_object) {
        return Err(missing_choices(&root));
    }

    let mut report = ContentFilterReport::default();
    prompt_filter_results(
        root.get("prompt_filter_results").unwrap_or(&Value::Null),
        &mut report,
    );
    // api-versions before 2023-06 named it `prompt_annotations`.
    prompt_filter_results(
        root.get("prompt_annotations").unwrap_or(&Value::Null),
        &mut report,
    );
    for (position, choice) in choices.iter().enumerate() {
        let index =
            crate::normalize::index_or(choice.get("index").and_then(Value::as_u64), position);
        choice_filter_results(
            index,
            choice.get("content_filter_results").unwrap_or(&Value::Null),
            &mut report,
        );
    }
    finalize_report(&mut report);

    let mut result = ChatResult {
        id: str_field(&root, "id"),
        model: str_field(&root, "model"),
        api: Some(Api::Chat),
        usage: usage_from_chat(root.get("usage").unwrap_or(&Value::Null)),
        content_filter: report,
        ..ChatResult::default()
    };
    if let Some(choice) = choices.first() {
        let empty = Map::new();
        let message = choice
            .get("message")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let explicit_reasoning = ["reasoning_content", "reasoning"]
            .iter()
            .find_map(|k| message.get(*k).and_then(Value::as_str))
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let (inline_reasoning, text) = match content_text(message.get("content")) {
            // Most answers have no inline <think>: keep the string instead of copying it.
            Some(content) if !content.trim_start().starts_with("<think>") => (None, Some(content)),
            Some(content) => split_think(&content),
            None => (None, None),
        };
        result.text = text;
        result.reasoning = explicit_reasoning.or(inline_reasoning);
        result.tool_calls = tool_calls(message);
        result.finish_reason = choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .map(normalize_finish_reason);
    }
    result.raw = Value::Object(root).into();
    Ok(result)
}

fn missing_choices(root: &Map<String, Value>) -> Error {
    // Some gateways answer 200 with an error object.
    let detail = root
        .get("error")
        .and_then(|e| e.get("message").or(Some(e)))
        .map(|e| match e {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    let message = match detail {
        Some(d) => format!("the chat completions answer has no choices but an error: {d}"),
        None => "the chat completions answer has no `choices` (nor usage): not a chat.completion"
            .to_string(),
    };
    Error::new(ErrorKind::InvalidResponse, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Shape;
    use crate::wire::url::tests::deployment;
    use serde_json::json;

    fn request(params: Value) -> ChatRequest {
        ChatRequest {
            model: "m".into(),
            params: params.as_object().cloned().unwrap_or_default(),
            ..ChatRequest::default()
        }
    }

    fn hi() -> Value {
        json!([{"role": "user", "content": "Hi"}])
    }

    #[test]
    fn azure_body_has_no_model_and_v1_body_does() {
        let d = deployment(Shape::Azure, "https://r/", "gpt-5.4");
        let body =
            build_chat_body(&d, &request(json!({"messages": hi(), "model": "x"})), false).unwrap();
        assert_eq!(body, json!({"messages": hi()}));
        let d = deployment(Shape::V1, "https://r/", "gpt-5.4");
        let body = build_chat_body(&d, &request(json!({"messages": hi()})), false).unwrap();
        assert_eq!(body["model"], "gpt-5.4");
    }

    #[test]
    fn token_param_rename_and_floor() {
        let mut d = deployment(Shape::Azure, "https://r/", "gpt-5.4");
        d.max_tokens_param = TokensParam::MaxCompletionTokens;
        let body = build_chat_body(
            &d,
            &request(json!({"messages": hi(), "max_tokens": 50})),
            false,
        )
        .unwrap();
        assert_eq!(body.get("max_tokens"), None);
        assert_eq!(body["max_completion_tokens"], 50);

        let mut d = deployment(Shape::Azure, "https://r/", "Kimi-K2.6");
        d.min_max_tokens = Some(100);
        let body = build_chat_body(
            &d,
            &request(json!({"messages": hi(), "max_tokens": 20})),
            false,
        )
        .unwrap();
        assert_eq!(body["max_tokens"], 100);
        let body = build_chat_body(
            &d,
            &request(json!({"messages": hi(), "max_completion_tokens": 500})),
            false,
        )
        .unwrap();
        assert_eq!(body["max_completion_tokens"], 500);
        let body = build_chat_body(&d, &request(json!({"messages": hi()})), false).unwrap();
        assert_eq!(
            body.get("max_tokens"),
            None,
            "no limit given, none invented"
        );
    }

    #[test]
    fn extra_body_and_stream() {
        let d = deployment(Shape::Azure, "https://r/", "d");
        let body = build_chat_body(
            &d,
            &request(json!({"messages": hi(), "stream": false, "extra_body": {"top_k": 5}})),
            true,
        )
        .unwrap();
        assert_eq!(body["top_k"], 5);
        assert_eq!(body.get("extra_body"), None);
        assert_eq!(body["stream"], true);
        assert_eq!(body["stream_options"], json!({"include_usage": true}));
        let body = build_chat_body(
            &d,
            &request(json!({"messages": hi(), "stream": true})),
            false,
        )
        .unwrap();
        assert_eq!(body.get("stream"), None);
    }

    #[test]
    fn validation_errors_name_the_parameter() {
        let d = deployment(Shape::Azure, "https://r/", "d");
        let cases = [
            (json!({}), "messages is required"),
            (json!({"messages": []}), "messages is empty"),
            (json!({"messages": "hi"}), "messages must be a list"),
            (json!({"messages": ["hi"]}), "messages[0] must be an object"),
            (
                json!({"messages": [{"content": "x"}]}),
                "messages[0] has no string 'role'",
            ),
            (
                json!({"messages": hi(), "max_tokens": -5}),
                "max_tokens must be a positive integer",
            ),
            (
                json!({"messages": hi(), "max_tokens": 0}),
                "max_tokens must be a positive integer",
            ),
            (
                json!({"messages": hi(), "max_completion_tokens": "9"}),
                "max_completion_tokens must be a positive integer",
            ),
            (
                json!({"messages": hi(), "max_tokens": 9, "max_completion_tokens": 9}),
                "both set",
            ),
            (
                json!({"messages": hi(), "temperature": 3}),
                "temperature must be a number between 0 and 2",
            ),
            (
                json!({"messages": hi(), "n": 0}),
                "n must be an integer >= 1",
            ),
        ];
        for (params, expected) in cases {
            let err = build_chat_body(&d, &request(params.clone()), false).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{params}");
            assert!(err.message.contains(expected), "{params}: {}", err.message);
        }
    }

    #[test]
    fn parses_inline_think_and_reasoning_field() {
        let body = json!({"id": "x", "model": "qwen", "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nHello"}}]});
        let r = parse_chat(body.to_string().as_bytes()).unwrap();
        assert_eq!(r.text.as_deref(), Some("Hello"));
        assert_eq!(r.reasoning.as_deref(), Some("hmm"));
        let body = json!({"choices": [{"message": {"content": "ok", "reasoning": "via vllm"}}]});
        let r = parse_chat(body.to_string().as_bytes()).unwrap();
        assert_eq!(r.reasoning.as_deref(), Some("via vllm"));
        assert_eq!(r.finish_reason, None);
    }

    #[test]
    fn thinking_model_out_of_tokens() {
        let body = json!({"choices": [{"index": 0, "finish_reason": "length",
            "message": {"role": "assistant", "content": null, "reasoning_content": "I should"}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}});
        let r = parse_chat(body.to_string().as_bytes()).unwrap();
        assert_eq!(r.text, None);
        assert_eq!(r.reasoning.as_deref(), Some("I should"));
        assert!(crate::normalize::reasoning_exhausted(&r));
    }

    #[test]
    fn filtered_completion_and_empty_choices() {
        let body = json!({"choices": [{"index": 0, "finish_reason": "content_filter", "message": {"role": "assistant"},
            "content_filter_results": {"sexual": {"filtered": true, "severity": "high"}}}]});
        let r = parse_chat(body.to_string().as_bytes()).unwrap();
        assert_eq!(r.finish_reason.as_deref(), Some("content_filter"));
        assert_eq!(r.content_filter.categories, vec!["sexual"]);
        let body = json!({"choices": [], "usage": {"prompt_tokens": 3}});
        let r = parse_chat(body.to_string().as_bytes()).unwrap();
        assert_eq!((r.text, r.usage.input_tokens), (None, 3));
        let err = parse_chat(br#"{"choices": []}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        let err = parse_chat(br#"{"error": {"message": "upstream failed"}}"#).unwrap_err();
        assert!(err.message.contains("upstream failed"));
    }

    #[test]
    fn hostile_answers_never_panic() {
        let bodies: Vec<&[u8]> = vec![
            b"",
            b"{",
            b"[]",
            b"\"choices\"",
            br#"{"choices": null}"#,
            br#"{"choices": {"0": {}}}"#,
            br#"{"choices": [null]}"#,
            br#"{"choices": [1, "x", []]}"#,
            br#"{"choices": [{"message": null, "finish_reason": 7, "index": -1}]}"#,
            br#"{"choices": [{"message": {"content": 5, "tool_calls": [null, {"function": null}, {"function": {"name": 3}}]}}]}"#,
            br#"{"choices": [{"message": {"content": [1, {"text": null}], "tool_calls": {}}}], "usage": [1]}"#,
            br#"{"choices": [{"index": 99999999999999999999, "content_filter_results": [1]}], "prompt_filter_results": {"a": 1}}"#,
            br#"{"choices": [{"message": {"content": "<think>"}}], "usage": {"prompt_tokens": 1e999}}"#,
            br#"{"id": null, "model": {}, "choices": [{"message": {"function_call": "f"}}]}"#,
        ];
        for body in bodies {
            match parse_chat(body) {
                Ok(r) => assert_eq!(r.api, Some(Api::Chat)),
                Err(e) => assert_eq!(
                    e.kind(),
                    ErrorKind::InvalidResponse,
                    "{}",
                    String::from_utf8_lossy(body)
                ),
            }
        }
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            parse_chat(deep.as_bytes()).unwrap_err().kind(),
            ErrorKind::InvalidResponse
        );
    }
}
