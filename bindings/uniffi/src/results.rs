//! The normalized results as UniFFI records (Kotlin data classes), converted from the core's.
//! Token counts are `Long` and indexes `Int` so Kotlin callers never meet unsigned types.

use foundry_client as core;
use foundry_client::ToolCall;

pub(crate) fn long(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Token counts, whatever the API called them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Record)]
pub struct Usage {
    pub input_tokens: i64,
    /// Prompt tokens served from the cache.
    pub cached_input_tokens: i64,
    /// Completion tokens, reasoning included.
    pub output_tokens: i64,
    pub reasoning_tokens: i64,
    pub total_tokens: i64,
}

impl From<&core::Usage> for Usage {
    fn from(u: &core::Usage) -> Self {
        Usage {
            input_tokens: long(u.input_tokens),
            cached_input_tokens: long(u.cached_input_tokens),
            output_tokens: long(u.output_tokens),
            reasoning_tokens: long(u.reasoning_tokens),
            total_tokens: long(u.total_tokens),
        }
    }
}

/// One category's verdict from Azure's content filter.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CategoryResult {
    /// `prompt` or `completion`.
    pub source: String,
    pub index: i32,
    pub category: String,
    pub filtered: bool,
    pub severity: Option<String>,
    pub detected: Option<bool>,
}

/// Azure's content-safety outcome for a call.
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct ContentFilterReport {
    /// True when any category filtered the prompt or the completion.
    pub filtered: bool,
    /// The categories that filtered (sorted, unique).
    pub categories: Vec<String>,
    pub results: Vec<CategoryResult>,
}

impl From<&core::ContentFilterReport> for ContentFilterReport {
    fn from(r: &core::ContentFilterReport) -> Self {
        ContentFilterReport {
            filtered: r.filtered,
            categories: r.categories.iter().map(|c| c.to_string()).collect(),
            results: r
                .results
                .iter()
                .map(|c| CategoryResult {
                    source: c.source.to_string(),
                    index: int(c.index),
                    category: c.category.to_string(),
                    filtered: c.filtered,
                    severity: c.severity.as_deref().map(str::to_string),
                    detected: c.detected,
                })
                .collect(),
        }
    }
}

/// A function call the model asked for (also used in assistant messages of a request): the
/// core's own type, declared to UniFFI as a remote record (a field the core changes fails to
/// compile here, with no conversion to keep in step).
#[uniffi::remote(Record)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// JSON text, exactly as the model wrote it.
    pub arguments: String,
}

/// A fragment of a streamed tool call: `id` and `name` arrive first, then argument text.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ToolCallDelta {
    pub index: i32,
    pub id: Option<String>,
    pub name: Option<String>,
    pub arguments: Option<String>,
}

/// One HTTP attempt of a call (retries and fallbacks included).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Attempt {
    pub deployment: String,
    /// `chat`, `responses`, `embeddings` or `info`.
    pub api: String,
    pub status: Option<i32>,
    /// The error kind this attempt ended in, if it failed.
    pub error: Option<String>,
    pub latency_ms: i64,
    /// True when the deployment was a fallback of the route.
    pub fallback: bool,
}

impl From<&core::Attempt> for Attempt {
    fn from(a: &core::Attempt) -> Self {
        Attempt {
            deployment: a.deployment.clone(),
            api: a.api.as_str().to_string(),
            status: a.status.map(i32::from),
            error: a.error.clone(),
            latency_ms: long(a.latency_ms),
            fallback: a.fallback,
        }
    }
}

/// The normalized answer of a chat or Responses call.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ChatResult {
    pub id: String,
    /// The model the service reports (not the deployment name).
    pub model: String,
    /// The deployment that answered.
    pub deployment: String,
    /// The API that carried the final attempt (`chat` or `responses`).
    pub api: Option<String>,
    pub text: Option<String>,
    pub reasoning: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    /// `stop`, `length`, `tool_calls`, `content_filter`.
    pub finish_reason: Option<String>,
    pub usage: Usage,
    pub content_filter: ContentFilterReport,
    pub cost_usd: f64,
    /// How many HTTP attempts the call took.
    pub attempts: i32,
    /// Every attempt, in order.
    pub tried: Vec<Attempt>,
    pub request_id: Option<String>,
    /// The service's answer as received, as JSON text.
    pub raw_json: String,
}

impl From<&core::ChatResult> for ChatResult {
    fn from(r: &core::ChatResult) -> Self {
        ChatResult {
            id: r.id.clone(),
            model: r.model.clone(),
            deployment: r.deployment.clone(),
            api: r.api.map(|a| a.as_str().to_string()),
            text: r.text.clone(),
            reasoning: r.reasoning.clone(),
            tool_calls: r.tool_calls.clone(),
            finish_reason: r.finish_reason.clone(),
            usage: Usage::from(&r.usage),
            content_filter: ContentFilterReport::from(&r.content_filter),
            cost_usd: r.cost_usd,
            attempts: int(r.attempts),
            tried: r.tried.iter().map(Attempt::from).collect(),
            request_id: r.request_id.clone(),
            raw_json: r.raw.to_string(),
        }
    }
}

/// One streamed piece, the same type for chat and Responses streams.
#[derive(Debug, Clone, uniffi::Record)]
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
    /// On the chunk that carries the totals (usually the last).
    pub usage: Option<Usage>,
    pub content_filter: Option<ContentFilterReport>,
    /// The service's event as received, as JSON text.
    pub raw_json: String,
}

impl From<&core::ChatChunk> for ChatChunk {
    fn from(c: &core::ChatChunk) -> Self {
        ChatChunk {
            id: c.id.clone(),
            model: c.model.clone(),
            deployment: c.deployment.clone(),
            text: c.text.clone(),
            reasoning: c.reasoning.clone(),
            tool_calls: c
                .tool_calls
                .iter()
                .map(|t| ToolCallDelta {
                    index: int(t.index),
                    id: t.id.clone(),
                    name: t.name.clone(),
                    arguments: t.arguments.clone(),
                })
                .collect(),
            finish_reason: c.finish_reason.clone(),
            usage: c.usage.as_ref().map(Usage::from),
            content_filter: c.content_filter.as_ref().map(ContentFilterReport::from),
            raw_json: c.raw.to_string(),
        }
    }
}

/// One vector of an embeddings answer.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Embedding {
    pub index: i32,
    /// The floats (empty when `encoding_format: "base64"` was asked).
    pub vector: Vec<f64>,
    /// The base64 text, when `encoding_format: "base64"` was asked.
    pub base64: Option<String>,
}

/// The normalized answer of an embeddings call.
#[derive(Debug, Clone, uniffi::Record)]
pub struct EmbeddingsResult {
    pub model: String,
    pub deployment: String,
    pub data: Vec<Embedding>,
    pub usage: Usage,
    pub cost_usd: f64,
    pub attempts: i32,
    pub tried: Vec<Attempt>,
    pub request_id: Option<String>,
    pub raw_json: String,
}

impl From<&core::EmbeddingsResult> for EmbeddingsResult {
    fn from(r: &core::EmbeddingsResult) -> Self {
        EmbeddingsResult {
            model: r.model.clone(),
            deployment: r.deployment.clone(),
            data: r
                .data
                .iter()
                .map(|e| Embedding {
                    index: int(e.index),
                    vector: e
                        .embedding
                        .as_array()
                        .map(|xs| xs.iter().filter_map(serde_json::Value::as_f64).collect())
                        .unwrap_or_default(),
                    base64: e.embedding.as_str().map(str::to_string),
                })
                .collect(),
            usage: Usage::from(&r.usage),
            cost_usd: r.cost_usd,
            attempts: int(r.attempts),
            tried: r.tried.iter().map(Attempt::from).collect(),
            request_id: r.request_id.clone(),
            raw_json: r.raw.to_string(),
        }
    }
}

/// One deployment's answer to the smoke ping.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SmokeResult {
    pub deployment: String,
    /// True when the deployment answered.
    pub ok: bool,
    pub status: Option<i32>,
    pub api: Option<String>,
    pub latency_ms: i64,
    pub usage: Usage,
    pub cost_usd: f64,
    /// The error's kind and message when it failed.
    pub error: Option<String>,
    pub hint: Option<String>,
}

impl From<&core::SmokeResult> for SmokeResult {
    fn from(s: &core::SmokeResult) -> Self {
        SmokeResult {
            deployment: s.deployment.clone(),
            ok: s.ok,
            status: s.status.map(i32::from),
            api: s.api.clone(),
            latency_ms: long(s.latency_ms),
            usage: Usage::from(&s.usage),
            cost_usd: s.cost_usd,
            error: s.error.clone(),
            hint: s.hint.clone(),
        }
    }
}

/// A catalog deployment as the client sees it (never a secret).
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeploymentInfo {
    /// What callers pass as `model`.
    pub name: String,
    /// The deployment name on the service.
    pub deployment: String,
    pub endpoint: String,
    /// `azure`, `v1`, `inference` or `openai`.
    pub shape: String,
    /// `api_key`, `entra` or `none`.
    pub auth: String,
    pub thinking: bool,
    pub responses_only: bool,
    /// Every setting, as JSON text (`Deployment::to_json`).
    pub json: String,
}

impl From<&core::Deployment> for DeploymentInfo {
    fn from(d: &core::Deployment) -> Self {
        let json = d.to_json();
        DeploymentInfo {
            name: d.name.clone(),
            deployment: d.deployment.clone(),
            endpoint: d.endpoint.clone(),
            shape: d.shape.as_str().to_string(),
            auth: json["auth"].as_str().unwrap_or_default().to_string(),
            thinking: d.thinking,
            responses_only: d.responses_only,
            json: json.to_string(),
        }
    }
}
