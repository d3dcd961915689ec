//! The HTML report: one self-contained file (inline CSS, SVG and a few lines of JS;
//! no CDN, no web fonts) a finance person can open, filter and print. The markup is
//! `templates/reconcile/report.html` on the shared layout; this module only gathers
//! what the template shows, and the template engine escapes every value.

use super::chart::{self, Chart};
use crate::reconcile::model::{Class, Item, Report, Side};
use crate::reconcile::totals::BUCKETS;
use askama::Template;

#[derive(Template)]
#[template(path = "reconcile/report.html")]
struct Page<'a> {
    title: String,
    buckets: [&'static str; 4],
    pairs: Vec<PairView<'a>>,
}

struct PairView<'a> {
    report: &'a Report,
    payments_in: &'static str,
    discrepancies: usize,
    verdict_class: &'static str,
    verdict: String,
    cards: Vec<Card>,
    ageing: Vec<AgeingRow<'a>>,
    charts: Vec<Chart>,
    sections: Vec<ClassSection<'a>>,
    /// (ability, line for people) of each part of the pair the target cannot keep.
    not_supported: Vec<(&'static str, String)>,
}

struct Card {
    class: &'static str,
    title: &'static str,
    count: usize,
    /// Extra CSS class: ` good`, ` bad` or nothing.
    tone: &'static str,
}

struct AgeingRow<'a> {
    currency: &'a str,
    cells: Vec<&'a str>,
}

struct ClassSection<'a> {
    class: &'static str,
    title: &'static str,
    explain: &'static str,
    open: bool,
    rows: Vec<Row<'a>>,
}

struct Row<'a> {
    source_key: &'a str,
    reference: &'a str,
    target_ids: String,
    expected_amount: String,
    expected_status: &'a str,
    actual_amount: String,
    actual_status: &'a str,
    reason: &'a str,
}

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

/// Amount with currency, and status, of one side; a dash when the side is missing.
fn side(s: Option<&Side>) -> (String, &str) {
    match s {
        Some(s) => (
            format!("{} {}", s.amount, s.currency),
            s.status.as_deref().unwrap_or(""),
        ),
        None => ("—".into(), ""),
    }
}

fn row(i: &Item) -> Row<'_> {
    let (expected_amount, expected_status) = side(i.expected.as_ref());
    let (actual_amount, actual_status) = side(i.actual.as_ref());
    Row {
        source_key: &i.source_key,
        reference: i.reference.as_deref().unwrap_or(""),
        target_ids: i.target_ids.join(", "),
        expected_amount,
        expected_status,
        actual_amount,
        actual_status,
        reason: &i.reason,
    }
}

fn section(r: &Report, c: Class) -> ClassSection<'_> {
    let rows: Vec<Row> = r.items.iter().filter(|i| i.class == c).map(row).collect();
    ClassSection {
        class: c.as_str(),
        title: c.title(),
        explain: explain(c),
        open: c != Class::Matched && !rows.is_empty(),
        rows,
    }
}

fn pair(r: &Report) -> PairView<'_> {
    let n = r.discrepancies();
    let (verdict_class, verdict) = if n == 0 {
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
    let cards = Class::ALL
        .into_iter()
        .map(|c| {
            let count = r.count(c);
            Card {
                class: c.as_str(),
                title: c.title(),
                count,
                tone: match (c, count) {
                    (Class::Matched, _) => " good",
                    (_, 0) => "",
                    _ => " bad",
                },
            }
        })
        .collect();
    let ageing = r
        .ageing
        .iter()
        .map(|(currency, a)| AgeingRow {
            currency,
            cells: BUCKETS
                .iter()
                .map(|b| a.get(*b).map(String::as_str).unwrap_or("0"))
                .collect(),
        })
        .collect();
    PairView {
        report: r,
        payments_in: if r.payments_source == "crm" {
            "CRM"
        } else {
            "finance system"
        },
        discrepancies: n,
        verdict_class,
        verdict,
        cards,
        ageing,
        charts: r
            .by_month
            .iter()
            .filter_map(|(currency, months)| chart::chart(currency, months))
            .collect(),
        sections: Class::ALL.into_iter().map(|c| section(r, c)).collect(),
        not_supported: r
            .not_supported
            .iter()
            .map(|a| (a.as_str(), crate::reconcile::model::not_supported_line(*a)))
            .collect(),
    }
}

/// The whole file, one section per report.
pub fn render(reports: &[Report]) -> String {
    let title = match reports {
        [one] => format!("Reconciliation — {}", one.pair),
        _ => "Reconciliation".to_string(),
    };
    Page {
        title,
        buckets: BUCKETS,
        pairs: reports.iter().map(pair).collect(),
    }
    .render()
    .expect("the reconciliation template renders")
}
