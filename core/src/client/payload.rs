//! What one call sends: the request of each API, and what the route and the exchange read
//! from it (its model, headers, timeouts, and the body for a deployment and API).

use serde_json::{Map, Value};

use crate::config::Deployment;
use crate::types::{Api, ChatRequest, EmbeddingsRequest, ResponsesRequest};
use crate::{wire, Result};

/// What is being sent.
#[derive(Clone, Copy)]
pub(crate) enum Payload<'a> {
    Chat(&'a ChatRequest),
    Responses(&'a ResponsesRequest),
    Embeddings(&'a EmbeddingsRequest),
    Info(&'a str),
}

static NO_HEADERS: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();

impl Payload<'_> {
    pub(crate) fn model(&self) -> &str {
        match self {
            Payload::Chat(r) => &r.model,
            Payload::Responses(r) => &r.model,
            Payload::Embeddings(r) => &r.model,
            Payload::Info(m) => m,
        }
    }

    pub(crate) fn extra_headers(&self) -> &Map<String, Value> {
        match self {
            Payload::Chat(r) => &r.extra_headers,
            Payload::Responses(r) => &r.extra_headers,
            Payload::Embeddings(r) => &r.extra_headers,
            Payload::Info(_) => NO_HEADERS.get_or_init(Map::new),
        }
    }

    pub(crate) fn timeout(&self) -> Option<f64> {
        match self {
            Payload::Chat(r) => r.timeout,
            Payload::Responses(r) => r.timeout,
            Payload::Embeddings(r) => r.timeout,
            Payload::Info(_) => None,
        }
    }

    /// The request's bound on a whole streamed answer, when it sets one.
    pub(crate) fn stream_timeout(&self) -> Option<f64> {
        match self {
            Payload::Chat(r) => r.stream_timeout,
            Payload::Responses(r) => r.stream_timeout,
            Payload::Embeddings(_) | Payload::Info(_) => None,
        }
    }

    pub(crate) fn api_for(&self, d: &Deployment) -> Api {
        match self {
            Payload::Chat(_) if d.responses_only => Api::Responses,
            Payload::Chat(_) => Api::Chat,
            Payload::Responses(_) => Api::Responses,
            Payload::Embeddings(_) => Api::Embeddings,
            Payload::Info(_) => Api::Info,
        }
    }

    pub(crate) fn body(&self, d: &Deployment, api: Api, stream: bool) -> Result<Option<Value>> {
        Ok(Some(match (self, api) {
            (Payload::Chat(r), Api::Responses) => wire::chat_to_responses_body(d, r, stream)?,
            (Payload::Chat(r), _) => wire::build_chat_body(d, r, stream)?,
            (Payload::Responses(r), _) => wire::build_responses_body(d, r, stream)?,
            (Payload::Embeddings(r), _) => wire::build_embeddings_body(d, r)?,
            (Payload::Info(_), _) => return Ok(None),
        }))
    }
}
