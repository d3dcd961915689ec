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

/// RFC 4180 quoting where a field needs it.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn side(s: Option<&Side>) -> [String; 3] {
    match s {
        Some(s) => [
            s.amount.clone(),
            s.currency.clone(),
            s.status.clone().unwrap_or_default(),
        ],
        None => Default::default(),
    }
}

/// Every report's items under one header.
pub fn render(reports: &[Report]) -> String {
    let mut out = HEADER.join(",");
    out.push('\n');
    for r in reports {
        for i in &r.items {
            let [ea, ec, es] = side(i.expected.as_ref());
            let [aa, ac, as_] = side(i.actual.as_ref());
            let row = [
                r.pair.clone(),
                i.class.as_str().to_string(),
                i.source_key.clone(),
                i.reference.clone().unwrap_or_default(),
                i.target_ids.join(";"),
                ea,
                ec,
                es,
                aa,
                ac,
                as_,
                i.reason.clone(),
            ];
            let fields: Vec<String> = row.iter().map(|f| field(f)).collect();
            out.push_str(&fields.join(","));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
