//! The requests callers build and the one normalized result shape every API answers with.
//!
//! Requests keep the OpenAI SDKs' parameter names as a JSON map, so that every binding
//! passes its native dict / object through unchanged and unknown parameters reach the
//! service (`extra_body` is merged in).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::raw_json::RawJson;

/// Which service API produced (or will carry) a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Api {
    Chat,
    Responses,
    Embeddings,
    Info,
}

impl Api {
    pub fn as_str(self) -> &'static str {
        match self {
            Api::Chat => "chat",
            Api::Responses => "responses",
            Api::Embeddings => "embeddings",
            Api::Info => "info",
        }
    }
}

/// A chat-completions call in the OpenAI SDK's terms: `model` is a deployment or a route
/// alias, `params` holds everything else (`messages`, `max_tokens`, `tools`, ...).
/// `Debug` names the `extra_headers` but never shows their values.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct ChatRequest {
    pub model: String,
    #[serde(flatten)]
    pub params: Map<String, Value>,
    /// Extra HTTP headers for this call (correlation ids, ...). Never logged.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra_headers: Map<String, Value>,
    /// Per-call deadline in seconds, overriding the catalog's default. For a stream it also
    /// bounds the whole body, unless `stream_timeout` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    /// Seconds a streamed answer may take in all, body included, counted from the call's
    /// start: for answers that stream longer than `timeout` allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_timeout: Option<f64>,
}

/// A Responses-API call: `params` holds `input`, `instructions`, `max_output_tokens`, ...
/// `Debug` names the `extra_headers` but never shows their values.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct ResponsesRequest {
    pub model: String,
    #[serde(flatten)]
    pub params: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra_headers: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    /// As [`ChatRequest::stream_timeout`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_timeout: Option<f64>,
}

/// An embeddings call: `params` holds `input`, `dimensions`, `encoding_format`, ...
/// `Debug` names the `extra_headers` but never shows their values.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct EmbeddingsRequest {
    pub model: String,
    #[serde(flatten)]
    pub params: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra_headers: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
}

/// Token counts, whatever the API called them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Usage {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub input_tokens: u64,
    /// Prompt tokens served from the cache (billed at the cached-input price).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cached_input_tokens: u64,
    /// Completion tokens, reasoning included.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub output_tokens: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reasoning_tokens: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total_tokens: u64,
}

/// One category's verdict from Azure's content filter.
// The names are `Cow`s: a known one (`normalize::verdict_names`) borrows a `'static` copy, as
// an answer carries about fifteen verdicts and owning their names cost about 45 allocations
// per call (issue 14); another is owned, as received. Either serializes as a string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CategoryResult {
    /// `prompt` or `completion`.
    pub source: Cow<'static, str>,
    /// Prompt index or choice index.
    pub index: u32,
    /// `hate`, `violence`, `sexual`, `self_harm`, `jailbreak`, `protected_material_text`, ...
    pub category: Cow<'static, str>,
    pub filtered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Cow<'static, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected: Option<bool>,
}

/// Azure's content-safety outcome for a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContentFilterReport {
    /// True when any category filtered the prompt or the completion.
    pub filtered: bool,
    /// Names of the categories that filtered (sorted, unique).
    pub categories: Vec<Cow<'static, str>>,
    /// Every verdict the service reported.
    pub results: Vec<CategoryResult>,
}

/// A function call the model asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// JSON text, exactly as the model wrote it.
    pub arguments: String,
}

impl ToolCall {
    /// The call as chat completions write it (`{"id", "type": "function", "function": {...}}`):
    /// in an answer's OpenAI view, and in an assistant message sent back with the conversation.
    pub fn to_wire(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        })
    }
}

/// One HTTP attempt made for a call (retries and fallbacks included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Attempt {
    pub deployment: String,
    pub api: Api,
    pub status: Option<u16>,
    /// The error kind this attempt ended in, if it failed.
    pub error: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub latency_ms: u64,
    /// True when this attempt went to a fallback deployment of the route.
    pub fallback: bool,
}

/// The normalized answer of a chat or Responses call.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChatResult {
    pub id: String,
    /// The model the service reports (not the deployment name).
    pub model: String,
    /// The deployment that answered.
    pub deployment: String,
    /// The API that carried the final attempt.
    pub api: Option<Api>,
    pub text: Option<String>,
    pub reasoning: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    /// `stop`, `length`, `tool_calls`, `content_filter`.
    pub finish_reason: Option<String>,
    pub usage: Usage,
    pub content_filter: ContentFilterReport,
    pub cost_usd: f64,
    /// How many HTTP attempts the call took.
    pub attempts: u32,
    /// Every deployment tried, in order.
    pub tried: Vec<Attempt>,
    pub request_id: Option<String>,
    /// The service's answer as received (for a translated call, the Responses body).
    // Kept as the body's bytes and made a `serde_json::Value` tree on first read (`RawJson`).
    #[cfg_attr(feature = "ts", ts(as = "Value"))]
    pub raw: RawJson,
}

/// One streamed piece, the same type for chat and Responses streams.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChatChunk {
    pub id: String,
    pub model: String,
    pub deployment: String,
    /// Text delta.
    pub text: Option<String>,
    /// Reasoning delta.
    pub reasoning: Option<String>,
    pub tool_calls: Vec<ToolCallDelta>,
    pub finish_reason: Option<String>,
    /// Present on the chunk that carries the totals (usually the last).
    pub usage: Option<Usage>,
    pub content_filter: Option<ContentFilterReport>,
    /// The service's event as received.
    // Kept as the event's bytes and made a tree on first read, like `ChatResult::raw`.
    #[cfg_attr(feature = "ts", ts(as = "Value"))]
    pub raw: RawJson,
}

/// A fragment of a streamed tool call; `id` and `name` arrive first, then argument text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ToolCallDelta {
    pub index: u32,
    pub id: Option<String>,
    pub name: Option<String>,
    pub arguments: Option<String>,
}

/// One vector of an embeddings answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Embedding {
    pub index: u32,
    /// Floats, or base64 text when `encoding_format: "base64"` was asked.
    #[cfg_attr(feature = "ts", ts(type = "number[] | string"))]
    pub embedding: Value,
}

/// The normalized answer of an embeddings call.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EmbeddingsResult {
    pub model: String,
    pub deployment: String,
    pub data: Vec<Embedding>,
    pub usage: Usage,
    pub cost_usd: f64,
    pub attempts: u32,
    pub tried: Vec<Attempt>,
    pub request_id: Option<String>,
    pub raw: Value,
}

/// Header names with their values hidden: configured headers may carry keys or tokens.
struct RedactedHeaderValues<'a>(&'a Map<String, Value>);

impl std::fmt::Debug for RedactedHeaderValues<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "<redacted>")))
            .finish()
    }
}

macro_rules! request_debug {
    ($name:ident $(, $field:ident)*) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("model", &self.model)
                    .field("params", &self.params)
                    .field("extra_headers", &RedactedHeaderValues(&self.extra_headers))
                    .field("timeout", &self.timeout)
                    $(.field(stringify!($field), &self.$field))*
                    .finish()
            }
        }
    };
}

request_debug!(ChatRequest, stream_timeout);
request_debug!(ResponsesRequest, stream_timeout);
request_debug!(EmbeddingsRequest);

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn request_debug_hides_header_values() {
        let request: ChatRequest = serde_json::from_value(serde_json::json!({
            "model": "gpt-5.4",
            "messages": [],
            "extra_headers": {"x-upstream-key": "sk-made-up-secret-1234"},
        }))
        .expect("request");
        let text = format!("{request:?}");
        assert!(!text.contains("sk-made-up-secret-1234"), "{text}");
        assert!(text.contains("x-upstream-key"), "{text}");
        let embeddings = EmbeddingsRequest {
            extra_headers: request.extra_headers.clone(),
            ..EmbeddingsRequest::default()
        };
        assert!(!format!("{embeddings:?}").contains("sk-made-up"));
    }
}
