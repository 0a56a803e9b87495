//! A chat-completions request rewritten for the Responses API, for deployments that serve
//! only `/responses` (gpt-5.1-codex answers chat with 400 `OperationNotSupported`).

use serde_json::{json, Map, Value};

use super::chat::content_text;
use super::params::{
    chat_token_limit, check_messages, kind_of, number_in, set_stream, with_extra_body, with_floor,
};
use crate::config::Deployment;
use crate::types::ChatRequest;
use crate::{Error, Result};

/// Chat parameters the Responses API has no equivalent for and rejects.
const CHAT_ONLY: &[&str] = &[
    "n",
    "logprobs",
    "top_logprobs",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "seed",
    "functions",
    "function_call",
    "audio",
    "modalities",
    "prediction",
    "web_search_options",
];

/// Parameters this module rewrites; everything else not in [`CHAT_ONLY`] passes unchanged
/// (`temperature`, `top_p`, `user`, `metadata`, `parallel_tool_calls`, `store`, and any
/// Responses-only field the caller sets such as `truncation` or `previous_response_id`).
const REWRITTEN: &[&str] = &[
    "messages",
    "max_tokens",
    "max_completion_tokens",
    "tools",
    "tool_choice",
    "response_format",
    "reasoning_effort",
    "verbosity",
    "stream",
    "stream_options",
    "model",
];

/// The Responses API's smallest accepted `max_output_tokens`.
const MIN_RESPONSES_OUTPUT_TOKENS: u64 = 16;

/// The Responses-API body equivalent to a chat-completions request.
///
/// System and developer messages become `instructions`; user and assistant messages input
/// messages (content parts renamed: `text` → `input_text` / `output_text`, `image_url` →
/// `input_image`, `file` → `input_file`); assistant `tool_calls` become `function_call` items
/// and `tool` messages `function_call_output` items. The output-token limit becomes
/// `max_output_tokens` (with the thinking floor), tools and `tool_choice` are flattened,
/// `response_format` becomes `text.format`, `reasoning_effort` `reasoning.effort`. Chat-only
/// parameters (`n`, `stop`, `logprobs`, penalties, ...) are refused, naming them.
pub fn chat_to_responses_body(d: &Deployment, req: &ChatRequest, stream: bool) -> Result<Value> {
    let mut chat = with_extra_body(&req.params)?;
    // `None` in the SDKs means "not given"; the Responses API refuses some explicit nulls.
    chat.retain(|_, v| !v.is_null());
    refuse_chat_only(d, &chat)?;
    number_in(&mut chat, "temperature", 0.0, 2.0)?;
    let limit = chat_token_limit(&mut chat)?;
    let (instructions, input) = convert_messages(check_messages(&chat)?)?;

    let mut body: Map<String, Value> = chat
        .iter()
        // Chat-only parameters left here have harmless values (`n: 1`); drop them too.
        .filter(|(k, _)| !REWRITTEN.contains(&k.as_str()) && !CHAT_ONLY.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    body.insert("model".to_string(), Value::String(d.deployment.clone()));
    body.insert("input".to_string(), Value::Array(input));
    let mut all_instructions: Vec<String> = body
        .get("instructions")
        .and_then(Value::as_str)
        .map(str::to_string)
        .into_iter()
        .collect();
    all_instructions.extend(instructions);
    if !all_instructions.is_empty() {
        body.insert(
            "instructions".to_string(),
            Value::String(all_instructions.join("\n\n")),
        );
    }
    if let Some((_, limit)) = limit {
        // The Responses API refuses max_output_tokens below 16 (integer_below_min_value),
        // which a chat caller's small max_tokens would otherwise hit through no fault of theirs.
        let limit = with_floor(d, limit).max(MIN_RESPONSES_OUTPUT_TOKENS);
        body.insert("max_output_tokens".to_string(), Value::from(limit));
    }
    if let Some(tools) = chat.get("tools") {
        body.insert("tools".to_string(), convert_tools(tools)?);
    }
    if let Some(choice) = chat.get("tool_choice") {
        body.insert("tool_choice".to_string(), convert_tool_choice(choice));
    }
    if let Some(format) = chat.get("response_format") {
        set_option(
            &mut body,
            "text",
            "format",
            convert_response_format(format)?,
        );
    }
    if let Some(verbosity) = chat.get("verbosity") {
        set_option(&mut body, "text", "verbosity", verbosity.clone());
    }
    if let Some(effort) = chat.get("reasoning_effort") {
        set_option(&mut body, "reasoning", "effort", effort.clone());
    }
    set_stream(&mut body, stream, false);
    Ok(Value::Object(body))
}

fn refuse_chat_only(d: &Deployment, chat: &Map<String, Value>) -> Result<()> {
    let refused: Vec<&str> = CHAT_ONLY
        .iter()
        .copied()
        .filter(|k| match (*k, chat.get(*k)) {
            (_, None) => false,
            // Values that ask for nothing beyond the default are harmless.
            ("n", Some(v)) => v.as_f64() != Some(1.0),
            ("logprobs", Some(v)) => v.as_bool() != Some(false),
            _ => true,
        })
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    Err(Error::invalid_request(format!(
        "{} not supported: deployment '{}' is responses-only, so this chat call is sent \
         through the Responses API, which rejects {}",
        refused.join(", "),
        d.name,
        if refused.len() == 1 { "it" } else { "them" },
    ))
    .with_hint(format!(
        "remove {} from the call, or route it to a deployment that serves /chat/completions",
        refused.join(", ")
    )))
}

/// Splits chat messages into `instructions` and Responses input items.
fn convert_messages(messages: &[Value]) -> Result<(Vec<String>, Vec<Value>)> {
    let mut instructions = Vec::new();
    let mut input = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str).unwrap_or_default();
        let content = m.get("content").filter(|c| !c.is_null());
        match role {
            "system" | "developer" => {
                if let Some(text) = content_text(content).filter(|t| !t.is_empty()) {
                    instructions.push(text);
                }
            }
            "user" => {
                let content = match content {
                    Some(Value::String(s)) => Value::String(s.clone()),
                    Some(Value::Array(parts)) => Value::Array(
                        parts
                            .iter()
                            .map(|p| convert_user_part(i, p))
                            .collect::<Result<_>>()?,
                    ),
                    other => {
                        return Err(Error::invalid_request(format!(
                        "messages[{i}].content must be a string or a list of content parts, got {}",
                        other.map_or_else(|| "nothing".to_string(), kind_of)
                    )))
                    }
                };
                input.push(json!({"role": "user", "content": content}));
            }
            "assistant" => {
                match content {
                    Some(Value::String(s)) if !s.is_empty() => {
                        input.push(json!({"role": "assistant", "content": s}));
                    }
                    Some(Value::Array(parts)) if !parts.is_empty() => {
                        let parts: Vec<Value> = parts.iter().map(convert_assistant_part).collect();
                        input.push(json!({"role": "assistant", "content": parts}));
                    }
                    _ => {}
                }
                for (j, call) in m
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    input.push(convert_tool_call(i, j, call)?);
                }
            }
            "tool" => {
                let call_id = m.get("tool_call_id").and_then(Value::as_str).ok_or_else(|| {
                    Error::invalid_request(format!(
                        "messages[{i}] (role tool) needs a string tool_call_id naming the assistant's tool call"
                    ))
                })?;
                input.push(json!({
                    "type": "function_call_output",
                    "call_id": call_id,
                    "output": content_text(content).unwrap_or_default(),
                }));
            }
            other => {
                return Err(Error::invalid_request(format!(
                "messages[{i}] has role '{other}', which the Responses API has no equivalent for: \
                     use system, developer, user, assistant or tool"
            )))
            }
        }
    }
    Ok((instructions, input))
}

fn convert_tool_call(i: usize, j: usize, call: &Value) -> Result<Value> {
    let function = call.get("function");
    let name = function.and_then(|f| f.get("name")).and_then(Value::as_str);
    let id = call.get("id").and_then(Value::as_str);
    let (Some(name), Some(id)) = (name, id) else {
        return Err(Error::invalid_request(format!(
            "messages[{i}].tool_calls[{j}] needs an id and function.name"
        )));
    };
    let arguments = match function.and_then(|f| f.get("arguments")) {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => "{}".to_string(),
        Some(other) => other.to_string(),
    };
    Ok(json!({"type": "function_call", "call_id": id, "name": name, "arguments": arguments}))
}

fn convert_user_part(i: usize, part: &Value) -> Result<Value> {
    if let Value::String(s) = part {
        return Ok(json!({"type": "input_text", "text": s}));
    }
    match part.get("type").and_then(Value::as_str) {
        Some("text") => {
            Ok(json!({"type": "input_text", "text": part.get("text").cloned().unwrap_or_default()}))
        }
        Some("image_url") => {
            let image = part.get("image_url");
            let url = image
                .and_then(|u| u.as_str().or_else(|| u.get("url").and_then(Value::as_str)))
                .ok_or_else(|| {
                    Error::invalid_request(format!(
                        "messages[{i}]: an image_url part needs image_url.url"
                    ))
                })?;
            // `detail` is required by the Responses API; chat defaults it to auto.
            let detail = image
                .and_then(|u| u.get("detail"))
                .and_then(Value::as_str)
                .unwrap_or("auto");
            Ok(json!({"type": "input_image", "image_url": url, "detail": detail}))
        }
        Some("file") => {
            let mut out = part
                .get("file")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            out.insert("type".to_string(), json!("input_file"));
            Ok(Value::Object(out))
        }
        // Already Responses-shaped (input_text, input_image, input_file) or new: as is.
        _ => Ok(part.clone()),
    }
}

fn convert_assistant_part(part: &Value) -> Value {
    match part {
        Value::String(s) => json!({"type": "output_text", "text": s}),
        _ if part.get("type").and_then(Value::as_str) == Some("text") => {
            json!({"type": "output_text", "text": part.get("text").cloned().unwrap_or_default()})
        }
        _ => part.clone(),
    }
}

fn convert_tools(tools: &Value) -> Result<Value> {
    let Value::Array(tools) = tools else {
        return Err(Error::invalid_request(format!(
            "tools must be a list of tool definitions, got {}",
            kind_of(tools)
        )));
    };
    let converted = tools
        .iter()
        .enumerate()
        .map(|(i, tool)| {
            let is_chat_function = tool.get("type").and_then(Value::as_str) == Some("function")
                && tool.get("function").is_some();
            if !is_chat_function {
                return Ok(tool.clone());
            }
            let function = tool.get("function").unwrap_or(&Value::Null);
            let name = function
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Error::invalid_request(format!("tools[{i}].function.name is required"))
                })?;
            let mut out = Map::new();
            out.insert("type".to_string(), json!("function"));
            out.insert("name".to_string(), json!(name));
            if let Some(description) = function.get("description").filter(|v| !v.is_null()) {
                out.insert("description".to_string(), description.clone());
            }
            let parameters = function
                .get("parameters")
                .filter(|v| !v.is_null())
                .cloned()
                .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
            out.insert("parameters".to_string(), parameters);
            // The Responses API defaults `strict` to true, chat to false: keep chat's meaning.
            let strict = function
                .get("strict")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            out.insert("strict".to_string(), json!(strict));
            Ok(Value::Object(out))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::Array(converted))
}

fn convert_tool_choice(choice: &Value) -> Value {
    let named = choice
        .get("function")
        .and_then(|f| f.get("name"))
        .and_then(Value::as_str);
    match (choice.get("type").and_then(Value::as_str), named) {
        (Some("function"), Some(name)) => json!({"type": "function", "name": name}),
        _ => choice.clone(),
    }
}

fn convert_response_format(format: &Value) -> Result<Value> {
    match format.get("type").and_then(Value::as_str) {
        Some("text") => Ok(json!({"type": "text"})),
        Some("json_object") => Ok(json!({"type": "json_object"})),
        Some("json_schema") => {
            let spec = format
                .get("json_schema")
                .and_then(Value::as_object)
                .ok_or_else(|| {
                    Error::invalid_request(
                        "response_format json_schema needs a json_schema object {name, schema}",
                    )
                })?;
            let mut out = Map::new();
            out.insert("type".to_string(), json!("json_schema"));
            for key in ["name", "schema", "strict", "description"] {
                if let Some(v) = spec.get(key).filter(|v| !v.is_null()) {
                    out.insert(key.to_string(), v.clone());
                }
            }
            Ok(Value::Object(out))
        }
        _ => Err(Error::invalid_request(
            "response_format.type must be text, json_object or json_schema",
        )),
    }
}

/// Sets `key` in the body's options object `object` (`text`, `reasoning`), creating it if
/// absent and keeping what the caller already put there.
fn set_option(body: &mut Map<String, Value>, object: &str, key: &str, value: Value) {
    let mut options = match body.remove(object) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    options.insert(key.to_string(), value);
    body.insert(object.to_string(), Value::Object(options));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Shape;
    use crate::wire::url::tests::deployment;
    use crate::ErrorKind;

    fn request(params: Value) -> ChatRequest {
        ChatRequest {
            model: "gpt-5.1-codex".into(),
            params: params.as_object().cloned().unwrap_or_default(),
            ..ChatRequest::default()
        }
    }

    fn codex() -> Deployment {
        let mut d = deployment(Shape::Azure, "https://r.openai.azure.com/", "gpt-5.1-codex");
        d.responses_only = true;
        d
    }

    #[test]
    fn full_conversation_round_trip() {
        let chat = json!({
            "messages": [
                {"role": "system", "content": "Be terse."},
                {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
                {"role": "user", "content": [
                    {"type": "text", "text": "Weather in Paris?"},
                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
                ]},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
                {"role": "assistant", "content": "It is 18C."},
                {"role": "user", "content": "Thanks"}
            ],
            "tools": [{"type": "function", "function": {"name": "weather", "description": "Weather by city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": true}},
                {"type": "function", "function": {"name": "noop"}}],
            "tool_choice": {"type": "function", "function": {"name": "weather"}},
            "response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": {"type": "object"}, "strict": true}},
            "max_tokens": 300,
            "temperature": 0.2,
            "reasoning_effort": "low",
            "user": "u1",
            "metadata": {"team": "a"},
            "parallel_tool_calls": false,
            "store": false,
            "stop": null,
            "n": 1
        });
        let body = chat_to_responses_body(&codex(), &request(chat), true).unwrap();
        assert_eq!(
            body,
            json!({
                "model": "gpt-5.1-codex",
                "instructions": "Be terse.\n\nUse tools.",
                "input": [
                    {"role": "user", "content": [
                        {"type": "input_text", "text": "Weather in Paris?"},
                        {"type": "input_image", "image_url": "https://x/y.png", "detail": "auto"}
                    ]},
                    {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": "{\"city\":\"Paris\"}"},
                    {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
                    {"role": "assistant", "content": "It is 18C."},
                    {"role": "user", "content": "Thanks"}
                ],
                "tools": [
                    {"type": "function", "name": "weather", "description": "Weather by city",
                     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": true},
                    {"type": "function", "name": "noop", "parameters": {"type": "object", "properties": {}}, "strict": false}
                ],
                "tool_choice": {"type": "function", "name": "weather"},
                "text": {"format": {"type": "json_schema", "name": "w", "schema": {"type": "object"}, "strict": true}},
                "max_output_tokens": 300,
                "temperature": 0.2,
                "reasoning": {"effort": "low"},
                "user": "u1",
                "metadata": {"team": "a"},
                "parallel_tool_calls": false,
                "store": false,
                "stream": true
            })
        );
    }

    #[test]
    fn small_mappings() {
        let mut d = codex();
        d.min_max_tokens = Some(128);
        let body = chat_to_responses_body(
            &d,
            &request(json!({
                "messages": [{"role": "user", "content": "x"}],
                "max_completion_tokens": 16,
                "response_format": {"type": "json_object"},
                "verbosity": "low",
                "tool_choice": "required",
                "stream_options": {"include_usage": true},
                "instructions": "First.",
                "extra_body": {"truncation": "auto"}
            })),
            false,
        )
        .unwrap();
        assert_eq!(body["max_output_tokens"], 128);
        assert_eq!(
            body["text"],
            json!({"format": {"type": "json_object"}, "verbosity": "low"})
        );
        assert_eq!(body["tool_choice"], "required");
        assert_eq!(body["truncation"], "auto");
        assert_eq!(body["instructions"], "First.");
        assert!(body.get("stream").is_none() && body.get("stream_options").is_none());
        assert!(body.get("messages").is_none() && body.get("max_completion_tokens").is_none());
    }

    #[test]
    fn chat_only_parameters_are_refused_by_name() {
        let err = chat_to_responses_body(
            &codex(),
            &request(
                json!({"messages": [{"role": "user", "content": "x"}], "stop": ["\n"], "n": 2,
                "presence_penalty": 0.5, "logprobs": false}),
            ),
            false,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(
            err.message
                .starts_with("n, stop, presence_penalty not supported"),
            "{}",
            err.message
        );
        assert!(err.message.contains("'gpt-5.1-codex' is responses-only"));
        assert!(err.hint.contains("remove n, stop, presence_penalty"));
    }

    #[test]
    fn malformed_messages_are_refused() {
        for (messages, expected) in [
            (
                json!([{"role": "tool", "content": "x"}]),
                "needs a string tool_call_id",
            ),
            (
                json!([{"role": "function", "name": "f", "content": "x"}]),
                "role 'function'",
            ),
            (
                json!([{"role": "user"}]),
                "messages[0].content must be a string",
            ),
            (
                json!([{"role": "assistant", "tool_calls": [{"type": "function"}]}]),
                "tool_calls[0] needs an id",
            ),
            (
                json!([{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]),
                "image_url.url",
            ),
            (json!([]), "messages is empty"),
        ] {
            let err =
                chat_to_responses_body(&codex(), &request(json!({"messages": messages})), false)
                    .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest);
            assert!(err.message.contains(expected), "{}", err.message);
        }
        let err = chat_to_responses_body(
            &codex(),
            &request(json!({"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "yaml"}})),
            false,
        )
        .unwrap_err();
        assert!(err.message.contains("response_format.type"));
        let err = chat_to_responses_body(
            &codex(),
            &request(json!({"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {}}]})),
            false,
        )
        .unwrap_err();
        assert!(err.message.contains("tools[0].function.name is required"));
    }

    #[test]
    fn file_and_assistant_parts() {
        let body = chat_to_responses_body(
            &codex(),
            &request(json!({"messages": [
                {"role": "user", "content": [{"type": "file", "file": {"file_id": "file-1"}}, "bare"]},
                {"role": "assistant", "content": [{"type": "text", "text": "ok"}, {"type": "refusal", "refusal": "no"}]}
            ]})),
            false,
        )
        .unwrap();
        assert_eq!(
            body["input"],
            json!([
                {"role": "user", "content": [{"type": "input_file", "file_id": "file-1"}, {"type": "input_text", "text": "bare"}]},
                {"role": "assistant", "content": [{"type": "output_text", "text": "ok"}, {"type": "refusal", "refusal": "no"}]}
            ])
        );
    }
}
