//! API calls per record: what each simulator counted, per object kind, against the
//! least calls that kind could take with the connectors' page and batch sizes.

use crate::db::FreshDb;
use crate::limits::{Limits, limits};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn calls_of(stats: &Value) -> BTreeMap<String, i64> {
    stats["calls"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

pub fn diff_calls(after: &Value, before: &Value) -> BTreeMap<String, i64> {
    let b = calls_of(before);
    calls_of(after)
        .into_iter()
        .map(|(k, v)| {
            let d = v - b.get(&k).copied().unwrap_or(0);
            (k, d)
        })
        .filter(|(_, d)| *d != 0)
        .collect()
}

pub fn num(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap_or(0)
}

pub fn ceil_div(n: i64, d: i64) -> i64 {
    if n <= 0 { 0 } else { (n + d - 1) / d }
}

/// The object kind a simulator path belongs to.
pub fn kind_of(vendor: &str, path: &str) -> String {
    let p = path.split_once(' ').map_or(path, |(_, p)| p);
    if vendor == "hubspot" {
        if let Some(rest) = p.strip_prefix("/crm/v3/objects/") {
            let t = rest.split('/').next().unwrap_or(rest);
            if is_write(path) {
                return match t {
                    "deals" => "deal write-back".into(),
                    "companies" => "company write-back".into(),
                    other => format!("{other} write"),
                };
            }
            return match t {
                "calls" | "emails" | "meetings" | "notes" => "interaction".into(),
                "deals" => "deal".into(),
                "companies" => "company".into(),
                "contacts" => "contact".into(),
                "line_items" => "line_item".into(),
                other => other.into(),
            };
        }
        if p.contains("associations") {
            return "association".into();
        }
        "other".into()
    } else {
        if p.ends_with("/History") {
            return "note".into();
        }
        if let Some(rest) = p.strip_prefix("/api.xro/2.0/") {
            return match rest.split('/').next().unwrap_or(rest) {
                "Contacts" => "customer".into(),
                "Invoices" => "invoice".into(),
                "Payments" => "payment".into(),
                other => other.to_string(),
            };
        }
        "other".into()
    }
}

pub fn is_write(path: &str) -> bool {
    let (method, p) = path.split_once(' ').unwrap_or(("GET", path));
    match method {
        "GET" => false,
        // searches and batch reads are reads
        "POST" => !(p.ends_with("/search") || p.ends_with("/batch/read")),
        _ => true,
    }
}

/// Calls per object kind ÷ the least calls that kind could take.
pub fn calls_per_record(
    db: &FreshDb,
    hubspot_calls: &BTreeMap<String, i64>,
    xero_calls: &BTreeMap<String, i64>,
) -> Value {
    let Limits {
        hubspot_page,
        hubspot_batch_read,
        hubspot_batch_write,
        xero_batch,
        xero_notes_per_call,
        ..
    } = limits();
    // what was pulled, per HubSpot list (interactions: one list per kind)
    let mut minimum: BTreeMap<(String, String), (i64, String)> = BTreeMap::new();
    let mirror = db.counts(
        "SELECT CASE WHEN object = 'interaction' THEN 'interaction:' || json_extract(payload, '$.kind') ELSE object END, COUNT(*) FROM records GROUP BY 1",
        "SELECT CASE WHEN object = 'interaction' THEN 'interaction:' || ((payload::jsonb)->>'kind') ELSE object END, COUNT(*) FROM records GROUP BY 1",
    );
    let line_items = db.counts(
        "SELECT 'line_item', SUM(json_array_length(payload, '$.line_items')) FROM records WHERE object = 'deal'",
        "SELECT 'line_item', SUM(jsonb_array_length((payload::jsonb)->'line_items'))::BIGINT FROM records WHERE object = 'deal'",
    );
    let mut interaction = (0, 0);
    for (obj, n) in &mirror {
        if obj.starts_with("interaction:") {
            interaction.0 += n;
            interaction.1 += ceil_div(*n, hubspot_page);
        } else {
            minimum.insert(
                ("hubspot".into(), obj.clone()),
                (
                    ceil_div(*n, hubspot_page),
                    format!("{n} records / pages of {hubspot_page}"),
                ),
            );
        }
    }
    if interaction.0 > 0 {
        minimum.insert(
            ("hubspot".into(), "interaction".into()),
            (
                interaction.1,
                format!(
                    "{} records / pages of {hubspot_page} per kind",
                    interaction.0
                ),
            ),
        );
    }
    // what was written back to the CRM (deal status, company totals): batches of 100
    let written_back = db.counts(
        "SELECT substr(record_key, 1, instr(record_key, ':') - 1), COUNT(*) FROM writebacks GROUP BY 1",
        "SELECT split_part(record_key, ':', 1), COUNT(*) FROM writebacks GROUP BY 1",
    );
    for (obj, n) in &written_back {
        minimum.insert(
            ("hubspot".into(), format!("{obj} write-back")),
            (
                ceil_div(*n, hubspot_batch_write),
                format!("{n} records / batch updates of {hubspot_batch_write}"),
            ),
        );
    }
    let li = line_items.get("line_item").copied().unwrap_or(0);
    minimum.insert(
        ("hubspot".into(), "line_item".into()),
        (
            ceil_div(li, hubspot_batch_read),
            format!("{li} line items / batch reads of {hubspot_batch_read}"),
        ),
    );
    // what was written, per Xero object
    let links = db.counts(
        "SELECT target_object, COUNT(*) FROM links WHERE target_id IS NOT NULL GROUP BY 1",
        "SELECT target_object, COUNT(*) FROM links WHERE target_id IS NOT NULL GROUP BY 1",
    );
    // History notes go one call per subject (the company's Xero contact), up to
    // `xero_notes_per_call` per call: the minimum is the sum over subjects.
    let notes_by_subject = db.counts(
        "SELECT COALESCE(CAST(json_extract(r.payload, '$.company_ids[0]') AS TEXT), ''), COUNT(*) FROM links l \
         JOIN records r ON r.record_key = l.source_key \
         WHERE l.target_object = 'note' AND l.target_id IS NOT NULL GROUP BY 1",
        "SELECT COALESCE(r.payload::jsonb->'company_ids'->>0, ''), COUNT(*) FROM links l \
         JOIN records r ON r.record_key = l.source_key \
         WHERE l.target_object = 'note' AND l.target_id IS NOT NULL GROUP BY 1",
    );
    let note_calls: i64 = notes_by_subject
        .values()
        .map(|n| ceil_div(*n, xero_notes_per_call))
        .sum();
    for (obj, n) in &links {
        let (min, why) = if obj == "note" {
            (
                note_calls,
                format!(
                    "{n} notes on {} subjects / History PUTs of up to {xero_notes_per_call} per subject",
                    notes_by_subject.len()
                ),
            )
        } else {
            (
                ceil_div(*n, xero_batch),
                format!("{n} records / batches of {xero_batch}"),
            )
        };
        minimum.insert(("xero".into(), obj.clone()), (min, why));
    }
    let mut made: BTreeMap<(String, String), (i64, BTreeMap<String, i64>)> = BTreeMap::new();
    for (vendor, calls) in [("hubspot", hubspot_calls), ("xero", xero_calls)] {
        for (path, n) in calls {
            let e = made
                .entry((vendor.to_string(), kind_of(vendor, path)))
                .or_default();
            e.0 += n;
            e.1.insert(path.clone(), *n);
        }
    }
    let mut kinds = Vec::new();
    let (mut total_made, mut total_min) = (0, 0);
    let mut worst: Option<(f64, String)> = None;
    let keys: std::collections::BTreeSet<_> = minimum.keys().chain(made.keys()).cloned().collect();
    for k in keys {
        let (m, why) = minimum.get(&k).cloned().unwrap_or((0, "no records".into()));
        let (c, paths) = made.get(&k).cloned().unwrap_or_default();
        total_made += c;
        total_min += m;
        let ratio = (m > 0).then(|| c as f64 / m as f64);
        let label = format!("{} {}", k.0, k.1);
        if let Some(r) = ratio
            && worst.as_ref().is_none_or(|(w, _)| r > *w)
        {
            worst = Some((r, label.clone()));
        }
        kinds.push(json!({
            "vendor": k.0, "kind": k.1, "calls": c, "minimum": m, "basis": why,
            "ratio": ratio.map(|r| (r * 1000.0).round() / 1000.0), "paths": paths,
        }));
    }
    json!({
        "kinds": kinds,
        "total_calls": total_made,
        "total_minimum": total_min,
        "overall_ratio": (total_min > 0).then(|| ((total_made as f64 / total_min as f64) * 1000.0).round() / 1000.0),
        "worst": worst.map(|(r, k)| json!({"kind": k, "ratio": (r * 1000.0).round() / 1000.0})),
    })
}
