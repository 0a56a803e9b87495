//! Stream normalization: SSE events in, [`ChatChunk`]s out, and the fold of those chunks
//! back into one [`ChatResult`].
//!
//! Chat-completions streams (Azure, OpenAI, DeepSeek, Foundry's partner models) and
//! Responses-API streams both come out as the same chunk type, so callers never care which
//! API carried the answer.

mod accumulate;
mod chat;
mod chat_typed;
mod failure;
mod responses;
mod think;

use crate::sse::SseEvent;
use crate::types::{Api, ChatChunk};
use crate::{Error, ErrorKind, Result};

pub use accumulate::StreamAccumulator;

/// Turns one stream's SSE events into normalized chunks. One decoder per stream.
///
/// Pure computation: no IO, never blocks.
#[derive(Debug)]
pub struct ChunkDecoder {
    deployment: String,
    /// The stream's id and model, learned from the first event that carries them
    /// (Azure's leading prompt-filter chunk has `id: ""`, `model: ""`).
    id: String,
    model: String,
    done: bool,
    api: ApiDecoder,
}

#[derive(Debug)]
enum ApiDecoder {
    Chat(chat::ChatStreamState),
    Responses(responses::ResponsesStreamState),
}

impl ChunkDecoder {
    /// A decoder for a stream of `api` (`Responses`, or chat for anything else) answered by
    /// `deployment`, whose name every chunk carries.
    pub fn new(api: Api, deployment: &str) -> Self {
        let api = match api {
            Api::Responses => ApiDecoder::Responses(Default::default()),
            Api::Chat | Api::Embeddings | Api::Info => ApiDecoder::Chat(Default::default()),
        };
        ChunkDecoder {
            deployment: deployment.to_string(),
            id: String::new(),
            model: String::new(),
            done: false,
            api,
        }
    }

    /// One SSE event in, zero or more normalized chunks out.
    ///
    /// Fails with [`ErrorKind::InvalidResponse`] on data that is not JSON, and with the
    /// service's error (rate limit, server, content filter, bad request) when the stream
    /// reports one (`response.failed`, `error` events, a chat chunk holding `error`).
    /// Events after the terminator are ignored.
    pub fn decode(&mut self, ev: &SseEvent, out: &mut Vec<ChatChunk>) -> Result<()> {
        self.decode_owned(ev.clone(), out)
    }

    /// [`decode`](Self::decode) of an event the caller gives up: a chat chunk keeps its data
    /// as `raw` without a copy.
    pub fn decode_owned(&mut self, ev: SseEvent, out: &mut Vec<ChatChunk>) -> Result<()> {
        if self.done {
            return Ok(());
        }
        let mut stream = StreamIdentity {
            deployment: &self.deployment,
            id: &mut self.id,
            model: &mut self.model,
            done: &mut self.done,
        };
        match &mut self.api {
            ApiDecoder::Chat(state) => state.decode(ev, &mut stream, out),
            ApiDecoder::Responses(state) => state.decode(&ev, &mut stream, out),
        }
    }

    /// True once the terminator was seen: `data: [DONE]` (chat) or `response.completed`,
    /// `response.incomplete`, `response.failed` (Responses).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Call at the end of the body: flushes held-back text (a possible `<think>` tag) and
    /// the Azure prompt-filter verdicts if no chunk carried them yet, then fails with
    /// [`ErrorKind::Stream`] if the terminator never came (a truncated stream).
    pub fn finish(&mut self, out: &mut Vec<ChatChunk>) -> Result<()> {
        let stream = StreamIdentity {
            deployment: &self.deployment,
            id: &mut self.id,
            model: &mut self.model,
            done: &mut self.done,
        };
        let terminator = match &mut self.api {
            ApiDecoder::Chat(state) => {
                state.flush(&stream, out);
                "[DONE]"
            }
            ApiDecoder::Responses(_) => "response.completed",
        };
        if self.done {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Stream,
                format!("the stream ended before {terminator}"),
            ))
        }
    }
}

/// What every chunk of a stream shares, lent to the per-API decoders.
struct StreamIdentity<'a> {
    deployment: &'a str,
    id: &'a mut String,
    model: &'a mut String,
    done: &'a mut bool,
}

impl StreamIdentity<'_> {
    /// Keeps the first non-empty id and model the stream reports.
    fn learn(&mut self, id: Option<&str>, model: Option<&str>) {
        if let Some(id) = id.filter(|s| !s.is_empty() && self.id.is_empty()) {
            *self.id = id.to_string();
        }
        if let Some(model) = model.filter(|s| !s.is_empty() && self.model.is_empty()) {
            *self.model = model.to_string();
        }
    }

    fn chunk(&self) -> ChatChunk {
        ChatChunk {
            id: self.id.clone(),
            model: self.model.clone(),
            deployment: self.deployment.to_string(),
            ..Default::default()
        }
    }
}

/// True when a chunk carries nothing a caller could use.
fn is_empty(chunk: &ChatChunk) -> bool {
    chunk.text.is_none()
        && chunk.reasoning.is_none()
        && chunk.tool_calls.is_empty()
        && chunk.finish_reason.is_none()
        && chunk.usage.is_none()
        && chunk.content_filter.is_none()
}

/// Parses an event's data, naming the event (never quoting more than a short prefix of the
/// data) when it is not JSON.
fn parse_json(api: &str, ev: &SseEvent) -> Result<serde_json::Value> {
    serde_json::from_str(&ev.data).map_err(|e| {
        let name = ev.event.as_deref().unwrap_or("message");
        let mut start: String = ev.data.chars().take(80).collect();
        if start.len() < ev.data.len() {
            start.push('…');
        }
        Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "the {api} stream sent an event '{name}' whose data is not JSON ({e}): {start:?}"
            ),
        )
        .with_source(&e)
    })
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests;
