//! The fast path of [`parse_chat`](super::parse_chat): the answer read straight into the
//! normalized result by typed structs, skipping every field the result does not hold, instead
//! of building a `serde_json::Value` tree and walking it (the tree, for `raw`, is built only
//! if someone reads it: `RawJson`).
//!
//! It must give exactly what the `Value` path gives. Where the two could differ (a field of an
//! unexpected type, a repeated key, a float token count, content as parts, a usage object in
//! Responses terms, a body that is no chat answer) the typed parse fails and `parse_chat`
//! takes the `Value` path: well-formed answers take this one.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};

use super::shapes::{named, Obj, Seen, Slot, SortedEntries};
use crate::normalize::{finalize_report, index_or, split_think, verdict_names};
use crate::types::{Api, CategoryResult, ChatResult, ContentFilterReport, ToolCall, Usage};

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Option<Vec<Obj<Choice>>>,
    #[serde(default)]
    usage: Option<Obj<WireUsage>>,
    #[serde(default)]
    prompt_filter_results: Option<Vec<Obj<PromptFilter>>>,
    /// api-versions before 2023-06 named it so.
    #[serde(default)]
    prompt_annotations: Option<Vec<Obj<PromptFilter>>>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    index: Option<u64>,
    #[serde(default)]
    message: Option<Obj<Message>>,
    #[serde(default)]
    finish_reason: Option<String>,
    #[serde(default)]
    content_filter_results: Option<Verdicts>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<Obj<WireToolCall>>>,
    #[serde(default)]
    function_call: Option<Obj<WireFunction>>,
}

#[derive(Deserialize)]
struct WireToolCall {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<Obj<WireFunction>>,
}

#[derive(Deserialize)]
struct WireFunction {
    #[serde(default)]
    name: Option<String>,
    /// JSON text; a server that sends the object takes the `Value` path (it is re-serialized).
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct PromptFilter {
    #[serde(default)]
    prompt_index: Option<u64>,
    #[serde(default)]
    content_filter_results: Slot<Verdicts>,
    /// The singular of older api-versions, read when the plural is absent.
    #[serde(default)]
    content_filter_result: Option<Verdicts>,
}

/// One `content_filter_results` object: category -> verdict, in key order.
pub(crate) type Verdicts = SortedEntries<Obj<Verdict>, Category>;

/// A category name, a `'static` borrow when Azure documents it (no allocation per verdict).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Category(Cow<'static, str>);

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        named(d, verdict_names::category).map(Category)
    }
}

/// A severity level, read as [`Category`] is.
struct Severity(Cow<'static, str>);

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        named(d, verdict_names::severity).map(Severity)
    }
}

#[derive(Deserialize)]
pub(crate) struct Verdict {
    /// Absent on entries that are no verdict (`"error": {code, message}`): those are skipped.
    #[serde(default)]
    filtered: Option<bool>,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    detected: Option<bool>,
}

#[derive(Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default)]
    prompt_tokens: Slot<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
    #[serde(default)]
    prompt_tokens_details: Option<Obj<PromptDetails>>,
    #[serde(default)]
    prompt_cache_hit_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens_details: Option<Obj<CompletionDetails>>,
    #[serde(default)]
    reasoning_tokens: Option<u64>,
    /// A usage in Responses terms (`input_tokens` without `prompt_tokens`) takes the `Value` path.
    #[serde(default)]
    input_tokens: Seen,
}

#[derive(Deserialize)]
pub(crate) struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(Deserialize)]
pub(crate) struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

/// The normalized result (without `raw`), or `None` when the `Value` path must decide.
pub(super) fn parse(bytes: &[u8]) -> Option<ChatResult> {
    // The body checked as UTF-8 once, then parsed as text: `from_slice` checks every string
    // on its own (75 of them in a 1.2 KB answer, 7k instructions); a body that is not UTF-8
    // goes to the `Value` path, which refuses it as before.
    let text = std::str::from_utf8(bytes).ok()?;
    let Obj(answer) = serde_json::from_str::<Obj<Answer>>(text).ok()?;
    let choices = answer.choices?;
    if choices.is_empty() && answer.usage.is_none() {
        return None;
    }
    let usage = match answer.usage {
        Some(Obj(u)) => usage(u)?,
        None => Usage::default(),
    };
    let mut report = ContentFilterReport::default();
    for filters in [answer.prompt_filter_results, answer.prompt_annotations]
        .into_iter()
        .flatten()
    {
        push_prompt_filters(filters, &mut report);
    }
    let mut first = None;
    for (position, Obj(choice)) in choices.into_iter().enumerate() {
        let index = index_or(choice.index, position);
        push_verdicts(
            "completion",
            index,
            choice.content_filter_results,
            &mut report,
        );
        if position == 0 {
            first = Some((choice.message, choice.finish_reason));
        }
    }
    finalize_report(&mut report);

    let mut result = ChatResult {
        id: answer.id.unwrap_or_default(),
        model: answer.model.unwrap_or_default(),
        api: Some(Api::Chat),
        usage,
        content_filter: report,
        ..ChatResult::default()
    };
    if let Some((message, finish_reason)) = first {
        if let Some(Obj(message)) = message {
            let (reasoning, text, tool_calls) = message_parts(message);
            result.reasoning = reasoning;
            result.text = text;
            result.tool_calls = tool_calls;
        }
        result.finish_reason = finish_reason.map(|reason| match reason.as_str() {
            "max_output_tokens" | "max_tokens" => "length".to_string(),
            _ => reason,
        });
    }
    Some(result)
}

/// (reasoning, text, tool calls) of the first choice's message, as `parse_chat` reads them.
fn message_parts(m: Message) -> (Option<String>, Option<String>, Vec<ToolCall>) {
    // The first of the two that is a string decides, even when it is empty.
    let explicit_reasoning = m
        .reasoning_content
        .or(m.reasoning)
        .filter(|s| !s.is_empty());
    let (inline_reasoning, text) = match m.content {
        Some(content) if !content.trim_start().starts_with("<think>") => (None, Some(content)),
        Some(content) => split_think(&content),
        None => (None, None),
    };
    let mut calls: Vec<ToolCall> = m
        .tool_calls
        .unwrap_or_default()
        .into_iter()
        .filter_map(|Obj(call)| {
            let Obj(function) = call.function?;
            Some(ToolCall {
                id: call.id.unwrap_or_default(),
                name: function.name?,
                arguments: function.arguments.unwrap_or_default(),
            })
        })
        .collect();
    if let Some(Obj(function)) = m.function_call {
        if let Some(name) = function.name {
            calls.push(ToolCall {
                id: String::new(),
                name,
                arguments: function.arguments.unwrap_or_default(),
            });
        }
    }
    (explicit_reasoning.or(inline_reasoning), text, calls)
}

/// Appends the verdicts of a `prompt_filter_results` array, as
/// [`normalize::prompt_filter_results`](crate::normalize::prompt_filter_results) reads it.
pub(crate) fn push_prompt_filters(
    filters: Vec<Obj<PromptFilter>>,
    report: &mut ContentFilterReport,
) {
    for (position, Obj(item)) in filters.into_iter().enumerate() {
        let index = index_or(item.prompt_index, position);
        let verdicts = match item.content_filter_results {
            Slot::Given(v) => Some(v),
            Slot::Null => None,
            Slot::Absent => item.content_filter_result,
        };
        push_verdicts("prompt", index, verdicts, report);
    }
}

/// The normalized usage, or `None` when the `Value` path must read it (Responses terms).
pub(crate) fn usage(u: WireUsage) -> Option<Usage> {
    if matches!(u.prompt_tokens, Slot::Absent) && u.input_tokens.0 {
        return None;
    }
    let input_tokens = match u.prompt_tokens {
        Slot::Given(n) => n,
        _ => 0,
    };
    let output_tokens = u.completion_tokens.unwrap_or(0);
    Some(Usage {
        input_tokens,
        cached_input_tokens: u
            .prompt_tokens_details
            .and_then(|Obj(d)| d.cached_tokens)
            .or(u.prompt_cache_hit_tokens)
            .unwrap_or(0),
        output_tokens,
        reasoning_tokens: u
            .completion_tokens_details
            .and_then(|Obj(d)| d.reasoning_tokens)
            .or(u.reasoning_tokens)
            .unwrap_or(0),
        total_tokens: u
            .total_tokens
            .unwrap_or_else(|| input_tokens.saturating_add(output_tokens)),
    })
}

pub(crate) fn push_verdicts(
    source: &'static str,
    index: u32,
    verdicts: Option<Verdicts>,
    report: &mut ContentFilterReport,
) {
    let Some(SortedEntries(entries)) = verdicts else {
        return;
    };
    report.results.reserve(entries.len());
    for (Category(category), Obj(verdict)) in entries {
        let Some(filtered) = verdict.filtered else {
            continue;
        };
        report.results.push(CategoryResult {
            source: Cow::Borrowed(source),
            index,
            category,
            filtered,
            severity: verdict.severity.map(|Severity(s)| s),
            detected: verdict.detected,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use serde_json::{json, Value};

    use super::parse;
    use crate::types::ChatResult;
    use crate::wire::chat::parse_chat_tree;

    /// The normalized fields of a result (everything but `raw`), to compare the two paths.
    fn normalized(mut r: ChatResult) -> Value {
        r.raw = Default::default();
        serde_json::to_value(&r).expect("a result serializes")
    }

    /// Whenever the typed parse answers, it answers what the `Value` path does.
    fn agrees(body: &[u8]) -> bool {
        let Some(typed) = parse(body) else {
            return false;
        };
        let tree =
            parse_chat_tree(body).expect("the typed parse took a body the Value path refuses");
        assert_eq!(
            normalized(typed),
            normalized(tree),
            "{}",
            String::from_utf8_lossy(body)
        );
        true
    }

    fn azure(extra: Value) -> Value {
        let mut answer = json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
            "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {
                "hate": {"filtered": false, "severity": "safe"},
                "jailbreak": {"filtered": false, "detected": false},
                "self_harm": {"filtered": false, "severity": "safe"}}}],
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                "message": {"role": "assistant", "content": "Hi \"there\" \u{e9}\n", "refusal": null},
                "content_filter_results": {
                    "violence": {"filtered": false, "severity": "low"},
                    "protected_material_text": {"filtered": false, "detected": false},
                    "hate": {"filtered": true, "severity": "high"}}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
                "prompt_tokens_details": {"cached_tokens": 2, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 1, "audio_tokens": 0}},
            "system_fingerprint": "fp_x"
        });
        if let (Some(a), Some(e)) = (answer.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                a.insert(k.clone(), v.clone());
            }
        }
        answer
    }

    #[test]
    fn well_formed_answers_take_the_typed_path_and_agree() {
        let message = |m: Value| json!({"choices": [{"index": 0, "message": m, "finish_reason": "tool_calls"}]});
        let bodies = [
            azure(json!({})),
            azure(
                json!({"usage": null, "choices": [{"message": {"content": null, "reasoning_content": "", "reasoning": "r"}, "finish_reason": "max_tokens"}]}),
            ),
            azure(
                json!({"usage": {"prompt_tokens": null, "completion_tokens": 3, "prompt_tokens_details": null, "prompt_cache_hit_tokens": 4, "reasoning_tokens": 2}}),
            ),
            azure(json!({"usage": {"prompt_tokens": 7, "input_tokens": 9}})),
            azure(json!({"choices": [], "usage": {"prompt_tokens": 3}})),
            azure(
                json!({"prompt_filter_results": null, "prompt_annotations": [{"content_filter_results": {"sexual": {"filtered": true, "severity": "medium"}}}]}),
            ),
            azure(
                json!({"prompt_filter_results": [{"prompt_index": 4, "content_filter_result": {"hate": {"filtered": false}}},
                {"content_filter_results": null, "content_filter_result": {"hate": {"filtered": true}}},
                {"content_filter_results": {"zeta": {"filtered": false}, "alpha": {"filtered": true}, "error": {"code": "x", "message": "y"}}}]}),
            ),
            azure(
                json!({"choices": [{"index": 99_999_999_999_u64, "message": {"content": "<think>\nplan\n</think>\n\nDone"}},
                {"message": {"content": "second"}, "content_filter_results": {"b": {"filtered": true}, "a": {"filtered": false, "severity": "safe"}}},
                {"index": 7, "message": null, "content_filter_results": null}]}),
            ),
            message(json!({"content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}},
                {"id": null, "function": {"name": "g", "arguments": null}},
                {"function": null}, {"id": "x", "function": {"arguments": "{}"}}, {"id": "y"}],
                "function_call": {"name": "legacy", "arguments": "{}"}})),
            message(json!({"content": "text", "function_call": null, "tool_calls": null})),
            json!({"choices": [{"message": {"content": "<think>cut off"}}]}),
            json!({"choices": [{}]}),
        ];
        for body in bodies {
            assert!(
                agrees(body.to_string().as_bytes()),
                "typed path not taken: {body}"
            );
        }
    }

    /// Known names cost no allocation on either path; unknown and escaped ones read alike.
    #[test]
    fn verdict_names_are_static_when_known_and_kept_when_not() {
        let body = br#"{"prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {
            "h\u0061te": {"filtered": true, "severity": "hi\u0067h"},
            "jailbreak": {"filtered": false, "detected": false}}}],
            "choices": [{"index": 0, "message": {"content": "x"}, "content_filter_results": {
                "brand_new": {"filtered": true, "severity": "extreme"},
                "violence": {"filtered": false, "severity": "safe"}}}]}"#;
        assert!(agrees(body), "typed path not taken");
        let typed = parse(body).expect("typed parse");
        let tree = parse_chat_tree(body).expect("Value parse");
        for report in [&typed.content_filter, &tree.content_filter] {
            let owned: Vec<&str> = report
                .results
                .iter()
                .flat_map(|r| [Some(&r.source), Some(&r.category), r.severity.as_ref()])
                .flatten()
                .chain(&report.categories)
                .filter(|name| matches!(name, Cow::Owned(_)))
                .map(|name| &**name)
                .collect();
            assert_eq!(owned, ["brand_new", "extreme", "brand_new"]);
            assert_eq!(report.categories, ["brand_new", "hate"]);
        }
    }

    #[test]
    fn what_the_typed_parse_cannot_read_alike_goes_the_value_way() {
        let bodies: Vec<&[u8]> = vec![
            br#"{"choices": [{"message": {"content": [{"type": "text", "text": "parts"}]}}]}"#,
            br#"{"choices": [{"content_filter_results": {"hate": {"filtered": true}, "hate": {"filtered": false}}}]}"#,
            br#"{"choices": [{"content_filter_results": {"hate": [true]}}]}"#,
            br#"{"choices": [{"content_filter_results": {"hate": "x"}}]}"#,
            br#"{"choices": [], "choices": [{}]}"#,
            br#"{"choices": [{"message": {"content": "a"}}], "usage": {"prompt_tokens": 3.0}}"#,
            br#"{"choices": [{}], "usage": {"input_tokens": 5, "output_tokens": 6}}"#,
            br#"{"choices": [{"message": {"tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]}}]}"#,
            br#"{"choices": [{"message": {"tool_calls": {}}}]}"#,
            br#"{"choices": [null]}"#,
            br#"{"choices": [{"index": -1}]}"#,
            br#"{"id": 5, "choices": [{}]}"#,
            br#"{"choices": []}"#,
            br#"[{"choices": []}]"#,
            br#"{"error": {"message": "upstream failed"}}"#,
            b"{",
        ];
        for body in bodies {
            assert!(!agrees(body), "{}", String::from_utf8_lossy(body));
        }
    }

    /// Every recorded chat answer (../shared/corpus, as `tests/corpus_bodies.rs` reads it)
    /// that the typed parse takes, it reads as the `Value` path does; the Azure ones it takes.
    #[test]
    fn recorded_answers_agree() {
        let Some(files) = crate::recorded_corpus::files() else {
            return;
        };
        let mut taken = 0;
        for (name, path) in files {
            if !(name.starts_with("chat_") && name.ends_with(".json")) {
                continue;
            }
            let body = std::fs::read(&path).expect("corpus file is readable");
            if agrees(&body) {
                taken += 1;
            } else {
                assert!(
                    !name.starts_with("chat_azure"),
                    "{name} took the Value path"
                );
            }
        }
        assert!(taken > 0, "no recorded chat answer took the typed path");
    }
}
