//! One self-contained HTML file (no CDN, no external fonts, no network): summary
//! cards, an inline SVG chart of budget, actual and forecast per month, and the lines
//! in a table with a text filter. Floats are used for drawing only; every number a
//! reader sees is the report's decimal string.

use super::pct;
use crate::budget::model::{Figures, Report};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;
use std::fmt::Write;

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2330;background:#f6f7f9}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#5b6475;margin-bottom:18px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:12px 16px;min-width:150px}
.card .k{font-size:12px;color:#5b6475;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
.neg{color:#b42318}.pos{color:#067647}
svg{background:#fff;border:1px solid #dde1e8;border-radius:8px;max-width:100%}
table{border-collapse:collapse;background:#fff;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:5px 9px;border-bottom:1px solid #e8ebf0;text-align:right;white-space:nowrap}
th{background:#eef1f5;position:sticky;top:0;cursor:default}
td.t,th.t{text-align:left}
tr.total td{font-weight:600;border-top:2px solid #1d2330}
input{font:inherit;padding:6px 10px;border:1px solid #c5cbd6;border-radius:6px;width:280px;margin-bottom:8px}
.legend span{display:inline-block;margin-right:16px}.sw{display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px}
ul.warn{background:#fffaeb;border:1px solid #fedf89;border-radius:8px;padding:10px 28px}
@media print{input{display:none}body{background:#fff}}
"#;

const FILTER: &str = r#"
document.getElementById('filter').addEventListener('input',function(e){
  var q=e.target.value.toLowerCase();
  document.querySelectorAll('#lines tbody tr').forEach(function(tr){
    tr.style.display=tr.textContent.toLowerCase().indexOf(q)>=0?'':'none';
  });
  document.getElementById('shown').textContent=
    document.querySelectorAll('#lines tbody tr:not([style*="none"])').length;
});
"#;

pub fn render(r: &Report) -> String {
    let mut h = String::new();
    let track = r.tracking_category.as_deref().unwrap_or("none");
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Budget vs actuals {period}</title><style>{STYLE}</style></head><body>\
         <h1>Budget vs actuals</h1><div class=\"sub\">{period} &middot; amounts in {cur} \
         &middot; tracking category: {track}</div>",
        period = esc(&r.period),
        cur = esc(&r.currency),
        track = esc(track),
    );
    cards(&mut h, &r.totals);
    h.push_str("<h2>By month</h2>");
    chart(&mut h, r);
    if !r.not_supported.is_empty() {
        h.push_str("<h2>Not supported</h2><ul class=\"warn\" id=\"not-supported\">");
        for a in &r.not_supported {
            let line = crate::budget::model::not_supported_line(*a);
            let _ = write!(h, "<li data-ability=\"{a}\">{}</li>", esc(&line));
        }
        h.push_str("</ul>");
    }
    if !r.warnings.is_empty() {
        h.push_str("<h2>Warnings</h2><ul class=\"warn\" id=\"warnings\">");
        for w in &r.warnings {
            let _ = write!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul>");
    }
    table(&mut h, r);
    let _ = writeln!(h, "<script>{FILTER}</script></body></html>");
    h
}

fn cards(h: &mut String, t: &Figures) {
    h.push_str("<div class=\"cards\" id=\"totals\">");
    let sign = |d: Decimal| if d.is_sign_negative() { "neg" } else { "pos" };
    let items: [(&str, &str, String, &str); 7] = [
        ("budget", "Budget", t.budget.to_string(), ""),
        ("actual", "Actual", t.actual.to_string(), ""),
        (
            "variance",
            "Variance",
            t.variance.to_string(),
            sign(t.variance),
        ),
        (
            "variance_pct",
            "Variance %",
            pct(t.variance_pct),
            sign(t.variance),
        ),
        ("crm_won", "CRM closed-won", t.crm_won.to_string(), ""),
        ("forecast", "Weighted forecast", t.forecast.to_string(), ""),
        ("projected", "Projected", t.projected.to_string(), ""),
    ];
    for (key, label, value, class) in items {
        let _ = write!(
            h,
            "<div class=\"card\"><div class=\"k\">{label}</div>\
             <div class=\"v {class}\" data-total=\"{key}\">{}</div></div>",
            esc(&value)
        );
    }
    h.push_str("</div>");
}

/// Grouped bars per month: budget (grey), actual (blue) with the forecast stacked on
/// it (light blue), so the top of the blue stack is the projection.
fn chart(h: &mut String, r: &Report) {
    let mut by_month: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for l in &r.lines {
        let e = by_month.entry(&l.month).or_default();
        e.0 += f(l.figures.budget);
        e.1 += f(l.figures.actual);
        e.2 += f(l.figures.forecast);
    }
    let (w, ht, left, bottom, top) = (900.0, 300.0, 70.0, 40.0, 16.0);
    let max = by_month
        .values()
        .map(|(b, a, fc)| b.max(a + fc))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let n = by_month.len().max(1) as f64;
    let slot = (w - left - 10.0) / n;
    let bar = (slot * 0.36).min(28.0);
    let y = |v: f64| top + (ht - top - bottom) * (1.0 - v / max);
    let _ = write!(
        h,
        "<svg id=\"chart\" viewBox=\"0 0 {w} {ht}\" width=\"{w}\" height=\"{ht}\" \
         role=\"img\" aria-label=\"Budget, actual and forecast by month\">"
    );
    for i in 0..=4 {
        let v = max * i as f64 / 4.0;
        let _ = write!(
            h,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e8ebf0\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6475\">{}</text>",
            w - 10.0,
            left - 6.0,
            y(v) + 4.0,
            short(v),
            y = y(v)
        );
    }
    for (i, (month, (b, a, fc))) in by_month.iter().enumerate() {
        // bars cannot go below the axis: negative sums are drawn as 0 (the table shows them)
        let (b, a, fc) = (&b.max(0.0), &a.max(0.0), fc.max(0.0));
        let x = left + slot * i as f64 + (slot - 2.0 * bar) / 2.0;
        let base = y(0.0);
        let _ = write!(
            h,
            "<g data-month=\"{m}\"><title>{m}: budget {b:.2}, actual {a:.2}, forecast {fc:.2}</title>\
             <rect x=\"{x:.1}\" y=\"{by:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"#b8c0cc\"/>\
             <rect x=\"{x2:.1}\" y=\"{ay:.1}\" width=\"{bar:.1}\" height=\"{ah:.1}\" fill=\"#2e6bd6\"/>\
             <rect x=\"{x2:.1}\" y=\"{fy:.1}\" width=\"{bar:.1}\" height=\"{fh:.1}\" fill=\"#9dbcf0\"/>\
             <text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6475\">{m}</text></g>",
            m = esc(month),
            by = y(*b),
            bh = base - y(*b),
            x2 = x + bar,
            ay = y(*a),
            ah = base - y(*a),
            fy = y(a + fc),
            fh = y(*a) - y(a + fc),
            tx = x + bar,
            ty = ht - bottom + 16.0,
        );
    }
    h.push_str("</svg><div class=\"legend\">\
        <span><i class=\"sw\" style=\"background:#b8c0cc\"></i>Budget</span>\
        <span><i class=\"sw\" style=\"background:#2e6bd6\"></i>Actual</span>\
        <span><i class=\"sw\" style=\"background:#9dbcf0\"></i>Weighted forecast (stacked: projected)</span></div>");
}

fn table(h: &mut String, r: &Report) {
    let _ = write!(
        h,
        "<h2>Lines (<span id=\"shown\">{}</span> of {})</h2>\
         <input id=\"filter\" type=\"search\" placeholder=\"Filter: account, option, month…\">\
         <table id=\"lines\"><thead><tr><th class=\"t\">Account</th><th class=\"t\">Tracking</th>\
         <th class=\"t\">Month</th><th>Budget</th><th>Actual</th><th>Variance</th><th>Var %</th>\
         <th>CRM won</th><th>Forecast</th><th>Projected</th></tr></thead><tbody>",
        r.lines.len(),
        r.lines.len()
    );
    for l in &r.lines {
        h.push_str("<tr>");
        let _ = write!(
            h,
            "<td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td>",
            esc(&l.account),
            if l.tracking.is_empty() {
                "&ndash;".to_string()
            } else {
                esc(&l.tracking)
            },
            esc(&l.month)
        );
        numbers(h, &l.figures);
        h.push_str("</tr>");
    }
    h.push_str("</tbody><tfoot><tr class=\"total\"><td class=\"t\" colspan=\"3\">Total</td>");
    numbers(h, &r.totals);
    h.push_str("</tr></tfoot></table>");
}

fn numbers(h: &mut String, f: &Figures) {
    let cls = if f.variance.is_sign_negative() && !f.variance.is_zero() {
        " class=\"neg\""
    } else {
        ""
    };
    let _ = write!(
        h,
        "<td>{}</td><td>{}</td><td{cls}>{}</td><td{cls}>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        f.budget,
        f.actual,
        f.variance,
        pct(f.variance_pct),
        f.crm_won,
        f.forecast,
        f.projected
    );
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// An axis label: 12k, 1.2M.
fn short(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// HTML escaping for text and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}
