//! One result shape whatever the API: the pieces every parser (whole answers and stream
//! chunks alike) shares: token usage, content-filter verdicts, finish reasons, inline
//! `<think>` reasoning, cost, and the thinking-model failure test.
//!
//! Every function here reads service JSON defensively: a missing field, a `null` or a value
//! of the wrong type counts as absent, never as a panic.

use std::borrow::Cow;

use serde_json::Value;

use crate::config::Pricing;
use crate::types::{CategoryResult, ChatResult, ContentFilterReport, Usage};

pub(crate) mod verdict_names;

/// A token count from any JSON number: integers as is, non-negative floats truncated
/// (some OpenAI-compatible servers write `12.0`), anything else as absent.
pub(crate) fn token_count(v: &Value) -> Option<u64> {
    if let Some(n) = v.as_u64() {
        return Some(n);
    }
    let f = v.as_f64()?;
    if f.is_finite() && f >= 0.0 {
        // Saturating float-to-int cast: a huge float becomes u64::MAX rather than panicking.
        Some(f as u64)
    } else {
        None
    }
}

fn count_at(v: &Value, path: &[&str]) -> Option<u64> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    token_count(cur)
}

/// Usage of a chat-completions answer or stream chunk (`v` is its `usage` object).
///
/// Reads `prompt_tokens_details.cached_tokens` (Azure, OpenAI) or DeepSeek's
/// `prompt_cache_hit_tokens`, and `completion_tokens_details.reasoning_tokens` or the
/// top-level `reasoning_tokens` Azure AI Foundry's DeepSeek deployments send. A missing
/// `total_tokens` is computed. A Responses-style object (`input_tokens`) is read as such,
/// since some OpenAI-compatible servers mix the two.
pub fn usage_from_chat(v: &Value) -> Usage {
    if v.get("prompt_tokens").is_none() && v.get("input_tokens").is_some() {
        return usage_from_responses(v);
    }
    let input_tokens = count_at(v, &["prompt_tokens"]).unwrap_or(0);
    let output_tokens = count_at(v, &["completion_tokens"]).unwrap_or(0);
    let cached_input_tokens = count_at(v, &["prompt_tokens_details", "cached_tokens"])
        .or_else(|| count_at(v, &["prompt_cache_hit_tokens"]))
        .unwrap_or(0);
    let reasoning_tokens = count_at(v, &["completion_tokens_details", "reasoning_tokens"])
        .or_else(|| count_at(v, &["reasoning_tokens"]))
        .unwrap_or(0);
    let total_tokens = count_at(v, &["total_tokens"])
        .unwrap_or_else(|| input_tokens.saturating_add(output_tokens));
    Usage {
        input_tokens,
        cached_input_tokens,
        output_tokens,
        reasoning_tokens,
        total_tokens,
    }
}

/// Usage of a Responses-API answer (`v` is its `usage` object).
pub fn usage_from_responses(v: &Value) -> Usage {
    let input_tokens = count_at(v, &["input_tokens"]).unwrap_or(0);
    let output_tokens = count_at(v, &["output_tokens"]).unwrap_or(0);
    let total_tokens = count_at(v, &["total_tokens"])
        .unwrap_or_else(|| input_tokens.saturating_add(output_tokens));
    Usage {
        input_tokens,
        cached_input_tokens: count_at(v, &["input_tokens_details", "cached_tokens"]).unwrap_or(0),
        output_tokens,
        reasoning_tokens: count_at(v, &["output_tokens_details", "reasoning_tokens"]).unwrap_or(0),
        total_tokens,
    }
}

/// Appends the verdicts of one `content_filter_results` object. Entries that are not a
/// verdict (Azure sends `"error": {code, message}` when the filter itself failed) are skipped.
fn push_category_results(
    source: Cow<'static, str>,
    index: u32,
    v: &Value,
    report: &mut ContentFilterReport,
) {
    let Some(map) = v.as_object() else {
        return;
    };
    for (category, verdict) in map {
        let Some(filtered) = verdict.get("filtered").and_then(Value::as_bool) else {
            continue;
        };
        report.results.push(CategoryResult {
            source: source.clone(),
            index,
            category: verdict_names::category(category),
            filtered,
            severity: verdict
                .get("severity")
                .and_then(Value::as_str)
                .map(verdict_names::severity),
            detected: verdict.get("detected").and_then(Value::as_bool),
        });
    }
}

/// An item's `index` (`prompt_index`, a choice's or a tool-call fragment's), or its position
/// in its array when it has none or one beyond `u32`. The typed parses use it too.
pub(crate) fn index_or(index: Option<u64>, position: usize) -> u32 {
    index
        .and_then(|i| u32::try_from(i).ok())
        .unwrap_or_else(|| u32::try_from(position).unwrap_or(u32::MAX))
}

/// Reads a chat answer's `prompt_filter_results` array (`null` or absent is fine: Azure AI
/// Foundry's partner models send `null`). Each entry is `{prompt_index, content_filter_results}`;
/// the singular `content_filter_result` of older api-versions is accepted too.
pub fn prompt_filter_results(v: &Value, report: &mut ContentFilterReport) {
    let Some(items) = v.as_array() else {
        return;
    };
    for (position, item) in items.iter().enumerate() {
        let index = index_or(item.get("prompt_index").and_then(Value::as_u64), position);
        let results = item
            .get("content_filter_results")
            .or_else(|| item.get("content_filter_result"))
            .unwrap_or(&Value::Null);
        push_category_results(Cow::Borrowed("prompt"), index, results, report);
    }
}

/// Reads one choice's `content_filter_results` (`{}` on tool-call and finish chunks, or null).
pub fn choice_filter_results(index: u32, v: &Value, report: &mut ContentFilterReport) {
    push_category_results(Cow::Borrowed("completion"), index, v, report);
}

/// Reads the newer Azure Responses `content_filters` array: entries of
/// `{blocked, source_type: "prompt"|"completion", content_filter_results}`. Entries are
/// numbered per source in order. A `blocked: true` entry marks the report filtered even when
/// no single category says so.
pub fn responses_content_filters(v: &Value, report: &mut ContentFilterReport) {
    let Some(items) = v.as_array() else {
        return;
    };
    let (mut prompts, mut completions) = (0u32, 0u32);
    for item in items {
        let source = verdict_names::source(
            item.get("source_type")
                .and_then(Value::as_str)
                .unwrap_or("completion"),
        );
        let counter = if source == "prompt" {
            &mut prompts
        } else {
            &mut completions
        };
        let index = *counter;
        *counter = counter.saturating_add(1);
        if item.get("blocked").and_then(Value::as_bool) == Some(true) {
            report.filtered = true;
        }
        let results = item.get("content_filter_results").unwrap_or(&Value::Null);
        push_category_results(source, index, results, report);
    }
}

/// Sets `filtered` (kept if already set by a `blocked` flag) and the sorted, unique names
/// of the categories that filtered.
pub fn finalize_report(report: &mut ContentFilterReport) {
    let mut categories: Vec<Cow<'static, str>> = report
        .results
        .iter()
        .filter(|r| r.filtered)
        .map(|r| r.category.clone())
        .collect();
    categories.sort();
    categories.dedup();
    report.filtered = report.filtered || !categories.is_empty();
    report.categories = categories;
}

/// One vocabulary of finish reasons: chat values pass as is; the Responses API's
/// `incomplete_details.reason` values map onto the chat ones.
pub fn normalize_finish_reason(s: &str) -> String {
    match s {
        "max_output_tokens" | "max_tokens" => "length".to_string(),
        other => other.to_string(),
    }
}

const THINK_OPEN: &str = "<think>";
const THINK_CLOSE: &str = "</think>";

/// Splits the inline `<think>...</think>` block some reasoning models (DeepSeek-R1, Qwen,
/// served without a reasoning parser) put at the start of `content`.
///
/// Returns `(reasoning, remaining text)`. Without a leading tag: `(None, Some(text))`. An
/// unclosed tag means the model ran out of tokens while thinking: all of it is reasoning and
/// there is no text. An empty remainder is `None`.
pub fn split_think(text: &str) -> (Option<String>, Option<String>) {
    let Some(after_open) = text.trim_start().strip_prefix(THINK_OPEN) else {
        return (None, Some(text.to_string()));
    };
    let (reasoning, rest) = match after_open.find(THINK_CLOSE) {
        Some(end) => (
            &after_open[..end],
            Some(&after_open[end + THINK_CLOSE.len()..]),
        ),
        None => (after_open, None),
    };
    let reasoning = reasoning.trim();
    let reasoning = (!reasoning.is_empty()).then(|| reasoning.to_string());
    let rest = rest
        .map(str::trim_start)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    (reasoning, rest)
}

/// The call's cost in USD from per-1M prices: uncached input, cached input (at the cached
/// price, or the input price when none is set) and output (reasoning included).
pub fn cost_usd(usage: &Usage, pricing: &Pricing) -> f64 {
    let cached = usage.cached_input_tokens.min(usage.input_tokens);
    let uncached = usage.input_tokens - cached;
    let cached_price = pricing.cached_input.unwrap_or(pricing.input);
    (uncached as f64 * pricing.input
        + cached as f64 * cached_price
        + usage.output_tokens as f64 * pricing.output)
        / 1_000_000.0
}

/// The thinking-model failure: the answer ended on the token limit with no text and no
/// tool call, i.e. every output token went to reasoning (`content: null`).
pub fn reasoning_exhausted(result: &ChatResult) -> bool {
    result.finish_reason.as_deref() == Some("length")
        && matches!(result.text.as_deref(), None | Some(""))
        && result.tool_calls.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chat_usage_reads_details() {
        let u = usage_from_chat(&json!({
            "prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150,
            "prompt_tokens_details": {"cached_tokens": 40},
            "completion_tokens_details": {"reasoning_tokens": 30}
        }));
        assert_eq!(
            u,
            Usage {
                input_tokens: 100,
                cached_input_tokens: 40,
                output_tokens: 50,
                reasoning_tokens: 30,
                total_tokens: 150
            }
        );
    }

    #[test]
    fn chat_usage_reads_deepseek_fields_and_nulls() {
        let u = usage_from_chat(&json!({
            "prompt_tokens": 19, "completion_tokens": 1720,
            "prompt_tokens_details": null, "reasoning_tokens": 12,
            "prompt_cache_hit_tokens": 7
        }));
        assert_eq!(u.cached_input_tokens, 7);
        assert_eq!(u.reasoning_tokens, 12);
        assert_eq!(u.total_tokens, 1739, "missing total is computed");
    }

    #[test]
    fn chat_usage_tolerates_garbage() {
        assert_eq!(usage_from_chat(&Value::Null), Usage::default());
        let u = usage_from_chat(&json!({"prompt_tokens": "12", "completion_tokens": -3.0,
            "total_tokens": 1e300, "prompt_tokens_details": [1]}));
        assert_eq!(u.input_tokens, 0);
        assert_eq!(u.output_tokens, 0);
        assert_eq!(u.total_tokens, u64::MAX);
        let u = usage_from_chat(&json!({"prompt_tokens": 3.0, "completion_tokens": 4}));
        assert_eq!((u.input_tokens, u.total_tokens), (3, 7));
    }

    #[test]
    fn chat_usage_accepts_responses_names() {
        let u = usage_from_chat(&json!({"input_tokens": 5, "output_tokens": 6}));
        assert_eq!(
            (u.input_tokens, u.output_tokens, u.total_tokens),
            (5, 6, 11)
        );
    }

    #[test]
    fn responses_usage() {
        let u = usage_from_responses(&json!({
            "input_tokens": 32, "input_tokens_details": {"cached_tokens": 8},
            "output_tokens": 1095, "output_tokens_details": {"reasoning_tokens": 1088},
            "total_tokens": 1127
        }));
        assert_eq!(
            (
                u.input_tokens,
                u.cached_input_tokens,
                u.output_tokens,
                u.reasoning_tokens,
                u.total_tokens
            ),
            (32, 8, 1095, 1088, 1127)
        );
    }

    #[test]
    fn filter_results_collect_categories() {
        let mut r = ContentFilterReport::default();
        prompt_filter_results(
            &json!([{"prompt_index": 0, "content_filter_results": {
                "hate": {"filtered": false, "severity": "safe"},
                "jailbreak": {"filtered": true, "detected": true}}}]),
            &mut r,
        );
        choice_filter_results(
            0,
            &json!({"violence": {"filtered": true, "severity": "high"},
                    "error": {"code": "x", "message": "y"}}),
            &mut r,
        );
        choice_filter_results(1, &json!({}), &mut r);
        choice_filter_results(2, &Value::Null, &mut r);
        prompt_filter_results(&Value::Null, &mut r);
        finalize_report(&mut r);
        assert!(r.filtered);
        assert_eq!(r.categories, vec!["jailbreak", "violence"]);
        assert_eq!(r.results.len(), 3);
        let jb = r
            .results
            .iter()
            .find(|c| c.category == "jailbreak")
            .map(|c| (&*c.source, c.detected));
        assert_eq!(jb, Some(("prompt", Some(true))));
        let v = r
            .results
            .iter()
            .find(|c| c.category == "violence")
            .map(|c| (&*c.source, c.severity.as_deref()));
        assert_eq!(v, Some(("completion", Some("high"))));
    }

    #[test]
    fn responses_filters_and_blocked_flag() {
        let mut r = ContentFilterReport::default();
        responses_content_filters(
            &json!([
                {"blocked": false, "source_type": "prompt",
                 "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}}},
                {"blocked": true, "source_type": "completion", "content_filter_results": {}},
                "junk", null
            ]),
            &mut r,
        );
        finalize_report(&mut r);
        assert!(r.filtered, "blocked marks the report filtered");
        assert!(r.categories.is_empty());
        assert_eq!(r.results.len(), 1);
        assert_eq!(r.results[0].source, "prompt");
    }

    #[test]
    fn clean_report_is_not_filtered() {
        let mut r = ContentFilterReport::default();
        choice_filter_results(
            0,
            &json!({"hate": {"filtered": false, "severity": "safe"}}),
            &mut r,
        );
        finalize_report(&mut r);
        assert!(!r.filtered);
        assert!(r.categories.is_empty());
    }

    #[test]
    fn finish_reasons() {
        assert_eq!(normalize_finish_reason("stop"), "stop");
        assert_eq!(normalize_finish_reason("tool_calls"), "tool_calls");
        assert_eq!(normalize_finish_reason("max_output_tokens"), "length");
        assert_eq!(normalize_finish_reason("content_filter"), "content_filter");
    }

    #[test]
    fn think_split() {
        assert_eq!(
            split_think("<think>\nplan\n</think>\n\nAnswer"),
            (Some("plan".into()), Some("Answer".into()))
        );
        assert_eq!(split_think("plain"), (None, Some("plain".into())));
        assert_eq!(
            split_think("a <think>x</think>"),
            (None, Some("a <think>x</think>".into()))
        );
        assert_eq!(
            split_think("<think>cut off"),
            (Some("cut off".into()), None)
        );
        assert_eq!(split_think("<think>x</think>   "), (Some("x".into()), None));
        assert_eq!(split_think("<think></think>hi"), (None, Some("hi".into())));
    }

    #[test]
    fn cost() {
        let usage = Usage {
            input_tokens: 1_000_000,
            cached_input_tokens: 400_000,
            output_tokens: 500_000,
            reasoning_tokens: 0,
            total_tokens: 1_500_000,
        };
        let p = Pricing {
            input: 2.0,
            cached_input: Some(0.5),
            output: 8.0,
        };
        assert!((cost_usd(&usage, &p) - (1.2 + 0.2 + 4.0)).abs() < 1e-9);
        let p = Pricing {
            input: 2.0,
            cached_input: None,
            output: 8.0,
        };
        assert!((cost_usd(&usage, &p) - (2.0 + 4.0)).abs() < 1e-9);
        let odd = Usage {
            input_tokens: 1,
            cached_input_tokens: 10,
            ..Usage::default()
        };
        assert!(
            cost_usd(&odd, &p) >= 0.0,
            "cached above input never goes negative"
        );
    }

    #[test]
    fn exhausted_reasoning() {
        let mut r = ChatResult {
            finish_reason: Some("length".into()),
            ..ChatResult::default()
        };
        assert!(reasoning_exhausted(&r));
        r.text = Some(String::new());
        assert!(reasoning_exhausted(&r));
        r.text = Some("partial".into());
        assert!(!reasoning_exhausted(&r));
        r.text = None;
        r.finish_reason = Some("stop".into());
        assert!(!reasoning_exhausted(&r));
        r.finish_reason = Some("length".into());
        r.tool_calls.push(crate::types::ToolCall {
            id: "c".into(),
            name: "f".into(),
            arguments: "{".into(),
        });
        assert!(!reasoning_exhausted(&r));
    }
}
