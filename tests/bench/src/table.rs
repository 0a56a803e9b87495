//! One row per measured quantity, and the table they print as.
//!
//! `ratio` is always a cost ratio against the baseline measured in the same run: above 1 the
//! core is slower (or bigger) than bare reqwest, whether the metric is a time (core / baseline)
//! or a rate (baseline / core).

use serde::{Deserialize, Serialize};

use crate::stats::{PerVariant, Summary};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// The cell number ("1" .. "8"), or "1b" for the breakdown diagnostics.
    pub cell: String,
    /// What is measured: "latency c=1, 1 KB body".
    pub name: String,
    pub variant: String,
    /// "p50", "req/s", ...
    pub metric: String,
    pub unit: String,
    pub value: Option<Summary>,
    pub baseline_name: Option<String>,
    pub baseline: Option<Summary>,
    pub higher_is_better: bool,
    pub ratio: Option<f64>,
    /// Highest acceptable cost ratio, from the issue.
    pub target: Option<f64>,
    pub met: Option<bool>,
    /// "not landed", or a pointer to where a binding's numbers are.
    #[serde(default)]
    pub note: String,
}

impl Row {
    /// Core against bare reqwest.
    pub fn compared(
        cell: &str,
        name: &str,
        metric: &str,
        unit: &str,
        values: &PerVariant,
        higher_is_better: bool,
        target: Option<f64>,
    ) -> Row {
        Row::versus(
            cell,
            name,
            metric,
            unit,
            ("core", &values.core),
            &values.bare,
            higher_is_better,
            target,
        )
    }

    /// Core against bare reqwest, then each peer measured (issue 14) against bare reqwest,
    /// with the same target.
    pub fn compared_with_peers(
        cell: &str,
        name: &str,
        metric: &str,
        unit: &str,
        values: &PerVariant,
        higher_is_better: bool,
        target: Option<f64>,
    ) -> Vec<Row> {
        let mut rows = vec![Row::compared(
            cell,
            name,
            metric,
            unit,
            values,
            higher_is_better,
            target,
        )];
        for (peer, rounds) in values.peers() {
            rows.push(Row::versus(
                cell,
                name,
                metric,
                unit,
                (peer.name(), rounds),
                &values.bare,
                higher_is_better,
                target,
            ));
        }
        rows
    }

    /// One variant's round values against bare reqwest's.
    #[allow(clippy::too_many_arguments)]
    fn versus(
        cell: &str,
        name: &str,
        metric: &str,
        unit: &str,
        (variant, values): (&str, &[f64]),
        bare: &[f64],
        higher_is_better: bool,
        target: Option<f64>,
    ) -> Row {
        let value = Summary::of(values.to_vec());
        let baseline = Summary::of(bare.to_vec());
        let ratio = if higher_is_better {
            baseline.median / value.median
        } else {
            value.median / baseline.median
        };
        let ratio = ratio.is_finite().then_some(ratio);
        Row {
            cell: cell.into(),
            name: name.into(),
            variant: variant.into(),
            metric: metric.into(),
            unit: unit.into(),
            value: Some(value),
            baseline_name: Some("reqwest".into()),
            baseline: Some(baseline),
            higher_is_better,
            met: target.zip(ratio).map(|(t, r)| r <= t),
            ratio,
            target,
            note: String::new(),
        }
    }

    /// A value with no baseline (a diagnostic).
    pub fn single(
        cell: &str,
        name: &str,
        variant: &str,
        metric: &str,
        unit: &str,
        rounds: Vec<f64>,
    ) -> Row {
        Row {
            cell: cell.into(),
            name: name.into(),
            variant: variant.into(),
            metric: metric.into(),
            unit: unit.into(),
            value: Some(Summary::of(rounds)),
            baseline_name: None,
            baseline: None,
            higher_is_better: false,
            ratio: None,
            target: None,
            met: None,
            note: String::new(),
        }
    }

    /// A cell that could not run, and why.
    pub fn absent(cell: &str, name: &str, variant: &str, note: &str) -> Row {
        Row {
            cell: cell.into(),
            name: name.into(),
            variant: variant.into(),
            metric: String::new(),
            unit: String::new(),
            value: None,
            baseline_name: None,
            baseline: None,
            higher_is_better: false,
            ratio: None,
            target: None,
            met: None,
            note: note.into(),
        }
    }
}

/// 3 significant-ish digits: 1234 -> "1234", 12.34 -> "12.3", 1.234 -> "1.23".
pub fn number(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 0.1 || a == 0.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

fn with_spread(s: &Summary) -> String {
    format!("{} ({}–{})", number(s.median), number(s.min), number(s.max))
}

fn cells(row: &Row) -> [String; 8] {
    let metric = match (row.metric.is_empty(), row.unit.is_empty()) {
        (true, _) => row.name.clone(),
        (false, true) => format!("{}: {}", row.name, row.metric),
        (false, false) => format!("{}: {} ({})", row.name, row.metric, row.unit),
    };
    let value = match &row.value {
        Some(v) => with_spread(v),
        None => row.note.clone(),
    };
    let baseline = match (&row.baseline_name, &row.baseline) {
        (Some(name), Some(b)) => format!("{name} {}", with_spread(b)),
        _ => "-".into(),
    };
    [
        row.cell.clone(),
        row.variant.clone(),
        metric,
        value,
        baseline,
        row.ratio.map_or("-".into(), |r| format!("{r:.3}×")),
        row.target.map_or("-".into(), |t| format!("≤{t:.2}×")),
        match row.met {
            Some(true) => "yes".into(),
            Some(false) => "NO".into(),
            None => "-".into(),
        },
    ]
}

const HEADER: [&str; 8] = [
    "cell",
    "variant",
    "metric",
    "value (median of rounds, min–max)",
    "baseline",
    "ratio",
    "target",
    "met?",
];

/// The table as plain text, columns padded.
pub fn render(rows: &[Row]) -> String {
    let body: Vec<[String; 8]> = rows.iter().map(cells).collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for r in &body {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: &[String]| -> String {
        cols.iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join(" | ")
            .trim_end()
            .to_string()
    };
    let mut out = line(&HEADER.map(String::from));
    out.push('\n');
    out.push_str(&widths.map(|w| "-".repeat(w)).join("-|-"));
    out.push('\n');
    for r in &body {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

/// The same table in Markdown, for RESULTS.md.
pub fn render_markdown(rows: &[Row]) -> String {
    let mut out = format!(
        "| {} |\n|{}\n",
        HEADER.join(" | "),
        "---|".repeat(HEADER.len())
    );
    for r in rows {
        out.push_str(&format!("| {} |\n", cells(r).join(" | ")));
    }
    out
}
