//! Results as the JSON the TS wrapper reads: the core's normalized result under `result`,
//! and the OpenAI-shaped object under `view` when it differs from `result.raw` (so the common
//! case, a chat answer passed through as received, crosses the boundary once).

use foundry_client::view::{chat_chunk_view, chat_completion_view};
use foundry_client::{ChatChunk, ChatResult, EmbeddingsResult, SmokeResult};
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
struct Payload<'a, T> {
    result: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    view: Option<Value>,
}

fn to_json<T: Serialize>(result: &T, view: Option<Value>) -> String {
    serde_json::to_string(&Payload { result, view }).unwrap_or_else(|e| {
        // Serializing plain data cannot fail; if it ever did, say so rather than panic.
        format!(
            r#"{{"result":null,"error":"{}"}}"#,
            e.to_string().replace('"', "'")
        )
    })
}

/// A chat result, with its `chat.completion` view.
pub fn chat_json(r: &ChatResult) -> String {
    let view = chat_completion_view(r);
    let view = (view != r.raw).then_some(view);
    to_json(r, view)
}

/// A Responses result: the Responses object is `result.raw` itself.
pub fn responses_json(r: &ChatResult) -> String {
    to_json(r, None)
}

pub fn embeddings_json(r: &EmbeddingsResult) -> String {
    to_json(r, None)
}

/// A streamed chunk; `chat_view` asks for the `chat.completion.chunk` view (chat streams),
/// otherwise `chunk.raw` is the Responses event as the service sent it.
pub fn chunk_json(chunk: &ChatChunk, chat_view: bool) -> String {
    let view = chat_view.then(|| chat_chunk_view(chunk));
    to_json(chunk, view)
}

pub fn smoke_json(results: &[SmokeResult]) -> String {
    serde_json::to_string(results).unwrap_or_else(|_| "[]".to_string())
}

/// The folded result of a stream: shaped like [`chat_json`] for chat streams, like
/// [`responses_json`] for Responses streams.
pub fn stream_result_json(r: &ChatResult, chat_view: bool) -> String {
    if chat_view {
        chat_json(r)
    } else {
        responses_json(r)
    }
}
