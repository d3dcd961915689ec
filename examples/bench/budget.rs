//! Rate-budget use: Xero at its real limits, time scaled.

use crate::calls::{calls_of, num};
use crate::db::{Backend, FreshDb};
use crate::limits::limits;
use crate::process::{last_json_line, run_measured, tail};
use crate::report::{Row, round3, row};
use crate::sim::Sim;
use crate::sync_run::{sync_cmd, write_config};
use serde_json::{Value, json};
use std::time::Instant;

/// Time scale of the rate-budget run: Xero's 60 calls a minute become 60 a second.
pub const BUDGET_SCALE: f64 = 60.0;

pub fn tenant_calls(stats: &Value) -> i64 {
    calls_of(stats)
        .iter()
        .filter(|(p, _)| !p.ends_with("/connections"))
        .map(|(_, n)| n)
        .sum()
}

pub fn budget(rt: &tokio::runtime::Runtime, deals: usize) -> (Value, Vec<Row>) {
    let xero_per_minute = limits().xero_per_minute;
    let dir = tempfile::tempdir().expect("tempdir");
    eprintln!("bench: rate budget: {deals} deals, Xero at its real limits scaled {BUDGET_SCALE}x…");
    let hubspot = Sim::start(rt, "hubspot", deals, false, 1.0);
    let xero = Sim::start(rt, "xero", 0, true, BUDGET_SCALE);
    let db = FreshDb::new(rt, &Backend::Sqlite, dir.path());
    let config = write_config(dir.path(), &db.url, &hubspot, &xero, BUDGET_SCALE);
    let x0 = xero.stats();
    let base = tenant_calls(&x0);
    // (seconds since start, tenant calls so far) every time the count moved
    let t0 = Instant::now();
    let mut first: Option<f64> = None;
    let mut last = (0.0f64, base);
    let mut timeline: Vec<(f64, i64)> = Vec::new();
    let mut sample = || {
        if let Some(s) = xero.try_stats() {
            let n = tenant_calls(&s);
            let t = t0.elapsed().as_secs_f64();
            if n > last.1 {
                if first.is_none() {
                    first = Some(t);
                }
                last = (t, n);
                timeline.push((round3(t), n - base));
            }
        }
    };
    let run = run_measured(sync_cmd(&config, true), dir.path(), &mut sample);
    sample();
    let x1 = xero.stats();
    let calls = tenant_calls(&x1) - base;
    let limited = num(&x1, "rate_limited") - num(&x0, "rate_limited");
    let minute = 60.0 / BUDGET_SCALE;
    // the window in which Xero was being called: first to last call seen (50 ms polls)
    let active = first.map_or(0.0, |f| (last.0 - f).max(minute / xero_per_minute));
    let allowed_active = xero_per_minute * active / minute;
    let allowed_run = xero_per_minute * run.wall / minute;
    // the first call is at the start of the window: calls after it over the allowance
    let used = if allowed_active > 0.0 {
        (calls - 1).max(0) as f64 / allowed_active
    } else {
        0.0
    };
    let used_run = if allowed_run > 0.0 {
        calls as f64 / allowed_run
    } else {
        0.0
    };
    let summary = last_json_line(&run.stdout).unwrap_or(Value::Null);
    if !run.ok {
        eprintln!(
            "bench: rate budget: sync exited with failure; stderr tail:\n{}",
            tail(&run.stderr, 5)
        );
    }
    let rows = vec![
        row(
            format!(
                "rate budget ({deals} deals, Xero {xero_per_minute}/min scaled {BUDGET_SCALE}x): calls used ÷ allowed while calling Xero"
            ),
            format!(
                "{:.1} % ({calls} calls in {:.1} scaled min)",
                used * 100.0,
                active / minute
            ),
            "≥ 95 %",
            Some(used >= 0.95),
        ),
        row(
            "rate budget: … over the whole sync (incl. HubSpot pull and planning)",
            format!("{:.1} %", used_run * 100.0),
            "—",
            None,
        ),
        row(
            "rate budget: unplanned 429s",
            limited.to_string(),
            "0",
            Some(limited == 0),
        ),
    ];
    let json = json!({
        "deals": deals,
        "rate_scale": BUDGET_SCALE,
        "ok": run.ok,
        "xero_tenant_calls": calls,
        "rate_limited": limited,
        "active_s": round3(active),
        "active_scaled_minutes": round3(active / minute),
        "allowed_in_active_window": round3(allowed_active),
        "fraction_used_active": round3(used),
        "wall_s": round3(run.wall),
        "fraction_used_whole_run": round3(used_run),
        "summary": summary,
        "xero_stats": x1,
        "timeline": timeline,
    });
    (json, rows)
}
