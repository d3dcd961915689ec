//! The scenario, made through the vendors' own APIs: after a clean sync,
//! archive a deal, pay an invoice, duplicate one, change one deal's amount and
//! another's currency, edit an invoice in Xero, win a new deal without syncing, and
//! break one record's mapping. The report finds exactly those, no more, no fewer;
//! `--fix` closes the fixable ones and a second reconciliation shows them matched.
//!
//! The paid invoice is a `status_mismatch`: with `payments_source = "finance"` the
//! deal's write-back property (`ledgerbridge_invoice_status`) should say PAID, and
//! nothing has written it back.

use crate::world::{BROKEN_SKU, World, deal_id, line_item_ids, world};
use ledgerbridge::reconcile::{Class, Report, runs, summary_line};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

const WON: [&str; 2] = ["closedwon", "24135793"];

fn keys(r: &Report, c: Class) -> Vec<String> {
    let mut k: Vec<String> = r
        .items
        .iter()
        .filter(|i| i.class == c)
        .map(|i| i.source_key.clone())
        .collect();
    k.sort();
    k
}

fn counts(r: &Report) -> BTreeMap<String, usize> {
    r.summary.clone()
}

fn won(d: &Value) -> bool {
    WON.contains(&d["properties"]["dealstage"].as_str().unwrap_or(""))
        && d["properties"]["closedate"].as_str().unwrap_or("") >= crate::world::START
        && !d["archived"].as_bool().unwrap_or(false)
}

fn has_company(d: &Value) -> bool {
    d["associations"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(k, v)| k.contains("compan") && !v["results"].as_array().unwrap().is_empty())
}

/// Breaks one won deal's mapping: its first line item gets a SKU whose account Xero
/// refuses, so the first sync dead-letters it.
async fn break_one(w: &World, deals: &[Value]) -> String {
    let d = deals
        .iter()
        .find(|d| won(d) && !line_item_ids(d).is_empty())
        .expect("a won deal with line items");
    let li = &line_item_ids(d)[0];
    w.hubspot(
        Method::PATCH,
        &format!("line_items/{li}"),
        Some(json!({"properties": {"hs_sku": BROKEN_SKU}})),
    )
    .await;
    format!("deal:{}", d["id"].as_str().unwrap())
}

async fn pay_in_full(w: &World, invoice_id: &str) -> (String, Decimal) {
    let inv = w.invoice(invoice_id).await;
    w.xero(
        Method::PUT,
        "/Payments",
        Some(json!({"Payments": [{
            "Invoice": {"InvoiceID": invoice_id},
            "Account": {"Code": "090"},
            "Date": "2026-06-30",
            "Amount": inv["AmountDue"].clone(),
        }]})),
    )
    .await;
    let total: Decimal = inv["Total"].to_string().parse().unwrap();
    (inv["CurrencyCode"].as_str().unwrap().to_string(), total)
}

async fn duplicate(w: &World, invoice_id: &str) {
    let inv = w.invoice(invoice_id).await;
    let lines: Vec<Value> = inv["LineItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            json!({"Description": l["Description"], "Quantity": l["Quantity"],
                   "UnitAmount": l["UnitAmount"], "AccountCode": l["AccountCode"],
                   "TaxType": l["TaxType"]})
        })
        .collect();
    w.xero(
        Method::PUT,
        "/Invoices",
        Some(json!({"Invoices": [{
            "Type": "ACCREC",
            "Contact": {"ContactID": inv["Contact"]["ContactID"]},
            "Reference": inv["Reference"],
            "Date": "2026-01-15",
            "DueDate": "2026-02-14",
            "CurrencyCode": inv["CurrencyCode"],
            "LineAmountTypes": inv["LineAmountTypes"],
            "Status": "AUTHORISED",
            "LineItems": lines,
        }]})),
    )
    .await;
}

async fn edit_line(w: &World, invoice_id: &str) {
    let inv = w.invoice(invoice_id).await;
    let mut lines = inv["LineItems"].clone();
    let q: Decimal = lines[0]["Quantity"].to_string().parse().unwrap();
    lines[0]["Quantity"] = serde_json::from_str(&(q + Decimal::ONE).to_string()).unwrap();
    lines[0].as_object_mut().unwrap().remove("LineAmount");
    lines[0].as_object_mut().unwrap().remove("TaxAmount");
    w.xero(
        Method::POST,
        &format!("/Invoices/{invoice_id}"),
        Some(json!({"Invoices": [{"InvoiceID": invoice_id, "LineItems": lines}]})),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_finds_exactly_what_was_done_and_fix_closes_the_fixable() {
    let w = world(40).await;
    let seeded = w.hubspot_export().await["deals"]
        .as_array()
        .unwrap()
        .clone();
    let broken = break_one(&w, &seeded).await;
    w.sync().await;

    // Right after the sync, only the broken record is out of place.
    let base = w.reconcile(false).await;
    assert_eq!(
        keys(&base, Class::DeadLetter),
        vec![broken.clone()],
        "{:?}",
        counts(&base)
    );
    assert_eq!(
        base.discrepancies(),
        1,
        "{:?}\n{:#?}",
        counts(&base),
        base.items
    );
    let m0 = base.count(Class::Matched);
    assert!(m0 >= 8, "too few matched deals to play with: {m0}");

    let by_id: HashMap<String, Value> = w.hubspot_export().await["deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap().to_string(), d.clone()))
        .collect();
    let mut pool: Vec<(String, String)> = base
        .items
        .iter()
        .filter(|i| i.class == Class::Matched)
        .map(|i| (i.source_key.clone(), i.target_ids[0].clone()))
        .collect();
    let mut take = |pred: &dyn Fn(&Value) -> bool| {
        let at = pool
            .iter()
            .position(|(k, _)| pred(&by_id[deal_id(k)]))
            .expect("a matched deal of that kind");
        pool.remove(at)
    };
    let amount = take(&|d| line_item_ids(d).is_empty());
    let currency = take(&|d| !line_item_ids(d).is_empty());
    let archived = take(&|_| true);
    let paid = take(&|_| true);
    let duplicated = take(&|_| true);
    let edited = take(&|_| true);
    let new_won = by_id
        .values()
        .find(|d| {
            d["properties"]["pipeline"] == "default"
                && !matches!(
                    d["properties"]["dealstage"].as_str(),
                    Some("closedwon" | "closedlost")
                )
                && has_company(d)
        })
        .expect("an open deal with a company");
    let new_key = format!("deal:{}", new_won["id"].as_str().unwrap());

    // Change both sides through their APIs.
    w.hubspot(
        Method::DELETE,
        &format!("deals/{}", deal_id(&archived.0)),
        None,
    )
    .await;
    let (paid_cur, paid_total) = pay_in_full(&w, &paid.1).await;
    duplicate(&w, &duplicated.1).await;
    let old: Decimal = by_id[deal_id(&amount.0)]["properties"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    w.patch_deal(
        deal_id(&amount.0),
        json!({"amount": (old + Decimal::from(100)).to_string()}),
    )
    .await;
    let cur = by_id[deal_id(&currency.0)]["properties"]["deal_currency_code"]
        .as_str()
        .unwrap_or("USD")
        .to_string();
    let other = if cur == "EUR" { "GBP" } else { "EUR" };
    w.patch_deal(deal_id(&currency.0), json!({"deal_currency_code": other}))
        .await;
    edit_line(&w, &edited.1).await;
    w.patch_deal(
        new_won["id"].as_str().unwrap(),
        json!({"dealstage": "closedwon", "closedate": "2026-06-01T12:00:00.000Z"}),
    )
    .await;

    let r1 = w.reconcile(false).await;
    eprintln!("after the changes: {}", summary_line(&r1));
    let expect = |r: &Report, c: Class, k: &[&String]| {
        let mut want: Vec<String> = k.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(
            keys(r, c),
            want,
            "{}: {:?}\n{:#?}",
            c.as_str(),
            counts(r),
            r.items
        );
    };
    expect(&r1, Class::DeadLetter, &[&broken]);
    expect(&r1, Class::Duplicate, &[&duplicated.0]);
    expect(&r1, Class::Orphan, &[&archived.0]);
    expect(&r1, Class::Conflict, &[&edited.0]);
    expect(&r1, Class::MissingInFinance, &[&new_key]);
    expect(&r1, Class::CurrencyMismatch, &[&currency.0]);
    expect(&r1, Class::AmountMismatch, &[&amount.0]);
    expect(&r1, Class::StatusMismatch, &[&paid.0]);
    assert_eq!(r1.count(Class::Matched), m0 - 6, "{:?}", counts(&r1));
    let dup = r1
        .items
        .iter()
        .find(|i| i.class == Class::Duplicate)
        .unwrap();
    assert_eq!(dup.target_ids.len(), 2, "{dup:?}");
    let missing = r1
        .items
        .iter()
        .find(|i| i.class == Class::MissingInFinance)
        .unwrap();
    assert!(
        missing.target_ids.is_empty() && missing.actual.is_none(),
        "{missing:?}"
    );
    let paid_seen: Decimal = r1.totals_by_currency[&paid_cur].paid.parse().unwrap();
    assert_eq!(paid_seen, paid_total, "only the one payment was made");
    for (c, buckets) in &r1.ageing {
        assert_eq!(buckets.len(), 4, "{c}: every bucket present");
    }

    // --fix: the report before fixing, and pushes for exactly the fixable three.
    let r2 = w.reconcile(true).await;
    assert_eq!(r2.summary, r1.summary);
    let fix = r2.fix.clone().unwrap();
    assert!(!fix.dry_run && fix.jobs >= 1, "{fix:?}");
    let mut fixed: Vec<String> = fix.pushes.iter().map(|p| p.source_key.clone()).collect();
    fixed.sort();
    let mut want = vec![new_key.clone(), currency.0.clone(), amount.0.clone()];
    want.sort();
    assert_eq!(fixed, want);
    w.drain_queue().await;

    let r3 = w.reconcile(false).await;
    eprintln!("after --fix: {}", summary_line(&r3));
    for c in [
        Class::MissingInFinance,
        Class::CurrencyMismatch,
        Class::AmountMismatch,
    ] {
        assert_eq!(
            r3.count(c),
            0,
            "{}: {:?}\n{:#?}",
            c.as_str(),
            counts(&r3),
            r3.items
        );
    }
    expect(&r3, Class::DeadLetter, &[&broken]);
    expect(&r3, Class::Duplicate, &[&duplicated.0]);
    expect(&r3, Class::Orphan, &[&archived.0]);
    expect(&r3, Class::Conflict, &[&edited.0]);
    expect(&r3, Class::StatusMismatch, &[&paid.0]);
    assert_eq!(r3.count(Class::Matched), m0 - 6 + 3, "{:?}", counts(&r3));

    // Every run is stored with its counts.
    let hist = runs::list(&w.db, Some("main"), 10).await.unwrap();
    assert_eq!(hist.len(), 4);
    assert_eq!(hist[0].id, r3.run_id);
    assert_eq!(hist[0].summary, r3.summary);
    assert_eq!(hist[0].status, "discrepancies");
}
