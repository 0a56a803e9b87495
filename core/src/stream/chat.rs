//! Chat-completions stream chunks (`chat.completion.chunk`), as Azure OpenAI, OpenAI,
//! DeepSeek and Azure AI Foundry's partner models send them.
//!
//! Each event is read into [`ChunkParts`] by one of two readers, and the chunk is assembled
//! from those parts. The typed reader (`chat_typed`) reads the event's text straight into the
//! parts, borrowing its strings; the `Value` reader walks a JSON tree and decides whatever the
//! typed one refuses (an in-band error, a field of another type). Well-formed events take the
//! typed path, and the chunk keeps the event's bytes as `raw`, parsed into a tree only if read.

use std::borrow::Cow;

use bytes::Bytes;
use serde_json::Value;

use super::think::{Split, ThinkSplitter};
use super::{chat_typed, failure, is_empty, non_empty, parse_json, StreamIdentity};
use crate::normalize::{self, index_or};
use crate::raw_json::RawJson;
use crate::sse::SseEvent;
use crate::types::{ChatChunk, ContentFilterReport, ToolCallDelta, Usage};
use crate::Result;

/// Per-stream state of a chat stream.
#[derive(Debug, Default)]
pub(super) struct ChatStreamState {
    /// Azure's first chunk (`choices: []`, `id: ""`) carries only the prompt verdicts: they
    /// wait here and ride on the next chunk that is emitted, so no empty chunk surfaces.
    prompt_filter: ContentFilterReport,
    think: ThinkSplitter,
}

/// What one chunk says, as either reader found it. Prompt verdicts go straight to the
/// stream's pending report.
#[derive(Debug, Default, PartialEq)]
pub(super) struct ChunkParts<'a> {
    pub id: Option<Cow<'a, str>>,
    pub model: Option<Cow<'a, str>>,
    /// The first choice's `delta.content`.
    pub content: Option<Cow<'a, str>>,
    /// `reasoning_content` (DeepSeek, Foundry), else `reasoning` (vLLM, OpenRouter).
    pub native_reasoning: Option<Cow<'a, str>>,
    pub tool_calls: Vec<ToolCallDelta>,
    pub finish_reason: Option<Cow<'a, str>>,
    /// The first choice's verdicts.
    pub verdicts: ContentFilterReport,
    pub usage: Option<Usage>,
}

impl ChatStreamState {
    pub fn decode(
        &mut self,
        ev: SseEvent,
        stream: &mut StreamIdentity<'_>,
        out: &mut Vec<ChatChunk>,
    ) -> Result<()> {
        let data = ev.data.trim();
        if data == "[DONE]" {
            *stream.done = true;
            return Ok(());
        }
        if data.is_empty() {
            return Ok(());
        }
        if let Some(parts) = chat_typed::read(&ev.data, &mut self.prompt_filter) {
            if let Some(mut chunk) = self.assemble(parts, stream) {
                chunk.raw = RawJson::from_bytes(Bytes::from(ev.data));
                out.push(chunk);
            }
            return Ok(());
        }
        let v = parse_json("chat", &ev)?;
        let parts = read_tree(&v, &mut self.prompt_filter)?;
        if let Some(mut chunk) = self.assemble(parts, stream) {
            chunk.raw = v.into();
            out.push(chunk);
        }
        Ok(())
    }

    /// The chunk the parts make, or `None` when it would carry nothing (role-only and
    /// empty-content chunks, Azure's prompt-verdict chunk).
    fn assemble(
        &mut self,
        parts: ChunkParts<'_>,
        stream: &mut StreamIdentity<'_>,
    ) -> Option<ChatChunk> {
        stream.learn(parts.id.as_deref(), parts.model.as_deref());
        let mut chunk = stream.chunk();
        let mut split = Split::default();
        let mut reasoning = String::new();
        if let Some(content) = &parts.content {
            self.think.push(content, &mut split);
        }
        if let Some(native) = &parts.native_reasoning {
            reasoning.push_str(native);
        }
        chunk.tool_calls = parts.tool_calls;
        if let Some(reason) = parts.finish_reason {
            // The answer is over: nothing may stay held back behind its last chunk.
            self.think.flush(&mut split);
            chunk.finish_reason = Some(normalize::normalize_finish_reason(&reason));
        }
        reasoning.push_str(&split.reasoning);
        chunk.text = non_empty(split.text);
        chunk.reasoning = non_empty(reasoning);
        chunk.usage = parts.usage;
        let mut report = parts.verdicts;
        if !report.results.is_empty() {
            normalize::finalize_report(&mut report);
            chunk.content_filter = Some(report);
        }
        if is_empty(&chunk) {
            return None;
        }
        self.attach_prompt_filter(&mut chunk);
        Some(chunk)
    }

    /// End of body: releases held-back content and prompt verdicts nothing carried yet.
    pub fn flush(&mut self, stream: &StreamIdentity<'_>, out: &mut Vec<ChatChunk>) {
        let mut split = Split::default();
        self.think.flush(&mut split);
        let mut chunk = stream.chunk();
        chunk.text = non_empty(split.text);
        chunk.reasoning = non_empty(split.reasoning);
        self.attach_prompt_filter(&mut chunk);
        if !is_empty(&chunk) {
            out.push(chunk);
        }
    }

    fn attach_prompt_filter(&mut self, chunk: &mut ChatChunk) {
        if self.prompt_filter.results.is_empty() && !self.prompt_filter.filtered {
            return;
        }
        let mut report = std::mem::take(&mut self.prompt_filter);
        if let Some(completion) = chunk.content_filter.take() {
            report.filtered |= completion.filtered;
            report.results.extend(completion.results);
        }
        normalize::finalize_report(&mut report);
        chunk.content_filter = Some(report);
    }
}

/// The `Value` reader: any chunk, however shaped; fails on a chunk that holds `error`.
pub(super) fn read_tree<'a>(
    v: &'a Value,
    prompt: &mut ContentFilterReport,
) -> Result<ChunkParts<'a>> {
    if let Some(err) = v.get("error").filter(|e| e.is_object()) {
        return Err(failure::in_band_error(
            err,
            "the service reported an error mid-stream",
        ));
    }
    let text = |v: &'a Value, key: &str| v.get(key).and_then(Value::as_str).map(Cow::Borrowed);
    let mut parts = ChunkParts {
        id: text(v, "id"),
        model: text(v, "model"),
        ..ChunkParts::default()
    };
    if let Some(verdicts) = v.get("prompt_filter_results") {
        normalize::prompt_filter_results(verdicts, prompt);
    }
    // A chunk carries one answer: the first choice (index 0); `n > 1` streams interleave
    // other indexes that the single-answer result has no place for.
    let first_choice = v
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|choices| choices.iter().find(|c| choice_index(c) == 0));
    if let Some(choice) = first_choice {
        let delta = choice.get("delta").unwrap_or(&Value::Null);
        parts.content = text(delta, "content");
        parts.native_reasoning =
            text(delta, "reasoning_content").or_else(|| text(delta, "reasoning"));
        if let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) {
            parts.tool_calls = calls
                .iter()
                .enumerate()
                .map(tool_call_delta)
                .filter(carries_something)
                .collect();
        }
        parts.finish_reason = text(choice, "finish_reason");
        if let Some(verdicts) = choice.get("content_filter_results") {
            normalize::choice_filter_results(0, verdicts, &mut parts.verdicts);
        }
    }
    // `usage: null` rides on every chunk when `include_usage` is set; only the last has it.
    if let Some(usage) = v.get("usage").filter(|u| u.is_object()) {
        parts.usage = Some(normalize::usage_from_chat(usage));
    }
    Ok(parts)
}

/// A tool-call fragment is kept when it says anything.
pub(super) fn carries_something(d: &ToolCallDelta) -> bool {
    d.id.is_some() || d.name.is_some() || d.arguments.is_some()
}

fn choice_index(choice: &Value) -> u64 {
    choice.get("index").and_then(Value::as_u64).unwrap_or(0)
}

/// One `delta.tool_calls[]` entry: `index` says which call a fragment belongs to (the id and
/// name come once, in the call's first fragment).
fn tool_call_delta((position, call): (usize, &Value)) -> ToolCallDelta {
    let function = call.get("function").unwrap_or(&Value::Null);
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    ToolCallDelta {
        index: index_or(call.get("index").and_then(Value::as_u64), position),
        id: text(call.get("id")),
        name: text(function.get("name")),
        arguments: text(function.get("arguments")),
    }
}
