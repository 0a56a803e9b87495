//! `foundry doctor`: the core's checks of every deployment, as a table of findings with their
//! fixes (or `--json`); exits non-zero when any check failed.

use foundry_client::doctor::{Finding, Status};
use foundry_client::Foundry;
use serde_json::json;

use crate::output::Output;

pub async fn run(out: &Output, client: &Foundry) -> foundry_client::Result<bool> {
    out.progress(&format!(
        "examining {} deployments (one small billed request each)...",
        client.deployments().len()
    ));
    let findings = client.doctor().await;
    out.progress_done();
    let healthy = !findings.iter().any(|f| f.status == Status::Fail);
    if out.json {
        println!("{}", json!({"ok": healthy, "findings": findings}));
        return Ok(healthy);
    }
    print(out, &findings);
    Ok(healthy)
}

/// The findings as a table, then each fix under the deployment and check it is for.
pub fn print(out: &Output, findings: &[Finding]) {
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            vec![
                f.deployment.clone(),
                f.check.as_str().to_string(),
                status(out, f.status),
                f.detail.clone(),
            ]
        })
        .collect();
    out.table(&["deployment", "check", "result", "finding"], &rows);
    for f in findings {
        if let Some(fix) = &f.fix {
            println!(
                "  {} {} ({}): {fix}",
                out.yellow("fix"),
                f.deployment,
                f.check.as_str()
            );
        }
    }
}

fn status(out: &Output, s: Status) -> String {
    match s {
        Status::Ok => out.green("ok"),
        Status::Warn => out.yellow("warn"),
        Status::Fail => out.red("FAIL"),
    }
}
