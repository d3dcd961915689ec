//! `ledgerbridge connectors --json`: every compiled-in kind with what it declares.

use crate::common::bin;
use serde_json::Value;

#[test]
fn connectors_json_lists_both_kinds_with_their_abilities() {
    let out = std::process::Command::new(bin())
        .args(["connectors", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = v["connectors"].as_array().unwrap();
    let kind = |k: &str| {
        all.iter()
            .find(|c| c["kind"] == k)
            .unwrap_or_else(|| panic!("{k} missing: {v}"))
    };

    let crm = kind("hubspot");
    assert_eq!(crm["role"]["source"], true);
    assert_eq!(crm["role"]["target"], false);
    assert_eq!(crm["auth"], serde_json::json!(["static", "oauth"]));
    assert_eq!(crm["webhooks"], true);
    assert_eq!(crm["webhook_key"], "webhook_secret");
    assert_eq!(crm["simulator"], "127.0.0.1:9101");
    assert_eq!(
        crm["mapping_folders"],
        serde_json::json!(["hubspot-quickbooks", "hubspot-xero"])
    );
    assert!(
        crm["rate_limits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == "ten_seconds" && l["calls"] == 190)
    );

    let books = kind("xero");
    assert_eq!(books["role"]["target"], true);
    assert_eq!(books["write_batch"]["invoice"], 50);
    assert_eq!(books["webhook_key"], "webhook_key");
    assert_eq!(books["simulator"], "127.0.0.1:9102");
    assert_eq!(books["idempotency"]["header"], "Idempotency-Key");
    assert!(
        books["abilities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "vendor_idempotency")
    );
    let abilities: Vec<&str> = books["abilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    for a in [
        "notes",
        "tracking_categories",
        "budgets",
        "currency_rates",
        "status_changes",
    ] {
        assert!(abilities.contains(&a), "xero lacks {a}: {abilities:?}");
    }
    assert_eq!(books["not_supported"], serde_json::json!(["credit_notes"]));
    assert_eq!(crm["not_supported"], serde_json::json!([]));
    let keys: Vec<&str> = books["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["name"].as_str())
        .collect();
    assert_eq!(
        keys,
        ["login_url", "identity_url", "tenant_id", "webhook_key"]
    );
}

#[test]
fn connectors_text_names_each_kind() {
    let out = std::process::Command::new(bin())
        .arg("connectors")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("hubspot (HubSpot): source (CRM)"), "{text}");
    assert!(text.contains("xero (Xero): target (accounting)"), "{text}");
}
