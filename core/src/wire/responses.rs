//! The Responses API: the request body for `/responses` and the parsed answer.

use serde_json::{Map, Value};

use super::params::{positive_int, set_stream, with_extra_body, with_floor};
use super::{arguments_text, parse_answer, str_field};
use crate::config::Deployment;
use crate::normalize::{
    finalize_report, normalize_finish_reason, responses_content_filters, usage_from_responses,
};
use crate::types::{Api, ChatResult, ContentFilterReport, ResponsesRequest, ToolCall};
use crate::{Error, ErrorKind, Result};

/// The JSON body of a Responses-API call to `d`: `input` must be a string or an array of
/// input items, `max_output_tokens` a positive integer (raised to the thinking floor);
/// `extra_body` is merged and `model` names the deployment.
pub fn build_responses_body(d: &Deployment, req: &ResponsesRequest, stream: bool) -> Result<Value> {
    let mut body = with_extra_body(&req.params)?;
    match body.get("input") {
        Some(Value::String(_)) | Some(Value::Array(_)) => {}
        None | Some(Value::Null) => {
            return Err(Error::invalid_request(
                "input is required: pass a string or a list of input items, e.g. \"Hi\"",
            ))
        }
        Some(_) => {
            return Err(Error::invalid_request(
                "input must be a string or a list of input items",
            ))
        }
    }
    if let Some(limit) = positive_int(&mut body, "max_output_tokens")? {
        body.insert(
            "max_output_tokens".to_string(),
            Value::from(with_floor(d, limit)),
        );
    }
    body.insert("model".to_string(), Value::String(d.deployment.clone()));
    // The Responses API always reports usage in `response.completed`; it has no
    // `include_usage` option.
    set_stream(&mut body, stream, false);
    Ok(Value::Object(body))
}

/// What the output items say, gathered in one pass.
#[derive(Default)]
struct Output {
    text: Vec<String>,
    reasoning: Vec<String>,
    tool_calls: Vec<ToolCall>,
}

fn texts_of_type<'a>(
    parts: Option<&'a Value>,
    kind: &'static str,
) -> impl Iterator<Item = String> + 'a {
    parts
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(move |p| p.get("type").and_then(Value::as_str) == Some(kind))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn read_output(items: &[Value]) -> Output {
    let mut out = Output::default();
    for item in items {
        match item.get("type").and_then(Value::as_str) {
            Some("message") => out
                .text
                .extend(texts_of_type(item.get("content"), "output_text")),
            Some("reasoning") => {
                // Summaries are what OpenAI and Azure expose; open models served through the
                // Responses API put the raw chain in `content` as `reasoning_text`.
                out.reasoning
                    .extend(texts_of_type(item.get("summary"), "summary_text"));
                out.reasoning
                    .extend(texts_of_type(item.get("content"), "reasoning_text"));
            }
            Some("function_call") => {
                let Some(name) = item.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let id = ["call_id", "id"]
                    .iter()
                    .find_map(|k| item.get(*k).and_then(Value::as_str))
                    .unwrap_or_default();
                out.tool_calls.push(ToolCall {
                    id: id.to_string(),
                    name: name.to_string(),
                    arguments: arguments_text(item.get("arguments")),
                });
            }
            _ => {}
        }
    }
    out
}

/// A 200 whose response `status` is `failed` carries the failure in `error`.
fn failed_response(root: &Map<String, Value>) -> Error {
    let error = root.get("error");
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("the response failed without an error message");
    let kind = match code.as_deref() {
        Some("rate_limit_exceeded") => ErrorKind::RateLimit,
        Some("invalid_prompt") => ErrorKind::BadRequest,
        _ => ErrorKind::Server,
    };
    Error::new(kind, format!("the response failed: {message}"))
        .with_status(200)
        .with_code(code)
}

/// Parses a Responses-API answer into the normalized result: `output_text` parts as text,
/// reasoning summaries (joined by blank lines) as reasoning, `function_call` items as tool
/// calls; the finish reason is `incomplete_details.reason` in chat terms for an incomplete
/// response, else `tool_calls` or `stop`. Azure's `content_filters` array, usage and the
/// raw JSON are kept. A response with `status: "failed"` is returned as its error.
pub fn parse_responses(bytes: &[u8]) -> Result<ChatResult> {
    let root = parse_answer(bytes, "Responses API")?;
    let status = root.get("status").and_then(Value::as_str);
    if status == Some("failed") {
        return Err(failed_response(&root));
    }
    let Some(items) = root.get("output").and_then(Value::as_array) else {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            "the Responses API answer has no `output` array: not a response object",
        ));
    };
    let out = read_output(items);
    let finish_reason = match status {
        Some("incomplete") => Some(
            root.get("incomplete_details")
                .and_then(|d| d.get("reason"))
                .and_then(Value::as_str)
                .map_or_else(|| "length".to_string(), normalize_finish_reason),
        ),
        Some("completed") if !out.tool_calls.is_empty() => Some("tool_calls".to_string()),
        Some("completed") => Some("stop".to_string()),
        Some("cancelled") => Some("cancelled".to_string()),
        _ => None,
    };
    let mut report = ContentFilterReport::default();
    responses_content_filters(
        root.get("content_filters").unwrap_or(&Value::Null),
        &mut report,
    );
    finalize_report(&mut report);

    let text = if out.text.is_empty() {
        // The SDKs' convenience field, present when a proxy already flattened the output.
        root.get("output_text")
            .and_then(Value::as_str)
            .map(str::to_string)
    } else {
        Some(out.text.concat())
    };
    Ok(ChatResult {
        id: str_field(&root, "id"),
        model: str_field(&root, "model"),
        api: Some(Api::Responses),
        text,
        reasoning: (!out.reasoning.is_empty()).then(|| out.reasoning.join("\n\n")),
        tool_calls: out.tool_calls,
        finish_reason,
        usage: usage_from_responses(root.get("usage").unwrap_or(&Value::Null)),
        content_filter: report,
        raw: Value::Object(root).into(),
        ..ChatResult::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Shape;
    use crate::wire::url::tests::deployment;
    use serde_json::json;

    fn request(params: Value) -> ResponsesRequest {
        ResponsesRequest {
            model: "m".into(),
            params: params.as_object().cloned().unwrap_or_default(),
            ..ResponsesRequest::default()
        }
    }

    #[test]
    fn body_validates_input_and_limit() {
        let mut d = deployment(Shape::Azure, "https://r/", "gpt-5.1-codex");
        d.min_max_tokens = Some(64);
        let body = build_responses_body(
            &d,
            &request(json!({"input": "Hi", "max_output_tokens": 16, "extra_body": {"truncation": "auto"}})),
            true,
        )
        .unwrap();
        assert_eq!(
            body,
            json!({"input": "Hi", "max_output_tokens": 64, "truncation": "auto", "model": "gpt-5.1-codex", "stream": true})
        );
        for (params, expected) in [
            (json!({}), "input is required"),
            (json!({"input": 3}), "input must be a string or a list"),
            (
                json!({"input": "x", "max_output_tokens": -1}),
                "max_output_tokens must be a positive integer",
            ),
        ] {
            let err = build_responses_body(&d, &request(params), false).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest);
            assert!(err.message.contains(expected), "{}", err.message);
        }
    }

    #[test]
    fn parses_reasoning_content_and_incomplete_filter() {
        let body = json!({"id": "r", "status": "incomplete", "incomplete_details": {"reason": "content_filter"},
            "output": [{"type": "reasoning", "summary": [], "content": [{"type": "reasoning_text", "text": "think"}]},
                       {"type": "message", "content": [{"type": "output_text", "text": "a"}, {"type": "refusal", "refusal": "no"}, {"type": "output_text", "text": "b"}]}]});
        let r = parse_responses(body.to_string().as_bytes()).unwrap();
        assert_eq!(r.text.as_deref(), Some("ab"));
        assert_eq!(r.reasoning.as_deref(), Some("think"));
        assert_eq!(r.finish_reason.as_deref(), Some("content_filter"));
    }

    #[test]
    fn failed_response_becomes_its_error() {
        let body = json!({"status": "failed", "output": [], "error": {"code": "server_error", "message": "boom"}});
        let err = parse_responses(body.to_string().as_bytes()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Server);
        assert!(err.message.contains("boom"));
        assert_eq!(err.code.as_deref(), Some("server_error"));
    }

    #[test]
    fn hostile_answers_never_panic() {
        let bodies: Vec<&[u8]> = vec![
            b"",
            b"{\"output\": [",
            b"null",
            br#"{"output": null}"#,
            br#"{"output": {}}"#,
            br#"{"output": [null, 1, "x", {"type": 5}, {"type": "message", "content": "str"}]}"#,
            br#"{"output": [{"type": "message", "content": [null, {"type": "output_text", "text": 1}]}]}"#,
            br#"{"output": [{"type": "reasoning", "summary": {"a": 1}}, {"type": "function_call", "name": null}]}"#,
            br#"{"output": [{"type": "function_call", "name": "f", "arguments": {"a": 1}}], "status": "completed"}"#,
            br#"{"output": [], "status": "incomplete", "incomplete_details": null, "usage": "x", "content_filters": {}}"#,
            br#"{"status": "failed", "error": null}"#,
            br#"{"output": [], "usage": {"input_tokens": -1, "output_tokens": 18446744073709551615}}"#,
        ];
        for body in bodies {
            match parse_responses(body) {
                Ok(r) => assert_eq!(r.api, Some(Api::Responses)),
                Err(e) => assert!(
                    matches!(e.kind(), ErrorKind::InvalidResponse | ErrorKind::Server),
                    "{}",
                    String::from_utf8_lossy(body)
                ),
            }
        }
        let r = parse_responses(br#"{"output": [{"type": "function_call", "name": "f", "arguments": {"a": 1}}], "status": "completed"}"#).unwrap();
        assert_eq!(r.tool_calls[0].arguments, r#"{"a":1}"#);
        assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));
        let r = parse_responses(br#"{"output": [], "status": "incomplete"}"#).unwrap();
        assert_eq!(r.finish_reason.as_deref(), Some("length"));
    }
}
