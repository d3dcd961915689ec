//! What the suite prints and saves: one row per measurement, shown as it is taken,
//! the table at the end, and the JSON results file.

use serde_json::Value;
use std::path::Path;

/// One row of the printed table.
pub struct Row {
    pub metric: String,
    pub value: String,
    pub goal: String,
    pub met: Option<bool>,
}

pub fn row(
    metric: impl Into<String>,
    value: impl Into<String>,
    goal: &str,
    met: Option<bool>,
) -> Row {
    Row {
        metric: metric.into(),
        value: value.into(),
        goal: goal.into(),
        met,
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Each measurement as soon as it is taken (stderr), so a long run shows progress.
pub fn show(rows: &[Row]) {
    for r in rows {
        let met = match r.met {
            Some(true) => " — met",
            Some(false) => " — MISSED",
            None => "",
        };
        eprintln!("bench:   {}: {} (goal {}){met}", r.metric, r.value, r.goal);
    }
}

/// Writes what has been measured so far (after every part, so a long run that is
/// stopped keeps its numbers).
pub fn save(out: &Path, results: &serde_json::Map<String, Value>) {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).expect("results folder");
    }
    std::fs::write(
        out,
        serde_json::to_string_pretty(&Value::Object(results.clone())).expect("json"),
    )
    .expect("write results");
}

pub fn print_table(rows: &[Row]) {
    let w0 = rows
        .iter()
        .map(|r| r.metric.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let w1 = rows
        .iter()
        .map(|r| r.value.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let w2 = rows
        .iter()
        .map(|r| r.goal.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    println!(
        "\n| {} | {} | {} | met? |",
        pad("metric", w0),
        pad("value", w1),
        pad("goal", w2)
    );
    println!(
        "|{}|{}|{}|------|",
        "-".repeat(w0 + 2),
        "-".repeat(w1 + 2),
        "-".repeat(w2 + 2)
    );
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        println!(
            "| {} | {} | {} | {} |",
            pad(&r.metric, w0),
            pad(&r.value, w1),
            pad(&r.goal, w2),
            pad(met, 4)
        );
    }
}
