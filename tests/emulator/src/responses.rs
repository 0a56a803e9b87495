//! The Responses API: the same deterministic answer rendered as Azure's response object
//! (corpus/responses_azure_*.json) or its event stream (corpus/stream_azure_responses_1.sse,
//! stream_openai_responses_gpt5_reasoning_1.sse for the reasoning summary events).

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::api::{self, Ctx};
use crate::chat::content_text;
use crate::errors::{self, CHOICE_KEYS, PROMPT_KEYS};
use crate::json::{j, null, obj, J};
use crate::model::{self, Answer, Ask, Conversation, Finish};
use crate::reply::Reply;
use crate::sse;
use crate::text;

pub fn serve(ctx: &mut Ctx) -> Reply {
    match answer(ctx) {
        Ok(r) | Err(r) => r,
    }
}

fn answer(ctx: &mut Ctx) -> Result<Reply, Reply> {
    let body = ctx.object()?;
    let d = ctx.resolve(&body)?;
    let mut conversation = Conversation::default();
    match body.get("instructions") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => conversation.add("system", s),
        Some(other) => return Err(errors::invalid_type("instructions", "a string", other)),
    }
    match body.get("input") {
        None | Some(Value::Null) => return Err(errors::missing_parameter("input")),
        Some(Value::String(s)) => conversation.add("user", s),
        Some(Value::Array(items)) => read_items(items, &mut conversation)?,
        Some(other) => return Err(errors::invalid_type("input", "a string or an array", other)),
    }
    let stream = api::flag(&body, "stream")?;
    // The service's floor for max_output_tokens is 16.
    let requested = api::budget(&body, "max_output_tokens", 16)?;
    if let Some(v) = body.get("tools").filter(|v| !v.is_null() && !v.is_array()) {
        return Err(errors::invalid_type("tools", "an array", v));
    }

    ctx.admit(
        conversation
            .prompt_words
            .saturating_add(requested.unwrap_or(0)),
    )?;
    if text::prompt_trigger(&conversation.prompt_text).is_some() {
        return Err(errors::responses_content_filter());
    }

    let format = body
        .get("text")
        .and_then(|t| t.pointer("/format/type"))
        .and_then(Value::as_str);
    let ask = Ask {
        deployment: &d,
        conversation: &conversation,
        tools: model::tool_specs(body.get("tools")),
        tool_choice: model::tool_choice(body.get("tool_choice")),
        json: matches!(format, Some("json_object" | "json_schema")),
        budget: requested.unwrap_or(model::DEFAULT_BUDGET),
    };
    let a = model::answer(&ask);
    let r = Render {
        request_id: ctx.request_id.clone(),
        model: d.model.clone(),
        thinking: d.thinking,
        body,
        created: api::now_secs(),
    };
    if stream {
        Ok(Reply::events(r.events(&a)))
    } else {
        Ok(Reply::json(200, r.response(Some(&a)).to_pretty()))
    }
}

/// Input items: messages (string or parts content), function calls and their outputs.
fn read_items(items: &[Value], c: &mut Conversation) -> Result<(), Reply> {
    for (i, item) in items.iter().enumerate() {
        let Value::Object(o) = item else {
            return Err(errors::invalid_type(
                &format!("input[{i}]"),
                "an object",
                item,
            ));
        };
        match o.get("type").and_then(Value::as_str).unwrap_or("message") {
            "message" => {
                let role = match o.get("role") {
                    Some(Value::String(r)) => r.as_str(),
                    _ => return Err(errors::missing_parameter(&format!("input[{i}].role"))),
                };
                c.add(role, &content_text(o.get("content")));
            }
            "function_call_output" => {
                let output = match o.get("output") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Array(_)) => content_text(o.get("output")),
                    Some(other) => other.to_string(),
                    None => return Err(errors::missing_parameter(&format!("input[{i}].output"))),
                };
                c.add("tool", &output);
            }
            "function_call" => c.add_silent(),
            // Reasoning items and other replayed output carry nothing the model reads.
            _ => {}
        }
    }
    Ok(())
}

struct Render {
    request_id: String,
    model: String,
    thinking: bool,
    body: Map<String, Value>,
    created: u64,
}

/// The request's value, echoed, or the service's default.
fn echo(body: &Map<String, Value>, key: &str, default: J) -> J {
    match body.get(key) {
        Some(v) if !v.is_null() => J::Val(v.clone()),
        _ => default,
    }
}

impl Render {
    fn id(&self, prefix: &str, index: usize) -> String {
        text::item_id(prefix, &self.request_id, index)
    }

    fn usage(a: &Answer) -> J {
        obj([
            ("input_tokens", j(a.prompt_tokens)),
            ("input_tokens_details", obj([("cached_tokens", j(0))])),
            ("output_tokens", j(a.completion_tokens)),
            (
                "output_tokens_details",
                obj([("reasoning_tokens", j(a.reasoning_tokens))]),
            ),
            ("total_tokens", j(a.prompt_tokens + a.completion_tokens)),
        ])
    }

    /// The output items, in order: reasoning, then the message or the function call.
    fn items(&self, a: &Answer) -> Vec<J> {
        let mut items = Vec::new();
        if let Some(r) = &a.reasoning {
            items.push(self.reasoning_item(r));
        }
        if let Some(call) = &a.tool_call {
            items.push(self.call_item(&call.arguments, &call.name, "completed"));
        }
        if let Some(c) = &a.content {
            let status = if a.finish == Finish::Stop {
                "completed"
            } else {
                "incomplete"
            };
            items.push(self.message_item(status, vec![output_text(c)]));
        }
        items
    }

    fn reasoning_item(&self, summary: &str) -> J {
        let parts = if summary.is_empty() {
            vec![]
        } else {
            vec![summary_text(summary)]
        };
        obj([
            ("id", j(self.id("rs", 0))),
            ("type", j("reasoning")),
            ("summary", J::Arr(parts)),
        ])
    }

    fn call_item(&self, arguments: &str, name: &str, status: &str) -> J {
        obj([
            ("id", j(self.id("fc", 1))),
            ("type", j("function_call")),
            ("status", j(status)),
            ("arguments", j(arguments)),
            ("call_id", j("call_emu_1")),
            ("name", j(name)),
        ])
    }

    fn message_item(&self, status: &str, content: Vec<J>) -> J {
        obj([
            ("id", j(self.id("msg", 1))),
            ("type", j("message")),
            ("status", j(status)),
            ("content", J::Arr(content)),
            ("role", j("assistant")),
        ])
    }

    /// The response object; `None` is the in-progress one the stream opens with.
    fn response(&self, a: Option<&Answer>) -> J {
        let b = &self.body;
        let (status, incomplete) = match a.map(|a| a.finish) {
            None => ("in_progress", null()),
            Some(Finish::Length) => ("incomplete", obj([("reason", j("max_output_tokens"))])),
            Some(Finish::ContentFilter) => ("incomplete", obj([("reason", j("content_filter"))])),
            Some(_) => ("completed", null()),
        };
        let reasoning = match self.thinking {
            true => obj([
                (
                    "effort",
                    j(b.get("reasoning")
                        .and_then(|r| r.get("effort"))
                        .and_then(Value::as_str)
                        .unwrap_or("medium")),
                ),
                (
                    "summary",
                    b.get("reasoning")
                        .and_then(|r| r.get("summary"))
                        .cloned()
                        .map(J::Val)
                        .unwrap_or_else(null),
                ),
            ]),
            false => obj([("effort", null()), ("summary", null())]),
        };
        let text_format = b
            .get("text")
            .and_then(|t| t.get("format"))
            .cloned()
            .map(J::Val)
            .unwrap_or_else(|| obj([("type", j("text"))]));
        let content_filters = match a {
            Some(a) if a.finish == Finish::ContentFilter => self.content_filters(a),
            _ => null(),
        };
        obj([
            ("id", j(self.id("resp", 0))),
            ("object", j("response")),
            ("created_at", j(self.created)),
            ("status", j(status)),
            ("background", j(false)),
            ("content_filters", content_filters),
            ("error", null()),
            ("incomplete_details", incomplete),
            ("instructions", echo(b, "instructions", null())),
            ("max_output_tokens", echo(b, "max_output_tokens", null())),
            ("max_tool_calls", echo(b, "max_tool_calls", null())),
            ("model", j(self.model.as_str())),
            (
                "output",
                J::Arr(a.map(|a| self.items(a)).unwrap_or_default()),
            ),
            (
                "parallel_tool_calls",
                echo(b, "parallel_tool_calls", j(true)),
            ),
            (
                "previous_response_id",
                echo(b, "previous_response_id", null()),
            ),
            ("prompt_cache_key", echo(b, "prompt_cache_key", null())),
            ("reasoning", reasoning),
            ("safety_identifier", echo(b, "safety_identifier", null())),
            (
                "service_tier",
                j(if a.is_some() { "default" } else { "auto" }),
            ),
            ("store", echo(b, "store", j(true))),
            ("temperature", echo(b, "temperature", j(1.0))),
            (
                "text",
                obj([("format", text_format), ("verbosity", j("medium"))]),
            ),
            ("tool_choice", echo(b, "tool_choice", j("auto"))),
            ("tools", echo(b, "tools", J::Arr(vec![]))),
            ("top_logprobs", echo(b, "top_logprobs", j(0))),
            ("top_p", echo(b, "top_p", j(1.0))),
            ("truncation", echo(b, "truncation", j("disabled"))),
            ("usage", a.map(Self::usage).unwrap_or_else(null)),
            ("user", echo(b, "user", null())),
            ("metadata", echo(b, "metadata", obj([]))),
        ])
    }

    /// The newer `content_filters` array (corpus/responses_azure_content_filters_function_call_1)
    /// with the completion entry blocked.
    fn content_filters(&self, a: &Answer) -> J {
        let keys = match a.filtered {
            Some(c) if !CHOICE_KEYS.contains(&c.key()) => PROMPT_KEYS,
            _ => CHOICE_KEYS,
        };
        let entry = |source: &str, blocked: bool, results: J, end: usize| {
            obj([
                ("blocked", j(blocked)),
                ("source_type", j(source)),
                ("content_filter_raw", null()),
                ("content_filter_results", results),
                (
                    "content_filter_offsets",
                    obj([
                        ("start_offset", j(0)),
                        ("end_offset", j(end)),
                        ("check_offset", j(0)),
                    ]),
                ),
            ])
        };
        let out_len = a.content.as_deref().map(str::len).unwrap_or(0);
        J::Arr(vec![
            entry(
                "prompt",
                false,
                errors::filter_results(PROMPT_KEYS, None, "safe"),
                0,
            ),
            entry(
                "completion",
                true,
                errors::filter_results(keys, a.filtered, "high"),
                out_len,
            ),
        ])
    }

    /// The event sequence, numbered from 0, ending with `response.completed` (or
    /// `response.incomplete`); no `[DONE]`, as recorded.
    fn events(&self, a: &Answer) -> Vec<Bytes> {
        let mut out = Vec::new();
        let mut seq = 0u64;
        let mut emit = |name: &'static str, fields: Vec<(&'static str, J)>| {
            let mut all = vec![("type", j(name)), ("sequence_number", j(seq))];
            all.extend(fields);
            out.push(sse::event(name, &J::Obj(all).compact()));
            seq += 1;
        };
        let opening = self.response(None);
        emit("response.created", vec![("response", opening.clone())]);
        emit("response.in_progress", vec![("response", opening)]);
        let mut index = 0usize;
        let obf = |n: usize| text::obfuscation(&self.request_id, n);

        if let Some(r) = &a.reasoning {
            let id = self.id("rs", 0);
            emit(
                "response.output_item.added",
                vec![
                    ("output_index", j(index)),
                    (
                        "item",
                        obj([
                            ("id", j(id.as_str())),
                            ("type", j("reasoning")),
                            ("summary", J::Arr(vec![])),
                        ]),
                    ),
                ],
            );
            let at = |id: &str| {
                vec![
                    ("item_id", j(id)),
                    ("output_index", j(index)),
                    ("summary_index", j(0)),
                ]
            };
            let mut f = at(&id);
            f.push(("part", obj([("type", j("summary_text")), ("text", j(""))])));
            emit("response.reasoning_summary_part.added", f);
            for (n, piece) in text::pieces(r).into_iter().enumerate() {
                let mut f = at(&id);
                f.push(("delta", j(piece)));
                f.push(("obfuscation", j(obf(n))));
                emit("response.reasoning_summary_text.delta", f);
            }
            let mut f = at(&id);
            f.push(("text", j(r.as_str())));
            emit("response.reasoning_summary_text.done", f);
            let mut f = at(&id);
            f.push(("part", summary_text(r)));
            emit("response.reasoning_summary_part.done", f);
            emit(
                "response.output_item.done",
                vec![("output_index", j(index)), ("item", self.reasoning_item(r))],
            );
            index += 1;
        }

        if let Some(call) = &a.tool_call {
            let id = self.id("fc", 1);
            emit(
                "response.output_item.added",
                vec![
                    ("output_index", j(index)),
                    ("item", self.call_item("", &call.name, "in_progress")),
                ],
            );
            for (n, frag) in text::fragments(&call.arguments, 5).into_iter().enumerate() {
                emit(
                    "response.function_call_arguments.delta",
                    vec![
                        ("item_id", j(id.as_str())),
                        ("output_index", j(index)),
                        ("delta", j(frag)),
                        ("obfuscation", j(obf(n))),
                    ],
                );
            }
            emit(
                "response.function_call_arguments.done",
                vec![
                    ("item_id", j(id.as_str())),
                    ("output_index", j(index)),
                    ("arguments", j(call.arguments.as_str())),
                ],
            );
            emit(
                "response.output_item.done",
                vec![
                    ("output_index", j(index)),
                    (
                        "item",
                        self.call_item(&call.arguments, &call.name, "completed"),
                    ),
                ],
            );
        }

        if let Some(c) = &a.content {
            let id = self.id("msg", 1);
            let at = |id: &str| {
                vec![
                    ("item_id", j(id)),
                    ("output_index", j(index)),
                    ("content_index", j(0)),
                ]
            };
            emit(
                "response.output_item.added",
                vec![
                    ("output_index", j(index)),
                    ("item", self.message_item("in_progress", vec![])),
                ],
            );
            let mut f = at(&id);
            f.push(("part", output_text("")));
            emit("response.content_part.added", f);
            for (n, piece) in text::pieces(c).into_iter().enumerate() {
                let mut f = at(&id);
                f.push(("delta", j(piece)));
                f.push(("logprobs", J::Arr(vec![])));
                f.push(("obfuscation", j(obf(n))));
                emit("response.output_text.delta", f);
            }
            let mut f = at(&id);
            f.push(("text", j(c.as_str())));
            f.push(("logprobs", J::Arr(vec![])));
            emit("response.output_text.done", f);
            let mut f = at(&id);
            f.push(("part", output_text(c)));
            emit("response.content_part.done", f);
            let status = if a.finish == Finish::Stop {
                "completed"
            } else {
                "incomplete"
            };
            emit(
                "response.output_item.done",
                vec![
                    ("output_index", j(index)),
                    ("item", self.message_item(status, vec![output_text(c)])),
                ],
            );
        }

        let last = match a.finish {
            Finish::Length | Finish::ContentFilter => "response.incomplete",
            _ => "response.completed",
        };
        emit(last, vec![("response", self.response(Some(a)))]);
        out
    }
}

fn output_text(t: &str) -> J {
    obj([
        ("type", j("output_text")),
        ("annotations", J::Arr(vec![])),
        ("logprobs", J::Arr(vec![])),
        ("text", j(t)),
    ])
}

fn summary_text(t: &str) -> J {
    obj([("type", j("summary_text")), ("text", j(t))])
}
