//! The terminal table: counts, totals, ageing, then every discrepancy.

use crate::reconcile::model::{Class, Report, Side};
use crate::reconcile::totals::BUCKETS;
use crate::tabular::table;

fn side(s: Option<&Side>) -> String {
    match s {
        Some(s) => match &s.status {
            Some(st) => format!("{} {} {st}", s.amount, s.currency),
            None => format!("{} {}", s.amount, s.currency),
        },
        None => "—".into(),
    }
}

/// Lines of text, each ended by a newline.
#[derive(Default)]
struct Text(String);

impl Text {
    fn line(&mut self, s: impl AsRef<str>) {
        self.0.push_str(s.as_ref());
        self.0.push('\n');
    }
    fn blank(&mut self) {
        self.0.push('\n');
    }
}

/// One report as text.
pub fn render(r: &Report) -> String {
    let mut o = Text::default();
    let since = r
        .since
        .as_deref()
        .map(|s| format!("; changes since {s}"))
        .unwrap_or_default();
    o.line(format!(
        "Reconciliation of pair {} (run {}, {}; ageing as of {}{since})",
        r.pair, r.run_id, r.generated_at, r.as_of
    ));
    o.blank();
    let mut counts = table(["class", "records"], 1);
    for c in Class::ALL {
        counts.add_row([c.as_str().to_string(), r.count(c).to_string()]);
    }
    o.line(counts.to_string());
    for a in &r.not_supported {
        o.line(format!(
            "  {}",
            crate::reconcile::model::not_supported_line(*a)
        ));
    }
    if !r.totals_by_currency.is_empty() {
        o.blank();
        let mut totals = table(
            ["currency", "crm_won", "invoiced", "paid", "outstanding"],
            1,
        );
        for (cur, t) in &r.totals_by_currency {
            totals.add_row([cur, &t.crm_won, &t.invoiced, &t.paid, &t.outstanding]);
        }
        o.line(totals.to_string());
        o.blank();
        let mut ageing = table(
            ["ageing", BUCKETS[0], BUCKETS[1], BUCKETS[2], BUCKETS[3]],
            1,
        );
        for (cur, a) in &r.ageing {
            let mut row = vec![cur.as_str()];
            row.extend(
                BUCKETS
                    .iter()
                    .map(|b| a.get(*b).map(String::as_str).unwrap_or("0")),
            );
            ageing.add_row(row);
        }
        o.line(ageing.to_string());
    }
    let open: Vec<_> = r
        .items
        .iter()
        .filter(|i| i.class != Class::Matched)
        .collect();
    if !open.is_empty() {
        o.blank();
        o.line("Discrepancies:");
        let mut t = table(
            ["class", "record", "target", "expected", "actual", "reason"],
            6,
        );
        for i in open {
            t.add_row([
                i.class.as_str().to_string(),
                i.source_key.clone(),
                i.target_ids.join(", "),
                side(i.expected.as_ref()),
                side(i.actual.as_ref()),
                i.reason.clone(),
            ]);
        }
        o.line(t.to_string());
    }
    if let Some(f) = &r.fix {
        o.blank();
        let verb = if f.dry_run {
            "would enqueue"
        } else {
            "enqueued"
        };
        o.line(format!(
            "Fix: {verb} pushes for {} record(s) in {} job(s)",
            f.pushes.len(),
            f.jobs
        ));
        for p in &f.pushes {
            o.line(format!(
                "  push {} ({}, mapping {})",
                p.source_key,
                p.class.as_str(),
                p.mapping
            ));
        }
    }
    o.blank();
    o.line(crate::reconcile::summary_line(r));
    o.0
}
