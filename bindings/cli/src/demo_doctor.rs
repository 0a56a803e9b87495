//! The demo's doctor step: `foundry doctor` on a catalog with the troubleshooting table's usual
//! mistakes (a deployment name with a typo, a stale key, a Responses-only model and a thinking
//! model not flagged), against the demo's emulator.

use foundry_client::doctor::Status;
use foundry_client::{Catalog, ClientOptions, Foundry};
use foundry_emulator::DEFAULT_API_KEY;
use serde_json::{json, Value};

use crate::output::Output;

pub async fn run(out: &Output, endpoint: &str) -> foundry_client::Result<Value> {
    let text = format!(
        "defaults:\n  endpoint: {endpoint}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n\
         deployments:\n\
         \x20 - {{name: DeepSeek-V3.2}}\n\
         \x20 - {{name: gpt-5.4-typo, deployment: gpt-5-4}}\n\
         \x20 - {{name: gpt-5.4, max_tokens_param: max_completion_tokens, auth: {{type: api_key, key: stale-key-not-real}}}}\n\
         \x20 - {{name: gpt-5.1-codex, max_tokens_param: max_completion_tokens}}\n\
         \x20 - {{name: Kimi-K2.6}}\n"
    );
    let catalog = Catalog::from_str_with_env(&text, "doctor.yaml", &|_| None)?;
    let client = Foundry::new(catalog, ClientOptions::default())?;
    let findings = client.doctor().await;
    let count = |s: Status| findings.iter().filter(|f| f.status == s).count();
    if !out.json {
        println!(
            "  {}",
            out.dim(
                "a catalog with the usual mistakes: a typo, a stale key, two models not flagged"
            )
        );
        crate::doctor::print(out, &findings);
        println!(
            "  {}",
            out.dim(&format!(
                "{} ok, {} to fix, {} failing: `foundry doctor` exits non-zero",
                count(Status::Ok),
                count(Status::Warn),
                count(Status::Fail)
            ))
        );
    }
    Ok(json!({"step": "doctor", "findings": findings}))
}
