//! Deal → invoice evaluations per second on one core, with the shipped
//! hubspot-xero mappings (3 line items per deal, company customer plan).
//!
//! `cargo run --release -p ledgerbridge-mapping --example map_bench [deals] [rounds]`
//! A benchmark that prints a number, not a timed test.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use ledgerbridge_mapping::{
    MappingSet, Outcome, PairSettings, Related, SourceRecord, SourceSchema,
};
use ledgerbridge_sdk::model::{Address, Company, Deal, DealStatus, LineItem, RecordMeta};
use ledgerbridge_sdk::{FieldDecl, FieldKind};
use rust_decimal::Decimal;

fn meta(id: String) -> RecordMeta {
    RecordMeta {
        id,
        version: "1".into(),
        updated_at: Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(),
        archived: false,
    }
}

fn schema() -> SourceSchema {
    let p = |n: &str, k| FieldDecl::new(&format!("properties.{n}"), k, false, "");
    let mut f = BTreeMap::new();
    f.insert(
        "deal".to_string(),
        vec![
            p("deal_currency_code", FieldKind::String),
            p("ledgerbridge_crm_amount_paid", FieldKind::Decimal),
            p("ledgerbridge_crm_paid_date", FieldKind::Date),
        ],
    );
    SourceSchema::new("hubspot", f)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let deals_n = args.first().copied().unwrap_or(200);
    let rounds = args.get(1).copied().unwrap_or(500);
    let settings = PairSettings::new("hubspot", "xero");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../mappings/hubspot-xero");
    let t0 = Instant::now();
    let set = match MappingSet::load(&dir, &schema(), &settings) {
        Ok(s) => s,
        Err(p) => {
            for x in p {
                eprintln!("{x}");
            }
            std::process::exit(2);
        }
    };
    println!(
        "loaded and checked {} mappings in {:.1} ms",
        set.mappings().len(),
        t0.elapsed().as_secs_f64() * 1e3
    );
    let currencies = ["USD", "EUR", "GBP", "AUD", "JPY", "BHD"];
    let skus = ["SKU-0001", "SKU-0002", "SKU-0005"];
    let companies: Vec<Company> = (0..deals_n)
        .map(|i| Company {
            meta: meta(format!("2000000{i:04}")),
            name: format!("Company {i}"),
            domain: Some(format!("c{i}.example.com")),
            email: Some(format!("ap@c{i}.example.com")),
            phone: None,
            address: Address {
                country: Some(
                    if i % 2 == 0 {
                        "United States"
                    } else {
                        "Germany"
                    }
                    .into(),
                ),
                ..Address::default()
            },
            tax_number: None,
            contact_ids: vec![],
            properties: BTreeMap::new(),
        })
        .collect();
    let deals: Vec<Deal> = (0..deals_n)
        .map(|i| Deal {
            meta: meta(format!("3000000{i:04}")),
            name: format!("Deal {i}"),
            amount: Some(Decimal::new(123_456, 2)),
            currency: Some(currencies[i % currencies.len()].into()),
            pipeline: Some("default".into()),
            stage: Some("closedwon".into()),
            status: DealStatus::Won,
            owner_id: Some("61234501".into()),
            close_date: NaiveDate::from_ymd_opt(2024, 4, 15),
            company_id: Some(companies[i].meta.id.clone()),
            contact_ids: vec![],
            line_items: (0..3)
                .map(|k| LineItem {
                    id: format!("{i}-{k}"),
                    name: format!("Product {k}"),
                    product_id: None,
                    sku: Some(skus[k].into()),
                    quantity: Decimal::from(k as i64 + 1),
                    unit_price: Decimal::new(19_999, 2),
                    discount_percent: (k == 1).then(|| Decimal::from(10)),
                    discount_amount: None,
                    properties: BTreeMap::new(),
                })
                .collect(),
            properties: BTreeMap::new(),
        })
        .collect();
    let run = |rounds: usize| -> (usize, f64) {
        let start = Instant::now();
        let mut n = 0usize;
        for _ in 0..rounds {
            for (d, c) in deals.iter().zip(&companies) {
                let rel = Related {
                    company: Some(c),
                    ..Related::default()
                };
                match set.evaluate_one("deal-invoice", SourceRecord::Deal(d), &rel, &settings) {
                    Some(Ok(Outcome::Record { .. })) => n += 1,
                    other => panic!("unexpected: {other:?}"),
                }
            }
        }
        (n, start.elapsed().as_secs_f64())
    };
    run(rounds / 10 + 1); // warm-up
    let mut best = 0.0f64;
    for r in 1..=3 {
        let (n, secs) = run(rounds);
        let rate = n as f64 / secs;
        best = best.max(rate);
        println!(
            "run {r}: {n} deal → invoice evaluations in {secs:.2} s = {rate:.0}/s ({:.1} µs/deal)",
            1e6 / rate
        );
    }
    println!("best: {best:.0} deal → invoice evaluations/s on one core (goal ≥ 20000)");
}
