//! Chat completions: validation in the service's order, then the answer as Azure renders it,
//! whole (corpus/chat_azure_*.json) or streamed (corpus/stream_azure_*.sse).

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::api::{self, Ctx};
use crate::errors::{self, CHOICE_KEYS, CHUNK_KEYS, PROMPT_KEYS};
use crate::inference;
use crate::json::{j, null, obj, J};
use crate::model::{self, Answer, Ask, Conversation, Finish};
use crate::reply::Reply;
use crate::routes::Shape;
use crate::sse;
use crate::text::{self, Category};

/// The OpenAI chat parameters; the inference endpoint rejects others unless told to pass them.
pub const CHAT_PARAMS: &[&str] = &[
    "model",
    "messages",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "n",
    "stream",
    "stream_options",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "user",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "seed",
    "reasoning_effort",
    "metadata",
    "store",
    "prediction",
    "modalities",
    "audio",
    "service_tier",
    "prompt_cache_key",
    "safety_identifier",
    "verbosity",
];

pub fn serve(ctx: &mut Ctx) -> Reply {
    match answer(ctx) {
        Ok(r) | Err(r) => r,
    }
}

fn answer(ctx: &mut Ctx) -> Result<Reply, Reply> {
    let body = ctx.object()?;
    let d = ctx.resolve(&body)?;
    if d.responses_only {
        return Err(errors::operation_not_supported(&d.model));
    }
    if ctx.route.shape == Shape::Inference {
        inference::check_extra(ctx, &body, CHAT_PARAMS)?;
    }
    // gpt-5-family deployments reject max_tokens before anything else, streams included.
    if d.rejects_max_tokens && body.get("max_tokens").is_some_and(|v| !v.is_null()) {
        return Err(errors::unsupported_max_tokens());
    }
    let messages = match body.get("messages") {
        None | Some(Value::Null) => return Err(errors::missing_messages()),
        Some(Value::Array(m)) if m.is_empty() => {
            return Err(errors::invalid_request(
                "[] is too short - 'messages'",
                Some("messages"),
                Some("empty_array"),
            ))
        }
        Some(Value::Array(m)) => m,
        Some(other) => return Err(errors::invalid_type("messages", "an array", other)),
    };
    let stream = api::flag(&body, "stream")?;
    let max_tokens = api::budget(&body, "max_tokens", 1)?;
    let max_completion = api::budget(&body, "max_completion_tokens", 1)?;
    let requested = max_completion.or(max_tokens);
    let conversation = conversation(messages)?;
    if let Some(v) = body.get("tools").filter(|v| !v.is_null() && !v.is_array()) {
        return Err(errors::invalid_type("tools", "an array", v));
    }

    ctx.admit(
        conversation
            .prompt_words
            .saturating_add(requested.unwrap_or(0)),
    )?;
    if let Some(cat) = text::prompt_trigger(&conversation.prompt_text) {
        return Err(errors::chat_content_filter(cat));
    }

    let format = body
        .get("response_format")
        .and_then(|f| f.get("type"))
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
    let render = Render {
        id: text::chat_id(&ctx.request_id),
        model: d.model.clone(),
        created: api::now_secs(),
    };
    if stream {
        let usage = body
            .get("stream_options")
            .and_then(|o| o.get("include_usage"))
            .and_then(Value::as_bool)
            == Some(true);
        Ok(Reply::events(render.chunks(&a, usage)))
    } else {
        Ok(Reply::json(200, render.completion(&a).compact()))
    }
}

/// Reads the messages into a [`Conversation`], with OpenAI's errors for malformed ones.
fn conversation(messages: &[Value]) -> Result<Conversation, Reply> {
    let mut c = Conversation::default();
    for (i, m) in messages.iter().enumerate() {
        let Value::Object(m) = m else {
            return Err(errors::invalid_type(
                &format!("messages[{i}]"),
                "an object",
                m,
            ));
        };
        let role = match m.get("role") {
            Some(Value::String(r)) => r.as_str(),
            None | Some(Value::Null) => {
                return Err(errors::missing_parameter(&format!("messages[{i}].role")))
            }
            Some(other) => {
                return Err(errors::invalid_type(
                    &format!("messages[{i}].role"),
                    "a string",
                    other,
                ))
            }
        };
        c.add(role, &content_text(m.get("content")));
    }
    Ok(c)
}

/// A message's text: a string, or the text parts of an array (images and audio carry none).
pub fn content_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| match p {
                Value::String(s) => Some(s.as_str()),
                Value::Object(o) => o.get("text").and_then(Value::as_str),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// `prompt_filter_results` as Azure sends them: one entry, all safe.
pub fn prompt_filter_results() -> J {
    J::Arr(vec![obj([
        ("prompt_index", j(0)),
        (
            "content_filter_results",
            errors::filter_results(PROMPT_KEYS, None, "safe"),
        ),
    ])])
}

fn usage(a: &Answer) -> J {
    obj([
        ("completion_tokens", j(a.completion_tokens)),
        (
            "completion_tokens_details",
            obj([
                ("accepted_prediction_tokens", j(0)),
                ("audio_tokens", j(0)),
                ("reasoning_tokens", j(a.reasoning_tokens)),
                ("rejected_prediction_tokens", j(0)),
            ]),
        ),
        ("prompt_tokens", j(a.prompt_tokens)),
        (
            "prompt_tokens_details",
            obj([("audio_tokens", j(0)), ("cached_tokens", j(0))]),
        ),
        ("total_tokens", j(a.prompt_tokens + a.completion_tokens)),
    ])
}

/// Filter results of a filtered completion: the flagged category at severity high.
fn flagged(keys: &'static [&'static str], cat: Option<Category>) -> J {
    let keys = match cat {
        Some(c) if !keys.contains(&c.key()) => CHOICE_KEYS,
        _ => keys,
    };
    errors::filter_results(keys, cat, "high")
}

fn opt(s: &Option<String>) -> J {
    s.as_deref().map(j).unwrap_or_else(null)
}

struct Render {
    id: String,
    model: String,
    created: u64,
}

impl Render {
    fn completion(&self, a: &Answer) -> J {
        let mut message = vec![
            ("annotations", J::Arr(vec![])),
            ("content", opt(&a.content)),
        ];
        if let Some(r) = &a.reasoning {
            message.push(("reasoning_content", j(r.as_str())));
        }
        message.push(("refusal", null()));
        message.push(("role", j("assistant")));
        if let Some(call) = &a.tool_call {
            message.push((
                "tool_calls",
                J::Arr(vec![obj([
                    (
                        "function",
                        obj([
                            ("arguments", j(call.arguments.as_str())),
                            ("name", j(call.name.as_str())),
                        ]),
                    ),
                    ("id", j(call.id.as_str())),
                    ("type", j("function")),
                ])]),
            ));
        }
        // A tool-call choice carries empty filter results (corpus/chat_azure_tool_calls_empty_cfr_1).
        let cfr = match a.tool_call {
            Some(_) => obj([]),
            None => flagged(CHOICE_KEYS, a.filtered),
        };
        obj([
            (
                "choices",
                J::Arr(vec![obj([
                    ("content_filter_results", cfr),
                    ("finish_reason", j(a.finish.as_str())),
                    ("index", j(0)),
                    ("logprobs", null()),
                    ("message", J::Obj(message)),
                ])]),
            ),
            ("created", j(self.created)),
            ("id", j(self.id.as_str())),
            ("model", j(self.model.as_str())),
            ("object", j("chat.completion")),
            ("prompt_filter_results", prompt_filter_results()),
            ("system_fingerprint", null()),
            ("usage", usage(a)),
        ])
    }

    fn chunk(&self, n: usize, choices: Vec<J>, usage: Option<J>) -> Bytes {
        let mut c = obj([
            ("choices", J::Arr(choices)),
            ("created", j(self.created)),
            ("id", j(self.id.as_str())),
            ("model", j(self.model.as_str())),
            ("obfuscation", j(text::obfuscation(&self.id, n))),
            ("object", j("chat.completion.chunk")),
            ("system_fingerprint", null()),
        ]);
        if let Some(u) = usage {
            c.set("usage", u);
        }
        sse::data(&c.compact())
    }

    /// The event sequence of corpus/stream_azure_*.sse: prompt filter results, role, deltas
    /// word by word (reasoning first), finish, optional usage, `[DONE]`.
    fn chunks(&self, a: &Answer, include_usage: bool) -> Vec<Bytes> {
        let mut out = vec![sse::data(
            &obj([
                ("choices", J::Arr(vec![])),
                ("created", j(0)),
                ("id", j("")),
                ("model", j("")),
                ("object", j("")),
                ("prompt_filter_results", prompt_filter_results()),
            ])
            .compact(),
        )];
        // With include_usage every chunk says `usage: null` until the last one.
        let null_usage = || include_usage.then(null);
        let choice = |cfr: J, delta: J, finish: Option<Finish>| {
            obj([
                ("content_filter_results", cfr),
                ("delta", delta),
                (
                    "finish_reason",
                    finish.map(|f| j(f.as_str())).unwrap_or_else(null),
                ),
                ("index", j(0)),
                ("logprobs", null()),
            ])
        };
        let role = match a.tool_call {
            Some(_) => obj([("content", null()), ("role", j("assistant"))]),
            None => obj([
                ("content", j("")),
                ("refusal", null()),
                ("role", j("assistant")),
            ]),
        };
        let mut push = |choices: Vec<J>, usage: Option<J>| {
            let n = out.len();
            out.push(self.chunk(n, choices, usage));
        };
        push(vec![choice(obj([]), role, None)], null_usage());
        for piece in a.reasoning.as_deref().map(text::pieces).unwrap_or_default() {
            push(
                vec![choice(
                    obj([]),
                    obj([("reasoning_content", j(piece))]),
                    None,
                )],
                null_usage(),
            );
        }
        for piece in a.content.as_deref().map(text::pieces).unwrap_or_default() {
            let safe = errors::filter_results(CHUNK_KEYS, None, "safe");
            push(
                vec![choice(safe, obj([("content", j(piece))]), None)],
                null_usage(),
            );
        }
        if let Some(call) = &a.tool_call {
            let head = obj([
                (
                    "function",
                    obj([("arguments", j("")), ("name", j(call.name.as_str()))]),
                ),
                ("id", j(call.id.as_str())),
                ("index", j(0)),
                ("type", j("function")),
            ]);
            push(
                vec![choice(
                    obj([]),
                    obj([("tool_calls", J::Arr(vec![head]))]),
                    None,
                )],
                null_usage(),
            );
            for frag in text::fragments(&call.arguments, 5) {
                let part = obj([("function", obj([("arguments", j(frag))])), ("index", j(0))]);
                push(
                    vec![choice(
                        obj([]),
                        obj([("tool_calls", J::Arr(vec![part]))]),
                        None,
                    )],
                    null_usage(),
                );
            }
        }
        let finish_cfr = match a.finish {
            Finish::ContentFilter => flagged(CHUNK_KEYS, a.filtered),
            _ => obj([]),
        };
        push(
            vec![choice(finish_cfr, obj([]), Some(a.finish))],
            null_usage(),
        );
        if include_usage {
            push(vec![], Some(usage(a)));
        }
        out.push(sse::data("[DONE]"));
        out
    }
}

/// Parameters that are not OpenAI chat parameters.
pub fn unknown_params(body: &Map<String, Value>, known: &[&str]) -> Vec<String> {
    body.keys()
        .filter(|k| !known.contains(&k.as_str()))
        .cloned()
        .collect()
}
