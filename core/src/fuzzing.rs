//! Entry points for the cargo-fuzz targets in `fuzz/` and for the regression replay in
//! `tests/fuzz_regressions.rs`. Each takes raw bytes and drives one parser; results are
//! ignored because only panics, hangs and the invariants asserted here count as bugs.
//! Deterministic on purpose: a crashing input must crash again when replayed.

use reqwest::header::{HeaderMap, HeaderValue};

use crate::config::{Catalog, Deployment};
use crate::sse::{SseEvent, SseParser};
use crate::stream::ChunkDecoder;
use crate::types::{Api, ChatRequest};
use crate::wire;

/// A `${NAME}` lookup that never reads the process environment, so a run is reproducible.
fn fixed_lookup(_name: &str) -> Option<String> {
    Some("fuzz-value".to_string())
}

fn parse_whole(data: &[u8]) -> Option<Vec<SseEvent>> {
    let mut p = SseParser::new();
    let mut out = Vec::new();
    p.push(data, &mut out).ok()?;
    p.finish(&mut out);
    Some(out)
}

/// SSE bytes split at points chosen by the first 4 bytes; the events must equal those of
/// one push, since the parser promises chunking never changes the result.
pub fn sse_chunked(data: &[u8]) {
    let (head, body) = data.split_at(data.len().min(4));
    let mut p = SseParser::new();
    let mut chunked = Vec::new();
    let mut rest = body;
    let mut i = 0;
    let mut ok = true;
    while !rest.is_empty() {
        // A zero step still makes progress (at least one byte) so this cannot loop forever.
        let step = head.get(i % head.len().max(1)).copied().unwrap_or(7) as usize % 17 + 1;
        let (piece, tail) = rest.split_at(step.min(rest.len()));
        if p.push(piece, &mut chunked).is_err() {
            ok = false;
            break;
        }
        rest = tail;
        i += 1;
    }
    if ok {
        p.finish(&mut chunked);
        let whole = parse_whole(body).expect("whole push failed where chunked pushes did not");
        assert_eq!(chunked, whole, "chunking changed the SSE events");
    }
}

fn decode_stream(api: Api, data: &[u8]) {
    let Some(events) = parse_whole(data) else {
        return;
    };
    let mut d = ChunkDecoder::new(api, "fuzz-deployment");
    let mut out = Vec::new();
    for ev in &events {
        if d.decode(ev, &mut out).is_err() {
            return;
        }
    }
    let _ = d.finish(&mut out);
}

/// A chat-completions SSE body through the chat stream decoder.
pub fn chat_stream_decoder(data: &[u8]) {
    decode_stream(Api::Chat, data);
}

/// A Responses-API SSE body through the Responses stream decoder.
pub fn responses_stream_decoder(data: &[u8]) {
    decode_stream(Api::Responses, data);
}

/// One answer body through the chat, Responses and embeddings parsers.
pub fn normalize_body(data: &[u8]) {
    let _ = wire::parse_chat(data);
    let _ = wire::parse_responses(data);
    let _ = wire::parse_embeddings(data);
}

/// An error answer: status from the first 2 bytes, the next line as header values
/// (retry-after forms are parsed by hand), the rest as the body.
pub fn error_body(data: &[u8]) {
    let status = match data {
        [a, b, ..] => u16::from_be_bytes([*a, *b]) % 600,
        _ => 500,
    };
    let rest = data.get(2..).unwrap_or_default();
    let (line, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(n) => (&rest[..n], &rest[n + 1..]),
        None => (&[][..], rest),
    };
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(line) {
        for name in [
            "retry-after",
            "retry-after-ms",
            "x-ms-retry-after-ms",
            "apim-request-id",
            "x-request-id",
        ] {
            headers.insert(name, v.clone());
        }
    }
    let _ = wire::error_from_response(status, &headers, body);
}

/// A catalog file in YAML (the loader also reads JSON and LiteLLM lists as text).
pub fn config_yaml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Catalog::from_str_with_env(text, "fuzz.yaml", &fixed_lookup);
    }
}

/// A catalog as JSON, both as text and as an already-parsed value.
pub fn config_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Catalog::from_str_with_env(text, "fuzz.json", &fixed_lookup);
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = Catalog::from_value_with_env(value, "fuzz.json", &fixed_lookup);
    }
}

/// A LiteLLM `model_list`: a YAML/JSON list is wrapped in one, anything else is fed as text.
pub fn config_litellm(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match yaml_serde::from_str::<yaml_serde::Value>(text) {
        Ok(yaml_serde::Value::Sequence(list)) => {
            let mut root = yaml_serde::Mapping::new();
            root.insert("model_list".into(), yaml_serde::Value::Sequence(list));
            if let Ok(wrapped) = yaml_serde::to_string(&root) {
                let _ = Catalog::from_str_with_env(&wrapped, "litellm.yaml", &fixed_lookup);
            }
        }
        _ => {
            let _ = Catalog::from_str_with_env(text, "litellm.yaml", &fixed_lookup);
        }
    }
}

/// A chat request (JSON) rewritten for the Responses API, for a plain and a responses-only
/// thinking deployment; the bytes also go through the Responses answer parser that maps
/// the answer back to a chat result.
pub fn translate(data: &[u8]) {
    if let Ok(req) = serde_json::from_slice::<ChatRequest>(data) {
        let plain = Deployment::new("fuzz", "https://fuzz.invalid");
        let codex = Deployment::new("codex", "https://fuzz.invalid")
            .responses_only()
            .thinking(1024);
        for d in [&plain, &codex] {
            let _ = wire::chat_to_responses_body(d, &req, false);
            let _ = wire::chat_to_responses_body(d, &req, true);
        }
    }
    let _ = wire::parse_responses(data);
}

/// One fuzz entry point: raw bytes in, nothing out.
pub type Target = fn(&[u8]);

/// Every target by name, for the regression replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("sse_chunked", sse_chunked),
    ("chat_stream_decoder", chat_stream_decoder),
    ("responses_stream_decoder", responses_stream_decoder),
    ("normalize_body", normalize_body),
    ("error_body", error_body),
    ("config_yaml", config_yaml),
    ("config_json", config_json),
    ("config_litellm", config_litellm),
    ("translate", translate),
];
