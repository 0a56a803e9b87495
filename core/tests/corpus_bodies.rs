//! Every non-stream JSON answer recorded from the real services (../shared/corpus) parses,
//! and its normalized fields equal the values in the payload. A missing corpus fails
//! (`foundry_emulator::corpus_dir`).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use foundry_client::view::chat_completion_view;
use foundry_client::wire::{error_from_response, parse_chat, parse_responses};
use foundry_client::{ChatResult, ErrorKind};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

fn corpus_dir() -> Option<PathBuf> {
    foundry_emulator::corpus_dir("core/tests/corpus_bodies.rs")
}

/// The corpus's JSON answers whose name starts with `prefix`, sorted.
fn corpus_files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("corpus directory is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with(prefix) && name.ends_with(".json")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no {prefix}*.json in the corpus");
    files
}

fn name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}

fn read_json(path: &Path) -> (Vec<u8>, Value) {
    let bytes = fs::read(path).expect("corpus file is readable");
    let value = serde_json::from_slice(&bytes).expect("corpus file is JSON");
    (bytes, value)
}

/// The sidecar `X.headers.txt`: its status line and headers (comment lines skipped).
fn sidecar(path: &Path) -> Option<(u16, HeaderMap)> {
    let text = fs::read_to_string(path.with_extension("headers.txt")).ok()?;
    let mut status = None;
    let mut headers = HeaderMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        if let Some(rest) = line.strip_prefix("HTTP ") {
            status = rest.split_whitespace().next().and_then(|s| s.parse().ok());
        } else if let Some((k, v)) = line.split_once(':') {
            headers.append(
                HeaderName::from_bytes(k.trim().as_bytes()).expect("header name"),
                HeaderValue::from_str(v.trim()).expect("header value"),
            );
        }
    }
    Some((status.expect("sidecar has a status line"), headers))
}

fn u(v: &Value, pointer: &str) -> u64 {
    v.pointer(pointer).and_then(Value::as_u64).unwrap_or(0)
}

/// Categories that filtered, computed straight from a `content_filter_results` object.
fn filtered_in(results: Option<&Value>, into: &mut BTreeSet<String>) {
    if let Some(map) = results.and_then(Value::as_object) {
        for (category, verdict) in map {
            if verdict.get("filtered") == Some(&Value::Bool(true)) {
                into.insert(category.clone());
            }
        }
    }
}

fn verdict_count(results: Option<&Value>) -> usize {
    results
        .and_then(Value::as_object)
        .map(|m| m.values().filter(|v| v.get("filtered").is_some()).count())
        .unwrap_or(0)
}

#[test]
fn every_chat_answer_matches_its_payload() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    for path in corpus_files(&dir, "chat_") {
        let file = name(&path);
        let (bytes, v) = read_json(&path);
        let r = parse_chat(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        let message = &v["choices"][0]["message"];
        assert_eq!(r.id, v["id"].as_str().unwrap(), "{file}: id");
        assert_eq!(r.model, v["model"].as_str().unwrap(), "{file}: model");
        assert_eq!(
            r.text.as_deref(),
            message["content"].as_str(),
            "{file}: text"
        );
        assert_eq!(
            r.reasoning.as_deref(),
            message["reasoning_content"].as_str(),
            "{file}: reasoning"
        );
        assert_eq!(
            r.finish_reason.as_deref(),
            v["choices"][0]["finish_reason"].as_str(),
            "{file}: finish"
        );
        let calls = message["tool_calls"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(r.tool_calls.len(), calls.len(), "{file}: tool call count");
        for (got, want) in r.tool_calls.iter().zip(&calls) {
            assert_eq!(got.id, want["id"].as_str().unwrap(), "{file}");
            assert_eq!(
                got.name,
                want["function"]["name"].as_str().unwrap(),
                "{file}"
            );
            assert_eq!(
                got.arguments,
                want["function"]["arguments"].as_str().unwrap(),
                "{file}"
            );
        }
        let usage = &v["usage"];
        assert_eq!(
            r.usage.input_tokens,
            u(usage, "/prompt_tokens"),
            "{file}: input"
        );
        assert_eq!(
            r.usage.output_tokens,
            u(usage, "/completion_tokens"),
            "{file}: output"
        );
        assert_eq!(
            r.usage.total_tokens,
            u(usage, "/total_tokens"),
            "{file}: total"
        );
        assert_eq!(
            r.usage.cached_input_tokens,
            u(usage, "/prompt_tokens_details/cached_tokens"),
            "{file}: cached"
        );
        assert_eq!(
            r.usage.reasoning_tokens,
            u(usage, "/completion_tokens_details/reasoning_tokens"),
            "{file}: reasoning tokens"
        );
        let mut categories = BTreeSet::new();
        let mut verdicts = 0;
        for p in v["prompt_filter_results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            filtered_in(p.get("content_filter_results"), &mut categories);
            verdicts += verdict_count(p.get("content_filter_results"));
        }
        for c in v["choices"].as_array().cloned().unwrap_or_default() {
            filtered_in(c.get("content_filter_results"), &mut categories);
            verdicts += verdict_count(c.get("content_filter_results"));
        }
        assert_eq!(
            r.content_filter.categories,
            categories.into_iter().collect::<Vec<_>>(),
            "{file}: categories"
        );
        assert_eq!(r.content_filter.results.len(), verdicts, "{file}: verdicts");
        assert_eq!(r.raw, v, "{file}: raw");
        assert!(
            !foundry_client::normalize::reasoning_exhausted(&r),
            "{file}"
        );
        // A chat answer's chat.completion view is the answer itself (no inline <think> here).
        assert_eq!(chat_completion_view(&r), v, "{file}: view");
    }
}

#[test]
fn chat_answers_known_values() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let parse = |f: &str| parse_chat(&fs::read(dir.join(f)).unwrap()).unwrap();

    let r = parse("chat_azure_gpt4omini_1.json");
    assert_eq!(r.text.as_deref(), Some("4200 + 42 equals 4242."));
    assert_eq!(
        (
            r.usage.input_tokens,
            r.usage.output_tokens,
            r.usage.total_tokens
        ),
        (16, 11, 27)
    );
    assert!(!r.content_filter.filtered);
    // Prompt: hate, jailbreak, self_harm, sexual, violence; choice: six categories.
    assert_eq!(r.content_filter.results.len(), 11);
    let jailbreak = r
        .content_filter
        .results
        .iter()
        .find(|c| c.category == "jailbreak")
        .unwrap();
    assert_eq!(
        (&*jailbreak.source, jailbreak.index, jailbreak.detected),
        ("prompt", 0, Some(false))
    );
    let code = r
        .content_filter
        .results
        .iter()
        .find(|c| c.category == "protected_material_code")
        .unwrap();
    assert_eq!(code.source, "completion");

    let r = parse("chat_azure_tool_calls_empty_cfr_1.json");
    assert_eq!(r.text, None);
    assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(r.tool_calls.len(), 2);
    assert_eq!(r.tool_calls[1].id, "call_J8hE6f1cZ8sJIzw3FCswowSI");
    assert_eq!(r.tool_calls[1].arguments, "{\"password\": \"radiance\"}");

    let r = parse("chat_deepseek_api_reasoning_content_1.json");
    assert_eq!(r.usage.reasoning_tokens, 315);
    assert!(r.reasoning.as_deref().unwrap().starts_with("We are asked"));

    let r = parse("chat_azure_foundry_deepseek_reasoning_content_1.json");
    assert_eq!(r.id, "d1d4c43a0e854cbc9a14f9099a8afb81");
    assert_eq!(
        (
            r.usage.input_tokens,
            r.usage.output_tokens,
            r.usage.total_tokens
        ),
        (19, 1969, 1988)
    );
    assert!(
        r.content_filter.results.is_empty(),
        "prompt_filter_results: null, content_filter_results: {{}}"
    );
    assert!(r.text.as_deref().unwrap().starts_with("Absolutely!"));
}

#[test]
fn every_responses_answer_matches_its_payload() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    for path in corpus_files(&dir, "responses_") {
        let file = name(&path);
        let (bytes, v) = read_json(&path);
        let r = parse_responses(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        let output = v["output"].as_array().unwrap();
        let text: String = output
            .iter()
            .filter(|i| i["type"] == "message")
            .flat_map(|i| i["content"].as_array().cloned().unwrap_or_default())
            .filter(|p| p["type"] == "output_text")
            .map(|p| p["text"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(r.text, (!text.is_empty()).then_some(text), "{file}: text");
        let summaries: Vec<String> = output
            .iter()
            .filter(|i| i["type"] == "reasoning")
            .flat_map(|i| i["summary"].as_array().cloned().unwrap_or_default())
            .map(|s| s["text"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            r.reasoning,
            (!summaries.is_empty()).then(|| summaries.join("\n\n")),
            "{file}: reasoning"
        );
        let calls: Vec<&Value> = output
            .iter()
            .filter(|i| i["type"] == "function_call")
            .collect();
        assert_eq!(r.tool_calls.len(), calls.len(), "{file}: tool calls");
        for (got, want) in r.tool_calls.iter().zip(&calls) {
            assert_eq!(got.id, want["call_id"].as_str().unwrap(), "{file}");
            assert_eq!(got.name, want["name"].as_str().unwrap(), "{file}");
            assert_eq!(got.arguments, want["arguments"].as_str().unwrap(), "{file}");
        }
        let expected_finish = match v["status"].as_str().unwrap() {
            "incomplete" => "length",
            _ if !calls.is_empty() => "tool_calls",
            _ => "stop",
        };
        assert_eq!(
            r.finish_reason.as_deref(),
            Some(expected_finish),
            "{file}: finish"
        );
        let usage = &v["usage"];
        assert_eq!(r.usage.input_tokens, u(usage, "/input_tokens"), "{file}");
        assert_eq!(r.usage.output_tokens, u(usage, "/output_tokens"), "{file}");
        assert_eq!(r.usage.total_tokens, u(usage, "/total_tokens"), "{file}");
        assert_eq!(
            r.usage.cached_input_tokens,
            u(usage, "/input_tokens_details/cached_tokens"),
            "{file}"
        );
        assert_eq!(
            r.usage.reasoning_tokens,
            u(usage, "/output_tokens_details/reasoning_tokens"),
            "{file}"
        );
        let mut categories = BTreeSet::new();
        let mut verdicts = 0;
        for f in v["content_filters"].as_array().cloned().unwrap_or_default() {
            filtered_in(f.get("content_filter_results"), &mut categories);
            verdicts += verdict_count(f.get("content_filter_results"));
        }
        assert_eq!(
            r.content_filter.categories,
            categories.into_iter().collect::<Vec<_>>(),
            "{file}"
        );
        assert_eq!(r.content_filter.results.len(), verdicts, "{file}: verdicts");
        assert_eq!(r.id, v["id"].as_str().unwrap(), "{file}");
        assert_eq!(r.model, v["model"].as_str().unwrap(), "{file}");
        assert_eq!(r.raw, v, "{file}: raw");
        check_view(&file, &r, &v);
    }
}

/// The chat.completion view of a Responses answer carries the same facts in chat's shape.
fn check_view(file: &str, r: &ChatResult, v: &Value) {
    let view = chat_completion_view(r);
    assert_eq!(view["object"], "chat.completion", "{file}");
    assert_eq!(view["id"], v["id"], "{file}");
    assert_eq!(view["created"], v["created_at"], "{file}");
    assert_eq!(view["model"], v["model"], "{file}");
    let message = &view["choices"][0]["message"];
    assert_eq!(message["role"], "assistant", "{file}");
    assert_eq!(message["content"].as_str(), r.text.as_deref(), "{file}");
    assert_eq!(
        message.get("reasoning_content").and_then(Value::as_str),
        r.reasoning.as_deref(),
        "{file}"
    );
    assert_eq!(
        view["choices"][0]["finish_reason"].as_str(),
        r.finish_reason.as_deref(),
        "{file}"
    );
    match message.get("tool_calls") {
        None => assert!(r.tool_calls.is_empty(), "{file}"),
        Some(calls) => {
            let calls = calls.as_array().unwrap();
            assert_eq!(calls.len(), r.tool_calls.len(), "{file}");
            for (view_call, call) in calls.iter().zip(&r.tool_calls) {
                assert_eq!(view_call["id"], call.id.as_str(), "{file}");
                assert_eq!(view_call["type"], "function", "{file}");
                assert_eq!(view_call["function"]["name"], call.name.as_str(), "{file}");
                assert_eq!(
                    view_call["function"]["arguments"],
                    call.arguments.as_str(),
                    "{file}"
                );
            }
        }
    }
    let usage = &view["usage"];
    assert_eq!(usage["prompt_tokens"], v["usage"]["input_tokens"], "{file}");
    assert_eq!(
        usage["completion_tokens"], v["usage"]["output_tokens"],
        "{file}"
    );
    assert_eq!(usage["total_tokens"], v["usage"]["total_tokens"], "{file}");
    assert_eq!(
        usage["prompt_tokens_details"]["cached_tokens"],
        v["usage"]["input_tokens_details"]["cached_tokens"],
        "{file}"
    );
    assert_eq!(
        usage["completion_tokens_details"]["reasoning_tokens"],
        v["usage"]["output_tokens_details"]["reasoning_tokens"],
        "{file}"
    );
}

#[test]
fn responses_answers_known_values() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let parse = |f: &str| parse_responses(&fs::read(dir.join(f)).unwrap()).unwrap();

    let r = parse("responses_azure_incomplete_max_output_tokens_1.json");
    assert_eq!(r.finish_reason.as_deref(), Some("length"));
    assert!(r.text.as_deref().unwrap().ends_with("9. Florida\n10"));
    assert!(
        !foundry_client::normalize::reasoning_exhausted(&r),
        "it wrote text"
    );

    let r = parse("responses_openai_gpt5_reasoning_summary_1.json");
    assert_eq!(r.text.as_deref(), Some("3"));
    assert_eq!(r.usage.reasoning_tokens, 1088);
    let reasoning = r.reasoning.unwrap();
    assert_eq!(
        reasoning.matches("\n\n**").count(),
        4,
        "five summaries joined by blank lines"
    );

    let r = parse("responses_openai_gpt5_reasoning_empty_summary_1.json");
    assert_eq!(r.reasoning, None);
    assert_eq!(r.text.as_deref(), Some("I don\u{2019}t remember."));

    let r = parse("responses_azure_content_filters_function_call_1.json");
    assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(r.tool_calls[0].id, "call_YunNGbIwdVJ2i0y0Mybva4Pw");
    assert_eq!(
        r.tool_calls[0].arguments,
        "{\"location\":\"San Francisco\"}"
    );
    assert!(!r.content_filter.filtered);
    let prompt = r
        .content_filter
        .results
        .iter()
        .filter(|c| c.source == "prompt")
        .count();
    let completion = r
        .content_filter
        .results
        .iter()
        .filter(|c| c.source == "completion")
        .count();
    assert_eq!((prompt, completion), (5, 6));

    let r = parse("responses_azure_reasoning_encrypted_content_1.json");
    assert!(r
        .reasoning
        .unwrap()
        .starts_with("**Compiling final result**"));
    assert_eq!(r.usage.reasoning_tokens, 64);
}

#[test]
fn every_error_body_maps_to_the_taxonomy() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    for path in corpus_files(&dir, "error_") {
        let file = name(&path);
        let (bytes, v) = read_json(&path);
        let (status, headers) =
            sidecar(&path).unwrap_or_else(|| panic!("{file}: no headers sidecar"));
        let e = error_from_response(status, &headers, &bytes);
        assert_eq!(e.status, Some(status), "{file}");
        assert_eq!(
            e.code.as_deref(),
            v["error"]["code"].as_str(),
            "{file}: code"
        );
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            e.message.ends_with(message),
            "{file}: message {}",
            e.message
        );
        let header = |n: &str| headers.get(n).map(|h| h.to_str().unwrap().to_string());
        let expected_id = header("x-request-id").or_else(|| header("apim-request-id"));
        assert!(expected_id.is_some(), "{file}");
        assert_eq!(e.request_id, expected_id, "{file}: request id");
        assert!(!e.retryable, "{file}: a 400 is never retried");
    }
}

#[test]
fn error_bodies_known_values() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let load = |f: &str| {
        let path = dir.join(f);
        let (status, headers) = sidecar(&path).unwrap();
        error_from_response(status, &headers, &fs::read(&path).unwrap())
    };

    let e = load("error_400_content_filter_chat_1.json");
    assert_eq!(e.kind(), ErrorKind::ContentFilter);
    assert_eq!(
        e.request_id.as_deref(),
        Some("0d634507-619e-4ae7-87cd-1a3ab786b3bb")
    );
    let report = e.content_filter.clone().unwrap();
    assert!(report.filtered);
    assert_eq!(report.categories, vec!["self_harm"]);
    let self_harm = report
        .results
        .iter()
        .find(|c| c.category == "self_harm")
        .unwrap();
    assert_eq!(
        (
            &*self_harm.source,
            self_harm.index,
            self_harm.severity.as_deref()
        ),
        ("prompt", 0, Some("medium"))
    );
    assert_eq!(report.results.len(), 5);
    assert!(e.to_string().contains("[filtered: self_harm]"));

    let e = load("error_400_content_filter_responses_1.json");
    assert_eq!(e.kind(), ErrorKind::ContentFilter);
    assert_eq!(
        e.request_id.as_deref(),
        Some("33976ac4-c6f0-4780-8cdd-59e3f8c3e289")
    );
    assert!(e
        .message
        .contains("OpenAI\u{2019}s content management policy"));
    let report = e.content_filter.clone().unwrap();
    assert!(
        report.filtered && report.categories.is_empty(),
        "no innererror: filtered, categories unknown"
    );

    let e = load("error_400_unknown_model_v1_1.json");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.message, "Unknown model: this-model-does-not-exist-12345");
    assert_eq!(
        e.request_id.as_deref(),
        Some("f0e0bec6-7b73-43b3-8b47-525e572daf76")
    );

    let e = load("error_400_unsupported_parameter_max_tokens_1.json");
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert!(e.message.starts_with("max_tokens: Unsupported parameter"));
    assert!(foundry_client::wire::is_unsupported_max_tokens(&e));
    assert!(!foundry_client::wire::is_operation_unsupported(&e));
    assert!(e.hint.contains("max_tokens_param: max_completion_tokens"));
    assert_eq!(
        e.request_id.as_deref(),
        Some("0120738a-be1d-40e0-8b44-5ca4ac4234a0")
    );
}

/// Every strict prefix of every corpus answer is refused as `InvalidResponse`, and every
/// node of every answer replaced by a value of the wrong type parses or is refused, never
/// panics.
#[test]
fn truncated_and_mistyped_corpus_answers_never_panic() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let mut files = corpus_files(&dir, "chat_");
    files.extend(corpus_files(&dir, "responses_"));
    files.extend(corpus_files(&dir, "error_"));
    for path in files {
        let file = name(&path);
        let (bytes, v) = read_json(&path);
        let full = String::from_utf8_lossy(&bytes).trim_end().len();
        let step = (full / 97).max(1);
        for cut in (0..full).step_by(step) {
            let prefix = &bytes[..cut];
            if !file.starts_with("error_") {
                let kind = if file.starts_with("chat_") {
                    parse_chat(prefix).map(|_| ()).unwrap_err().kind()
                } else {
                    parse_responses(prefix).map(|_| ()).unwrap_err().kind()
                };
                assert_eq!(kind, ErrorKind::InvalidResponse, "{file} cut at {cut}");
            }
            let e = error_from_response(400, &HeaderMap::new(), prefix);
            assert_eq!(e.kind(), ErrorKind::BadRequest, "{file} cut at {cut}");
        }
        let replacements = [
            Value::Null,
            Value::from(-1),
            Value::from(u64::MAX),
            Value::from(1e308),
            Value::from("x"),
            Value::Array(vec![Value::Null]),
            Value::Object(Default::default()),
        ];
        for pointer in pointers(&v) {
            for replacement in &replacements {
                let mut mutated = v.clone();
                if let Some(slot) = mutated.pointer_mut(&pointer) {
                    *slot = replacement.clone();
                }
                let body = mutated.to_string();
                let _ = parse_chat(body.as_bytes());
                let _ = parse_responses(body.as_bytes());
                let e = error_from_response(400, &HeaderMap::new(), body.as_bytes());
                assert!(!e.message.is_empty(), "{file} {pointer}");
            }
        }
    }
}

/// JSON pointers to every node below the root.
fn pointers(v: &Value) -> Vec<String> {
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    out.push(p.clone());
                    walk(child, p, out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    walk(child, p, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

#[test]
fn corpus_has_no_unhandled_json_answer() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let handled = ["chat_", "responses_", "error_"];
    for entry in fs::read_dir(&dir).unwrap() {
        let file = name(&entry.unwrap().path());
        if file.ends_with(".json") {
            assert!(
                handled.iter().any(|p| file.starts_with(p)),
                "{file}: no test reads it"
            );
        }
    }
}
