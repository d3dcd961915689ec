//! The terminal table: counts, totals, ageing, then every discrepancy.

use crate::reconcile::model::{Class, Report, Side};
use crate::reconcile::totals::BUCKETS;
use std::fmt::Write;

fn side(s: Option<&Side>) -> String {
    match s {
        Some(s) => format!(
            "{} {}{}",
            s.amount,
            s.currency,
            s.status
                .as_deref()
                .map(|st| format!(" {st}"))
                .unwrap_or_default()
        ),
        None => "—".into(),
    }
}

/// One report as text.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Reconciliation of pair {} (run {}, {}; ageing as of {}{})",
        r.pair,
        r.run_id,
        r.generated_at,
        r.as_of,
        r.since
            .as_deref()
            .map(|s| format!("; changes since {s}"))
            .unwrap_or_default()
    );
    let _ = writeln!(o);
    for c in Class::ALL {
        let _ = writeln!(o, "  {:<20} {:>8}", c.as_str(), r.count(c));
    }
    for a in &r.not_supported {
        let _ = writeln!(o, "  {}", crate::reconcile::model::not_supported_line(*a));
    }
    if !r.totals_by_currency.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "  {:<8} {:>16} {:>16} {:>16} {:>16}",
            "currency", "crm_won", "invoiced", "paid", "outstanding"
        );
        for (cur, t) in &r.totals_by_currency {
            let _ = writeln!(
                o,
                "  {:<8} {:>16} {:>16} {:>16} {:>16}",
                cur, t.crm_won, t.invoiced, t.paid, t.outstanding
            );
        }
        let _ = writeln!(o);
        let _ = write!(o, "  {:<8}", "ageing");
        for b in BUCKETS {
            let _ = write!(o, " {b:>16}");
        }
        let _ = writeln!(o);
        for (cur, a) in &r.ageing {
            let _ = write!(o, "  {cur:<8}");
            for b in BUCKETS {
                let _ = write!(o, " {:>16}", a.get(b).map(String::as_str).unwrap_or("0"));
            }
            let _ = writeln!(o);
        }
    }
    let open: Vec<_> = r
        .items
        .iter()
        .filter(|i| i.class != Class::Matched)
        .collect();
    if !open.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Discrepancies:");
        for i in open {
            let _ = writeln!(
                o,
                "  {:<18} {:<16} target [{}]  expected {}  actual {}\n  {:<18} {}",
                i.class.as_str(),
                i.source_key,
                i.target_ids.join(", "),
                side(i.expected.as_ref()),
                side(i.actual.as_ref()),
                "",
                i.reason
            );
        }
    }
    if let Some(f) = &r.fix {
        let _ = writeln!(o);
        let verb = if f.dry_run {
            "would enqueue"
        } else {
            "enqueued"
        };
        let _ = writeln!(
            o,
            "Fix: {verb} pushes for {} record(s) in {} job(s)",
            f.pushes.len(),
            f.jobs
        );
        for p in &f.pushes {
            let _ = writeln!(
                o,
                "  push {} ({}, mapping {})",
                p.source_key,
                p.class.as_str(),
                p.mapping
            );
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", crate::reconcile::summary_line(r));
    o
}
