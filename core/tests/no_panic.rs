//! "Nothing panics on any server reply": every parser is fed mutations of the real recorded
//! answers (truncations, byte flips, spliced bodies) and must return Ok or a typed error.

use std::path::{Path, PathBuf};

use foundry_client::sse::{SseEvent, SseParser};
use foundry_client::stream::ChunkDecoder;
use foundry_client::{wire, Api};
use reqwest::header::{HeaderMap, HeaderValue};

fn corpus_dir() -> Option<PathBuf> {
    foundry_emulator::corpus_dir("core/tests/no_panic.rs")
}

fn corpus(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("the recorded corpus must exist at {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "json" || x == "sse" || x == "jsonl")
        })
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "corpus looks incomplete: {} files",
        files.len()
    );
    files
}

/// Deterministic mutations: cut points, flipped bytes, a duplicated slice, wrong-type JSON.
fn mutations(bytes: &[u8], rng: &mut fastrand::Rng) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for _ in 0..12 {
        let cut = rng.usize(0..=bytes.len());
        out.push(bytes[..cut].to_vec());
        let mut flipped = bytes.to_vec();
        for _ in 0..rng.usize(1..8) {
            if !flipped.is_empty() {
                let i = rng.usize(0..flipped.len());
                flipped[i] = rng.u8(..);
            }
        }
        out.push(flipped);
        let a = rng.usize(0..=bytes.len());
        let b = rng.usize(a..=bytes.len());
        let mut spliced = bytes[..b].to_vec();
        spliced.extend_from_slice(&bytes[a..]);
        out.push(spliced);
    }
    for odd in [
        &b""[..],
        b"null",
        b"[]",
        b"{}",
        b"\"text\"",
        b"42",
        b"{\"choices\":null}",
        b"{\"choices\":[null]}",
        b"{\"choices\":[{\"message\":7}]}",
        b"{\"output\":[{\"type\":\"message\",\"content\":9}]}",
        b"{\"error\":[]}",
        b"{\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":1e400}}",
        b"{\"data\":[{\"embedding\":{}}]}",
    ] {
        out.push(odd.to_vec());
    }
    out
}

fn stream_through(api: Api, bytes: &[u8]) {
    let mut parser = SseParser::new();
    let mut decoder = ChunkDecoder::new(api, "d");
    let mut events: Vec<SseEvent> = Vec::new();
    let mut chunks = Vec::new();
    for piece in bytes.chunks(7) {
        if parser.push(piece, &mut events).is_err() {
            return;
        }
        for ev in events.drain(..) {
            if decoder.decode(&ev, &mut chunks).is_err() {
                return;
            }
        }
    }
    parser.finish(&mut events);
    for ev in events.drain(..) {
        let _ = decoder.decode(&ev, &mut chunks);
    }
    let _ = decoder.finish(&mut chunks);
}

#[test]
fn no_parser_panics_on_mutated_service_answers() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut headers = HeaderMap::new();
    headers.insert(
        "retry-after",
        HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
    );
    headers.insert("retry-after-ms", HeaderValue::from_static("-5"));
    let mut inputs = 0;
    for (name, bytes) in corpus(&dir) {
        for m in mutations(&bytes, &mut rng) {
            inputs += 1;
            let _ = wire::parse_chat(&m);
            let _ = wire::parse_responses(&m);
            let _ = wire::parse_embeddings(&m);
            for status in [400, 401, 429, 500, 503] {
                let e = wire::error_from_response(status, &headers, &m);
                assert!(!e.message.is_empty(), "{name}: empty error message");
            }
            stream_through(Api::Chat, &m);
            stream_through(Api::Responses, &m);
            // jsonl chunks framed as SSE, as the stream tests do.
            if name.ends_with(".jsonl") {
                let framed: Vec<u8> = m
                    .split(|b| *b == b'\n')
                    .flat_map(|l| [b"data: ", l, b"\n\n"].concat())
                    .collect();
                stream_through(Api::Chat, &framed);
                stream_through(Api::Responses, &framed);
            }
        }
    }
    assert!(inputs > 1_000, "only {inputs} inputs were tried");
}

/// A fixed seed so a failure reproduces.
const SEED: u64 = 0x5eed_f0d2_2026_1122;
