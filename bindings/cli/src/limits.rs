//! `foundry limits`: the local rate limits of a catalog, each scope's and each paced
//! deployment's, with what a 10-second window admits (Azure enforces the minute's quota in
//! sixths) and what the service last reported remaining.

use foundry_client::{Foundry, LimitLine};

use crate::output::Output;

pub fn run(out: &Output, client: &Foundry) -> foundry_client::Result<bool> {
    let lines = client.limits();
    if out.json {
        println!("{}", serde_json::json!({ "limits": lines }));
        return Ok(true);
    }
    if lines.is_empty() {
        println!(
            "no local rate limits: set `governance.rate_limits: true` to pace deployments with a \
             tpm/rpm, or give a scope in `governance.scopes` an rpm/tpm"
        );
        return Ok(true);
    }
    print_table(out, &lines);
    Ok(true)
}

pub fn print_table(out: &Output, lines: &[LimitLine]) {
    let count = |v: Option<u64>| v.map_or("-".into(), |v| v.to_string());
    let now = |v: u64| match v {
        u64::MAX => "unlimited".to_string(),
        v => v.to_string(),
    };
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.limits.clone(),
                count(l.tpm),
                count(l.rpm),
                now(l.tokens_available),
                now(l.requests_available),
                l.queued.to_string(),
                count(l.service_remaining_tokens),
            ]
        })
        .collect();
    out.table(
        &[
            "limits",
            "tpm",
            "rpm",
            "tokens now",
            "requests now",
            "queued",
            "service remaining",
        ],
        &rows,
    );
}
