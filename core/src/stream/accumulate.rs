//! Folds a stream's chunks back into one [`ChatResult`], so that a streamed answer ends
//! with the same normalized fields as the same answer unstreamed.

use serde_json::Value;

use crate::normalize;
use crate::raw_json::RawJson;
use crate::types::{CategoryResult, ChatChunk, ChatResult, ContentFilterReport, ToolCall, Usage};

/// Accumulates [`ChatChunk`]s: text and reasoning concatenated, tool calls assembled by
/// index, the last finish reason and usage, content-filter verdicts merged.
///
/// It knows no prices and no attempts: the caller sets `cost_usd`, `attempts`, `tried`,
/// `api` and `request_id`. `raw` is the Responses API's final `response` object (the whole
/// answer), or for chat the last chunk that carried a finish reason or usage.
#[derive(Debug, Default)]
pub struct StreamAccumulator {
    id: String,
    model: String,
    deployment: String,
    text: Option<String>,
    reasoning: Option<String>,
    /// Kept sorted by tool index.
    tool_calls: Vec<(u32, ToolCall)>,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    content_filter: ContentFilterReport,
    raw: RawJson,
}

impl StreamAccumulator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds in the next chunk.
    pub fn push(&mut self, chunk: &ChatChunk) {
        for (mine, theirs) in [
            (&mut self.id, &chunk.id),
            (&mut self.model, &chunk.model),
            (&mut self.deployment, &chunk.deployment),
        ] {
            if mine.is_empty() && !theirs.is_empty() {
                mine.clone_from(theirs);
            }
        }
        append(&mut self.text, chunk.text.as_deref());
        append(&mut self.reasoning, chunk.reasoning.as_deref());
        for delta in &chunk.tool_calls {
            let position = match self
                .tool_calls
                .binary_search_by_key(&delta.index, |(i, _)| *i)
            {
                Ok(position) => position,
                Err(position) => {
                    let empty = ToolCall {
                        id: String::new(),
                        name: String::new(),
                        arguments: String::new(),
                    };
                    self.tool_calls.insert(position, (delta.index, empty));
                    position
                }
            };
            if let Some((_, call)) = self.tool_calls.get_mut(position) {
                set_once(&mut call.id, delta.id.as_deref());
                set_once(&mut call.name, delta.name.as_deref());
                call.arguments
                    .push_str(delta.arguments.as_deref().unwrap_or_default());
            }
        }
        if let Some(reason) = &chunk.finish_reason {
            self.finish_reason = Some(reason.clone());
        }
        if let Some(usage) = chunk.usage {
            self.usage = Some(usage);
        }
        if let Some(report) = &chunk.content_filter {
            merge_report(&mut self.content_filter, report);
        }
        // A Responses event is always a tree already; a chat chunk read by the typed reader is
        // not, and is no Responses event: it is not parsed to find out.
        if let Some(response) = chunk.raw.tree().and_then(terminal_response) {
            self.raw = response.clone().into();
        } else if chunk.finish_reason.is_some() || chunk.usage.is_some() {
            self.raw = chunk.raw.clone();
        }
    }

    /// The folded result.
    pub fn finish(self) -> ChatResult {
        let mut content_filter = self.content_filter;
        normalize::finalize_report(&mut content_filter);
        ChatResult {
            id: self.id,
            model: self.model,
            deployment: self.deployment,
            text: self.text,
            reasoning: self.reasoning,
            tool_calls: self.tool_calls.into_iter().map(|(_, call)| call).collect(),
            finish_reason: self.finish_reason,
            usage: self.usage.unwrap_or_default(),
            content_filter,
            raw: self.raw,
            ..Default::default()
        }
    }
}

fn append(total: &mut Option<String>, piece: Option<&str>) {
    if let Some(piece) = piece.filter(|p| !p.is_empty()) {
        total.get_or_insert_with(String::new).push_str(piece);
    }
}

fn set_once(field: &mut String, value: Option<&str>) {
    if let Some(value) = value.filter(|v| !v.is_empty() && field.is_empty()) {
        *field = value.to_string();
    }
}

/// The whole `response` object of a Responses stream's final event.
fn terminal_response(raw: &Value) -> Option<&Value> {
    match raw.get("type").and_then(Value::as_str) {
        Some("response.completed" | "response.incomplete") => raw.get("response"),
        _ => None,
    }
}

/// Merges verdicts: Azure repeats a verdict per category on every content chunk, so one
/// verdict per (source, index, category) is kept, holding the worst of what was reported.
fn merge_report(total: &mut ContentFilterReport, report: &ContentFilterReport) {
    total.filtered |= report.filtered;
    for verdict in &report.results {
        let same = total.results.iter_mut().find(|r| {
            r.source == verdict.source && r.index == verdict.index && r.category == verdict.category
        });
        match same {
            Some(kept) => worsen(kept, verdict),
            None => total.results.push(verdict.clone()),
        }
    }
}

fn worsen(kept: &mut CategoryResult, verdict: &CategoryResult) {
    kept.filtered |= verdict.filtered;
    if let Some(detected) = verdict.detected {
        kept.detected = Some(kept.detected.unwrap_or(false) | detected);
    }
    if severity_rank(verdict.severity.as_deref()) > severity_rank(kept.severity.as_deref()) {
        kept.severity.clone_from(&verdict.severity);
    }
}

fn severity_rank(severity: Option<&str>) -> u8 {
    match severity {
        None => 0,
        Some("safe") => 1,
        Some("low") => 2,
        Some("medium") => 3,
        Some("high") => 4,
        Some(_) => 1,
    }
}
