//! `foundry-bench count --what W --calls N`: one piece of work repeated N times on the current
//! thread, to run under callgrind at two N: the difference of the two instruction totals over
//! the difference of N is the work's instructions per call, repeatable to a fraction of a
//! percent on a loaded machine where wall time is not (`tests/bench/callgrind.sh`).
//!
//! - `call-core`, `call-reqwest`, `call-async-openai`, `call-liter-llm`: cell 1's call
//!   (`chat-1k`, the 1.2 KB answer) by the core and each client it is compared with;
//! - `parse-core` (`wire::parse_chat`: parse and normalize), `parse-value` (what bare reqwest
//!   does: `serde_json::from_slice::<Value>`, the text taken out), `parse-async-openai` (its
//!   typed response struct): the 1.2 KB answer parsed in process, no network;
//! - `call-governed` (governance on in cell g's configuration, memory ledger), `call-sqlite`,
//!   `call-ungoverned` (the same catalog with governance off), `decision`, `decision-sqlite`:
//!   cell g's work;
//! - `stream-core`, `stream-reqwest`: cell 3's 100-event stream read to the end (the
//!   instructions per stream over 100 are the cost per event); `first-token-core`,
//!   `first-token-reqwest`: the same stream dropped at its first token (the work before the
//!   first token shows; the connection is not reused, alike for both).

use std::hint::black_box;

use async_openai::types::chat::CreateChatCompletionResponse;
use foundry_client::wire;
use serde_json::Value;

use crate::bodies::{chat_body, stream_key, SMALL};
use crate::mock::MockServer;
use crate::variants::{Clients, Variant};

/// Every `--what` this command takes.
pub const WHATS: &str = "call-core, call-reqwest, call-async-openai, call-liter-llm, parse-core, parse-value, parse-async-openai, call-governed, call-sqlite, call-ungoverned, decision, decision-sqlite, stream-core, stream-reqwest, first-token-core, first-token-reqwest";

pub fn count(what: &str, calls: usize) -> Result<(), String> {
    if what.starts_with("parse-") {
        return parse(what, calls);
    }
    let server = MockServer::start(None).map_err(|e| format!("cannot start the mock: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let endpoint = server.endpoint();
    runtime.block_on(async {
        if let Some((variant, first_token_only)) = stream_what(what) {
            let clients = Clients::new(&endpoint)?;
            let call = clients.call(&stream_key(100), true)?;
            for _ in 0..calls {
                black_box(
                    clients
                        .stream_until(variant, &call, first_token_only)
                        .await?,
                );
            }
            return Ok(());
        }
        let variant = match what {
            "call-core" => Variant::Core,
            "call-reqwest" => Variant::Bare,
            "call-async-openai" => Variant::AsyncOpenAi,
            "call-liter-llm" => Variant::LiterLlm,
            "call-governed" | "call-sqlite" | "call-ungoverned" | "decision"
            | "decision-sqlite" => {
                return crate::cells::governance::count(&endpoint, what, calls).await
            }
            other => return Err(format!("--what {other}: expected one of {WHATS}")),
        };
        let clients = Clients::new(&endpoint)?;
        let call = clients.call("chat-1k", false)?;
        for _ in 0..calls {
            black_box(clients.chat(variant, &call).await?);
        }
        Ok(())
    })
}

/// The client and whether to stop at the first token, for the stream `--what`s.
fn stream_what(what: &str) -> Option<(Variant, bool)> {
    Some(match what {
        "stream-core" => (Variant::Core, false),
        "stream-reqwest" => (Variant::Bare, false),
        "first-token-core" => (Variant::Core, true),
        "first-token-reqwest" => (Variant::Bare, true),
        _ => return None,
    })
}

/// The 1.2 KB answer parsed `calls` times by one parser.
fn parse(what: &str, calls: usize) -> Result<(), String> {
    let (answer, expected) = chat_body(SMALL);
    let text = |parsed: Option<String>| -> Result<(), String> {
        if parsed.as_deref() == Some(expected.as_str()) {
            Ok(())
        } else {
            Err(format!("{what} did not read the answer's text"))
        }
    };
    for _ in 0..calls {
        let answer = black_box(&answer[..]);
        match what {
            "parse-core" => text(black_box(wire::parse_chat(answer).ok()).and_then(|r| r.text))?,
            "parse-value" => {
                let v: Option<Value> = serde_json::from_slice(answer).ok();
                text(black_box(v).and_then(|v| {
                    v.pointer("/choices/0/message/content")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                }))?
            }
            "parse-async-openai" => {
                let r: Option<CreateChatCompletionResponse> = serde_json::from_slice(answer).ok();
                text(black_box(r).and_then(|r| r.choices.into_iter().next()?.message.content))?
            }
            other => return Err(format!("--what {other}: expected one of {WHATS}")),
        }
    }
    Ok(())
}
