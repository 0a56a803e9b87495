//! `foundry demo`: the reference estate end to end, against an in-process emulator.
//! Every step is a real HTTP call through the same client the bindings use.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use foundry_client::config::Catalog;
use foundry_client::events::Event;
use foundry_client::{ClientOptions, Foundry, Usage};
use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use serde_json::json;

use crate::chat::request;
use crate::output::Output;

/// The repo's catalog, so the demo proves the file users start from.
const REFERENCE_CATALOG: &str = include_str!("../../../foundry.yaml");

#[derive(Default, Clone, Copy)]
struct Spend {
    calls: u32,
    usage: Usage,
    cost_usd: f64,
}

pub async fn run(out: &Output) -> foundry_client::Result<bool> {
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .map_err(|e| foundry_client::Error::config(format!("cannot start the emulator: {e}")))?;
    let endpoint = emulator.endpoint();
    let env = |name: &str| match name {
        "FOUNDRY_ENDPOINT" => Some(endpoint.clone()),
        "FOUNDRY_API_KEY" => Some(DEFAULT_API_KEY.to_string()),
        _ => None,
    };
    let mut catalog = Catalog::from_str_with_env(REFERENCE_CATALOG, "foundry.yaml", &env)?;
    catalog
        .defaults
        .headers
        .insert("x-emulator-scenario".into(), "demo".into());
    let spend: Arc<Mutex<BTreeMap<String, Spend>>> = Arc::default();
    let waits: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let ledger = spend.clone();
    let waited = waits.clone();
    let on_event = Arc::new(move |event: &Event| {
        if let Event::Attempt(a) = event {
            if let (Some(ms), Ok(mut w)) = (a.retry_in_ms.filter(|ms| *ms > 0), waited.lock()) {
                w.push((a.deployment.clone(), ms));
            }
        }
        if let Event::Result(r) = event {
            if let Ok(mut m) = ledger.lock() {
                let s = m.entry(r.deployment.clone()).or_default();
                s.calls += 1;
                s.usage.input_tokens += r.usage.input_tokens;
                s.usage.output_tokens += r.usage.output_tokens;
                s.usage.reasoning_tokens += r.usage.reasoning_tokens;
                s.cost_usd += r.cost_usd;
            }
        }
    });
    let client = Foundry::new(
        catalog,
        ClientOptions {
            on_event: Some(on_event),
            ..Default::default()
        },
    )?;
    script_faults(&endpoint).await?;

    if !out.json {
        println!(
            "{}",
            out.bold("foundry demo: the reference estate on a local emulator")
        );
        println!(
            "{}",
            out.dim(&format!(
                "emulator at {endpoint}; catalog: foundry.yaml (5 deployments, 2 routes)"
            ))
        );
    }
    let mut report = Vec::new();

    out.heading("1. Every deployment answers");
    for d in client.deployments() {
        let r = client
            .chat(request(
                &d.name,
                None,
                "Summarize the incident report",
                Some(400),
            ))
            .await?;
        if !out.json {
            println!(
                "  {:<14} via {:<9} {}",
                out.bold(&d.name),
                r.api.map(|a| a.as_str()).unwrap_or("?"),
                r.text.as_deref().unwrap_or("")
            );
        }
        report.push(json!({"step": "answer", "deployment": d.name, "api": r.api, "text": r.text}));
    }
    if !out.json {
        println!("  {}", out.dim("gpt-5.1-codex is responses-only: the chat call went through the Responses API and came back in chat shape."));
    }

    out.heading("2. Kimi-K2.6 thinks first");
    let r = client
        .chat(request(
            "Kimi-K2.6",
            None,
            "Draft the weekly report",
            Some(400),
        ))
        .await?;
    let reasoning = r.reasoning.clone().unwrap_or_default();
    if !out.json {
        let short: String = reasoning.chars().take(90).collect();
        println!(
            "  reasoning ({} tokens): {}",
            r.usage.reasoning_tokens,
            out.dim(&format!("{short}..."))
        );
        println!("  answer: {}", r.text.as_deref().unwrap_or(""));
    }
    // foundry.yaml raises Kimi's max_tokens to its floor of 100; without the floor, the
    // thinking model spends a small budget reasoning and the client says so.
    let mut floorless = Catalog::from_str_with_env(
        &REFERENCE_CATALOG.replace("min_max_tokens: 100", ""),
        "foundry.yaml",
        &env,
    )?;
    floorless
        .defaults
        .headers
        .insert("x-emulator-scenario".into(), "demo".into());
    let floorless = Foundry::new(floorless, ClientOptions::default())?;
    let tight = request("Kimi-K2.6", None, "Draft the weekly report", Some(40));
    match floorless.chat(tight).await {
        Err(e) if !out.json => println!(
            "  with max_tokens 40 and no floor: {} {}\n    {} {}",
            out.red(e.kind().as_str()),
            e.message,
            out.yellow("hint:"),
            e.hint
        ),
        Err(e) => report.push(json!({"step": "reasoning_exhausted", "error": e.to_json()})),
        Ok(_) => {}
    }

    out.heading("3. A 429 is retried after the server's hint");
    let r = client
        .chat(request("DeepSeek-V3.2", None, "Classify these logs", None))
        .await?;
    let server_wait = waits.lock().ok().and_then(|w| {
        w.iter()
            .find(|(d, _)| d == "DeepSeek-V3.2")
            .map(|(_, ms)| *ms)
    });
    if !out.json {
        for a in &r.tried {
            println!(
                "  attempt: {} -> {} ({} ms)",
                a.deployment,
                a.status.map(|s| s.to_string()).unwrap_or_default(),
                a.latency_ms
            );
        }
        if let Some(ms) = server_wait {
            println!("  waited {ms} ms, as the 429's retry-after-ms asked");
        }
        println!(
            "  answered after {} attempts: {}",
            r.attempts,
            r.text.as_deref().unwrap_or("")
        );
    }
    report.push(json!({"step": "retry", "attempts": r.attempts, "waited_ms": server_wait}));

    out.heading("4. A route falls back when its first deployment keeps failing");
    let r = client
        .chat(request("decision", None, "Approve the change?", None))
        .await?;
    if !out.json {
        let path: Vec<String> = r
            .tried
            .iter()
            .map(|a| {
                format!(
                    "{}:{}",
                    a.deployment,
                    a.status.map(|s| s.to_string()).unwrap_or("-".into())
                )
            })
            .collect();
        println!("  tried {}", path.join(" -> "));
        println!(
            "  answered by {}: {}",
            out.green(&r.deployment),
            r.text.as_deref().unwrap_or("")
        );
    }
    report.push(json!({"step": "fallback", "deployment": r.deployment, "tried": r.tried}));

    out.heading("5. The content filter explains itself");
    match client
        .chat(request(
            "gpt-5.4",
            None,
            "[[filter:violence]] describe the fight",
            None,
        ))
        .await
    {
        Err(e) => {
            if !out.json {
                println!(
                    "  {} ({}) categories: {}",
                    out.red(e.kind().as_str()),
                    e.status.unwrap_or(0),
                    e.content_filter
                        .as_ref()
                        .map(|c| c.categories.join(", "))
                        .unwrap_or_default()
                );
                println!("  {} {}", out.yellow("hint:"), e.hint);
            }
            report.push(json!({"step": "content_filter", "error": e.to_json()}));
        }
        Ok(_) => println!("  (unexpected: the filter did not fire)"),
    }

    out.heading("6. Streaming");
    let mut stream = client
        .chat_stream(request(
            "DeepSeek-V3.2",
            None,
            "Stream the analysis please",
            None,
        ))
        .await?;
    let mut chunks = 0;
    if !out.json {
        print!("  ");
    }
    while let Some(chunk) = stream.next_chunk().await {
        let chunk = chunk?;
        chunks += 1;
        if let (false, Some(t)) = (out.json, &chunk.text) {
            print!("{t}");
            let _ = std::io::Write::flush(&mut std::io::stdout());
        }
    }
    if !out.json {
        println!(
            "\n  {}",
            out.dim(&format!(
                "{chunks} chunks; the final chunk carried usage: {} in / {} out tokens",
                stream.result().map(|r| r.usage.input_tokens).unwrap_or(0),
                stream.result().map(|r| r.usage.output_tokens).unwrap_or(0)
            ))
        );
    }

    out.heading("7. A team budget stops a runaway agent loop");
    report.push(crate::demo_budget::run(out, REFERENCE_CATALOG, &env).await?);

    out.heading("8. A burst waits in the rate-limit queue instead of earning 429s");
    report.push(crate::demo_burst::run(out, REFERENCE_CATALOG, &env).await?);

    out.heading("9. foundry doctor finds what is wrong with a catalog");
    report.push(crate::demo_doctor::run(out, &endpoint).await?);

    out.heading("10. Tokens and cost");
    let spend = spend.lock().map(|m| m.clone()).unwrap_or_default();
    let total: f64 = spend.values().map(|s| s.cost_usd).sum();
    if out.json {
        let rows: BTreeMap<_, _> = spend.iter().map(|(k, s)| (k.clone(), json!({"calls": s.calls, "input_tokens": s.usage.input_tokens, "output_tokens": s.usage.output_tokens, "cost_usd": s.cost_usd}))).collect();
        println!(
            "{}",
            json!({"steps": report, "spend": rows, "total_cost_usd": total})
        );
    } else {
        let rows: Vec<Vec<String>> = spend
            .iter()
            .map(|(name, s)| {
                vec![
                    name.clone(),
                    s.calls.to_string(),
                    s.usage.input_tokens.to_string(),
                    s.usage.output_tokens.to_string(),
                    s.usage.reasoning_tokens.to_string(),
                    format!("${:.6}", s.cost_usd),
                ]
            })
            .collect();
        out.table(
            &[
                "deployment",
                "calls",
                "input",
                "output",
                "reasoning",
                "cost",
            ],
            &rows,
        );
        println!("  total ${total:.6}");
    }
    emulator.shutdown();
    Ok(true)
}

/// Scripts the emulator for the retry and fallback steps (scenario "demo").
async fn script_faults(endpoint: &str) -> foundry_client::Result<()> {
    let script = json!({"deployments": {
        "DeepSeek-V3.2": ["ok", "status=429;retry-after-ms=300"],
        "gpt-5.4": ["ok", "status=503", "status=503", "status=503", "status=503"],
    }});
    register_scenario(endpoint, "demo", &script).await
}

/// Registers scenario `name` (scripted faults, enforced limits) with the demo's emulator.
pub async fn register_scenario(
    endpoint: &str,
    name: &str,
    spec: &serde_json::Value,
) -> foundry_client::Result<()> {
    let response = reqwest::Client::new()
        .post(format!("{endpoint}_emulator/scenarios/{name}"))
        .json(spec)
        .send()
        .await
        .map_err(|e| foundry_client::Error::config(format!("cannot script the emulator: {e}")))?;
    if !response.status().is_success() {
        return Err(foundry_client::Error::config(format!(
            "the emulator refused the demo's scenario '{name}'"
        )));
    }
    Ok(())
}
