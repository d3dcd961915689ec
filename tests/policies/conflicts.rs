//! Conflicts (`on_conflict`): an invoice edited in the finance system after our
//! push is not overwritten unless the pair says `source_wins`.

use crate::world::{World, one_live, world};
use serde_json::{Value, json};

/// Syncs, then edits one invoice in Xero (a line's unit amount) and the deal's name
/// in HubSpot, so the next sync wants to update the invoice.
async fn edited(pair_extra: &str) -> (World, String, String) {
    let w = world(30, pair_extra).await;
    assert!(w.sync(true).await.clean());
    let deal = w.qualifying_deals().await.remove(0);
    let id = deal["id"].as_str().unwrap().to_string();
    let r = format!("HS-{id}");
    let inv: Value = one_live(&w.invoices_with(&r).await).clone();
    let inv_id = inv["InvoiceID"].as_str().unwrap().to_string();
    let mut lines = inv["LineItems"].clone();
    lines[0]["UnitAmount"] = json!(1.5);
    lines[0].as_object_mut().unwrap().remove("LineAmount");
    lines[0].as_object_mut().unwrap().remove("TaxAmount");
    w.xero(
        reqwest::Method::POST,
        &format!("/Invoices/{inv_id}"),
        Some(json!({"Invoices": [{"InvoiceID": inv_id, "LineItems": lines}]})),
    )
    .await;
    w.hubspot_patch_deal(
        &id,
        json!({"amount": "12345.67", "dealname": "Renamed deal"}),
    )
    .await;
    (w, r, inv_id)
}

fn unit(inv: &Value) -> String {
    inv["LineItems"][0]["UnitAmount"].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_by_default_keeps_the_accountants_edit() {
    let (w, r, _) = edited("").await;
    let s = w.sync(false).await;
    assert_eq!(s.counters.flagged, 1, "{s:?}");
    assert_eq!(unit(one_live(&w.invoices_with(&r).await)), "1.5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_wins_overwrites() {
    let (w, r, _) = edited("on_conflict = \"source_wins\"").await;
    let s = w.sync(false).await;
    assert_eq!(s.counters.flagged, 0, "{s:?}");
    assert!(s.counters.updated >= 1, "{s:?}");
    assert_ne!(unit(one_live(&w.invoices_with(&r).await)), "1.5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_wins_keeps_and_stops_asking() {
    let (w, r, _) = edited("on_conflict = \"target_wins\"").await;
    let s = w.sync(false).await;
    assert_eq!(s.counters.flagged, 1, "{s:?}");
    assert_eq!(unit(one_live(&w.invoices_with(&r).await)), "1.5");
    let s = w.sync(false).await;
    assert_eq!((s.counters.flagged, s.counters.updated), (0, 0), "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_is_not_a_conflict() {
    let w = world(30, "").await;
    assert!(w.sync(true).await.clean());
    let deal = w.qualifying_deals().await.remove(0);
    let r = format!("HS-{}", deal["id"].as_str().unwrap());
    let inv = one_live(&w.invoices_with(&r).await).clone();
    w.pay(inv["InvoiceID"].as_str().unwrap(), "1.00").await;
    // nothing changed in the CRM: the paid-in-part invoice is simply unchanged
    let s = w.sync(false).await;
    assert_eq!(
        (s.counters.flagged, s.counters.updated, s.counters.created),
        (0, 0, 0),
        "{s:?}"
    );
}
