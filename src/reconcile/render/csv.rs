//! CSV: one row per item, money as decimal strings, target ids joined by `;`.

use crate::reconcile::model::{Report, Side};

pub const HEADER: [&str; 12] = [
    "pair",
    "class",
    "source_key",
    "reference",
    "target_ids",
    "expected_amount",
    "expected_currency",
    "expected_status",
    "actual_amount",
    "actual_currency",
    "actual_status",
    "reason",
];

fn side(s: Option<&Side>) -> [&str; 3] {
    match s {
        Some(s) => [
            &s.amount,
            &s.currency,
            s.status.as_deref().unwrap_or_default(),
        ],
        None => Default::default(),
    }
}

/// Every report's items under one header (RFC 4180 quoting, `\n` line ends).
pub fn render(reports: &[Report]) -> String {
    let mut w = crate::tabular::csv_writer();
    w.write_record(HEADER).expect("CSV into memory");
    for r in reports {
        for i in &r.items {
            let [ea, ec, es] = side(i.expected.as_ref());
            let [aa, ac, as_] = side(i.actual.as_ref());
            let target_ids = i.target_ids.join(";");
            w.write_record([
                r.pair.as_str(),
                i.class.as_str(),
                &i.source_key,
                i.reference.as_deref().unwrap_or_default(),
                &target_ids,
                ea,
                ec,
                es,
                aa,
                ac,
                as_,
                &i.reason,
            ])
            .expect("CSV into memory");
        }
    }
    crate::tabular::csv_text(w)
}
