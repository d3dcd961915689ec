//! Items for the preparation tests: one record of each kind, mapped as the shipped
//! mappings would map it, keyed `key-<source key>`.

use super::Prepared;
use crate::sync::plan::payload_of;
use crate::sync::push::Item;
use crate::sync::push::send::Ready;
use chrono::NaiveDate;
use ledgerbridge_mapping::{CustomerPlan, InvoiceDraft, Mapped, NoteDraft, PaymentDraft};
use ledgerbridge_sdk::model::{
    Currency, Customer, InvoiceLine, InvoiceStatus, TargetInvoice, TargetInvoiceLine, TaxMode,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn item(source_key: &str, mapped: Mapped) -> Item {
    let (payload, hash) = payload_of(&mapped);
    Item {
        source_key: source_key.to_string(),
        mapped,
        payload,
        hash,
        key: format!("key-{source_key}"),
        target_id: None,
        old_payload: None,
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

pub fn customer_item(source_key: &str, name: &str) -> Item {
    let customer = Customer {
        external_ref: format!("HS-{source_key}"),
        name: name.to_string(),
        ..Customer::default()
    };
    item(
        source_key,
        Mapped::Customer {
            customer,
            plan: CustomerPlan::Fallback {
                name: name.to_string(),
            },
        },
    )
}

fn company_1() -> CustomerPlan {
    CustomerPlan::Resolve {
        source_key: "company:1".into(),
        steps: Vec::new(),
    }
}

/// Deal `HS-1`: two widgets at 100.00, account 200, dated 1 March, due 31 March.
pub fn invoice_item(source_key: &str) -> Item {
    item(
        source_key,
        Mapped::Invoice(InvoiceDraft {
            reference: "HS-1".into(),
            customer: company_1(),
            date: day(1),
            due_date: day(31),
            currency: Currency::new("USD").unwrap(),
            status: InvoiceStatus::Authorised,
            tax_mode: TaxMode::Exclusive,
            lines: vec![InvoiceLine {
                description: "Widget".into(),
                quantity: dec!(2),
                unit_amount: dec!(100.00),
                discount_rate: None,
                account_code: "200".into(),
                tax_type: Some("OUTPUT".into()),
                item_code: None,
                tracking: Vec::new(),
            }],
        }),
    )
}

pub fn payment_item(source_key: &str, paid_to_date: Decimal) -> Item {
    item(
        source_key,
        Mapped::Payment(PaymentDraft {
            reference: format!("HS-1-paid-{paid_to_date}"),
            invoice_reference: "HS-1".into(),
            amount_paid_to_date: paid_to_date,
            date: day(15),
            account_code: "090".into(),
        }),
    )
}

pub fn note_item(source_key: &str) -> Item {
    item(
        source_key,
        Mapped::Note(NoteDraft {
            customer: company_1(),
            text: format!("Call about the renewal [lb:{source_key}]"),
            marker: format!("[lb:{source_key}]"),
        }),
    )
}

/// The invoice [`invoice_item`] becomes in the target, unpaid, with status `status`.
pub fn target_invoice(id: &str, status: InvoiceStatus) -> TargetInvoice {
    TargetInvoice {
        id: id.to_string(),
        number: Some(id.to_string()),
        reference: Some("HS-1".into()),
        customer_id: Some("C-1".into()),
        status,
        currency: Currency::new("USD").unwrap(),
        currency_rate: None,
        date: Some(day(1)),
        due_date: Some(day(31)),
        tax_mode: TaxMode::Exclusive,
        sub_total: dec!(200),
        total_tax: dec!(0),
        total: dec!(200),
        amount_paid: dec!(0),
        amount_due: dec!(200),
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
            tracking: Vec::new(),
        }],
        updated_at: None,
    }
}

/// The write a preparation made ready, if it made one.
pub fn ready(p: &Prepared) -> Option<&Ready> {
    match p {
        Prepared::Ready(r) => Some(r),
        _ => None,
    }
}
