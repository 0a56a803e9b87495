//! `foundry smoke` and `foundry deployments`.

use foundry_client::Foundry;
use serde_json::json;

use crate::output::Output;

pub async fn run(out: &Output, client: Foundry) -> foundry_client::Result<bool> {
    out.progress(&format!(
        "pinging {} deployments...",
        client.deployments().len()
    ));
    let results = client.smoke().await;
    out.progress_done();
    let all_ok = results.iter().all(|r| r.ok);
    if out.json {
        println!("{}", json!({"ok": all_ok, "deployments": results}));
        return Ok(all_ok);
    }
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.deployment.clone(),
                if r.ok {
                    out.green("ok")
                } else {
                    out.red("FAILED")
                },
                r.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                r.api.clone().unwrap_or_else(|| "-".into()),
                format!("{} ms", r.latency_ms),
                format!("{}/{}", r.usage.input_tokens, r.usage.output_tokens),
                r.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.table(
        &[
            "deployment",
            "result",
            "status",
            "api",
            "latency",
            "tokens in/out",
            "error",
        ],
        &rows,
    );
    for r in results.iter().filter(|r| !r.ok) {
        if let Some(hint) = &r.hint {
            println!("  {} {}: {}", out.yellow("hint"), r.deployment, hint);
        }
    }
    Ok(all_ok)
}

pub fn list(out: &Output, client: &Foundry) {
    let deployments = client.deployments();
    let catalog = client.catalog();
    if out.json {
        let ds: Vec<_> = deployments.iter().map(|d| d.to_json()).collect();
        let routes: Vec<_> = catalog
            .routes
            .iter()
            .map(|r| json!({"name": r.name, "deployments": r.deployments}))
            .collect();
        println!("{}", json!({"deployments": ds, "routes": routes}));
        return;
    }
    if deployments.is_empty() {
        println!(
            "{} (any deployment name is accepted on {})",
            catalog.origin,
            catalog
                .template
                .as_ref()
                .map(|t| t.endpoint.as_str())
                .unwrap_or("?")
        );
        return;
    }
    let rows: Vec<Vec<String>> = deployments
        .iter()
        .map(|d| {
            let mut quirks = Vec::new();
            if d.responses_only {
                quirks.push("responses-only");
            }
            if d.thinking {
                quirks.push("thinking");
            }
            vec![
                d.name.clone(),
                d.model.clone().unwrap_or_default(),
                d.shape.as_str().to_string(),
                d.auth.summary(),
                format!("${:.2} / ${:.2}", d.pricing.input, d.pricing.output),
                d.tags.get("layer").cloned().unwrap_or_default(),
                quirks.join(", "),
            ]
        })
        .collect();
    out.table(
        &[
            "deployment",
            "model",
            "shape",
            "auth",
            "in/out per 1M",
            "layer",
            "quirks",
        ],
        &rows,
    );
    for r in &catalog.routes {
        println!(
            "  route {} -> {}",
            out.bold(&r.name),
            r.deployments.join(" -> ")
        );
    }
}
