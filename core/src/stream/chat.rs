//! Chat-completions stream chunks (`chat.completion.chunk`), as Azure OpenAI, OpenAI,
//! DeepSeek and Azure AI Foundry's partner models send them.

use serde_json::Value;

use super::think::{Split, ThinkSplitter};
use super::{failure, is_empty, non_empty, parse_json, StreamIdentity};
use crate::normalize;
use crate::sse::SseEvent;
use crate::types::{ChatChunk, ContentFilterReport, ToolCallDelta};
use crate::Result;

/// Per-stream state of a chat stream.
#[derive(Debug, Default)]
pub(super) struct ChatStreamState {
    /// Azure's first chunk (`choices: []`, `id: ""`) carries only the prompt verdicts: they
    /// wait here and ride on the next chunk that is emitted, so no empty chunk surfaces.
    prompt_filter: ContentFilterReport,
    think: ThinkSplitter,
}

impl ChatStreamState {
    pub fn decode(
        &mut self,
        ev: &SseEvent,
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
        let v = parse_json("chat", ev)?;
        if let Some(err) = v.get("error").filter(|e| e.is_object()) {
            return Err(failure::in_band_error(
                err,
                "the service reported an error mid-stream",
            ));
        }
        stream.learn(
            v.get("id").and_then(Value::as_str),
            v.get("model").and_then(Value::as_str),
        );
        if let Some(prompt) = v.get("prompt_filter_results") {
            normalize::prompt_filter_results(prompt, &mut self.prompt_filter);
        }

        let mut chunk = stream.chunk();
        let mut split = Split::default();
        let mut reasoning = String::new();
        let mut report = ContentFilterReport::default();
        // A chunk carries one answer: the first choice (index 0); `n > 1` streams interleave
        // other indexes that the single-answer result has no place for.
        let first_choice = v
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|choices| choices.iter().find(|c| choice_index(c) == 0));
        if let Some(choice) = first_choice {
            let delta = choice.get("delta").unwrap_or(&Value::Null);
            if let Some(content) = delta.get("content").and_then(Value::as_str) {
                self.think.push(content, &mut split);
            }
            // DeepSeek and Foundry say `reasoning_content`; vLLM / OpenRouter style servers say `reasoning`.
            let native = delta
                .get("reasoning_content")
                .and_then(Value::as_str)
                .or_else(|| delta.get("reasoning").and_then(Value::as_str));
            if let Some(native) = native {
                reasoning.push_str(native);
            }
            if let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) {
                chunk.tool_calls = calls
                    .iter()
                    .enumerate()
                    .map(tool_call_delta)
                    .filter(|d| d.id.is_some() || d.name.is_some() || d.arguments.is_some())
                    .collect();
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                // The answer is over: nothing may stay held back behind its last chunk.
                self.think.flush(&mut split);
                chunk.finish_reason = Some(normalize::normalize_finish_reason(reason));
            }
            if let Some(verdicts) = choice.get("content_filter_results") {
                normalize::choice_filter_results(0, verdicts, &mut report);
            }
        }
        reasoning.push_str(&split.reasoning);
        chunk.text = non_empty(split.text);
        chunk.reasoning = non_empty(reasoning);
        // `usage: null` rides on every chunk when `include_usage` is set; only the last has it.
        if let Some(usage) = v.get("usage").filter(|u| u.is_object()) {
            chunk.usage = Some(normalize::usage_from_chat(usage));
        }
        if !report.results.is_empty() {
            normalize::finalize_report(&mut report);
            chunk.content_filter = Some(report);
        }
        if is_empty(&chunk) {
            return Ok(()); // role-only and empty-content chunks
        }
        self.attach_prompt_filter(&mut chunk);
        chunk.raw = v;
        out.push(chunk);
        Ok(())
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
        index: call
            .get("index")
            .and_then(Value::as_u64)
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or_else(|| u32::try_from(position).unwrap_or(u32::MAX)),
        id: text(call.get("id")),
        name: text(function.get("name")),
        arguments: text(function.get("arguments")),
    }
}
