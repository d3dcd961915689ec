//! Was the invoice edited in the finance system after our push?
//!
//! The pipeline's own definition decides ([`crate::sync::conflict::edited_fields`]:
//! dates, reference, currency, tax, lines and line amounts against
//! `links.pushed_payload`; payment-driven changes are not edits), so a report never
//! calls "conflict" what a sync would overwrite, or the reverse. Reconciliation adds
//! the contact: the invoice's customer against the target id linked to the CRM
//! record the invoice was pushed for.

use ledgerbridge_sdk::model::TargetInvoice;
use std::collections::HashMap;

/// The fields edited since our push; empty when the invoice is as we left it (or the
/// pushed payload tells nothing).
pub fn edits(
    pushed_payload: &str,
    inv: &TargetInvoice,
    customer_links: &HashMap<String, String>,
) -> Vec<String> {
    let mut out = crate::sync::conflict::edited_fields(pushed_payload, inv);
    let linked = serde_json::from_str::<serde_json::Value>(pushed_payload)
        .ok()
        .and_then(|v| {
            v.pointer("/Invoice/customer/Resolve/source_key")
                .and_then(|k| k.as_str())
                .and_then(|k| customer_links.get(k))
                .cloned()
        });
    if let Some(id) = linked
        && !inv
            .customer_id
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(&id))
    {
        out.insert(0, "contact".to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use ledgerbridge_sdk::model::{Currency, InvoiceStatus, TargetInvoiceLine, TaxMode};
    use rust_decimal::Decimal;
    use serde_json::json;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn pushed() -> String {
        json!({"Invoice": {
            "reference": "HS-1",
            "customer": {"Resolve": {"source_key": "company:7", "steps": []}},
            "date": "2025-03-01", "due_date": "2025-03-31", "currency": "USD",
            "status": "AUTHORISED", "tax_mode": "Exclusive",
            "lines": [{"description": "Widget", "quantity": "2", "unit_amount": "10.5",
                       "discount_rate": null, "account_code": "200", "tax_type": "OUTPUT",
                       "item_code": null,
                       "tracking": [{"category": "Pipeline", "option": ""}]}]
        }})
        .to_string()
    }

    fn invoice() -> TargetInvoice {
        TargetInvoice {
            id: "INV-1".into(),
            number: Some("INV-0001".into()),
            reference: Some("HS-1".into()),
            customer_id: Some("C-7".into()),
            status: InvoiceStatus::Authorised,
            currency: Currency::new("USD").unwrap(),
            currency_rate: None,
            date: NaiveDate::from_ymd_opt(2025, 3, 1),
            due_date: NaiveDate::from_ymd_opt(2025, 3, 31),
            tax_mode: TaxMode::Exclusive,
            sub_total: d("21.00"),
            total_tax: d("3.15"),
            total: d("24.15"),
            amount_paid: d("0"),
            amount_due: d("24.15"),
            fully_paid_on: None,
            lines: vec![TargetInvoiceLine {
                description: Some("Widget".into()),
                quantity: d("2.0000"),
                unit_amount: d("10.50"),
                discount_rate: None,
                account_code: Some("200".into()),
                tax_type: Some("OUTPUT".into()),
                line_amount: d("21.00"),
                tax_amount: d("3.15"),
                tracking: vec![],
            }],
            updated_at: None,
        }
    }

    fn links() -> HashMap<String, String> {
        HashMap::from([("company:7".to_string(), "c-7".to_string())])
    }

    #[test]
    fn untouched_invoice_has_no_edits() {
        assert!(edits(&pushed(), &invoice(), &links()).is_empty());
    }

    #[test]
    fn payments_are_not_edits() {
        let mut inv = invoice();
        inv.status = InvoiceStatus::Paid;
        inv.amount_paid = inv.total;
        inv.amount_due = d("0");
        assert!(edits(&pushed(), &inv, &links()).is_empty());
    }

    #[test]
    fn edited_fields_are_named() {
        let mut inv = invoice();
        inv.lines[0].quantity = d("3");
        inv.customer_id = Some("C-8".into());
        assert_eq!(
            edits(&pushed(), &inv, &links()),
            vec!["contact".to_string(), "lines.0.quantity".into()]
        );
    }

    #[test]
    fn unreadable_payload_tells_nothing() {
        assert!(edits("{}", &invoice(), &links()).is_empty());
    }
}
