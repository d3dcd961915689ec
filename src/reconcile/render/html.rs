//! The HTML report: one self-contained file (inline CSS, SVG and a few lines of JS;
//! no CDN, no web fonts) a finance person can open, filter and print.
//!
//! Stable hooks for tests and scripts: each class's count is in an element with
//! `data-count="<class>"`, each class table is a `section[data-class="<class>"]`
//! whose body rows are the items, and `body[data-ready]` is set once the script ran.

use super::{chart, escape};
use crate::reconcile::model::{Class, Item, Report, Side};
use crate::reconcile::totals::BUCKETS;
use std::fmt::Write;

const CSS: &str = r#"
:root{--ink:#1d2433;--muted:#5b6475;--line:#dde1e8;--bg:#f6f7f9;--ok:#1f7a4d;--bad:#b3261e;--warn:#9a6700}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}h3{font-size:15px;margin:0}
.meta{color:var(--muted);margin-bottom:16px}
.verdict{padding:10px 14px;border-radius:6px;font-weight:600;margin:12px 0 18px;background:#fff;border-left:5px solid var(--ok)}
.verdict.bad{border-left-color:var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card .n{font-size:26px;font-weight:700;font-variant-numeric:tabular-nums}
.card .t{color:var(--muted);font-size:12px}
.card.bad .n{color:var(--bad)}.card.good .n{color:var(--ok)}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef0f4;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.02em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
details{margin:14px 0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 12px}
summary{cursor:pointer}summary h3{display:inline}
.explain{color:var(--muted);margin:6px 0}
input.filter{width:280px;max-width:100%;padding:5px 8px;margin:6px 0;border:1px solid var(--line);border-radius:4px;font:inherit}
figure{margin:10px 0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}
svg .won{fill:#7a8fb8}svg .inv{fill:#1f7a4d}svg .grid{stroke:#dde1e8}
svg .axis,svg .legend{font-size:11px;fill:#5b6475}
.pair{margin-bottom:40px}
@media print{input.filter{display:none}details{break-inside:avoid}body{background:#fff}}
"#;

const JS: &str = r#"
document.querySelectorAll('input.filter').forEach(function(inp){
  inp.addEventListener('input',function(){
    var q=inp.value.trim().toLowerCase(),box=inp.closest('details'),n=0;
    box.querySelectorAll('tbody tr').forEach(function(tr){
      var ok=!q||tr.textContent.toLowerCase().indexOf(q)>=0;tr.hidden=!ok;if(ok)n++;});
    box.querySelector('.shown').textContent=n;
  });
});
document.body.setAttribute('data-ready','1');
"#;

/// What a class means, for someone who reads the books rather than the code.
fn explain(c: Class) -> &'static str {
    match c {
        Class::DeadLetter => {
            "The deal could not be turned into an invoice; the reason says what to fix."
        }
        Class::Duplicate => {
            "Two or more live invoices carry the same deal reference: one of them should go."
        }
        Class::Orphan => "A live invoice whose deal was deleted or no longer counts as won.",
        Class::Conflict => {
            "The invoice was edited in the finance system after ledgerbridge wrote it; it is left as it is."
        }
        Class::MissingInFinance => "A won deal with no invoice yet.",
        Class::CurrencyMismatch => "The deal is now in another currency than its invoice.",
        Class::AmountMismatch => "The deal now adds up to another amount than its invoice.",
        Class::StatusMismatch => {
            "The payment status in the finance system and in the CRM disagree."
        }
        Class::Matched => "The deal and its invoice agree.",
    }
}

fn side(s: Option<&Side>) -> (String, String) {
    match s {
        Some(s) => (
            format!("{} {}", s.amount, s.currency),
            s.status.clone().unwrap_or_default(),
        ),
        None => ("—".into(), String::new()),
    }
}

fn row(o: &mut String, i: &Item) {
    let (ea, es) = side(i.expected.as_ref());
    let (aa, as_) = side(i.actual.as_ref());
    let _ = write!(
        o,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td>\
         <td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
        escape(&i.source_key),
        escape(i.reference.as_deref().unwrap_or("")),
        escape(&i.target_ids.join(", ")),
        escape(&ea),
        escape(&es),
        escape(&aa),
        escape(&as_),
        escape(&i.reason)
    );
}

fn class_section(o: &mut String, r: &Report, c: Class) {
    let items: Vec<&Item> = r.items.iter().filter(|i| i.class == c).collect();
    let open = if c == Class::Matched || items.is_empty() {
        ""
    } else {
        " open"
    };
    let _ = write!(
        o,
        "<details{open}><summary><h3>{} — <span class=\"shown\">{}</span> of {}</h3></summary>\
         <section data-class=\"{}\"><p class=\"explain\">{}</p>",
        escape(c.title()),
        items.len(),
        items.len(),
        c.as_str(),
        escape(explain(c))
    );
    if items.is_empty() {
        let _ = write!(
            o,
            "<p class=\"explain\">None.</p><table hidden><tbody></tbody></table>"
        );
    } else {
        let _ = write!(
            o,
            "<input class=\"filter\" type=\"search\" placeholder=\"Filter these rows…\" \
             aria-label=\"Filter {}\">\
             <table><thead><tr><th>Deal</th><th>Reference</th><th>Invoice ids</th>\
             <th class=\"num\">CRM amount</th><th>CRM status</th><th class=\"num\">Invoice amount</th>\
             <th>Invoice status</th><th>Why</th></tr></thead><tbody>",
            escape(c.title())
        );
        for i in items {
            row(o, i);
        }
        let _ = write!(o, "</tbody></table>");
    }
    let _ = write!(o, "</section></details>");
}

fn totals(o: &mut String, r: &Report) {
    if r.totals_by_currency.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<h2>Totals per currency</h2><table class=\"totals\"><thead><tr><th>Currency</th>\
         <th class=\"num\">CRM closed-won</th><th class=\"num\">Invoiced</th>\
         <th class=\"num\">Paid</th><th class=\"num\">Outstanding</th></tr></thead><tbody>"
    );
    for (cur, t) in &r.totals_by_currency {
        let _ = write!(
            o,
            "<tr data-currency=\"{c}\"><td>{c}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&t.crm_won),
            escape(&t.invoiced),
            escape(&t.paid),
            escape(&t.outstanding),
            c = escape(cur)
        );
    }
    let _ = write!(
        o,
        "</tbody></table><p class=\"explain\">CRM closed-won is what the won deals map to \
         (invoice lines, before tax added on top); invoiced, paid and outstanding count posted \
         invoices (authorised or paid), tax included.</p>\
         <h2>Outstanding by days past due</h2><table class=\"ageing\"><thead><tr><th>Currency</th>"
    );
    for b in BUCKETS {
        let _ = write!(o, "<th class=\"num\">{b} days</th>");
    }
    let _ = write!(o, "</tr></thead><tbody>");
    for (cur, a) in &r.ageing {
        let _ = write!(o, "<tr><td>{}</td>", escape(cur));
        for b in BUCKETS {
            let _ = write!(
                o,
                "<td class=\"num\">{}</td>",
                escape(a.get(b).map(String::as_str).unwrap_or("0"))
            );
        }
        let _ = write!(o, "</tr>");
    }
    let _ = write!(o, "</tbody></table><h2>Per month</h2>");
    for (cur, months) in &r.by_month {
        if let Some(svg) = chart::svg(cur, months) {
            let _ = write!(
                o,
                "<figure><figcaption>{}</figcaption>{svg}</figure>",
                escape(cur)
            );
        }
    }
}

fn pair(o: &mut String, r: &Report) {
    let n = r.discrepancies();
    let _ = write!(
        o,
        "<section class=\"pair\" data-pair=\"{}\"><h1>Reconciliation — {}</h1>\
         <div class=\"meta\">Run {} · generated {} · ageing as of {} · payments recorded in the {}{}</div>",
        escape(&r.pair),
        escape(&r.pair),
        escape(&r.run_id),
        escape(&r.generated_at),
        escape(&r.as_of),
        if r.payments_source == "crm" {
            "CRM"
        } else {
            "finance system"
        },
        r.since
            .as_deref()
            .map(|s| format!(" · changes since {}", escape(s)))
            .unwrap_or_default()
    );
    let (cls, verdict) = if n == 0 {
        (
            "verdict",
            format!(
                "All {} records agree: the CRM and the books match.",
                r.count(Class::Matched)
            ),
        )
    } else {
        (
            "verdict bad",
            format!(
                "{n} of {} records need attention.",
                n + r.count(Class::Matched)
            ),
        )
    };
    let _ = write!(
        o,
        "<div class=\"{cls}\" data-discrepancies=\"{n}\">{}</div><div class=\"cards\">",
        escape(&verdict)
    );
    for c in Class::ALL {
        let k = r.count(c);
        let tone = match (c, k) {
            (Class::Matched, _) => " good",
            (_, 0) => "",
            _ => " bad",
        };
        let _ = write!(
            o,
            "<div class=\"card{tone}\"><div class=\"n\" data-count=\"{}\">{k}</div>\
             <div class=\"t\">{}</div></div>",
            c.as_str(),
            escape(c.title())
        );
    }
    let _ = write!(o, "</div>");
    if !r.not_supported.is_empty() {
        let _ = write!(o, "<ul class=\"explain not-supported\">");
        for a in &r.not_supported {
            let line = crate::reconcile::model::not_supported_line(*a);
            let _ = write!(o, "<li data-ability=\"{a}\">{}</li>", escape(&line));
        }
        let _ = write!(o, "</ul>");
    }
    totals(o, r);
    let _ = write!(o, "<h2>Records by class</h2>");
    for c in Class::ALL {
        class_section(o, r, c);
    }
    let _ = write!(o, "</section>");
}

/// The whole file, one section per report.
pub fn render(reports: &[Report]) -> String {
    let title = match reports {
        [one] => format!("Reconciliation — {}", one.pair),
        _ => "Reconciliation".to_string(),
    };
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body>",
        escape(&title)
    );
    for r in reports {
        pair(&mut o, r);
    }
    let _ = writeln!(o, "<script>{JS}</script></body></html>");
    o
}
