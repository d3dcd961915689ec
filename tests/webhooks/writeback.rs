//! An invoice paid in Xero updates its deal and the deal's company in HubSpot, through
//! Xero's webhook; our own write-back echoing back from HubSpot pushes nothing.

use crate::live::{ALL_HOOKS, Live, live};
use crate::world::{START, WON};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;
use std::time::{Duration, Instant};

pub fn dec(v: &Value) -> Decimal {
    match v {
        Value::Number(n) => Decimal::from_str(&n.to_string()).unwrap(),
        Value::String(s) if s.is_empty() => Decimal::ZERO,
        Value::String(s) => Decimal::from_str(s).unwrap_or_else(|_| panic!("not a number: {s}")),
        Value::Null => Decimal::ZERO,
        other => panic!("not a number: {other}"),
    }
}

fn id_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An invoiced deal: `(deal id, company id, invoice)`.
pub struct Invoiced {
    pub deal: String,
    pub company: String,
    pub invoice: Value,
}

/// Won deals with a company whose invoice is authorised and unpaid.
pub fn unpaid_invoiced_deals(l: &Live) -> Vec<Invoiced> {
    let export = l.w.xero_sim.export_json();
    let e = l.w.hubspot_sim.export();
    e["deals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["archived"].as_bool().unwrap_or(false))
        .filter(|d| WON.contains(&d["properties"]["dealstage"].as_str().unwrap_or("")))
        .filter(|d| d["properties"]["closedate"].as_str().unwrap_or("") >= START)
        .filter_map(|d| {
            let deal = id_of(&d["id"]);
            let company = id_of(&d["associations"]["companies"]["results"].get(0)?["id"]);
            let invoice = crate::live::invoice_in(&export, &deal)?;
            (invoice["Status"] == "AUTHORISED" && dec(&invoice["AmountPaid"]).is_zero()).then_some(
                Invoiced {
                    deal,
                    company,
                    invoice,
                },
            )
        })
        .collect()
}

/// Polls the HubSpot simulator until `deal`'s properties satisfy `ok`.
async fn wait_deal(l: &Live, deal: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let p = l.hubspot_deal(deal)["properties"].clone();
        if ok(&p) {
            return p;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "deal {deal}: {what} not written back within 10 s; properties {p}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub fn company_outstanding(l: &Live, company: &str) -> Decimal {
    dec(&l.hubspot_record("companies", company)["properties"]["ledgerbridge_outstanding"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_in_xero_updates_the_deal_and_its_company_in_hubspot() {
    let l = live(40, "", ALL_HOOKS).await;
    let candidates = unpaid_invoiced_deals(&l);
    assert!(candidates.len() >= 2, "need two unpaid invoiced deals");
    // the push already wrote the invoice's state back
    let full = &candidates[0];
    let p = l.hubspot_deal(&full.deal)["properties"].clone();
    assert_eq!(p["ledgerbridge_invoice_status"], "AUTHORISED", "{p}");
    assert_eq!(
        p["ledgerbridge_invoice_number"], full.invoice["InvoiceNumber"],
        "{p}"
    );
    let before = company_outstanding(&l, &full.company);
    let due = dec(&full.invoice["AmountDue"]);
    assert!(before >= due / rate(&full.invoice) - Decimal::new(1, 2));

    // paid in full
    let invoice_id = full.invoice["InvoiceID"].as_str().unwrap();
    l.w.pay(invoice_id, &due.to_string()).await;
    let p = wait_deal(&l, &full.deal, "PAID", |p| {
        p["ledgerbridge_invoice_status"] == "PAID"
    })
    .await;
    assert_eq!(dec(&p["ledgerbridge_amount_paid"]), due, "{p}");
    assert_eq!(
        dec(&p["ledgerbridge_amount_outstanding"]),
        Decimal::ZERO,
        "{p}"
    );
    let paid_date = p["ledgerbridge_paid_date"].as_str().unwrap_or("");
    assert!(
        paid_date.starts_with("2026-06-30"),
        "paid date {paid_date:?}"
    );
    // the company's outstanding total drops by the invoice (in the base currency)
    let expected = before - due / rate(&full.invoice);
    let start = Instant::now();
    loop {
        let now = company_outstanding(&l, &full.company);
        if (now - expected).abs() <= Decimal::new(1, 2) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "company {}: outstanding {now}, expected {expected} (was {before})",
            full.company
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // part-paid
    let part = &candidates[1];
    let due = dec(&part.invoice["AmountDue"]);
    let half = (due / Decimal::TWO).round_dp(2);
    l.w.pay(
        part.invoice["InvoiceID"].as_str().unwrap(),
        &half.to_string(),
    )
    .await;
    let p = wait_deal(&l, &part.deal, "PARTIALLY_PAID", |p| {
        p["ledgerbridge_invoice_status"] == "PARTIALLY_PAID"
    })
    .await;
    assert_eq!(dec(&p["ledgerbridge_amount_paid"]), half, "{p}");
    assert_eq!(
        dec(&p["ledgerbridge_amount_outstanding"]),
        due - half,
        "{p}"
    );
    assert_eq!(
        p["ledgerbridge_paid_date"].as_str().unwrap_or(""),
        "",
        "{p}"
    );
    l.wait_idle(Duration::from_secs(20)).await;
    l.stop().await;
}

/// The invoice's `CurrencyRate` (units of its currency per base unit), 1 when absent.
pub fn rate(inv: &Value) -> Decimal {
    match &inv["CurrencyRate"] {
        Value::Null => Decimal::ONE,
        v => Some(dec(v))
            .filter(|r| !r.is_zero())
            .unwrap_or(Decimal::ONE),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_write_back_echoing_from_hubspot_pushes_nothing() {
    let l = live(40, "", ALL_HOOKS).await;
    let target = unpaid_invoiced_deals(&l)
        .into_iter()
        .next()
        .expect("an unpaid invoiced deal");
    let since = chrono::Utc::now().timestamp_millis();
    let delivered_before = l.w.hubspot_sim.webhooks_delivered();
    l.w.pay(
        target.invoice["InvoiceID"].as_str().unwrap(),
        &dec(&target.invoice["AmountDue"]).to_string(),
    )
    .await;
    // the payment was the last write to Xero this test makes
    let xero_writes = l.xero_writes();
    wait_deal(&l, &target.deal, "PAID", |p| {
        p["ledgerbridge_invoice_status"] == "PAID"
    })
    .await;
    l.wait_idle(Duration::from_secs(20)).await;

    // HubSpot did send the write-back's changes back to us, and we handled them
    assert!(
        l.w.hubspot_sim.webhooks_delivered() > delivered_before,
        "the write-back made no HubSpot webhook"
    );
    let jobs = l.jobs_since(since).await;
    let deal_key = format!("\"{}\"", target.deal);
    let echoes = jobs
        .iter()
        .filter(|(k, p)| k == "webhook" && p.contains("\"crm\"") && p.contains(&deal_key))
        .count();
    assert!(echoes >= 1, "no webhook job for the echo: {jobs:?}");
    let pushes: Vec<&(String, String)> = jobs.iter().filter(|(k, _)| k == "push").collect();
    assert!(pushes.is_empty(), "the echo made pushes: {pushes:?}");
    assert_eq!(
        l.scalar("SELECT COUNT(*) FROM job_log WHERE state IN ('failed', 'dead')")
            .await,
        0
    );
    assert_eq!(
        l.xero_writes(),
        xero_writes,
        "writes to Xero after the echo"
    );
    l.stop().await;
}
