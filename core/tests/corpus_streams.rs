//! Every recorded stream of the shared corpus, parsed by `SseParser` + `ChunkDecoder` +
//! `StreamAccumulator`, against values computed here independently from the payloads (plain
//! serde_json walks), and again under other chunkings of the same bytes.
//!
//! `*.sse` files are raw SSE bytes. `*.chunks.jsonl` files hold one `data:` payload per
//! line: each becomes `data: <line>\n\n`, and chat streams get their `data: [DONE]\n\n`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use foundry_client::sse::{SseEvent, SseParser};
use foundry_client::stream::{ChunkDecoder, StreamAccumulator};
use foundry_client::{Api, ChatResult};
use serde_json::Value;

/// The corpus (`foundry_emulator::corpus_dir`); a missing one fails unless skipped on purpose.
fn corpus_dir() -> Option<PathBuf> {
    foundry_emulator::corpus_dir("core/tests/corpus_streams.rs")
}

struct StreamFile {
    name: String,
    bytes: Vec<u8>,
    api: Api,
}

fn stream_files(dir: &Path) -> Vec<StreamFile> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            let name = file_name(p);
            name.ends_with(".sse") || name.ends_with(".chunks.jsonl")
        })
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no stream files in {}", dir.display());
    paths.iter().map(|p| load(p)).collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn load(path: &Path) -> StreamFile {
    let name = file_name(path);
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
    let sse = name.ends_with(".sse");
    let payloads: Vec<Value> = if sse {
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        parser.push(&raw, &mut events).unwrap();
        parser.finish(&mut events);
        events
            .iter()
            .filter(|e| e.data != "[DONE]")
            .map(|e| json(&e.data))
            .collect()
    } else {
        jsonl_lines(&raw).map(json).collect()
    };
    // Responses events say what they are in `type`; chat chunks do not.
    let api = match payloads.first().and_then(|p| p["type"].as_str()) {
        Some(t) if t.starts_with("response.") => Api::Responses,
        _ => Api::Chat,
    };
    let bytes = if sse {
        raw
    } else {
        let mut bytes = Vec::new();
        for line in jsonl_lines(&raw) {
            bytes.extend_from_slice(format!("data: {line}\n\n").as_bytes());
        }
        if api == Api::Chat {
            bytes.extend_from_slice(b"data: [DONE]\n\n");
        }
        bytes
    };
    StreamFile { name, bytes, api }
}

fn jsonl_lines(raw: &[u8]) -> impl Iterator<Item = &str> {
    std::str::from_utf8(raw)
        .expect("jsonl is UTF-8")
        .lines()
        .filter(|l| !l.trim().is_empty())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("corpus payload is not JSON ({e}): {text}"))
}

/// The events of `bytes` delivered in the given pushes.
fn events_of<'a>(pushes: impl IntoIterator<Item = &'a [u8]>) -> Vec<SseEvent> {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    for push in pushes {
        parser.push(push, &mut events).unwrap();
    }
    parser.finish(&mut events);
    events
}

fn fold(file: &StreamFile, events: &[SseEvent]) -> ChatResult {
    let mut decoder = ChunkDecoder::new(file.api, "corpus-deployment");
    let mut chunks = Vec::new();
    for ev in events {
        decoder
            .decode(ev, &mut chunks)
            .unwrap_or_else(|e| panic!("{}: {e}", file.name));
    }
    assert!(decoder.is_done(), "{}: terminator not seen", file.name);
    decoder
        .finish(&mut chunks)
        .unwrap_or_else(|e| panic!("{}: {e}", file.name));
    for chunk in &chunks {
        assert_eq!(chunk.deployment, "corpus-deployment");
        assert!(
            !chunk.raw.is_null() || chunk.finish_reason.is_none(),
            "{}: chunk without raw",
            file.name
        );
    }
    let mut acc = StreamAccumulator::new();
    chunks.iter().for_each(|c| acc.push(c));
    acc.finish()
}

/// The normalized fields a stream must reproduce, computed without the client's code.
#[derive(Debug, PartialEq)]
struct Expected {
    id: String,
    model: String,
    text: Option<String>,
    reasoning: Option<String>,
    /// (id, name, arguments) in tool-index order.
    tool_calls: Vec<(String, String, String)>,
    finish_reason: Option<String>,
    /// input, cached input, output, reasoning, total.
    usage: [u64; 5],
    /// (source, category) of every verdict reported.
    verdicts: BTreeSet<(String, String)>,
    filtered: bool,
}

fn observed(r: &ChatResult) -> Expected {
    let u = &r.usage;
    Expected {
        id: r.id.clone(),
        model: r.model.clone(),
        text: r.text.clone(),
        reasoning: r.reasoning.clone(),
        tool_calls: r
            .tool_calls
            .iter()
            .map(|c| (c.id.clone(), c.name.clone(), c.arguments.clone()))
            .collect(),
        finish_reason: r.finish_reason.clone(),
        usage: [
            u.input_tokens,
            u.cached_input_tokens,
            u.output_tokens,
            u.reasoning_tokens,
            u.total_tokens,
        ],
        verdicts: r
            .content_filter
            .results
            .iter()
            .map(|v| (v.source.to_string(), v.category.to_string()))
            .collect(),
        filtered: r.content_filter.filtered,
    }
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn verdicts_of(
    source: &str,
    results: &Value,
    into: &mut BTreeSet<(String, String)>,
    filtered: &mut bool,
) {
    for (category, verdict) in results.as_object().into_iter().flatten() {
        into.insert((source.to_string(), category.clone()));
        *filtered |= verdict["filtered"].as_bool() == Some(true);
    }
}

fn expected_chat(payloads: &[Value]) -> Expected {
    let first_non_empty = |key: &str| {
        payloads
            .iter()
            .map(|p| str_of(&p[key]))
            .find(|s| !s.is_empty())
            .unwrap_or_default()
    };
    let (mut text, mut reasoning) = (String::new(), String::new());
    let mut tools: BTreeMap<u64, (String, String, String)> = BTreeMap::new();
    let (mut finish_reason, mut usage) = (None, [0; 5]);
    let (mut verdicts, mut filtered) = (BTreeSet::new(), false);
    for p in payloads {
        for prompt in p["prompt_filter_results"].as_array().into_iter().flatten() {
            verdicts_of(
                "prompt",
                &prompt["content_filter_results"],
                &mut verdicts,
                &mut filtered,
            );
        }
        for choice in p["choices"].as_array().into_iter().flatten() {
            let delta = &choice["delta"];
            text.push_str(delta["content"].as_str().unwrap_or_default());
            let r = delta["reasoning_content"]
                .as_str()
                .or(delta["reasoning"].as_str());
            reasoning.push_str(r.unwrap_or_default());
            for call in delta["tool_calls"].as_array().into_iter().flatten() {
                let entry = tools.entry(count(&call["index"])).or_default();
                if let Some(id) = call["id"].as_str() {
                    entry.0 = id.to_string();
                }
                if let Some(name) = call["function"]["name"].as_str() {
                    entry.1 = name.to_string();
                }
                entry
                    .2
                    .push_str(call["function"]["arguments"].as_str().unwrap_or_default());
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                finish_reason = Some(reason.to_string());
            }
            verdicts_of(
                "completion",
                &choice["content_filter_results"],
                &mut verdicts,
                &mut filtered,
            );
        }
        let u = &p["usage"];
        if u.is_object() {
            let reasoning_tokens = u["completion_tokens_details"]["reasoning_tokens"]
                .as_u64()
                .unwrap_or_else(|| count(&u["reasoning_tokens"]));
            let cached = u["prompt_tokens_details"]["cached_tokens"]
                .as_u64()
                .unwrap_or_else(|| count(&u["prompt_cache_hit_tokens"]));
            usage = [
                count(&u["prompt_tokens"]),
                cached,
                count(&u["completion_tokens"]),
                reasoning_tokens,
                count(&u["total_tokens"]),
            ];
        }
    }
    assert!(
        !text.contains("<think>"),
        "this expectation does not split inline reasoning"
    );
    Expected {
        id: first_non_empty("id"),
        model: first_non_empty("model"),
        text: non_empty(text),
        reasoning: non_empty(reasoning),
        tool_calls: tools.into_values().collect(),
        finish_reason,
        usage,
        verdicts,
        filtered,
    }
}

fn expected_responses(payloads: &[Value]) -> Expected {
    let mut text = String::new();
    // Reasoning parts in order of first appearance, keyed by (item, part).
    let mut parts: Vec<((String, u64), String)> = Vec::new();
    let mut calls: Vec<(String, String, String, String)> = Vec::new(); // item id, call id, name, args
    let mut last = None;
    for p in payloads {
        match p["type"].as_str().unwrap_or_default() {
            "response.output_text.delta" => text.push_str(p["delta"].as_str().unwrap_or_default()),
            "response.reasoning_summary_text.delta" => {
                let key = (str_of(&p["item_id"]), count(&p["summary_index"]));
                match parts.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, part)) => part.push_str(p["delta"].as_str().unwrap_or_default()),
                    None => parts.push((key, str_of(&p["delta"]))),
                }
            }
            "response.output_item.added" if p["item"]["type"] == "function_call" => {
                let item = &p["item"];
                calls.push((
                    str_of(&item["id"]),
                    str_of(&item["call_id"]),
                    str_of(&item["name"]),
                    String::new(),
                ));
            }
            "response.function_call_arguments.delta" => {
                let call = calls
                    .iter_mut()
                    .find(|c| c.0 == str_of(&p["item_id"]))
                    .expect("delta of an announced call");
                call.3.push_str(p["delta"].as_str().unwrap_or_default());
            }
            "response.completed" | "response.incomplete" => last = Some(&p["response"]),
            _ => {}
        }
    }
    let response =
        last.expect("a Responses stream ends with response.completed or response.incomplete");
    let (mut verdicts, mut filtered) = (BTreeSet::new(), false);
    for entry in response["content_filters"].as_array().into_iter().flatten() {
        verdicts_of(
            entry["source_type"].as_str().unwrap_or_default(),
            &entry["content_filter_results"],
            &mut verdicts,
            &mut filtered,
        );
        filtered |= entry["blocked"].as_bool() == Some(true);
    }
    let finish_reason = if response["status"] == "incomplete" {
        assert_eq!(
            response["incomplete_details"]["reason"],
            "max_output_tokens"
        );
        "length"
    } else if calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    let u = &response["usage"];
    let reasoning: Vec<String> = parts
        .into_iter()
        .map(|(_, part)| part)
        .filter(|p| !p.is_empty())
        .collect();
    Expected {
        id: str_of(&response["id"]),
        model: str_of(&response["model"]),
        text: non_empty(text),
        reasoning: non_empty(reasoning.join("\n\n")),
        tool_calls: calls
            .into_iter()
            .map(|(_, id, name, args)| (id, name, args))
            .collect(),
        finish_reason: Some(finish_reason.to_string()),
        usage: [
            count(&u["input_tokens"]),
            count(&u["input_tokens_details"]["cached_tokens"]),
            count(&u["output_tokens"]),
            count(&u["output_tokens_details"]["reasoning_tokens"]),
            count(&u["total_tokens"]),
        ],
        verdicts,
        filtered,
    }
}

fn payloads_of(events: &[SseEvent]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(|e| json(&e.data))
        .collect()
}

/// (a) One push: the folded result has exactly the values the payloads hold.
#[test]
fn every_corpus_stream_folds_to_its_payload_values() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    for file in stream_files(&dir) {
        let events = events_of([file.bytes.as_slice()]);
        let payloads = payloads_of(&events);
        let expected = match file.api {
            Api::Responses => expected_responses(&payloads),
            _ => expected_chat(&payloads),
        };
        let result = fold(&file, &events);
        assert_eq!(observed(&result), expected, "{}", file.name);
        assert_eq!(result.deployment, "corpus-deployment");
        assert!(!result.raw.is_null(), "{}: raw kept", file.name);
        eprintln!(
            "{}: {} events, text {} chars, reasoning {} chars, {} tool calls",
            file.name,
            events.len(),
            result.text.as_deref().map_or(0, str::len),
            result.reasoning.as_deref().map_or(0, str::len),
            result.tool_calls.len()
        );
    }
}

/// A Responses stream's final `response` is the whole answer: parsed as an unstreamed
/// answer it must give the same normalized fields as the folded stream.
#[test]
fn responses_streams_equal_their_unstreamed_answer() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let mut seen = 0;
    for file in stream_files(&dir)
        .into_iter()
        .filter(|f| f.api == Api::Responses)
    {
        let events = events_of([file.bytes.as_slice()]);
        let streamed = fold(&file, &events);
        let whole = serde_json::to_vec(&streamed.raw).unwrap();
        let unstreamed = foundry_client::wire::parse_responses(&whole).unwrap();
        assert_eq!(observed(&streamed), observed(&unstreamed), "{}", file.name);
        seen += 1;
    }
    assert!(seen >= 1, "no Responses stream in the corpus");
}

/// Files below this size are split at every byte boundary.
const EXHAUSTIVE_BELOW: usize = 20 * 1024;

/// (b) The same bytes pushed one byte at a time, and split into two pushes, give the same
/// events and fold to the same result as one push.
///
/// Splitting a file of n bytes at every boundary re-parses it n times: O(n²). Files under
/// 20 KB are split at every boundary. In a debug build one parse of the 240 KB file takes
/// about 3 ms, so the larger files are split at every boundary inside their first and last
/// 512 bytes (their first and last events, `[DONE]` included) plus every 331st boundary (a
/// prime stride, so cuts land at every kind of offset inside the repeated events); that keeps
/// this test to seconds. The decoder and the accumulator see only events, so equal events
/// mean an equal result; the whole folded result (JSON decoding of every event, the costly
/// part) is still compared on the one-byte run and on every 16th split of a small file,
/// every 256th of a large one.
#[test]
fn every_chunking_gives_the_same_result() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    for file in stream_files(&dir) {
        let bytes = file.bytes.as_slice();
        let whole_events = events_of([bytes]);
        let whole = serde_json::to_value(fold(&file, &whole_events)).unwrap();
        let same_result = |events: &[SseEvent], how: &str| {
            let result = serde_json::to_value(fold(&file, events)).unwrap();
            assert!(result == whole, "{}: {how} changed the result", file.name);
        };

        let one_byte = events_of(bytes.chunks(1));
        assert!(
            one_byte == whole_events,
            "{}: one-byte pushes changed the events",
            file.name
        );
        same_result(&one_byte, "one-byte pushes");

        let n = bytes.len();
        let edge = 512.min(n);
        let fold_every = if n < EXHAUSTIVE_BELOW { 16 } else { 256 };
        let splits =
            (0..=n).filter(|&i| n < EXHAUSTIVE_BELOW || i < edge || i > n - edge || i % 331 == 0);
        for (k, at) in splits.enumerate() {
            let (a, b) = bytes.split_at(at);
            let events = events_of([a, b]);
            assert!(
                events == whole_events,
                "{}: split at byte {at} changed the events",
                file.name
            );
            if k % fold_every == 0 {
                same_result(&events, &format!("split at byte {at}"));
            }
        }
    }
}
