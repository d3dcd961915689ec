//! CSV: a header, one row per line, then a `TOTAL` row (tracking and month empty).
//! `variance_pct` is empty when the budget is 0.

use crate::budget::model::{Figures, Report};

const HEADER: &str =
    "account,tracking,month,budget,actual,variance,variance_pct,crm_won,forecast,projected";

pub fn render(r: &Report) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for l in &r.lines {
        row(&mut out, &l.account, &l.tracking, &l.month, &l.figures);
    }
    row(&mut out, "TOTAL", "", "", &r.totals);
    out
}

fn row(out: &mut String, account: &str, tracking: &str, month: &str, f: &Figures) {
    let cells = [
        field(account),
        field(tracking),
        field(month),
        f.budget.to_string(),
        f.actual.to_string(),
        f.variance.to_string(),
        f.variance_pct.map(|p| p.to_string()).unwrap_or_default(),
        f.crm_won.to_string(),
        f.forecast.to_string(),
        f.projected.to_string(),
    ];
    out.push_str(&cells.join(","));
    out.push('\n');
}

/// RFC 4180 quoting where needed.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
