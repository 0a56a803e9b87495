//! The deterministic "model": from a conversation (chat messages or Responses input, both
//! reduced to the same [`Conversation`]) to an [`Answer`]. Chat and Responses only differ in how
//! they render it.

use serde_json::Value;

use crate::config::DeploymentConfig;
use crate::text::{self, Category};

/// What the model needs to know about a conversation.
#[derive(Debug, Default)]
pub struct Conversation {
    /// Words over every text content (system, instructions, user, assistant, tool results).
    pub prompt_words: u64,
    /// Every text content, for the trigger phrases.
    pub prompt_text: String,
    /// The text of the last user message (empty if none).
    pub last_user: String,
    /// The conversation ends with a user message.
    pub ends_with_user: bool,
    /// The conversation ends with a tool result: its content.
    pub tool_result: Option<String>,
}

impl Conversation {
    pub fn add(&mut self, role: &str, text: &str) {
        self.prompt_words += text::words(text);
        self.prompt_text.push_str(text);
        self.prompt_text.push('\n');
        self.ends_with_user = role == "user";
        self.tool_result = (role == "tool").then(|| text.to_string());
        if role == "user" {
            self.last_user = text.to_string();
        }
    }

    /// A turn that carries no text (an assistant's tool call) still ends the conversation.
    pub fn add_silent(&mut self) {
        self.ends_with_user = false;
        self.tool_result = None;
    }
}

/// A function tool the request offers.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    pub name: String,
    pub required: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice {
    Auto,
    None,
    Named(String),
}

/// Reads `tools` in either dialect: chat (`{"type":"function","function":{...}}`) or
/// Responses (`{"type":"function","name":...}`). Non-function tools are ignored.
pub fn tool_specs(tools: Option<&Value>) -> Vec<ToolSpec> {
    let Some(Value::Array(items)) = tools else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|t| t.get("type").and_then(Value::as_str).unwrap_or("function") == "function")
        .filter_map(|t| {
            let f = t.get("function").unwrap_or(t);
            let name = f.get("name")?.as_str()?.to_string();
            let required = f
                .pointer("/parameters/required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Some(ToolSpec { name, required })
        })
        .collect()
}

pub fn tool_choice(v: Option<&Value>) -> ToolChoice {
    match v {
        Some(Value::String(s)) if s == "none" => ToolChoice::None,
        Some(Value::Object(o)) => o
            .get("function")
            .and_then(|f| f.get("name"))
            .or_else(|| o.get("name"))
            .and_then(Value::as_str)
            .map(|n| ToolChoice::Named(n.to_string()))
            .unwrap_or(ToolChoice::Auto),
        _ => ToolChoice::Auto,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
}

impl Finish {
    pub fn as_str(self) -> &'static str {
        match self {
            Finish::Stop => "stop",
            Finish::Length => "length",
            Finish::ToolCalls => "tool_calls",
            Finish::ContentFilter => "content_filter",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// What to answer, before any wire format.
#[derive(Debug, Clone)]
pub struct Answer {
    pub reasoning: Option<String>,
    pub content: Option<String>,
    pub tool_call: Option<ToolCall>,
    pub finish: Finish,
    /// The completion filter fired for this category.
    pub filtered: Option<Category>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub reasoning_tokens: u64,
}

pub struct Ask<'a> {
    pub deployment: &'a DeploymentConfig,
    pub conversation: &'a Conversation,
    pub tools: Vec<ToolSpec>,
    pub tool_choice: ToolChoice,
    /// `response_format` / `text.format` asked for JSON.
    pub json: bool,
    /// max_tokens, max_completion_tokens or max_output_tokens (4096 when absent).
    pub budget: u64,
}

pub const DEFAULT_BUDGET: u64 = 4096;

pub fn answer(ask: &Ask) -> Answer {
    let conv = ask.conversation;
    let name = &ask.deployment.name;
    let heard = match &conv.tool_result {
        Some(t) => format!("{name} heard: tool said {t}"),
        None => format!("{name} heard: {}", conv.last_user),
    };
    let completion_filter = text::completion_trigger(&conv.prompt_text);

    // A user turn with tools on the table gets a call to the first (or the named) function.
    let tool =
        (completion_filter.is_none() && conv.ends_with_user && ask.tool_choice != ToolChoice::None)
            .then(|| {
                match &ask.tool_choice {
                    ToolChoice::Named(n) => ask.tools.iter().find(|t| &t.name == n),
                    _ => None,
                }
                .or(ask.tools.first())
            })
            .flatten();

    let mut content = None;
    let mut tool_call = None;
    let mut finish = Finish::Stop;
    match tool {
        Some(t) => {
            tool_call = Some(ToolCall {
                id: "call_emu_1".into(),
                name: t.name.clone(),
                arguments: arguments(&t.required, &conv.last_user),
            });
            finish = Finish::ToolCalls;
        }
        None if ask.json => content = Some(json_answer(&heard)),
        None => content = Some(heard),
    }
    if let (Some(_), Some(c)) = (completion_filter, content.as_mut()) {
        *c = text::first_words(c, 3).to_string();
        finish = Finish::ContentFilter;
    }

    let out_words = content.as_deref().map(text::words).unwrap_or(0)
        + tool_call
            .as_ref()
            .map(|c| text::words(&c.arguments))
            .unwrap_or(0);
    let mut reasoning = ask.deployment.thinking.then(|| text::REASONING.to_string());
    let reasoning_words = if ask.deployment.thinking {
        text::REASONING_WORDS
    } else {
        0
    };
    if ask.budget < reasoning_words + out_words {
        // The budget ran out: a thinking model is still reasoning (content null, the failure
        // users hit with small max_tokens); a plain one stops mid-answer.
        if ask.deployment.thinking {
            let n = ask.budget.min(text::REASONING_WORDS);
            reasoning = Some(text::first_words(text::REASONING, n).to_string());
            content = None;
        } else if let Some(c) = content.as_mut() {
            *c = text::first_words(c, ask.budget).to_string();
        }
        tool_call = None;
        finish = Finish::Length;
    }

    let reasoning_tokens = reasoning.as_deref().map(text::words).unwrap_or(0);
    let completion_tokens = reasoning_tokens
        + content.as_deref().map(text::words).unwrap_or(0)
        + tool_call
            .as_ref()
            .map(|c| text::words(&c.arguments))
            .unwrap_or(0);
    Answer {
        reasoning,
        content,
        tool_call,
        finish,
        filtered: completion_filter.filter(|_| finish == Finish::ContentFilter),
        prompt_tokens: conv.prompt_words,
        completion_tokens,
        reasoning_tokens,
    }
}

/// `{"answer": "..."}` as a string: what a JSON response format gets.
fn json_answer(text: &str) -> String {
    let mut m = serde_json::Map::new();
    m.insert("answer".into(), Value::String(text.to_string()));
    Value::Object(m).to_string()
}

/// Each required parameter of the function gets the user's text, in the schema's order.
fn arguments(required: &[String], user: &str) -> String {
    let value = Value::String(user.to_string()).to_string();
    let fields: Vec<String> = required
        .iter()
        .map(|k| format!("{}:{value}", Value::String(k.clone())))
        .collect();
    format!("{{{}}}", fields.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EmulatorConfig;

    fn conv(user: &str) -> Conversation {
        let mut c = Conversation::default();
        c.add("system", "be brief");
        c.add("user", user);
        c
    }

    fn ask<'a>(d: &'a DeploymentConfig, c: &'a Conversation, budget: u64) -> Ask<'a> {
        Ask {
            deployment: d,
            conversation: c,
            tools: Vec::new(),
            tool_choice: ToolChoice::Auto,
            json: false,
            budget,
        }
    }

    #[test]
    fn plain_answer_echoes() {
        let cfg = EmulatorConfig::reference();
        let d = cfg.deployment("gpt-5.4").unwrap();
        let c = conv("hello there");
        let a = answer(&ask(d, &c, DEFAULT_BUDGET));
        assert_eq!(a.content.as_deref(), Some("gpt-5.4 heard: hello there"));
        assert_eq!((a.prompt_tokens, a.completion_tokens), (4, 4));
        assert_eq!(a.finish, Finish::Stop);
    }

    #[test]
    fn thinking_truncates_into_reasoning() {
        let cfg = EmulatorConfig::reference();
        let d = cfg.deployment("Kimi-K2.6").unwrap();
        let c = conv("hi");
        let full = answer(&ask(d, &c, DEFAULT_BUDGET));
        assert_eq!(full.reasoning_tokens, 64);
        assert_eq!(full.completion_tokens, 64 + 3);
        let cut = answer(&ask(d, &c, 66));
        assert_eq!((cut.content.clone(), cut.finish), (None, Finish::Length));
        assert_eq!(cut.reasoning_tokens, 64);
        let tiny = answer(&ask(d, &c, 10));
        assert_eq!(tiny.completion_tokens, 10);
    }

    #[test]
    fn tool_call_maps_required_params() {
        let cfg = EmulatorConfig::reference();
        let d = cfg.deployment("gpt-5.4").unwrap();
        let c = conv("Paris");
        let mut a = ask(d, &c, DEFAULT_BUDGET);
        a.tools = tool_specs(Some(
            &serde_json::json!([{"type":"function","function":{"name":"weather","parameters":{"required":["city","unit"]}}}]),
        ));
        let out = answer(&a);
        let call = out.tool_call.unwrap();
        assert_eq!(call.arguments, r#"{"city":"Paris","unit":"Paris"}"#);
        assert_eq!(out.finish, Finish::ToolCalls);
        assert_eq!(out.content, None);
    }
}
