//! `foundry chat`: one prompt, streamed to the terminal by default.

use std::io::Write;

use foundry_client::{ChatRequest, Foundry};
use serde_json::{json, Map, Value};

use crate::output::Output;

pub struct Args {
    pub model: String,
    pub prompt: String,
    pub stream: bool,
    pub max_tokens: Option<u64>,
    pub system: Option<String>,
}

pub fn request(
    model: &str,
    system: Option<&str>,
    prompt: &str,
    max_tokens: Option<u64>,
) -> ChatRequest {
    let mut messages = Vec::new();
    if let Some(system) = system {
        messages.push(json!({"role": "system", "content": system}));
    }
    messages.push(json!({"role": "user", "content": prompt}));
    let mut params = Map::new();
    params.insert("messages".into(), Value::Array(messages));
    if let Some(n) = max_tokens {
        params.insert("max_tokens".into(), json!(n));
    }
    ChatRequest {
        model: model.to_string(),
        params,
        ..ChatRequest::default()
    }
}

pub async fn run(out: &Output, client: &Foundry, args: Args) -> foundry_client::Result<bool> {
    let req = request(
        &args.model,
        args.system.as_deref(),
        &args.prompt,
        args.max_tokens,
    );
    if !args.stream || out.json {
        let r = client.chat(req).await?;
        if out.json {
            println!("{}", serde_json::to_value(&r).unwrap_or_default());
        } else {
            if let Some(reasoning) = &r.reasoning {
                println!("{}", out.dim(reasoning));
            }
            println!("{}", r.text.as_deref().unwrap_or(""));
            footer(out, &r);
        }
        return Ok(true);
    }
    let mut stream = client.chat_stream(req).await?;
    let mut stdout = std::io::stdout();
    let mut in_reasoning = false;
    while let Some(chunk) = stream.next_chunk().await {
        let chunk = chunk?;
        if let Some(r) = &chunk.reasoning {
            in_reasoning = true;
            let _ = write!(stdout, "{}", out.dim(r));
        }
        if let Some(t) = &chunk.text {
            if in_reasoning {
                let _ = writeln!(stdout);
                in_reasoning = false;
            }
            let _ = write!(stdout, "{t}");
        }
        let _ = stdout.flush();
    }
    println!();
    if let Some(r) = stream.result() {
        footer(out, r);
    }
    Ok(true)
}

fn footer(out: &Output, r: &foundry_client::ChatResult) {
    println!("{}", out.dim(&footer_text(r)));
}

/// One line after the answer. A stream whose service sent no usage says so rather than
/// "0 in / 0 out tokens" and $0 (every billed call has prompt tokens, so all-zero usage
/// means none was reported).
fn footer_text(r: &foundry_client::ChatResult) -> String {
    let usage = if r.usage == foundry_client::Usage::default() {
        "usage not reported".to_string()
    } else {
        format!(
            "{} in / {} out tokens | ${:.6}",
            r.usage.input_tokens, r.usage.output_tokens, r.cost_usd
        )
    };
    format!(
        "[{} via {} | {usage} | {} attempt(s) | finish {}]",
        r.deployment,
        r.api.map(|a| a.as_str()).unwrap_or("?"),
        r.attempts,
        r.finish_reason.as_deref().unwrap_or("-")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use foundry_client::{Api, ChatResult, Usage};

    fn result(usage: Usage) -> ChatResult {
        ChatResult {
            deployment: "gpt-5.4".into(),
            api: Some(Api::Chat),
            usage,
            cost_usd: 0.000123,
            attempts: 1,
            finish_reason: Some("stop".into()),
            ..ChatResult::default()
        }
    }

    #[test]
    fn footer_says_when_usage_was_not_reported() {
        let line = footer_text(&result(Usage::default()));
        assert_eq!(
            line,
            "[gpt-5.4 via chat | usage not reported | 1 attempt(s) | finish stop]"
        );
        let reported = Usage {
            input_tokens: 12,
            output_tokens: 3,
            total_tokens: 15,
            ..Usage::default()
        };
        let line = footer_text(&result(reported));
        assert!(
            line.contains("| 12 in / 3 out tokens | $0.000123 |"),
            "{line}"
        );
    }
}
