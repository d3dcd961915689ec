//! Telling an accountant's edit from our own write.
//!
//! An invoice counts as edited in the finance system when a field *we write* differs
//! from what we last pushed: contact is left to the customer link, but dates,
//! reference, currency, tax mode, lines and line amounts are compared. Payment-driven
//! changes (status to PAID, amounts paid and due) are not edits.

use ledgerbridge_sdk::model::{TargetInvoice, TaxMode};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// The fields of `current` that differ from the invoice draft we last pushed
/// (`links.pushed_payload`). Empty: not edited (or nothing to compare with).
pub fn edited_fields(pushed_payload: &str, current: &TargetInvoice) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<Value>(pushed_payload) else {
        return Vec::new();
    };
    let Some(d) = v.get("Invoice") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let s = |k: &str| d.get(k).and_then(Value::as_str).map(str::to_string);
    if s("date") != current.date.map(|x| x.to_string()) {
        out.push("date".to_string());
    }
    if s("due_date") != current.due_date.map(|x| x.to_string()) {
        out.push("due_date".to_string());
    }
    if s("currency").as_deref() != Some(current.currency.code()) {
        out.push("currency".to_string());
    }
    if s("reference") != current.reference {
        out.push("reference".to_string());
    }
    let mode = match current.tax_mode {
        TaxMode::Exclusive => "Exclusive",
        TaxMode::Inclusive => "Inclusive",
        TaxMode::NoTax => "NoTax",
    };
    if s("tax_mode").as_deref() != Some(mode) {
        out.push("tax_mode".to_string());
    }
    let lines = d
        .get("lines")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if lines.len() != current.lines.len() {
        out.push("lines".to_string());
        return out;
    }
    for (i, (p, c)) in lines.iter().zip(&current.lines).enumerate() {
        let ps = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
        let dec = |k: &str| ps(k).and_then(|x| Decimal::from_str(&x).ok());
        if dec("quantity").map(|x| x.normalize()) != Some(c.quantity.normalize()) {
            out.push(format!("lines.{i}.quantity"));
        }
        if dec("unit_amount").map(|x| x.normalize()) != Some(c.unit_amount.normalize()) {
            out.push(format!("lines.{i}.unit_amount"));
        }
        let disc = dec("discount_rate")
            .filter(|d| !d.is_zero())
            .map(|x| x.normalize());
        let cdisc = c
            .discount_rate
            .filter(|d| !d.is_zero())
            .map(|x| x.normalize());
        if disc != cdisc {
            out.push(format!("lines.{i}.discount_rate"));
        }
        if ps("account_code") != c.account_code {
            out.push(format!("lines.{i}.account_code"));
        }
        if ps("tax_type").is_some() && ps("tax_type") != c.tax_type {
            out.push(format!("lines.{i}.tax_type"));
        }
        if ps("description").is_some() && ps("description") != c.description {
            out.push(format!("lines.{i}.description"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerbridge_sdk::model::{Currency, InvoiceStatus, TargetInvoiceLine};
    use rust_decimal_macros::dec;

    fn current() -> TargetInvoice {
        TargetInvoice {
            id: "inv-1".into(),
            number: Some("INV-0001".into()),
            reference: Some("HS-1".into()),
            customer_id: Some("c-1".into()),
            status: InvoiceStatus::Paid,
            currency: Currency::new("USD").unwrap(),
            currency_rate: None,
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1),
            due_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 31),
            tax_mode: TaxMode::Exclusive,
            sub_total: dec!(200),
            total_tax: dec!(0),
            total: dec!(200),
            amount_paid: dec!(200),
            amount_due: dec!(0),
            fully_paid_on: None,
            lines: vec![TargetInvoiceLine {
                description: Some("Widget".into()),
                quantity: dec!(2.0000),
                unit_amount: dec!(100.00),
                discount_rate: None,
                account_code: Some("200".into()),
                tax_type: Some("OUTPUT".into()),
                line_amount: dec!(200),
                tax_amount: dec!(0),
                tracking: vec![],
            }],
            updated_at: None,
        }
    }

    const PUSHED: &str = r#"{"Invoice":{"reference":"HS-1","date":"2026-03-01","due_date":"2026-03-31","currency":"USD","status":"AUTHORISED","tax_mode":"Exclusive","lines":[{"description":"Widget","quantity":"2","unit_amount":"100","discount_rate":null,"account_code":"200","tax_type":"OUTPUT","item_code":null,"tracking":[]}]}}"#;

    #[test]
    fn payment_driven_changes_are_not_edits() {
        assert!(edited_fields(PUSHED, &current()).is_empty());
    }

    #[test]
    fn line_amount_and_date_edits_are_named() {
        let mut c = current();
        c.lines[0].unit_amount = dec!(90);
        c.due_date = chrono::NaiveDate::from_ymd_opt(2026, 4, 30);
        assert_eq!(
            edited_fields(PUSHED, &c),
            vec!["due_date", "lines.0.unit_amount"]
        );
    }
}
