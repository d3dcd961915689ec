//! Extraction, mapping and webhook ingestion: the benchmarks that are examples of
//! their own, run as children and read back.

use crate::binaries::example;
use crate::db::Backend;
use crate::report::{Row, row};
use serde_json::{Value, json};
use std::process::{Command, Stdio};

pub fn extraction(deals: usize, runs: usize) -> (Value, Vec<Row>) {
    eprintln!("bench: extraction: {deals} deals, {runs} runs…");
    let out = Command::new(example("pull_bench"))
        .args([&deals.to_string(), "--runs", &runs.to_string(), "--json"])
        .env_remove("CARGO")
        .stderr(Stdio::inherit())
        .output()
        .expect("pull_bench runs");
    let runs_: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let mut rates: Vec<f64> = runs_
        .iter()
        .filter_map(|r| r["records_per_s"].as_f64())
        .collect();
    rates.sort_by(f64::total_cmp);
    let median = rates.get(rates.len() / 2).copied().unwrap_or(0.0);
    let best = runs_
        .iter()
        .max_by(|a, b| {
            a["records_per_s"]
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&b["records_per_s"].as_f64().unwrap_or(0.0))
        })
        .cloned()
        .unwrap_or(Value::Null);
    let rows = vec![
        row(
            format!("extraction: {deals} deals with associations, records/s (median of {runs})"),
            format!("{median:.0}"),
            "≥ 50000",
            Some(median >= 50_000.0),
        ),
        row(
            "extraction: CPU seconds, client / simulator (best run)",
            format!(
                "{:.2} / {:.2} s in {:.2} s wall",
                best["client_cpu_s"].as_f64().unwrap_or(0.0),
                best["sim_cpu_s"].as_f64().unwrap_or(0.0),
                best["wall_s"].as_f64().unwrap_or(0.0)
            ),
            "—",
            None,
        ),
    ];
    (
        json!({"deals": deals, "median_records_per_s": median, "runs": runs_, "ok": out.status.success()}),
        rows,
    )
}

pub fn mapping(quick: bool) -> (Value, Vec<Row>) {
    eprintln!("bench: mapping…");
    let rounds = if quick { "20" } else { "500" };
    let out = Command::new(example("map_bench"))
        .args(["200", rounds])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/mapping"))
        .output()
        .expect("map_bench runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let best: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("best: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    (
        json!({"best_evaluations_per_s": best, "output": text, "ok": out.status.success()}),
        vec![row(
            "mapping: deal → invoice evaluations/s, one core",
            format!("{best:.0}"),
            "≥ 20000",
            Some(best >= 20_000.0),
        )],
    )
}

pub fn webhook(backend: &Backend, events: usize) -> (Value, Vec<Row>) {
    eprintln!("bench: webhook ingestion on {}…", backend.name());
    let mut cmd = Command::new(example("webhook_bench"));
    cmd.args(["--events", &events.to_string()]);
    if let Backend::Postgres(url) = backend {
        cmd.args(["--database-url", url]);
    }
    let out = cmd
        .env("RUST_LOG", "warn")
        .output()
        .expect("webhook_bench runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let after = |key: &str| -> Option<f64> {
        text.split_whitespace()
            .skip_while(|w| *w != key)
            .nth(1)
            .and_then(|n| n.parse().ok())
    };
    let rate = after("events/s").unwrap_or(0.0);
    let p50 = after("p50").unwrap_or(f64::NAN);
    let p99 = after("p99").unwrap_or(f64::NAN);
    let ok = out.status.success();
    let b = backend.name();
    (
        json!({"backend": b, "events": events, "events_per_s": rate, "p50_ms": p50, "p99_ms": p99, "ok": ok, "output": text}),
        vec![
            row(
                format!("webhook ingestion {b}: events/s"),
                format!("{rate:.0}"),
                "≥ 2000",
                Some(ok && rate >= 2000.0),
            ),
            row(
                format!("webhook ingestion {b}: p50 / p99 per delivery"),
                format!("{p50:.1} / {p99:.1} ms"),
                "p99 < 50 ms",
                Some(ok && p99 < 50.0),
            ),
        ],
    )
}
