//! The demo's budget step: an agent stuck in a loop keeps calling gpt-5.4 until its team's
//! daily budget refuses the next call, before it is sent; the team is alerted at 80 % on the way.

use std::sync::{Arc, Mutex};

use foundry_client::config::Catalog;
use foundry_client::events::Event;
use foundry_client::{ClientOptions, ErrorKind, Foundry};
use serde_json::{json, Value};

use crate::chat::request;
use crate::output::Output;

/// The team's budget, added to the reference catalog. The in-memory ledger keeps the demo
/// from touching the disk; a real catalog leaves `ledger` out (the embedded SQLite ledger).
const TEAM_BUDGET: &str = "
governance:
  scope: acme/agents
  ledger: memory
  budgets:
    - {scope: acme/agents, window: day, time_zone: Europe/Berlin, hard_usd: 0.01, soft: [0.8]}
";

/// The most calls the loop makes: far more than the budget pays for.
const RUNAWAY_CALLS: u32 = 1_000;

pub async fn run(
    out: &Output,
    reference: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> foundry_client::Result<Value> {
    let mut catalog =
        Catalog::from_str_with_env(&format!("{reference}{TEAM_BUDGET}"), "foundry.yaml", env)?;
    catalog
        .defaults
        .headers
        .insert("x-emulator-scenario".into(), "demo-budget".into());
    let alerts: Arc<Mutex<Vec<(u32, f64, f64)>>> = Arc::default();
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let (seen, count) = (alerts.clone(), calls.clone());
    let on_event = Arc::new(move |event: &Event| {
        if let (Event::BudgetAlert(a), Ok(mut seen)) = (event, seen.lock()) {
            let call = count.load(std::sync::atomic::Ordering::Relaxed);
            seen.push((call, a.threshold, a.spent_usd));
        }
    });
    let client = Foundry::new(
        catalog,
        ClientOptions {
            on_event: Some(on_event),
            ..Default::default()
        },
    )?;
    let mut refused = None;
    for n in 1..=RUNAWAY_CALLS {
        calls.store(n, std::sync::atomic::Ordering::Relaxed);
        match client
            .chat(request("gpt-5.4", None, "Retry the failed job", Some(20)))
            .await
        {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::BudgetExceeded => {
                refused = Some((n, e));
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let spend = client.spend()?;
    let alerts = alerts.lock().map(|a| a.clone()).unwrap_or_default();
    let Some((at, error)) = refused else {
        return Err(foundry_client::Error::config(
            "the demo's budget never refused the loop",
        ));
    };
    if !out.json {
        println!("  calls 1-{} answered", at - 1);
        for (call, threshold, spent) in &alerts {
            println!(
                "  {} after call {call}: {:.0} % of the cap spent (${spent:.6})",
                out.yellow("alert"),
                threshold * 100.0
            );
        }
        println!(
            "  call {at}: {} {}",
            out.red(error.kind().as_str()),
            error.message
        );
        println!(
            "  {}",
            out.dim(
                "refused before it was sent: each call reserves its prompt and max_tokens first"
            )
        );
        crate::spend::print_table(out, &spend);
    }
    Ok(json!({
        "step": "budget",
        "answered": at - 1,
        "refused_at": at,
        "alerts": alerts.iter().map(|(call, t, s)| json!({"after_call": call, "threshold": t, "spent_usd": s})).collect::<Vec<_>>(),
        "error": error.to_json(),
        "spend": spend,
    }))
}
