//! Measured write rate of the connector against the simulator with rate
//! limits off: `cargo run --release -p ledgerbridge-xero --example write_bench --features sim [N]`.

use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use ledgerbridge_sdk::auth::StaticToken;
use ledgerbridge_sdk::model::{
    Currency, Customer, CustomerRef, Invoice, InvoiceLine, InvoiceStatus, TaxMode, TrackingRef,
};
use ledgerbridge_sdk::sim::SimOptions;
use ledgerbridge_sdk::{FinanceTarget, WriteItem};
use ledgerbridge_xero::{XeroConfig, XeroTarget, sim};

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let opts = SimOptions {
        token: Some("bench".into()),
        rate_limits: false,
        ..Default::default()
    };
    let (sim, _handle) = sim::spawn("127.0.0.1:0", opts)
        .await
        .expect("simulator starts");
    let cfg = XeroConfig {
        rate_limits: false,
        ..XeroConfig::simulator(&sim.base_url)
    };
    let target = Arc::new(
        XeroTarget::connect("bench", cfg, Arc::new(StaticToken::new("bench")))
            .await
            .expect("connects"),
    );
    let customers: Vec<_> = (0..200)
        .map(|i| {
            WriteItem::create(
                format!("c{i}"),
                Customer {
                    external_ref: format!("B-{i}"),
                    name: format!("Bench customer {i}"),
                    email: None,
                    phone: None,
                    first_name: None,
                    last_name: None,
                    tax_number: None,
                    addresses: vec![],
                    contact_persons: vec![],
                    default_currency: None,
                },
            )
        })
        .collect();
    let ids: Vec<String> = target
        .upsert_customers(&customers)
        .await
        .expect("customers")
        .into_iter()
        .map(|o| o.result.expect("customer saved").target_id)
        .collect();
    let line = InvoiceLine {
        description: "Licence".into(),
        quantity: "2".parse().unwrap(),
        unit_amount: "149.95".parse().unwrap(),
        discount_rate: None,
        account_code: "200".into(),
        tax_type: Some("OUTPUT".into()),
        item_code: None,
        tracking: vec![TrackingRef {
            category: "Region".into(),
            option: "East".into(),
        }],
    };
    let items: Vec<_> = (0..n)
        .map(|i| {
            WriteItem::create(
                format!("k{i}"),
                Invoice {
                    reference: format!("BENCH-{i}"),
                    customer: CustomerRef::TargetId(ids[i % ids.len()].clone()),
                    date: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
                    due_date: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
                    currency: Currency::new("USD").unwrap(),
                    status: InvoiceStatus::Authorised,
                    tax_mode: TaxMode::Exclusive,
                    lines: vec![line.clone()],
                },
            )
        })
        .collect();
    let started = Instant::now();
    // 5 batches in flight, as Xero's concurrency limit allows per tenant
    let mut tasks = Vec::new();
    for part in items.chunks(items.len().div_ceil(5).max(1)) {
        let (t, part) = (target.clone(), part.to_vec());
        tasks.push(tokio::spawn(async move { t.upsert_invoices(&part).await }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t
            .await
            .unwrap()
            .expect("batch")
            .iter()
            .filter(|o| o.result.is_ok())
            .count();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "wrote {ok}/{n} invoices in {secs:.2} s: {:.0} invoices/s (batches of 50, 5 in flight, rate limits off)",
        ok as f64 / secs
    );
}
