//! What the tests build invoices from, found through the connector's own reads.

use std::collections::HashMap;

use chrono::NaiveDate;
use ledgerbridge_tryton::TrytonClient;
use ledgerbridge_tryton::invoice::{NewInvoice, NewInvoiceLine};
use ledgerbridge_tryton::party::{NewAddress, NewParty};
use rust_decimal::Decimal;

pub struct Books {
    pub revenue: u64,
    pub receivable: u64,
    pub journal: u64,
    pub vat20: u64,
    pub payment_method: u64,
    pub currencies: HashMap<String, u64>,
}

pub async fn books(c: &TrytonClient) -> Books {
    let accounts = c.accounts().await.unwrap();
    let by_code = |code: &str| {
        accounts
            .iter()
            .find(|a| a.code.as_deref() == Some(code))
            .unwrap_or_else(|| panic!("account {code} in the chart"))
            .id
    };
    let taxes = c.taxes().await.unwrap();
    let journals = c.journals().await.unwrap();
    Books {
        revenue: by_code("4.1.2"),
        receivable: c
            .default_receivable_account()
            .await
            .unwrap()
            .expect("a default receivable"),
        journal: journals
            .iter()
            .find(|j| j.kind == "revenue")
            .expect("a revenue journal")
            .id,
        vat20: taxes
            .iter()
            .find(|t| t.name == "VAT 20%")
            .expect("VAT 20%")
            .id,
        payment_method: c
            .payment_methods()
            .await
            .unwrap()
            .first()
            .expect("a payment method")
            .id,
        currencies: c
            .currencies()
            .await
            .unwrap()
            .into_iter()
            .map(|x| (x.code, x.id))
            .collect(),
    }
}

/// A new customer; returns (party id, address id).
pub async fn customer(c: &TrytonClient, tag: &str) -> (u64, u64) {
    let ids = c
        .create_parties(&[NewParty {
            name: format!("Customer {tag}"),
            external_id: format!("company-{tag}"),
            email: Some(format!("billing-{tag}@example.test").to_lowercase()),
            phone: None,
            address: NewAddress {
                street: Some("1 Test Street".into()),
                city: Some("Springfield".into()),
                ..NewAddress::default()
            },
        }])
        .await
        .unwrap();
    let party = c.read_parties(&ids).await.unwrap().remove(0);
    (party.row.id, party.row.addresses[0])
}

pub fn line(
    b: &Books,
    description: &str,
    quantity: Decimal,
    unit_price: Decimal,
    taxed: bool,
) -> NewInvoiceLine {
    NewInvoiceLine {
        account: b.revenue,
        description: description.to_string(),
        quantity,
        unit_price,
        taxes: if taxed { vec![b.vat20] } else { Vec::new() },
        product: None,
    }
}

pub fn invoice(
    b: &Books,
    customer: (u64, u64),
    currency: &str,
    reference: &str,
    date: NaiveDate,
    lines: Vec<NewInvoiceLine>,
) -> NewInvoice {
    NewInvoice {
        party: customer.0,
        invoice_address: customer.1,
        account: b.receivable,
        journal: b.journal,
        currency: b.currencies[currency],
        invoice_date: date,
        due_date: Some(date + chrono::Duration::days(30)),
        reference: reference.to_string(),
        description: Some(format!("test invoice {reference}")),
        lines,
    }
}
