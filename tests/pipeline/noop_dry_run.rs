//! No-op and dry run: a second sync with nothing changed only reads; a dry
//! run plans creates on a fresh store and an update (naming the changed fields) after a
//! CRM edit, and writes nothing to either simulator.

use super::harness::{Options, Setup, SimProc};
use super::verify;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashSet;

async fn sims(deals: &str) -> (tempfile::TempDir, SimProc, SimProc) {
    let logs = tempfile::tempdir().unwrap();
    let hubspot = SimProc::start("hubspot", &["--deals", deals], &logs.path().join("h.log")).await;
    let xero = SimProc::start("xero", &[], &logs.path().join("x.log")).await;
    (logs, hubspot, xero)
}

/// Calls whose count grew between two `/_sim/stats`.
fn grown(before: &Value, after: &Value) -> Vec<String> {
    let b = before["calls"].as_object().unwrap();
    after["calls"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| v.as_u64() > b.get(*k).and_then(Value::as_u64).or(Some(0)))
        .map(|(k, _)| k.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_sync_without_changes_only_reads_and_writes_nothing() {
    let (_logs, hubspot, xero) = sims("150").await;
    let setup = Setup::new(&hubspot, &xero, &Options::default());
    let first = setup.run(&["sync", "--json"]).await.ok().summary();
    assert!(first["created"].as_i64().unwrap() > 0, "{first}");
    assert_eq!(first["failed"], 0, "{first}");
    assert!(first["api_calls"].as_i64().unwrap() > 0, "{first}");
    let db = setup.db().await;
    verify::check(&hubspot, &xero, &db, &HashSet::new())
        .await
        .assert_clean("first sync");

    let (hs0, xe0) = (hubspot.stats().await, xero.stats().await);
    let second = setup.run(&["sync", "--json"]).await.ok().summary();
    let (hs1, xe1) = (hubspot.stats().await, xero.stats().await);
    for k in ["planned", "created", "updated", "failed", "dead_lettered"] {
        assert_eq!(second[k], 0, "second sync `{k}`: {second}");
    }
    assert!(second["unchanged"].as_i64().unwrap() > 0, "{second}");
    assert_eq!(
        hs0["writes"], hs1["writes"],
        "HubSpot writes: {hs0} → {hs1}"
    );
    assert_eq!(xe0["writes"], xe1["writes"], "Xero writes: {xe0} → {xe1}");
    for call in grown(&hs0, &hs1).iter().chain(&grown(&xe0, &xe1)) {
        assert!(
            call.starts_with("GET ") || call.ends_with("/search") || call.ends_with("/batch/read"),
            "the no-op sync made a call that is not a list or search: {call}"
        );
    }
    db.close().await;
}

fn items_of(plan: &Value) -> &Vec<Value> {
    plan.as_array()
        .expect("sync --dry-run --json prints an array")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_plans_creates_then_an_update_and_writes_nothing() {
    let (_logs, hubspot, xero) = sims("150").await;
    let setup = Setup::new(&hubspot, &xero, &Options::default());

    // Fresh store: creates, and nothing written anywhere.
    let (hx0, xx0) = (hubspot.export().await, xero.export().await);
    let plan = setup
        .run(&["sync", "--dry-run", "--json"])
        .await
        .ok()
        .json();
    let creates: Vec<&Value> = items_of(&plan)
        .iter()
        .filter(|i| i["action"] == "create")
        .collect();
    for object in ["deal:", "company:", "interaction:"] {
        assert!(
            creates
                .iter()
                .any(|i| i["key"].as_str().unwrap().starts_with(object)),
            "no {object} create in the dry run"
        );
    }
    assert!(
        items_of(&plan).iter().all(|i| i["action"] != "update"),
        "updates on a fresh store"
    );
    assert_eq!(hubspot.stats().await["writes"], 0);
    assert_eq!(xero.stats().await["writes"], 0);
    assert!(hx0 == hubspot.export().await, "the dry run changed HubSpot");
    assert!(xx0 == xero.export().await, "the dry run changed Xero");

    // Sync for real; then edit the amount of a won deal without line items.
    let s = setup.run(&["sync", "--json"]).await.ok().summary();
    assert_eq!(s["failed"], 0, "{s}");
    let won = verify::won_stages(&hubspot).await;
    let hs = hubspot.export().await;
    let deal = verify::qualifying(&hs, &won)
        .into_iter()
        .find(|d| {
            d["associations"]["line items"]["results"]
                .as_array()
                .is_none_or(|r| r.is_empty())
        })
        .expect("a qualifying deal without line items")
        .clone();
    let id = deal["id"].as_str().unwrap();
    let old: rust_decimal::Decimal = deal["properties"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let new = (old + rust_decimal::Decimal::from(100)).to_string();
    hubspot
        .api(
            Method::PATCH,
            &format!("/crm/v3/objects/deals/{id}"),
            Some(json!({"properties": {"amount": new}})),
        )
        .await;

    let (hx1, xx1) = (hubspot.export().await, xero.export().await);
    let (hw1, xw1) = (
        hubspot.stats().await["writes"].clone(),
        xero.stats().await["writes"].clone(),
    );
    // Incremental (no --full): the edit must be seen at once.
    let plan = setup
        .run(&["sync", "--dry-run", "--json"])
        .await
        .ok()
        .json();
    let key = format!("deal:{id}");
    let item = items_of(&plan)
        .iter()
        .find(|i| i["key"] == key.as_str() && i["mapping"] == "deal-invoice")
        .unwrap_or_else(|| panic!("{key} is not in the dry run"));
    assert_eq!(item["action"], "update", "{item}");
    let changes = item["changes"]
        .as_object()
        .expect("an update names its changes");
    assert!(
        changes.iter().any(|(path, c)| path.contains("unit_amount")
            && c["to"]
                .as_str()
                .and_then(|t| t.parse::<rust_decimal::Decimal>().ok())
                == new.parse().ok()),
        "the changes name the line's unit amount going to {new}: {changes:?}"
    );
    let others: Vec<&Value> = items_of(&plan)
        .iter()
        .filter(|i| i["action"] != "unchanged" && i["action"] != "skip" && i["key"] != key.as_str())
        .collect();
    assert!(
        others.is_empty(),
        "only the edited deal changes: {others:#?}"
    );
    assert_eq!(hubspot.stats().await["writes"], hw1);
    assert_eq!(xero.stats().await["writes"], xw1);
    assert!(hx1 == hubspot.export().await, "the dry run changed HubSpot");
    assert!(xx1 == xero.export().await, "the dry run changed Xero");
}
