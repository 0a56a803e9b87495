//! Request building and response parsing per API: chat completions, the Responses API,
//! embeddings, and the translation of chat calls for responses-only deployments.
//!
//! Builders validate the caller's parameters before anything is sent (errors of kind
//! `InvalidRequest` naming the parameter and the fix); parsers read service JSON without
//! ever panicking (errors of kind `InvalidResponse`). No function here does IO.

mod chat;
pub(crate) mod chat_typed;
mod embeddings;
mod errors;
mod params;
mod responses;
pub(crate) mod shapes;
mod translate;
mod url;

pub use chat::{build_chat_body, parse_chat, parse_chat_body};
pub use embeddings::{build_embeddings_body, parse_embeddings};
pub use errors::{
    error_from_response, is_operation_unsupported, is_unsupported_max_tokens, request_id,
    retry_after,
};
pub use responses::{build_responses_body, parse_responses};
pub use translate::chat_to_responses_body;
pub use url::{body_carries_model, request_url};

use serde_json::{Map, Value};

use crate::{Error, ErrorKind, Result};

/// Parses an answer body that must be a JSON object; anything else is an `InvalidResponse`
/// quoting the start of the body.
fn parse_answer(bytes: &[u8], api: &str) -> Result<Map<String, Value>> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "the {api} answer is JSON but not an object: {}",
                errors::preview(other.to_string().as_bytes())
            ),
        )),
        Err(e) => Err(Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "the {api} answer is not JSON ({e}): {}",
                errors::preview(bytes)
            ),
        )),
    }
}

/// A string field, or "" when absent or not a string.
fn str_field(map: &Map<String, Value>, key: &str) -> String {
    map.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Function-call arguments as JSON text: servers send a string, a few send the object.
fn arguments_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => String::new(),
        Some(other) => other.to_string(),
    }
}
