//! Does the payment status agree on both sides?
//!
//! - `payments_source = "finance"`: the finance system is the truth and the deal's
//!   write-back properties (`[pairs.writeback]`) should show it. A PAID invoice needs
//!   `deal_invoice_status` = `PAID`, a VOIDED one `VOIDED`, a part-paid one (still
//!   AUTHORISED, something paid) `deal_amount_paid` equal to the amount paid; a deal
//!   whose write-back says PAID while the invoice is not is a mismatch too.
//! - `payments_source = "crm"`: the CRM records payments; a mismatch is the CRM
//!   saying more is paid than the invoice shows.

use super::gather::{Expected, Record};
use crate::config::PaymentsSource;
use ledgerbridge_sdk::model::{InvoiceStatus, TargetInvoice};
use rust_decimal::Decimal;

/// The status the CRM side shows (the item's `expected.status`).
pub fn expected_status(src: PaymentsSource, exp: &Expected, rec: &Record) -> String {
    match src {
        PaymentsSource::Finance => rec
            .writeback_status
            .clone()
            .unwrap_or_else(|| exp.status.as_str().to_string()),
        PaymentsSource::Crm => match exp.crm_paid {
            Some(p) if p > Decimal::ZERO && p >= exp.total => "PAID".into(),
            Some(p) if p > Decimal::ZERO => "PART_PAID".into(),
            _ => exp.status.as_str().to_string(),
        },
    }
}

/// Why the statuses disagree, or `None` when they agree. `props` names the write-back
/// properties (`(status, amount paid)`).
pub fn mismatch(
    src: PaymentsSource,
    exp: &Expected,
    rec: &Record,
    inv: &TargetInvoice,
    props: (&str, &str),
) -> Option<String> {
    match src {
        PaymentsSource::Finance => finance(rec, inv, props),
        PaymentsSource::Crm => {
            let p = exp.crm_paid?;
            (p > inv.amount_paid).then(|| {
                format!(
                    "the CRM records {p} paid, the invoice {} ({})",
                    inv.amount_paid,
                    inv.status.as_str()
                )
            })
        }
    }
}

fn finance(rec: &Record, inv: &TargetInvoice, (status, paid): (&str, &str)) -> Option<String> {
    let shown = rec.writeback_status.as_deref();
    let shows = |s: &str| shown.is_some_and(|v| v.eq_ignore_ascii_case(s));
    let shown_text = || match shown {
        Some(v) => format!("is {v:?}"),
        None => "is not set".to_string(),
    };
    match inv.status {
        InvoiceStatus::Paid if !shows("PAID") => Some(format!(
            "the invoice is PAID; the deal's {status} {}",
            shown_text()
        )),
        InvoiceStatus::Voided if !shows("VOIDED") => Some(format!(
            "the invoice is VOIDED; the deal's {status} {}",
            shown_text()
        )),
        InvoiceStatus::Authorised if inv.amount_paid > Decimal::ZERO => {
            let on_deal = rec
                .writeback_paid
                .as_deref()
                .and_then(|v| v.parse::<Decimal>().ok());
            (on_deal != Some(inv.amount_paid)).then(|| {
                format!(
                    "the invoice is part-paid ({} of {}); the deal's {paid} is {}",
                    inv.amount_paid,
                    inv.total,
                    rec.writeback_paid.as_deref().unwrap_or("not set")
                )
            })
        }
        s if s != InvoiceStatus::Paid && shows("PAID") => Some(format!(
            "the deal's {status} says PAID; the invoice is {}",
            s.as_str()
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::gather::Verdict;
    use chrono::NaiveDate;
    use ledgerbridge_sdk::model::{Currency, TaxMode};

    const PROPS: (&str, &str) = ("ledgerbridge_invoice_status", "ledgerbridge_amount_paid");

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn exp(crm_paid: Option<&str>) -> Expected {
        Expected {
            reference: "HS-1".into(),
            currency: Currency::new("USD").unwrap(),
            total: d("100.00"),
            date: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            status: InvoiceStatus::Authorised,
            crm_paid: crm_paid.map(d),
        }
    }

    fn rec(status: Option<&str>, paid: Option<&str>) -> Record {
        Record {
            key: "deal:1".into(),
            updated_at: None,
            verdict: Verdict::NotQualifying(String::new()),
            writeback_status: status.map(str::to_string),
            writeback_paid: paid.map(str::to_string),
        }
    }

    fn inv(status: InvoiceStatus, paid: &str) -> TargetInvoice {
        TargetInvoice {
            id: "I".into(),
            number: None,
            reference: Some("HS-1".into()),
            customer_id: None,
            status,
            currency: Currency::new("USD").unwrap(),
            currency_rate: None,
            date: None,
            due_date: None,
            tax_mode: TaxMode::NoTax,
            sub_total: d("100.00"),
            total_tax: d("0"),
            total: d("100.00"),
            amount_paid: d(paid),
            amount_due: d("100.00") - d(paid),
            fully_paid_on: None,
            lines: vec![],
            updated_at: None,
        }
    }

    #[test]
    fn finance_paid_needs_the_write_back() {
        let f = PaymentsSource::Finance;
        let paid = inv(InvoiceStatus::Paid, "100.00");
        assert!(mismatch(f, &exp(None), &rec(None, None), &paid, PROPS).is_some());
        assert!(mismatch(f, &exp(None), &rec(Some("paid"), None), &paid, PROPS).is_none());
        let part = inv(InvoiceStatus::Authorised, "40.00");
        assert!(mismatch(f, &exp(None), &rec(None, None), &part, PROPS).is_some());
        assert!(mismatch(f, &exp(None), &rec(None, Some("40")), &part, PROPS).is_none());
        let open = inv(InvoiceStatus::Authorised, "0");
        assert!(mismatch(f, &exp(None), &rec(None, None), &open, PROPS).is_none());
        assert!(mismatch(f, &exp(None), &rec(Some("PAID"), None), &open, PROPS).is_some());
        let void = inv(InvoiceStatus::Voided, "0");
        assert!(mismatch(f, &exp(None), &rec(None, None), &void, PROPS).is_some());
    }

    #[test]
    fn crm_paid_must_reach_the_invoice() {
        let c = PaymentsSource::Crm;
        let open = inv(InvoiceStatus::Authorised, "0");
        assert!(mismatch(c, &exp(Some("100")), &rec(None, None), &open, PROPS).is_some());
        assert!(mismatch(c, &exp(None), &rec(None, None), &open, PROPS).is_none());
        let paid = inv(InvoiceStatus::Paid, "100.00");
        assert!(mismatch(c, &exp(Some("100")), &rec(None, None), &paid, PROPS).is_none());
        assert_eq!(
            expected_status(c, &exp(Some("100")), &rec(None, None)),
            "PAID"
        );
    }
}
