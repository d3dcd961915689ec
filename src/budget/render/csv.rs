//! CSV: a header, one row per line, then a `TOTAL` row (tracking and month empty).
//! `variance_pct` is empty when the budget is 0.

use crate::budget::model::{Figures, Report};

const HEADER: [&str; 10] = [
    "account",
    "tracking",
    "month",
    "budget",
    "actual",
    "variance",
    "variance_pct",
    "crm_won",
    "forecast",
    "projected",
];

pub fn render(r: &Report) -> String {
    let mut w = crate::tabular::csv_writer();
    w.write_record(HEADER).expect("CSV into memory");
    for l in &r.lines {
        w.write_record(row(&l.account, &l.tracking, &l.month, &l.figures))
            .expect("CSV into memory");
    }
    w.write_record(row("TOTAL", "", "", &r.totals))
        .expect("CSV into memory");
    crate::tabular::csv_text(w)
}

fn row(account: &str, tracking: &str, month: &str, f: &Figures) -> [String; 10] {
    [
        account.to_string(),
        tracking.to_string(),
        month.to_string(),
        f.budget.to_string(),
        f.actual.to_string(),
        f.variance.to_string(),
        f.variance_pct.map(|p| p.to_string()).unwrap_or_default(),
        f.crm_won.to_string(),
        f.forecast.to_string(),
        f.projected.to_string(),
    ]
}
