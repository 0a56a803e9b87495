//! Responses-API stream events (`response.*`), named by `event:` lines (Azure, OpenAI) or
//! only by their `type` field (some proxies strip the `event:` lines).

use serde_json::Value;

use super::{failure, is_empty, non_empty, parse_json, StreamIdentity};
use crate::normalize;
use crate::sse::SseEvent;
use crate::types::{ChatChunk, ContentFilterReport, ToolCallDelta};
use crate::{Error, Result};

/// Written between two reasoning parts (summary parts, or reasoning-text parts of different
/// items), the way a whole answer's parts are joined, so a folded stream equals it.
pub(crate) const REASONING_PART_SEPARATOR: &str = "\n\n";

/// Per-stream state of a Responses stream.
#[derive(Debug, Default)]
pub(super) struct ResponsesStreamState {
    /// Function-call output items in arrival order: a call's position is its tool index.
    calls: Vec<FunctionCallItem>,
    /// Which reasoning part the last reasoning delta belonged to.
    reasoning_part: Option<ReasoningPart>,
}

#[derive(Debug)]
struct FunctionCallItem {
    output_index: Option<u64>,
    item_id: String,
    /// Argument deltas arrived (otherwise `output_item.done` supplies the arguments).
    arguments_seen: bool,
}

#[derive(Debug, PartialEq)]
struct ReasoningPart {
    item_id: String,
    output_index: Option<u64>,
    event: String,
    part: Option<u64>,
}

impl ResponsesStreamState {
    pub fn decode(
        &mut self,
        ev: &SseEvent,
        stream: &mut StreamIdentity<'_>,
        out: &mut Vec<ChatChunk>,
    ) -> Result<()> {
        let data = ev.data.trim();
        if data.is_empty() || data == "[DONE]" {
            return Ok(()); // not part of the Responses protocol; some proxies append it
        }
        let v = parse_json("responses", ev)?;
        let kind = v
            .get("type")
            .and_then(Value::as_str)
            .or(ev.event.as_deref())
            .unwrap_or_default();
        let mut chunk = stream.chunk();
        match kind {
            "response.created" | "response.in_progress" => {
                learn_from_response(stream, &v);
            }
            "response.output_text.delta" => chunk.text = delta_text(&v),
            "response.reasoning_summary_text.delta" => {
                chunk.reasoning = self.reasoning_delta(&v, kind, "summary_index");
            }
            "response.reasoning_text.delta" => {
                chunk.reasoning = self.reasoning_delta(&v, kind, "content_index");
            }
            "response.output_item.added" => {
                if let Some(call) = self.call_added(&v) {
                    chunk.tool_calls.push(call);
                }
            }
            "response.function_call_arguments.delta" => {
                if let Some(arguments) = delta_text(&v) {
                    let index = self.call_index(&v);
                    if let Some(call) = self.calls.get_mut(index as usize) {
                        call.arguments_seen = true;
                    }
                    chunk.tool_calls.push(ToolCallDelta {
                        index,
                        arguments: Some(arguments),
                        ..Default::default()
                    });
                }
            }
            "response.output_item.done" => {
                if let Some(call) = self.call_done(&v) {
                    chunk.tool_calls.push(call);
                }
            }
            "response.completed" | "response.incomplete" => {
                learn_from_response(stream, &v);
                *stream.done = true;
                chunk = stream.chunk();
                self.finish_chunk(kind, &v, &mut chunk);
            }
            "response.failed" => {
                learn_from_response(stream, &v);
                *stream.done = true;
                let err = v.pointer("/response/error").unwrap_or(&Value::Null);
                let e = failure::in_band_error(err, "no error message");
                let message = format!("the response failed: {}", e.message);
                return Err(Error::new(e.kind(), message).with_code(e.code.clone()));
            }
            "error" => {
                // `{type: "error", code, message}`, or the error nested under `error`.
                let err = v.get("error").filter(|e| e.is_object()).unwrap_or(&v);
                return Err(failure::in_band_error(
                    err,
                    "the service reported an error mid-stream",
                ));
            }
            // created/in_progress aside, the rest (content_part.*, *.done, annotations,
            // reasoning_summary_part.*, refusal...) repeat what the deltas carried.
            _ => {}
        }
        if !is_empty(&chunk) {
            chunk.raw = v.into();
            out.push(chunk);
        }
        Ok(())
    }

    /// A reasoning delta, preceded by the part separator when it starts a new part.
    fn reasoning_delta(&mut self, v: &Value, kind: &str, part_key: &str) -> Option<String> {
        let delta = delta_text(v)?;
        let part = ReasoningPart {
            item_id: v
                .get("item_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            output_index: v.get("output_index").and_then(Value::as_u64),
            event: kind.to_string(),
            part: v.get(part_key).and_then(Value::as_u64),
        };
        let new_part = self
            .reasoning_part
            .as_ref()
            .is_some_and(|last| *last != part);
        self.reasoning_part = Some(part);
        Some(if new_part {
            format!("{REASONING_PART_SEPARATOR}{delta}")
        } else {
            delta
        })
    }

    /// `output_item.added` of a `function_call` item: the call's id and name.
    fn call_added(&mut self, v: &Value) -> Option<ToolCallDelta> {
        let item = v.get("item").filter(|i| is_function_call(i))?;
        let index = self.register_call(v, item);
        let arguments = text(item.get("arguments"));
        if let Some(call) = self.calls.get_mut(index as usize) {
            call.arguments_seen = arguments.is_some();
        }
        Some(ToolCallDelta {
            index,
            id: call_id(item),
            name: text(item.get("name")),
            arguments,
        })
    }

    /// `output_item.done` of a `function_call` item: only what no earlier event carried
    /// (a server that streams no argument deltas still delivers the arguments here).
    fn call_done(&mut self, v: &Value) -> Option<ToolCallDelta> {
        let item = v.get("item").filter(|i| is_function_call(i))?;
        let arguments = text(item.get("arguments"));
        match self.find_call(v) {
            Some(index) => {
                let call = self.calls.get_mut(index)?;
                if call.arguments_seen || arguments.is_none() {
                    return None;
                }
                call.arguments_seen = true;
                let index = u32::try_from(index).ok()?;
                Some(ToolCallDelta {
                    index,
                    arguments,
                    ..Default::default()
                })
            }
            None => {
                let index = self.register_call(v, item);
                if let Some(call) = self.calls.get_mut(index as usize) {
                    call.arguments_seen = true;
                }
                Some(ToolCallDelta {
                    index,
                    id: call_id(item),
                    name: text(item.get("name")),
                    arguments,
                })
            }
        }
    }

    fn register_call(&mut self, v: &Value, item: &Value) -> u32 {
        let index = u32::try_from(self.calls.len()).unwrap_or(u32::MAX);
        self.calls.push(FunctionCallItem {
            output_index: v.get("output_index").and_then(Value::as_u64),
            item_id: item
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            arguments_seen: false,
        });
        index
    }

    /// The call an event (`item_id` / `output_index`) refers to.
    fn find_call(&self, v: &Value) -> Option<usize> {
        let item_id = v
            .get("item_id")
            .or_else(|| v.pointer("/item/id"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let output_index = v.get("output_index").and_then(Value::as_u64);
        self.calls.iter().position(|c| match item_id {
            Some(id) => c.item_id == id,
            None => output_index.is_some() && c.output_index == output_index,
        })
    }

    /// The tool index an arguments delta belongs to; an unannounced call gets a new one.
    fn call_index(&mut self, v: &Value) -> u32 {
        match self.find_call(v) {
            Some(index) => u32::try_from(index).unwrap_or(u32::MAX),
            None => {
                let item =
                    serde_json::json!({ "id": v.get("item_id").cloned().unwrap_or(Value::Null) });
                self.register_call(v, &item)
            }
        }
    }

    /// `response.completed` / `response.incomplete`: finish reason, usage, content filters.
    fn finish_chunk(&self, kind: &str, v: &Value, chunk: &mut ChatChunk) {
        let response = v.get("response").unwrap_or(&Value::Null);
        let status = response.get("status").and_then(Value::as_str);
        let finish_reason = if kind == "response.incomplete" || status == Some("incomplete") {
            let reason = response
                .pointer("/incomplete_details/reason")
                .and_then(Value::as_str);
            // An incomplete answer without a reason ran out of output tokens.
            normalize::normalize_finish_reason(reason.unwrap_or("max_output_tokens"))
        } else if !self.calls.is_empty() || has_function_call(response) {
            "tool_calls".to_string()
        } else {
            "stop".to_string()
        };
        chunk.finish_reason = Some(finish_reason);
        if let Some(usage) = response.get("usage").filter(|u| u.is_object()) {
            chunk.usage = Some(normalize::usage_from_responses(usage));
        }
        let mut report = ContentFilterReport::default();
        if let Some(filters) = response.get("content_filters") {
            normalize::responses_content_filters(filters, &mut report);
        }
        if !report.results.is_empty() || report.filtered {
            normalize::finalize_report(&mut report);
            chunk.content_filter = Some(report);
        }
    }
}

fn learn_from_response(stream: &mut StreamIdentity<'_>, v: &Value) {
    let response = v.get("response").unwrap_or(&Value::Null);
    stream.learn(
        response.get("id").and_then(Value::as_str),
        response.get("model").and_then(Value::as_str),
    );
}

fn delta_text(v: &Value) -> Option<String> {
    non_empty(v.get("delta").and_then(Value::as_str)?.to_string())
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn is_function_call(item: &Value) -> bool {
    item.get("type").and_then(Value::as_str) == Some("function_call")
}

/// The id a tool result must quote is `call_id`; the item's own `id` (`fc_...`) is a fallback.
fn call_id(item: &Value) -> Option<String> {
    text(item.get("call_id")).or_else(|| text(item.get("id")))
}

fn has_function_call(response: &Value) -> bool {
    response
        .get("output")
        .and_then(Value::as_array)
        .is_some_and(|items| items.iter().any(is_function_call))
}
