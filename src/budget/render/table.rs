//! A plain text table for a terminal: one row per line, the totals, the warnings.

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
    let mut rows: Vec<[String; 10]> = vec![HEAD.map(String::from)];
    for l in &r.lines {
        rows.push(cells(&l.account, &l.tracking, &l.month, &l.figures));
    }
    rows.push(cells("TOTAL", "", "", &r.totals));
    let mut width = [0usize; 10];
    for row in &rows {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = format!(
        "Budget vs actuals, {} {} (tracking: {})\n",
        r.currency,
        r.period,
        r.tracking_category.as_deref().unwrap_or("none")
    );
    let last = rows.len() - 1;
    for (i, row) in rows.iter().enumerate() {
        if i == last {
            let rule: usize = width.iter().sum::<usize>() + 2 * (width.len() - 1);
            out.push_str(&"-".repeat(rule));
            out.push('\n');
        }
        let mut line = String::new();
        for (j, (c, w)) in row.iter().zip(width).enumerate() {
            if j > 0 {
                line.push_str("  ");
            }
            if j < 3 {
                line.push_str(&format!("{c:<w$}"));
            } else {
                line.push_str(&format!("{c:>w$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
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
