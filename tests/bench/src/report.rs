//! The combined report: the Rust cells' JSON plus whatever the binding benchmarks left
//! (`target/bench/{python,node,kotlin}.json`, their captured stdout and exit status, written by
//! `run.sh`), as one table and `target/bench/results.json`. Cells 4-7 of a binding whose
//! script is absent read "not landed".

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::stats::Summary;
use crate::table::{render, render_markdown, Row};

/// The bindings' cells: (language, its comparison cell).
const BINDINGS: [(&str, &str); 3] = [("python", "5"), ("node", "6"), ("kotlin", "7")];

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn summary(v: &Value) -> Option<Summary> {
    match v {
        Value::Number(n) => n.as_f64().map(|x| Summary::of(vec![x])),
        Value::Object(o) => {
            let median = o.get("median").or_else(|| o.get("value"))?.as_f64()?;
            let min = o.get("min").and_then(Value::as_f64).unwrap_or(median);
            let max = o.get("max").and_then(Value::as_f64).unwrap_or(median);
            Some(Summary {
                median,
                min,
                max,
                rounds: Vec::new(),
            })
        }
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A binding's JSON row in whatever reasonable shape it came: needs a cell and a value.
fn binding_row(language: &str, item: &Value) -> Option<Row> {
    let cell = text(item.get("cell"))?;
    let value = summary(item.get("value")?)?;
    let baseline = item.get("baseline").and_then(summary);
    let ratio = item.get("ratio").and_then(Value::as_f64);
    let target = item.get("target").and_then(Value::as_f64);
    Some(Row {
        cell,
        name: text(item.get("name").or(item.get("benchmark"))).unwrap_or_else(|| language.into()),
        variant: text(item.get("variant")).unwrap_or_else(|| language.into()),
        metric: text(item.get("metric")).unwrap_or_default(),
        unit: text(item.get("unit")).unwrap_or_default(),
        value: Some(value),
        baseline_name: text(item.get("baseline_name").or(item.get("baseline_variant")))
            .or_else(|| baseline.as_ref().map(|_| "baseline".into())),
        baseline,
        higher_is_better: item
            .get("higher_is_better")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        met: item
            .get("met")
            .and_then(Value::as_bool)
            .or_else(|| target.zip(ratio).map(|(t, r)| r <= t)),
        ratio,
        target,
        note: String::new(),
    })
}

fn binding_rows(language: &str, json: &Value) -> Vec<Row> {
    let items = match json {
        Value::Array(a) => a.as_slice(),
        Value::Object(o) => ["rows", "results", "cells"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_array))
            .map_or(&[][..], Vec::as_slice),
        _ => &[],
    };
    items
        .iter()
        .filter_map(|i| binding_row(language, i))
        .collect()
}

/// What one binding's benchmark left behind.
struct BindingRun {
    language: &'static str,
    cell: &'static str,
    /// `absent` (no script), or the script's exit status.
    status: String,
    json: Option<Value>,
    stdout: Option<String>,
    rows: Vec<Row>,
}

fn binding_run(dir: &Path, language: &'static str, cell: &'static str) -> BindingRun {
    let status = read(&dir.join(format!("{language}.status")))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "absent".into());
    let json = read(&dir.join(format!("{language}.json")))
        .and_then(|s| serde_json::from_str::<Value>(&s).ok());
    let rows = json
        .as_ref()
        .map(|j| binding_rows(language, j))
        .unwrap_or_default();
    BindingRun {
        language,
        cell,
        stdout: read(&dir.join(format!("{language}.stdout.txt"))),
        status,
        json,
        rows,
    }
}

/// Rows for cells 4 (FFI) and the binding's own cell when its JSON did not give them.
fn placeholder_rows(b: &BindingRun) -> Vec<Row> {
    let mut rows = Vec::new();
    for (cell, name) in [
        ("4", "FFI: no-op sync and async call"),
        (b.cell, "vs openai / litellm / peers"),
    ] {
        if b.rows.iter().any(|r| r.cell == cell) {
            continue;
        }
        let note = if b.status == "absent" {
            "not landed".to_string()
        } else if b.status == "0" {
            format!("no row in {}.json: see its output below", b.language)
        } else {
            format!(
                "{} benchmark failed (exit {}); output below",
                b.language, b.status
            )
        };
        rows.push(Row::absent(cell, name, b.language, &note));
    }
    rows
}

fn cell_order(cell: &str) -> (u32, String) {
    let digits: String = cell.chars().take_while(char::is_ascii_digit).collect();
    (digits.parse().unwrap_or(99), cell.to_string())
}

/// `foundry-bench report [--out DIR] [--markdown]`: prints the combined table (and binding
/// output that was not in table form) and writes `results.json`.
pub fn report(dir: &Path, markdown: bool) -> Result<(), String> {
    let rust_path = dir.join("rust.json");
    let rust: Value = read(&rust_path)
        .and_then(|s| serde_json::from_str(&s).ok())
        .ok_or_else(|| {
            format!(
                "{} is missing: run `foundry-bench run` first",
                rust_path.display()
            )
        })?;
    let mut rows: Vec<Row> = rust["rows"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| serde_json::from_value(r.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    let runs: Vec<BindingRun> = BINDINGS
        .iter()
        .map(|(l, c)| binding_run(dir, l, c))
        .collect();
    let mut bindings = Map::new();
    // Bindings whose output is printed after the table: those some cell points to.
    let mut verbatim = Vec::new();
    for b in &runs {
        rows.extend(b.rows.iter().cloned());
        let placeholders = placeholder_rows(b);
        if b.status != "absent" && !placeholders.is_empty() {
            verbatim.push(b);
        }
        rows.extend(placeholders);
        bindings.insert(
            b.language.into(),
            json!({"status": b.status, "json": b.json, "stdout": b.stdout}),
        );
    }
    rows.sort_by_key(|r| cell_order(&r.cell));

    let mut results = rust.clone();
    results["rows"] = serde_json::to_value(&rows).map_err(|e| e.to_string())?;
    results["bindings"] = Value::Object(bindings);
    let out = dir.join("results.json");
    let pretty = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
    std::fs::write(&out, pretty).map_err(|e| format!("cannot write {}: {e}", out.display()))?;

    let machine = &rust["machine"];
    println!(
        "\nfoundry-bench, {}: {} × {}, {} GiB, load average {} at start, {} at end; {}",
        rust["date"].as_str().unwrap_or("?"),
        machine["nproc"],
        machine["cpu"].as_str().unwrap_or("?"),
        machine["memory_gib"],
        rust["load_at_start"].as_str().unwrap_or("?"),
        rust["load_at_end"].as_str().unwrap_or("?"),
        rust["pinning"].as_str().unwrap_or("?"),
    );
    println!(
        "ratio = cost relative to the row's baseline measured in the same run (bare reqwest + \
         serde_json for the core; the peer library or the language's own no-op for the bindings): \
         above 1 means foundry-client is slower or bigger; for rates it is baseline / value\n"
    );
    if markdown {
        print!("{}", render_markdown(&rows));
    } else {
        print!("{}", render(&rows));
    }
    for b in verbatim {
        if let Some(stdout) = &b.stdout {
            println!(
                "\n--- {} benchmark output (exit {}) ---\n{}",
                b.language,
                b.status,
                stdout.trim_end()
            );
        }
    }
    println!("\nall numbers: {}", out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_rows_accept_plain_and_summarised_values() {
        let j = json!({"rows": [
            {"cell": 5, "name": "chat c=1", "variant": "foundry", "metric": "p50", "unit": "ms",
             "value": 1.2, "baseline": {"median": 1.0}, "baseline_name": "openai", "ratio": 1.2, "target": 1.1},
            {"cell": "4", "metric": "no-op", "value": {"median": 3.0, "min": 2.0, "max": 4.0}},
            {"metric": "no cell", "value": 1.0}
        ]});
        let rows = binding_rows("python", &j);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].cell, "5");
        assert_eq!(rows[0].met, Some(false));
        assert_eq!(rows[1].variant, "python");
        assert_eq!(rows[1].value.as_ref().map(|s| s.max), Some(4.0));
    }

    #[test]
    fn absent_bindings_are_not_landed() {
        let b = BindingRun {
            language: "kotlin",
            cell: "7",
            status: "absent".into(),
            json: None,
            stdout: None,
            rows: Vec::new(),
        };
        let rows = placeholder_rows(&b);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.note == "not landed"));
    }
}
