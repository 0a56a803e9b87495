//! Requests as UniFFI records with Kotlin default arguments. The common OpenAI parameters are
//! typed; anything else goes in `params_json` (a JSON object merged last, so it wins), which
//! keeps every parameter the service accepts reachable without a new release.

use std::collections::HashMap;

use foundry_client as core;
use serde_json::{json, Map, Value};

use crate::errors::{invalid_request, FoundryError};
use foundry_client::ToolCall;

/// One chat message. Richer content (image parts, ...) goes in the request's `params_json`
/// as `messages`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    #[uniffi(default)]
    pub content: Option<String>,
    #[uniffi(default)]
    pub name: Option<String>,
    /// For `tool` messages: the call being answered.
    #[uniffi(default)]
    pub tool_call_id: Option<String>,
    /// For `assistant` messages that called tools.
    #[uniffi(default)]
    pub tool_calls: Vec<ToolCall>,
}

impl ChatMessage {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("role".into(), json!(self.role));
        m.insert("content".into(), json!(self.content));
        if let Some(name) = &self.name {
            m.insert("name".into(), json!(name));
        }
        if let Some(id) = &self.tool_call_id {
            m.insert("tool_call_id".into(), json!(id));
        }
        if !self.tool_calls.is_empty() {
            let calls: Vec<Value> = self.tool_calls.iter().map(ToolCall::to_wire).collect();
            m.insert("tool_calls".into(), Value::Array(calls));
        }
        Value::Object(m)
    }
}

/// A call's class in the client's local rate-limit queues (the request's `priority`, never
/// sent): high goes first, yet a low call that waited long is not starved. The core reads it
/// (and refuses any other value, e.g. one given in `params_json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Priority {
    High,
    Normal,
    Low,
}

impl Priority {
    /// The request field's value, as the core reads it.
    fn to_json(self) -> Value {
        json!(match self {
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        })
    }
}

/// A chat-completions call. `model` is a deployment name or a route alias.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ChatRequest {
    pub model: String,
    #[uniffi(default)]
    pub messages: Vec<ChatMessage>,
    /// Output-token limit (sent as `max_completion_tokens` where the deployment needs it).
    #[uniffi(default)]
    pub max_tokens: Option<i64>,
    #[uniffi(default)]
    pub temperature: Option<f64>,
    #[uniffi(default)]
    pub top_p: Option<f64>,
    #[uniffi(default)]
    pub stop: Vec<String>,
    /// Any other OpenAI parameters as a JSON object (`tools`, `response_format`,
    /// `extra_body`, ...); merged last, so its keys win over the typed fields.
    #[uniffi(default)]
    pub params_json: Option<String>,
    /// Extra HTTP headers for this call. Never logged.
    #[uniffi(default)]
    pub extra_headers: HashMap<String, String>,
    /// Deadline for this call in seconds, overriding the catalog's.
    #[uniffi(default)]
    pub timeout_secs: Option<f64>,
    /// Seconds a streamed answer may take in all (body included), when longer than the
    /// call's deadline should allow.
    #[uniffi(default)]
    pub stream_timeout_secs: Option<f64>,
    /// The call's place in the local rate-limit queues (null: normal). Never sent.
    #[uniffi(default)]
    pub priority: Option<Priority>,
}

/// A Responses-API call.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ResponsesRequest {
    pub model: String,
    /// The input text (an item list goes in `params_json` as `input`).
    #[uniffi(default)]
    pub input: Option<String>,
    #[uniffi(default)]
    pub instructions: Option<String>,
    #[uniffi(default)]
    pub max_output_tokens: Option<i64>,
    #[uniffi(default)]
    pub temperature: Option<f64>,
    #[uniffi(default)]
    pub params_json: Option<String>,
    #[uniffi(default)]
    pub extra_headers: HashMap<String, String>,
    #[uniffi(default)]
    pub timeout_secs: Option<f64>,
    #[uniffi(default)]
    pub stream_timeout_secs: Option<f64>,
    /// The call's place in the local rate-limit queues (null: normal). Never sent.
    #[uniffi(default)]
    pub priority: Option<Priority>,
}

/// An embeddings call.
#[derive(Debug, Clone, uniffi::Record)]
pub struct EmbeddingsRequest {
    pub model: String,
    /// The texts to embed (token-id arrays go in `params_json` as `input`).
    #[uniffi(default)]
    pub input: Vec<String>,
    #[uniffi(default)]
    pub dimensions: Option<i64>,
    #[uniffi(default)]
    pub params_json: Option<String>,
    #[uniffi(default)]
    pub extra_headers: HashMap<String, String>,
    #[uniffi(default)]
    pub timeout_secs: Option<f64>,
}

/// Typed fields first, then `params_json` on top.
fn params(
    typed: impl IntoIterator<Item = (&'static str, Option<Value>)>,
    params_json: &Option<String>,
) -> Result<Map<String, Value>, FoundryError> {
    let mut map: Map<String, Value> = typed
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect();
    if let Some(text) = params_json {
        match serde_json::from_str(text) {
            Ok(Value::Object(extra)) => map.extend(extra),
            Ok(_) => return Err(invalid_request("`paramsJson` must be a JSON object")),
            Err(e) => return Err(invalid_request(format!("`paramsJson` is not JSON: {e}"))),
        }
    }
    Ok(map)
}

/// A float parameter as JSON. `Value::from(f64::NAN)` is `null`, which would silently drop
/// the parameter: a NaN or infinite value is refused instead, naming the Kotlin argument.
/// Counts (`Long`) need no check here: JSON holds every `Long`, and the core and the service
/// judge their range (`max_tokens` must be positive).
fn finite(name: &str, value: Option<f64>) -> Result<Option<Value>, FoundryError> {
    match value {
        Some(v) if !v.is_finite() => Err(invalid_request(format!(
            "{name} must be a finite number, got {v}"
        ))),
        v => Ok(v.map(Value::from)),
    }
}

fn headers(h: &HashMap<String, String>) -> Map<String, Value> {
    h.iter().map(|(k, v)| (k.clone(), json!(v))).collect()
}

impl ChatRequest {
    pub(crate) fn to_core(&self) -> Result<core::ChatRequest, FoundryError> {
        let messages = (!self.messages.is_empty())
            .then(|| Value::Array(self.messages.iter().map(ChatMessage::to_json).collect()));
        let typed = [
            ("messages", messages),
            ("max_tokens", self.max_tokens.map(Value::from)),
            ("temperature", finite("temperature", self.temperature)?),
            ("top_p", finite("topP", self.top_p)?),
            ("stop", (!self.stop.is_empty()).then(|| json!(self.stop))),
            ("priority", self.priority.map(Priority::to_json)),
        ];
        Ok(core::ChatRequest {
            model: self.model.clone(),
            params: params(typed, &self.params_json)?,
            extra_headers: headers(&self.extra_headers),
            timeout: self.timeout_secs,
            stream_timeout: self.stream_timeout_secs,
        })
    }
}

impl ResponsesRequest {
    pub(crate) fn to_core(&self) -> Result<core::ResponsesRequest, FoundryError> {
        let typed = [
            ("input", self.input.clone().map(Value::from)),
            ("instructions", self.instructions.clone().map(Value::from)),
            ("max_output_tokens", self.max_output_tokens.map(Value::from)),
            ("temperature", finite("temperature", self.temperature)?),
            ("priority", self.priority.map(Priority::to_json)),
        ];
        Ok(core::ResponsesRequest {
            model: self.model.clone(),
            params: params(typed, &self.params_json)?,
            extra_headers: headers(&self.extra_headers),
            timeout: self.timeout_secs,
            stream_timeout: self.stream_timeout_secs,
        })
    }
}

impl EmbeddingsRequest {
    pub(crate) fn to_core(&self) -> Result<core::EmbeddingsRequest, FoundryError> {
        let input = match self.input.as_slice() {
            [] => None,
            [one] => Some(json!(one)),
            many => Some(json!(many)),
        };
        let typed = [
            ("input", input),
            ("dimensions", self.dimensions.map(Value::from)),
        ];
        Ok(core::EmbeddingsRequest {
            model: self.model.clone(),
            params: params(typed, &self.params_json)?,
            extra_headers: headers(&self.extra_headers),
            timeout: self.timeout_secs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(params_json: Option<&str>) -> ChatRequest {
        ChatRequest {
            model: "gpt-5.4".into(),
            messages: vec![ChatMessage {
                role: "user".into(),
                content: Some("Hi".into()),
                name: None,
                tool_call_id: None,
                tool_calls: vec![],
            }],
            max_tokens: Some(50),
            temperature: None,
            top_p: None,
            stop: vec![],
            params_json: params_json.map(str::to_string),
            extra_headers: HashMap::from([("x-id".to_string(), "1".to_string())]),
            timeout_secs: Some(5.0),
            stream_timeout_secs: None,
            priority: None,
        }
    }

    #[test]
    fn typed_fields_then_params_json_on_top() {
        let r = chat(Some(r#"{"max_tokens": 9, "tools": []}"#))
            .to_core()
            .unwrap();
        assert_eq!(r.params["messages"][0]["content"], "Hi");
        assert_eq!(r.params["max_tokens"], 9);
        assert!(r.params.contains_key("tools"));
        assert!(!r.params.contains_key("temperature"));
        assert_eq!(r.extra_headers["x-id"], "1");
        assert_eq!(r.timeout, Some(5.0));
        assert!(!r.params.contains_key("priority"));
    }

    #[test]
    fn priority_is_the_field_the_core_reads() {
        let mut r = chat(None);
        r.priority = Some(Priority::Low);
        assert_eq!(r.to_core().unwrap().params["priority"], "low");
    }

    #[test]
    fn malformed_params_json_is_an_invalid_request() {
        for bad in ["[1]", "{nope"] {
            let info = chat(Some(bad)).to_core().unwrap_err().details();
            assert_eq!(info.kind_name, "invalid_request");
            assert!(info.message.contains("paramsJson"));
        }
    }

    #[test]
    fn a_float_that_is_not_finite_is_refused_not_sent_as_null() {
        for bad in [f64::NAN, f64::INFINITY] {
            let mut r = chat(None);
            r.top_p = Some(bad);
            let info = r.to_core().unwrap_err().details();
            assert_eq!(info.kind_name, "invalid_request");
            assert_eq!(
                info.message,
                format!("topP must be a finite number, got {bad}")
            );
        }
    }

    #[test]
    fn an_assistant_message_sends_its_tool_calls_in_the_wire_form() {
        let mut r = chat(None);
        r.messages.push(ChatMessage {
            role: "assistant".into(),
            content: None,
            name: None,
            tool_call_id: None,
            tool_calls: vec![ToolCall {
                id: "call_1".into(),
                name: "weather".into(),
                arguments: "{}".into(),
            }],
        });
        let sent = &r.to_core().unwrap().params["messages"][1]["tool_calls"][0];
        assert_eq!(sent["type"], "function");
        assert_eq!(sent["function"]["name"], "weather");
        assert_eq!(sent["id"], "call_1");
    }

    #[test]
    fn one_embedding_input_is_sent_as_a_string() {
        let r = EmbeddingsRequest {
            model: "e".into(),
            input: vec!["a".into()],
            dimensions: None,
            params_json: None,
            extra_headers: HashMap::new(),
            timeout_secs: None,
        };
        assert_eq!(r.to_core().unwrap().params["input"], "a");
    }
}
