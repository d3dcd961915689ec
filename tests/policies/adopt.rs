//! Cut-over: invoices made by hand before the first sync are adopted, not duplicated.

use crate::world::{one_live, world};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_made_by_hand_before_the_first_sync_are_adopted() {
    let w = world(40, "").await;
    let deals = w.qualifying_deals().await;
    assert!(deals.len() >= 3, "the seed has qualifying deals");
    // An accountant already invoiced two of them, by hand, with our reference.
    let c = w
        .xero(
            reqwest::Method::PUT,
            "/Contacts",
            Some(json!({"Contacts": [{"Name": "Hand-made customer"}]})),
        )
        .await;
    let contact = c["Contacts"][0]["ContactID"].as_str().unwrap().to_string();
    let hand: Vec<String> = deals[..2]
        .iter()
        .map(|d| format!("HS-{}", d["id"].as_str().unwrap()))
        .collect();
    for r in &hand {
        w.xero(
            reqwest::Method::PUT,
            "/Invoices",
            Some(json!({"Invoices": [{
                "Type": "ACCREC", "Contact": {"ContactID": contact}, "Reference": r,
                "Date": "2026-01-15", "DueDate": "2026-02-15", "Status": "AUTHORISED",
                "LineItems": [{"Description": "by hand", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}]
            }]})),
        )
        .await;
    }

    // The dry run says so.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ledgerbridge"))
        .args(["sync", "--dry-run", "--json", "--config"])
        .arg(&w.config_path)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let adopts: Vec<&str> = plan
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "adopt")
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(adopts.len(), 2, "{adopts:?}");

    let s = w.sync(true).await;
    assert!(s.clean(), "{s:?}");
    assert_eq!(s.counters.adopted, 2, "{s:?}");
    for r in &hand {
        let invs = w.invoices_with(r).await;
        assert_eq!(invs.len(), 1, "{r}: adopted, not duplicated");
        assert_eq!(one_live(&invs)["LineItems"][0]["Description"], "by hand");
    }
    // every other qualifying deal got exactly one invoice
    for d in &deals[2..] {
        let r = format!("HS-{}", d["id"].as_str().unwrap());
        assert_eq!(w.invoices_with(&r).await.len(), 1, "{r}");
    }
}
