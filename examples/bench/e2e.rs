//! End to end: a full sync of N deals, then a no-op incremental one.

use crate::calls::{calls_per_record, diff_calls, is_write, num};
use crate::db::{Backend, FreshDb};
use crate::machine::loadavg;
use crate::process::{last_json_line, run_measured, tail};
use crate::report::{Row, round3, row};
use crate::sim::Sim;
use crate::sync_run::{UNPACED_SCALE, sync_cmd, write_config};
use serde_json::{Value, json};
use std::path::Path;

pub struct E2e {
    pub json: Value,
    pub rows: Vec<Row>,
}

pub fn e2e(
    rt: &tokio::runtime::Runtime,
    backend: &Backend,
    deals: usize,
    goal_rate: bool,
    with_noop: bool,
) -> E2e {
    let dir = tempfile::tempdir().expect("tempdir");
    let label = format!("e2e {} {deals}", backend.name());
    eprintln!("bench: {label}: seeding the simulators…");
    let hubspot = Sim::start(rt, "hubspot", deals, false, 1.0);
    let xero = Sim::start(rt, "xero", 0, false, 1.0);
    let db = FreshDb::new(rt, backend, dir.path());
    let config = write_config(dir.path(), &db.url, &hubspot, &xero, UNPACED_SCALE);
    let (h0, x0) = (hubspot.stats(), xero.stats());
    let (hc0, xc0) = (hubspot.cpu_secs(), xero.cpu_secs());
    let load0 = loadavg();
    eprintln!("bench: {label}: full sync…");
    let full = run_measured(sync_cmd(&config, true), dir.path(), || {});
    let (h1, x1) = (hubspot.stats(), xero.stats());
    let (hc1, xc1) = (hubspot.cpu_secs(), xero.cpu_secs());
    let summary = last_json_line(&full.stdout).unwrap_or(Value::Null);
    if !full.ok {
        eprintln!(
            "bench: {label}: sync exited with failure (records that failed are listed as dead letters); stderr tail:\n{}",
            tail(&full.stderr, 5)
        );
    }
    let hub_calls = diff_calls(&h1, &h0);
    let xero_calls = diff_calls(&x1, &x0);
    let per_record = calls_per_record(&db, &hub_calls, &xero_calls);
    let rate = deals as f64 / full.wall;
    let mut rows = vec![
        row(
            format!("{label}: deals/s"),
            format!("{rate:.0}"),
            if goal_rate { "≥ 5000" } else { "—" },
            goal_rate.then_some(rate >= 5000.0),
        ),
        row(
            format!("{label}: wall time"),
            format!("{:.1} s", full.wall),
            "—",
            None,
        ),
        row(
            format!("{label}: peak RSS of the sync process"),
            format!("{:.0} MB", full.max_rss_mb),
            if deals >= 100_000 {
                "≤ 200 MB"
            } else {
                "—"
            },
            (deals >= 100_000).then_some(full.max_rss_mb <= 200.0),
        ),
    ];
    if let Some(w) = per_record.get("worst").filter(|w| !w.is_null()) {
        let r = w["ratio"].as_f64().unwrap_or(0.0);
        rows.push(row(
            format!("{label}: API calls ÷ minimum, worst kind"),
            format!("{r:.2} ({})", w["kind"].as_str().unwrap_or("")),
            "≤ 1.05",
            Some(r <= 1.05),
        ));
    }
    if let Some(r) = per_record["overall_ratio"].as_f64() {
        rows.push(row(
            format!("{label}: API calls ÷ minimum, all kinds"),
            format!("{r:.3}"),
            "≤ 1.05",
            Some(r <= 1.05),
        ));
    }
    let noop = if with_noop {
        let (j, r) = noop_sync(&label, &config, dir.path(), &hubspot, &xero, (&h1, &x1));
        rows.extend(r);
        j
    } else {
        Value::Null
    };
    let json = json!({
        "backend": backend.name(),
        "deals": deals,
        "ok": full.ok,
        "wall_s": round3(full.wall),
        "deals_per_s": rate.round(),
        "sync_cpu_s": round3(full.cpu),
        "peak_rss_mb": round3(full.max_rss_mb),
        "hubspot_sim_cpu_s": round3(hc1 - hc0),
        "xero_sim_cpu_s": round3(xc1 - xc0),
        "load_before": load0,
        "load_after": loadavg(),
        "summary": summary,
        "hubspot_stats": h1,
        "xero_stats": x1,
        "calls_per_record": per_record,
        "noop": noop,
    });
    E2e { json, rows }
}

/// A no-op incremental sync after the full one: only list/search calls, nothing written.
pub fn noop_sync(
    label: &str,
    config: &Path,
    dir: &Path,
    hubspot: &Sim,
    xero: &Sim,
    (h1, x1): (&Value, &Value),
) -> (Value, Vec<Row>) {
    // a no-op incremental sync: only list/search calls, nothing written
    eprintln!("bench: {label}: no-op incremental sync…");
    let noop = run_measured(sync_cmd(config, false), dir, || {});
    let (h2, x2) = (hubspot.stats(), xero.stats());
    let noop_h = diff_calls(&h2, h1);
    let noop_x = diff_calls(&x2, x1);
    let noop_writes =
        num(&h2, "writes") - num(h1, "writes") + num(&x2, "writes") - num(x1, "writes");
    let noop_other: Vec<String> = noop_h
        .keys()
        .chain(noop_x.keys())
        .filter(|p| {
            let list_or_search = p.starts_with("GET ") || p.ends_with("/search");
            is_write(p) || !list_or_search || p.contains('{')
        })
        .cloned()
        .collect();
    let noop_summary = last_json_line(&noop.stdout).unwrap_or(Value::Null);
    let mut rows = Vec::new();
    rows.push(row(
        format!("{label}: no-op incremental sync: writes"),
        format!("{noop_writes}"),
        "0",
        Some(noop_writes == 0),
    ));
    let other_calls: i64 = noop_h
        .iter()
        .chain(noop_x.iter())
        .filter(|(p, _)| noop_other.contains(p))
        .map(|(_, n)| n)
        .sum();
    rows.push(row(
        format!("{label}: no-op incremental sync: calls other than list/search"),
        format!(
            "{other_calls} ({} records re-listed)",
            num(&noop_summary, "pulled")
        ),
        "0",
        Some(other_calls == 0),
    ));
    let json = json!({
        "ok": noop.ok,
        "wall_s": round3(noop.wall),
        "summary": noop_summary,
        "writes": noop_writes,
        "hubspot_calls": noop_h,
        "xero_calls": noop_x,
        "not_list_or_search": noop_other,
    });
    (json, rows)
}
