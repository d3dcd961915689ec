//! Dead letters: a mapping table sends a product type to an account code
//! Xero does not have; the affected deals become record-level dead letters carrying the
//! record key and Xero's reason. Once the table is corrected, `jobs retry` re-plans each
//! record from the mirror with the fixed mapping and it syncs.

use super::harness::{Options, Setup, SimProc};
use super::verify;
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_account_code_dead_letters_the_record_and_retry_after_the_fix_syncs_it() {
    let logs = tempfile::tempdir().unwrap();
    let hubspot = SimProc::start("hubspot", &["--deals", "150"], &logs.path().join("h.log")).await;
    let xero = SimProc::start("xero", &[], &logs.path().join("x.log")).await;
    let setup = Setup::new(&hubspot, &xero, &Options::default());
    let file = setup.mapping("deal-invoice.toml");
    let shipped = std::fs::read_to_string(&file).unwrap();
    let good = "inventory = \"200\"";
    assert!(
        shipped.contains(good),
        "deal-invoice.toml maps inventory to 200"
    );
    std::fs::write(&file, shipped.replace(good, "inventory = \"999\"")).unwrap();

    let out = setup.run(&["sync", "--json"]).await;
    let s = out.summary();
    assert_eq!(out.code, Some(1), "records failed, so exit 1: {s}");
    assert!(s["failed"].as_i64().unwrap() > 0, "{s}");
    assert!(s["dead_lettered"].as_i64().unwrap() > 0, "{s}");

    let letters = setup.dead_letters().await;
    let bad: Vec<_> = letters
        .iter()
        .filter(|d| d["mapping"] == "deal-invoice")
        .collect();
    assert!(
        !bad.is_empty(),
        "no deal-invoice dead letters: {letters:#?}"
    );
    assert_eq!(
        bad.len(),
        letters.len(),
        "only the deals with inventory lines fail: {letters:#?}"
    );
    let mut keys = HashSet::new();
    for d in &bad {
        let key = d["record_key"].as_str().expect("record_key");
        assert!(key.starts_with("deal:"), "{d}");
        let reason = d["reason"].as_str().unwrap();
        assert!(
            reason.contains("999") && reason.contains(key),
            "the reason names the record and the account code: {reason}"
        );
        assert_eq!(d["kind"], "record", "{d}");
        keys.insert(key.trim_start_matches("deal:").to_string());
    }
    // Everything else synced; exactly the dead-lettered deals lack their invoice.
    let db = setup.db().await;
    let found = verify::check(&hubspot, &xero, &db, &keys).await;
    found.assert_clean("before the fix");
    let xe = xero.export().await;
    for id in &keys {
        let r = verify::reference(id);
        assert!(
            !xe["Invoices"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["Reference"] == r.as_str()),
            "{r} was written though it was refused"
        );
    }

    // Fix the table, retry each dead letter, let a worker run them.
    std::fs::write(&file, &shipped).unwrap();
    for d in &bad {
        let r = setup
            .json(&["jobs", "retry", d["id"].as_str().unwrap(), "--json"])
            .await;
        assert_eq!(r["dead_letter"], d["id"], "{r}");
    }
    setup.drain(Duration::from_secs(120)).await;
    let open = setup.dead_letters().await;
    assert!(
        open.is_empty(),
        "dead letters still open after the retries: {open:#?}"
    );
    let all = setup.json(&["jobs", "dead", "--json", "--all"]).await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .filter(|d| d["mapping"] == "deal-invoice")
            .all(|d| d["state"] == "retried"),
        "{all:#?}"
    );
    let found = verify::check(&hubspot, &xero, &db, &HashSet::new()).await;
    found.assert_clean("after the fix and the retries");
    db.close().await;
}
