//! Canonical model ↔ Xero wire shapes.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_sdk::model::{
    Currency, Customer, CustomerRef, Invoice as CanonInvoice, InvoiceStatus,
    Payment as CanonPayment, TargetCustomer, TargetInvoice, TargetInvoiceLine, TargetPayment,
    TaxMode, TrackingRef,
};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::msdate;
use crate::wire::{
    Account, Address, Contact, ContactPerson, Invoice, LineItem, LineItemTracking, Payment, Phone,
};

pub fn tax_mode_str(m: TaxMode) -> &'static str {
    match m {
        TaxMode::Exclusive => "Exclusive",
        TaxMode::Inclusive => "Inclusive",
        TaxMode::NoTax => "NoTax",
    }
}

pub fn tax_mode(s: Option<&str>) -> TaxMode {
    match s {
        Some("Inclusive") => TaxMode::Inclusive,
        Some("NoTax") => TaxMode::NoTax,
        _ => TaxMode::Exclusive,
    }
}

pub fn contact_from(c: &Customer, id: Option<Uuid>) -> Contact {
    Contact {
        contact_id: id,
        account_number: Some(c.external_ref.clone()),
        name: Some(c.name.clone()),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email_address: c.email.clone(),
        tax_number: c.tax_number.clone(),
        default_currency: c.default_currency.as_ref().map(|c| c.code().to_string()),
        contact_persons: (!c.contact_persons.is_empty()).then(|| {
            c.contact_persons
                .iter()
                .map(|p| ContactPerson {
                    first_name: p.first_name.clone(),
                    last_name: p.last_name.clone(),
                    email_address: p.email.clone(),
                    include_in_emails: Some(false),
                })
                .collect()
        }),
        addresses: (!c.addresses.is_empty()).then(|| {
            c.addresses
                .iter()
                .map(|a| Address {
                    address_type: Some("STREET".into()),
                    address_line1: a.line1.clone(),
                    address_line2: a.line2.clone(),
                    city: a.city.clone(),
                    region: a.region.clone(),
                    postal_code: a.postal_code.clone(),
                    country: a.country.clone(),
                    attention_to: None,
                })
                .collect()
        }),
        phones: c.phone.as_ref().map(|p| {
            vec![Phone {
                phone_type: Some("DEFAULT".into()),
                phone_number: Some(p.clone()),
                ..Default::default()
            }]
        }),
        ..Default::default()
    }
}

pub fn invoice_from(inv: &CanonInvoice, id: Option<Uuid>) -> Invoice {
    let contact = match &inv.customer {
        CustomerRef::TargetId(cid) => Contact {
            contact_id: Uuid::parse_str(cid).ok(),
            ..Default::default()
        },
        CustomerRef::Name(n) => Contact {
            name: Some(n.clone()),
            ..Default::default()
        },
    };
    Invoice {
        kind: Some("ACCREC".into()),
        invoice_id: id,
        reference: Some(inv.reference.clone()),
        contact: Some(contact),
        date: Some(inv.date.format("%Y-%m-%d").to_string()),
        due_date: Some(inv.due_date.format("%Y-%m-%d").to_string()),
        line_amount_types: Some(tax_mode_str(inv.tax_mode).into()),
        currency_code: Some(inv.currency.code().to_string()),
        status: Some(inv.status.as_str().into()),
        line_items: Some(
            inv.lines
                .iter()
                .map(|l| LineItem {
                    description: Some(l.description.clone()),
                    quantity: Some(l.quantity),
                    unit_amount: Some(l.unit_amount),
                    account_code: Some(l.account_code.clone()),
                    tax_type: l.tax_type.clone(),
                    item_code: l.item_code.clone(),
                    discount_rate: l.discount_rate,
                    tracking: (!l.tracking.is_empty()).then(|| {
                        l.tracking
                            .iter()
                            .map(|t| LineItemTracking {
                                name: Some(t.category.clone()),
                                option: Some(t.option.clone()),
                                ..Default::default()
                            })
                            .collect()
                    }),
                    ..Default::default()
                })
                .collect(),
        ),
        ..Default::default()
    }
}

pub fn payment_from(p: &CanonPayment) -> Payment {
    Payment {
        invoice: Some(Box::new(Invoice {
            invoice_id: Uuid::parse_str(&p.invoice_id).ok(),
            ..Default::default()
        })),
        account: Some(Account {
            code: Some(p.account_code.clone()),
            ..Default::default()
        }),
        date: Some(p.date.format("%Y-%m-%d").to_string()),
        amount: Some(p.amount),
        reference: Some(p.reference.clone()),
        ..Default::default()
    }
}

fn date(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(msdate::parse_date)
}

pub fn instant(s: &Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref().and_then(msdate::parse)
}

pub fn target_invoice(inv: &Invoice) -> TargetInvoice {
    let z = Decimal::ZERO;
    TargetInvoice {
        id: inv.invoice_id.map(|i| i.to_string()).unwrap_or_default(),
        number: inv.invoice_number.clone(),
        reference: inv.reference.clone(),
        customer_id: inv
            .contact
            .as_ref()
            .and_then(|c| c.contact_id)
            .map(|i| i.to_string()),
        status: inv
            .status
            .as_deref()
            .and_then(InvoiceStatus::parse)
            .unwrap_or(InvoiceStatus::Draft),
        currency: inv
            .currency_code
            .as_deref()
            .and_then(|c| Currency::new(c).ok())
            .unwrap_or_else(|| Currency::new("USD").expect("valid")),
        currency_rate: inv.currency_rate,
        date: date(&inv.date),
        due_date: date(&inv.due_date),
        tax_mode: tax_mode(inv.line_amount_types.as_deref()),
        sub_total: inv.sub_total.unwrap_or(z),
        total_tax: inv.total_tax.unwrap_or(z),
        total: inv.total.unwrap_or(z),
        amount_paid: inv.amount_paid.unwrap_or(z),
        amount_due: inv.amount_due.unwrap_or(z),
        fully_paid_on: date(&inv.fully_paid_on_date),
        lines: inv
            .line_items
            .iter()
            .flatten()
            .map(|l| TargetInvoiceLine {
                description: l.description.clone(),
                quantity: l.quantity.unwrap_or(z),
                unit_amount: l.unit_amount.unwrap_or(z),
                discount_rate: l.discount_rate,
                account_code: l.account_code.clone(),
                tax_type: l.tax_type.clone(),
                line_amount: l.line_amount.unwrap_or(z),
                tax_amount: l.tax_amount.unwrap_or(z),
                tracking: l
                    .tracking
                    .iter()
                    .flatten()
                    .map(|t| TrackingRef {
                        category: t.name.clone().unwrap_or_default(),
                        option: t.option.clone().unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect(),
        updated_at: instant(&inv.updated_date_utc),
    }
}

pub fn target_customer(c: &Contact) -> TargetCustomer {
    TargetCustomer {
        id: c.contact_id.map(|i| i.to_string()).unwrap_or_default(),
        external_ref: c.account_number.clone().filter(|a| !a.is_empty()),
        name: c.name.clone().unwrap_or_default(),
        email: c.email_address.clone(),
        domain: c.website.clone().or_else(|| {
            c.email_address
                .as_deref()
                .and_then(|e| e.split_once('@'))
                .map(|(_, d)| d.to_string())
        }),
        archived: c.contact_status.as_deref() == Some("ARCHIVED"),
        updated_at: instant(&c.updated_date_utc),
    }
}

pub fn target_payment(p: &Payment) -> TargetPayment {
    TargetPayment {
        id: p.payment_id.map(|i| i.to_string()).unwrap_or_default(),
        invoice_id: p
            .invoice
            .as_ref()
            .and_then(|i| i.invoice_id)
            .map(|i| i.to_string())
            .unwrap_or_default(),
        amount: p.amount.unwrap_or_default(),
        date: date(&p.date),
        reference: p.reference.clone(),
        live: p.status.as_deref() != Some("DELETED"),
    }
}
