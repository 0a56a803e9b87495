//! One exported call: its CLIENT span (child of the caller's `traceparent`, or of the current
//! OpenTelemetry context), the `traceparent` the request carries (this span), and at the end
//! the GenAI attributes and metrics read from the call's result event.

use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{Span as _, SpanKind, Status, Tracer as _};
use opentelemetry::{Array, Context, KeyValue, StringValue, Value as OtelValue};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use reqwest::header::HeaderValue;
use serde_json::{Map, Value};

use super::pipeline::Pipeline;
use crate::config::{Deployment, Shape};
use crate::events::ResultEvent;
use crate::types::Api;

/// A call being exported.
pub(crate) struct ActiveCall {
    pipeline: &'static Pipeline,
    span: Option<opentelemetry_sdk::trace::Span>,
    traceparent: Option<HeaderValue>,
    tracestate: Option<HeaderValue>,
    started: Instant,
    api: Api,
    model: String,
    /// From the route's first deployment (the conventions want it when the span starts); the
    /// metrics use the one that answered.
    provider: &'static str,
    /// The client has budgets: the span says whether they admitted the call.
    budgeted: bool,
    /// Written by the attempts, which see the call through a shared reference.
    seen: Mutex<Seen>,
    response_id: Option<String>,
    finished: bool,
}

#[derive(Default)]
struct Seen {
    server: Option<(String, u16)>,
    provider: Option<&'static str>,
    queued_ms: u64,
}

/// The attributes of the metrics that the span was given when it started.
const START_ATTRIBUTES: usize = 3;

/// The GenAI name of an operation: the Responses API generates a chat answer too.
fn operation_name(api: Api) -> &'static str {
    match api {
        Api::Chat | Api::Responses => "chat",
        Api::Embeddings => "embeddings",
        Api::Info => "info",
    }
}

/// The OpenAI conventions' `openai.api.type` (the API asked for; a chat call that a
/// responses-only deployment answered is still `chat_completions` to the caller).
fn api_type(api: Api) -> &'static str {
    match api {
        Api::Chat => "chat_completions",
        Api::Responses => "responses",
        Api::Embeddings => "embeddings",
        Api::Info => "info",
    }
}

fn provider_name(shape: Shape) -> &'static str {
    match shape {
        Shape::Inference => "azure.ai.inference",
        // The public OpenAI API or a compatible server.
        Shape::Openai => "openai",
        Shape::Azure | Shape::V1 => "azure.ai.openai",
    }
}

impl ActiveCall {
    pub fn start(
        pipeline: &'static Pipeline,
        api: Api,
        model: &str,
        extra_headers: &Map<String, Value>,
        shape: Option<Shape>,
        stream: bool,
        budgeted: bool,
    ) -> ActiveCall {
        let operation = operation_name(api);
        let provider = provider_name(shape.unwrap_or(Shape::Azure));
        let span = pipeline.tracer.as_ref().map(|tracer| {
            let parent = TraceContextPropagator::new()
                .extract_with_context(&Context::current(), &HeaderLookup(extra_headers));
            tracer
                .span_builder(format!("{operation} {model}"))
                .with_kind(SpanKind::Client)
                .with_attributes([
                    KeyValue::new("gen_ai.operation.name", operation),
                    KeyValue::new("gen_ai.provider.name", provider),
                    KeyValue::new("gen_ai.request.model", model.to_string()),
                    KeyValue::new("gen_ai.request.stream", stream),
                    KeyValue::new("openai.api.type", api_type(api)),
                ])
                .start_with_context(tracer, &parent)
        });
        let (traceparent, tracestate) = match &span {
            Some(span) if span.span_context().is_valid() => {
                let cx = span.span_context();
                let parent = format!(
                    "00-{}-{}-{:02x}",
                    cx.trace_id(),
                    cx.span_id(),
                    cx.trace_flags().to_u8()
                );
                let state = cx.trace_state().header();
                (
                    HeaderValue::from_str(&parent).ok(),
                    Some(state)
                        .filter(|s| !s.is_empty())
                        .and_then(|s| HeaderValue::from_str(&s).ok()),
                )
            }
            _ => (None, None),
        };
        ActiveCall {
            pipeline,
            span,
            traceparent,
            tracestate,
            started: Instant::now(),
            api,
            model: model.to_string(),
            provider,
            budgeted,
            seen: Mutex::default(),
            response_id: None,
            finished: false,
        }
    }

    /// The W3C headers the request carries: this call's span, in place of the caller's.
    pub fn trace_headers(&self) -> Option<(&HeaderValue, Option<&HeaderValue>)> {
        self.traceparent
            .as_ref()
            .map(|parent| (parent, self.tracestate.as_ref()))
    }

    /// An attempt is going to `d` after waiting `queued_ms` in the rate-limit queues.
    pub fn attempt(&self, d: &Deployment, queued_ms: u64) {
        let server = reqwest::Url::parse(&d.endpoint)
            .ok()
            .and_then(|url| Some((url.host_str()?.to_string(), url.port_or_known_default()?)));
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.server = server;
        seen.provider = Some(provider_name(d.shape));
        seen.queued_ms += queued_ms;
    }

    pub fn response_id(&mut self, id: &str) {
        if !id.is_empty() {
            self.response_id = Some(id.to_string());
        }
    }

    /// Records the call's outcome on the span and the instruments, and ends the span.
    pub fn finish(&mut self, event: &ResultEvent) {
        self.finished = true;
        let seen = std::mem::take(&mut *self.seen.lock().unwrap_or_else(PoisonError::into_inner));
        let provider = seen.provider.unwrap_or(self.provider);
        // What the metrics are broken down by (the conventions' attributes, low cardinality).
        let mut common = vec![
            KeyValue::new("gen_ai.operation.name", operation_name(self.api)),
            KeyValue::new("gen_ai.provider.name", provider),
            KeyValue::new("gen_ai.request.model", self.model.clone()),
        ];
        if let Some(model) = &event.model {
            common.push(KeyValue::new("gen_ai.response.model", model.clone()));
        }
        if let Some((host, port)) = &seen.server {
            common.push(KeyValue::new("server.address", host.clone()));
            common.push(KeyValue::new("server.port", i64::from(*port)));
        }
        if let Some(error) = event.error {
            common.push(KeyValue::new("error.type", error));
        }
        let retries = u64::from(event.attempts.saturating_sub(1));
        if let Some(span) = &mut self.span {
            // The first three were set when the span started.
            let mut attributes = common[START_ATTRIBUTES..].to_vec();
            if let Some(id) = &self.response_id {
                attributes.push(KeyValue::new("gen_ai.response.id", id.clone()));
            }
            if let Some(reason) = &event.finish_reason {
                let reasons = Array::String(vec![StringValue::from(reason.clone())]);
                attributes.push(KeyValue::new(
                    "gen_ai.response.finish_reasons",
                    OtelValue::Array(reasons),
                ));
            }
            if event.error.is_none() || event.usage.total_tokens > 0 {
                attributes.push(KeyValue::new(
                    "gen_ai.usage.input_tokens",
                    event.usage.input_tokens as i64,
                ));
                attributes.push(KeyValue::new(
                    "gen_ai.usage.output_tokens",
                    event.usage.output_tokens as i64,
                ));
                if event.usage.cached_input_tokens > 0 {
                    attributes.push(KeyValue::new(
                        "gen_ai.usage.cache_read.input_tokens",
                        event.usage.cached_input_tokens as i64,
                    ));
                }
                if event.usage.reasoning_tokens > 0 {
                    attributes.push(KeyValue::new(
                        "gen_ai.usage.reasoning.output_tokens",
                        event.usage.reasoning_tokens as i64,
                    ));
                }
            }
            attributes.extend([
                KeyValue::new("foundry.deployment", event.deployment.clone()),
                KeyValue::new("foundry.cost_usd", event.cost_usd),
                KeyValue::new("foundry.attempts", i64::from(event.attempts)),
                KeyValue::new("foundry.retries", retries as i64),
                KeyValue::new("foundry.fallback.used", event.fallback),
                KeyValue::new("foundry.queue_wait_ms", seen.queued_ms as i64),
                KeyValue::new("foundry.content_filtered", event.content_filtered),
            ]);
            if event.fallback {
                attributes.push(KeyValue::new(
                    "foundry.fallback.deployment",
                    event.deployment.clone(),
                ));
            }
            if self.budgeted {
                let refused = event.error == Some("budget_exceeded");
                let outcome = if refused { "refused" } else { "admitted" };
                attributes.push(KeyValue::new("foundry.budget.outcome", outcome));
            }
            if let Some(id) = &event.request_id {
                attributes.push(KeyValue::new("foundry.request_id", id.clone()));
            }
            if let Some(scope) = &event.scope {
                attributes.push(KeyValue::new("foundry.scope", scope.clone()));
            }
            span.set_attributes(attributes);
            if let Some(error) = event.error {
                span.set_status(Status::Error {
                    description: Cow::Borrowed(error),
                });
            }
            span.end();
        }
        if let Some(instruments) = &self.pipeline.instruments {
            instruments
                .duration
                .record(self.started.elapsed().as_secs_f64(), &common);
            if event.usage.total_tokens > 0 || event.usage.input_tokens > 0 {
                for (kind, n) in [
                    ("input", event.usage.input_tokens),
                    ("output", event.usage.output_tokens),
                ] {
                    let mut attributes = common.clone();
                    attributes.push(KeyValue::new("gen_ai.token.type", kind));
                    instruments.tokens.record(n, &attributes);
                }
            }
            if event.cost_usd > 0.0 {
                instruments.cost.add(event.cost_usd, &common);
            }
            if retries > 0 {
                instruments.retries.add(retries, &common);
            }
        }
    }

    /// A call dropped before its end (a stream the caller stopped reading, a cancelled future).
    fn finish_cancelled(&mut self) {
        self.finished = true;
        let seen = std::mem::take(&mut *self.seen.lock().unwrap_or_else(PoisonError::into_inner));
        let common = [
            KeyValue::new("gen_ai.operation.name", operation_name(self.api)),
            KeyValue::new(
                "gen_ai.provider.name",
                seen.provider.unwrap_or(self.provider),
            ),
            KeyValue::new("gen_ai.request.model", self.model.clone()),
            KeyValue::new("error.type", "cancelled"),
        ];
        if let Some(span) = &mut self.span {
            span.set_attributes(common[START_ATTRIBUTES..].to_vec());
            span.set_status(Status::Error {
                description: Cow::Borrowed("cancelled"),
            });
            span.end();
        }
        if let Some(instruments) = &self.pipeline.instruments {
            instruments
                .duration
                .record(self.started.elapsed().as_secs_f64(), &common);
        }
    }
}

impl Drop for ActiveCall {
    fn drop(&mut self) {
        if !self.finished {
            self.finish_cancelled();
        }
    }
}

/// The request's `extra_headers` as the propagator reads them: names case-insensitive, only
/// string values.
struct HeaderLookup<'a>(&'a Map<String, Value>);

impl Extractor for HeaderLookup<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .and_then(|(_, value)| value.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}
