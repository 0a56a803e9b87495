//! `foundry spend`: each budget's spend in its current period, read from the catalog's ledger.

use foundry_client::{Foundry, SpendLine};

use crate::output::Output;

pub fn run(out: &Output, client: &Foundry) -> foundry_client::Result<bool> {
    let lines = client.spend()?;
    if out.json {
        println!("{}", serde_json::json!({ "budgets": lines }));
        return Ok(true);
    }
    if lines.is_empty() {
        println!("no budgets: add a `governance.budgets` list to the catalog");
        return Ok(true);
    }
    print_table(out, &lines);
    Ok(true)
}

pub fn print_table(out: &Output, lines: &[SpendLine]) {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            let used = match l.cap_usd {
                Some(cap) if cap > 0.0 => format!("{:.0} %", 100.0 * l.spent_usd / cap),
                _ => "-".into(),
            };
            vec![
                l.scope.clone(),
                l.period.clone(),
                format!("${:.6}", l.spent_usd),
                format!("${:.6}", l.reserved_usd),
                l.cap_usd.map_or("-".into(), |c| format!("${c:.6}")),
                used,
            ]
        })
        .collect();
    out.table(
        &["scope", "period", "spent", "reserved", "cap", "used"],
        &rows,
    );
}
