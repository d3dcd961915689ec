//! A text table for a terminal: one row per line, the totals, the warnings.

use super::pct;
use crate::budget::model::{Figures, Report};

const HEAD: [&str; 10] = [
    "ACCOUNT",
    "TRACKING",
    "MONTH",
    "BUDGET",
    "ACTUAL",
    "VARIANCE",
    "VAR %",
    "CRM WON",
    "FORECAST",
    "PROJECTED",
];

pub fn render(r: &Report) -> String {
    let mut t = crate::tabular::table(HEAD, 3);
    for l in &r.lines {
        t.add_row(cells(&l.account, &l.tracking, &l.month, &l.figures));
    }
    t.add_row(cells("TOTAL", "", "", &r.totals));
    let mut out = format!(
        "Budget vs actuals, {} {} (tracking: {})\n{t}\n",
        r.currency,
        r.period,
        r.tracking_category.as_deref().unwrap_or("none")
    );
    for a in &r.not_supported {
        out.push_str(&format!(
            "{}\n",
            crate::budget::model::not_supported_line(*a)
        ));
    }
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

fn cells(account: &str, tracking: &str, month: &str, f: &Figures) -> [String; 10] {
    [
        account.to_string(),
        if tracking.is_empty() && account != "TOTAL" {
            "-".to_string()
        } else {
            tracking.to_string()
        },
        month.to_string(),
        f.budget.to_string(),
        f.actual.to_string(),
        f.variance.to_string(),
        pct(f.variance_pct),
        f.crm_won.to_string(),
        f.forecast.to_string(),
        f.projected.to_string(),
    ]
}
