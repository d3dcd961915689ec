//! Money per currency: CRM closed-won, invoiced, paid, outstanding; ageing of what is
//! outstanding by days past the due date; and the month-by-month figures of the chart.
//!
//! Amounts are summed as decimals per currency and never converted. Invoiced, paid and
//! outstanding count posted invoices only (AUTHORISED or PAID; a draft is not in the
//! books yet) and include tax; `crm_won` is what the deals map to, before tax added
//! on top.

use super::classify::Classified;
use super::model::{CurrencyTotals, MonthTotals};
use chrono::NaiveDate;
use ledgerbridge_sdk::model::{Currency, InvoiceStatus};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Ageing buckets, by days past the due date (not yet due counts in the first).
pub const BUCKETS: [&str; 4] = ["0-30", "31-60", "61-90", "90+"];

pub fn bucket(days_past_due: i64) -> &'static str {
    match days_past_due {
        ..=30 => BUCKETS[0],
        31..=60 => BUCKETS[1],
        61..=90 => BUCKETS[2],
        _ => BUCKETS[3],
    }
}

#[derive(Default)]
struct Acc {
    won: Decimal,
    invoiced: Decimal,
    paid: Decimal,
    outstanding: Decimal,
    ageing: [Decimal; 4],
    months: BTreeMap<String, (Decimal, Decimal)>,
}

/// The report's `totals_by_currency`, `ageing` and `by_month`.
pub struct Totals {
    pub by_currency: BTreeMap<String, CurrencyTotals>,
    pub ageing: BTreeMap<String, BTreeMap<String, String>>,
    pub by_month: BTreeMap<String, BTreeMap<String, MonthTotals>>,
}

fn month(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

/// Sums the items' figures; `as_of` is the day ageing counts from.
pub fn compute(items: &[Classified], as_of: NaiveDate) -> Totals {
    let mut acc: BTreeMap<Currency, Acc> = BTreeMap::new();
    for c in items {
        if let Some(e) = &c.expected {
            let a = acc.entry(e.currency.clone()).or_default();
            a.won += e.total;
            a.months.entry(month(e.date)).or_default().0 += e.total;
        }
        for inv in &c.invoices {
            if !matches!(inv.status, InvoiceStatus::Authorised | InvoiceStatus::Paid) {
                continue;
            }
            let a = acc.entry(inv.currency.clone()).or_default();
            a.invoiced += inv.total;
            a.paid += inv.amount_paid;
            a.outstanding += inv.amount_due;
            if let Some(d) = inv.date {
                a.months.entry(month(d)).or_default().1 += inv.total;
            }
            if inv.amount_due > Decimal::ZERO {
                let due = inv.due_date.or(inv.date).unwrap_or(as_of);
                let b = bucket((as_of - due).num_days());
                let i = BUCKETS.iter().position(|x| *x == b).unwrap_or(0);
                a.ageing[i] += inv.amount_due;
            }
        }
    }
    let mut t = Totals {
        by_currency: BTreeMap::new(),
        ageing: BTreeMap::new(),
        by_month: BTreeMap::new(),
    };
    for (cur, a) in acc {
        let s = |d: Decimal| cur.round(d).to_string();
        let code = cur.code().to_string();
        t.by_currency.insert(
            code.clone(),
            CurrencyTotals {
                crm_won: s(a.won),
                invoiced: s(a.invoiced),
                paid: s(a.paid),
                outstanding: s(a.outstanding),
            },
        );
        t.ageing.insert(
            code.clone(),
            BUCKETS
                .iter()
                .zip(a.ageing)
                .map(|(b, v)| (b.to_string(), s(v)))
                .collect(),
        );
        t.by_month.insert(
            code,
            a.months
                .into_iter()
                .map(|(m, (w, i))| {
                    (
                        m,
                        MonthTotals {
                            crm_won: s(w),
                            invoiced: s(i),
                        },
                    )
                })
                .collect(),
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_by_days_past_due() {
        assert_eq!(bucket(-10), "0-30");
        assert_eq!(bucket(0), "0-30");
        assert_eq!(bucket(30), "0-30");
        assert_eq!(bucket(31), "31-60");
        assert_eq!(bucket(60), "31-60");
        assert_eq!(bucket(61), "61-90");
        assert_eq!(bucket(90), "61-90");
        assert_eq!(bucket(91), "90+");
    }
}
