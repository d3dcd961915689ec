//! Shared setup: a simulator in-process (strict schema checks on when the
//! spec is found) and a connector pointed at it with a static token.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::NaiveDate;
use ledgerbridge_sdk::auth::StaticToken;
use ledgerbridge_sdk::model::{
    Currency, Customer, CustomerRef, Invoice, InvoiceLine, InvoiceStatus, TaxMode, TrackingRef,
};
use ledgerbridge_sdk::sim::{RunningSim, SimOptions};
use ledgerbridge_xero::sim::{self, SimHandle};
use ledgerbridge_xero::{XeroConfig, XeroTarget};
use rust_decimal::Decimal;

pub const TOKEN: &str = "test-token";

pub struct Env {
    pub sim: RunningSim,
    pub handle: SimHandle,
    pub target: XeroTarget,
    pub strict: bool,
}

pub async fn start(opts: SimOptions, client_limits: bool) -> Env {
    let opts = SimOptions {
        token: Some(TOKEN.into()),
        ..opts
    };
    let scale = opts.rate_scale;
    let (sim, handle) = sim::spawn("127.0.0.1:0", opts).await.unwrap();
    let strict = handle.set_strict(true);
    if !strict {
        eprintln!("notice: Xero spec not found; schema checks skipped in this test");
    }
    let cfg = XeroConfig {
        rate_limits: client_limits,
        rate_scale: scale,
        ..XeroConfig::simulator(&sim.base_url)
    };
    let target = XeroTarget::connect("xero-test", cfg, Arc::new(StaticToken::new(TOKEN)))
        .await
        .unwrap();
    Env {
        sim,
        handle,
        target,
        strict,
    }
}

impl Env {
    /// Fails the test on any schema violation the simulator recorded.
    pub fn assert_no_violations(&self) {
        let v = self.handle.violations();
        assert!(
            v.is_empty(),
            "{} schema violations, first: {:?}",
            v.len(),
            v.first()
        );
    }

    pub fn export(&self) -> serde_json::Value {
        serde_json::from_slice(&self.handle.export_json()).unwrap()
    }
}

pub fn customer(i: usize) -> Customer {
    Customer {
        external_ref: format!("HS-C{i}"),
        name: format!("Customer {i} Ltd"),
        email: Some(format!("billing{i}@customer{i}.example")),
        phone: Some("+1 555 0100".into()),
        first_name: None,
        last_name: None,
        tax_number: Some(format!("TAX{i}")),
        addresses: vec![],
        contact_persons: vec![],
        default_currency: None,
    }
}

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn invoice(reference: &str, contact_id: &str, currency: &str, account: &str) -> Invoice {
    Invoice {
        reference: reference.into(),
        customer: CustomerRef::TargetId(contact_id.into()),
        date: NaiveDate::from_ymd_opt(2025, 6, 15).unwrap(),
        due_date: NaiveDate::from_ymd_opt(2025, 7, 15).unwrap(),
        currency: Currency::new(currency).unwrap(),
        status: InvoiceStatus::Authorised,
        tax_mode: TaxMode::Exclusive,
        lines: vec![
            InvoiceLine {
                description: "Consulting".into(),
                quantity: d("3"),
                unit_amount: d("33.333"),
                discount_rate: None,
                account_code: account.into(),
                tax_type: Some("OUTPUT".into()),
                item_code: None,
                tracking: vec![TrackingRef {
                    category: "Region".into(),
                    option: "North".into(),
                }],
            },
            InvoiceLine {
                description: "Support".into(),
                quantity: d("1"),
                unit_amount: d("10"),
                discount_rate: Some(d("10")),
                account_code: "260".into(),
                tax_type: Some("NONE".into()),
                item_code: None,
                tracking: vec![
                    TrackingRef {
                        category: "Region".into(),
                        option: "South".into(),
                    },
                    TrackingRef {
                        category: "Pipeline".into(),
                        option: "Renewals".into(),
                    },
                ],
            },
        ],
    }
}
