//! Sessions, the daily allocation and its headers, `/limits`, seeding, the
//! `/_sim` endpoints and HTTPS.
#![cfg(feature = "sim")]

mod common;

use common::*;
use ledgerbridge_salesforce::sim::OrgSettings;
use ledgerbridge_salesforce::wire::parse_limit_info;
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn unknown_or_missing_sessions_are_invalid() {
    let api = start(opts(2)).await;
    let path = format!("{V}/sobjects/");
    for token in [Some("wrong"), None] {
        let a = api.call_as(Method::GET, &path, None, token, &[]).await;
        let msg = error_code(&a, 401, "INVALID_SESSION_ID");
        assert_eq!(msg, "Session expired or invalid");
    }
    // the version list needs no session
    let a = api
        .call_as(Method::GET, "/services/data", None, None, &[])
        .await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn every_call_reports_usage_and_the_allocation_runs_out() {
    let api = start_with(
        SimOptions {
            rate_limits: true,
            ..opts(2)
        },
        OrgSettings { api_allocation: 3 },
    )
    .await;
    let path = format!("{V}/limits");
    let mut seen = Vec::new();
    for _ in 0..3 {
        let a = api.get(&path).await;
        assert_eq!(a.status, 200);
        let info = a.headers["sforce-limit-info"].to_str().unwrap();
        seen.push(parse_limit_info(info).unwrap());
    }
    assert_eq!(seen, vec![(1, 3), (2, 3), (3, 3)]);
    let last = api.get(&path).await;
    let msg = error_code(&last, 403, "REQUEST_LIMIT_EXCEEDED");
    assert!(msg.contains("TotalRequests Limit exceeded"));
    assert_eq!(last.headers["sforce-limit-info"], "api-usage=3/3");
    // an error answer carries the header too, and the version list is free
    let a = api
        .call_as(Method::GET, "/services/data/", None, None, &[])
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(api.handle.stats()["rate_limited"], 1);
}

#[tokio::test]
async fn the_allocation_rolls_over_24_scaled_hours() {
    // a day of 86.4 ms: the window rolls while the test polls for it
    let api = start_with(
        SimOptions {
            rate_limits: true,
            rate_scale: 1_000_000.0,
            ..opts(0)
        },
        OrgSettings { api_allocation: 1 },
    )
    .await;
    let path = format!("{V}/limits");
    assert_eq!(api.get(&path).await.status, 200);
    let mut refused = 0;
    let mut rolled = false;
    for _ in 0..100_000 {
        let a = api.get(&path).await;
        match a.status.as_u16() {
            403 => refused += 1,
            200 if refused > 0 => {
                rolled = true;
                break;
            }
            _ => {}
        }
    }
    assert!(refused > 0 && rolled, "refused {refused}, rolled {rolled}");
}

#[tokio::test]
async fn limits_resource_counts_down() {
    let api = start(opts(0)).await;
    let a = api.get(&format!("{V}/limits/")).await;
    let daily = &a.body["DailyApiRequests"];
    assert_eq!(daily["Max"], 120_000);
    assert_eq!(daily["Remaining"], 120_000 - 1);
    for (k, v) in a.body.as_object().unwrap() {
        assert!(v["Max"].is_u64() && v["Remaining"].is_u64(), "{k}");
    }
}

#[tokio::test]
async fn seeded_org_per_the_contract() {
    let api = start(opts(200)).await;
    let export = api.handle.export();
    let n = |o: &str| export[o].as_array().unwrap().len();
    assert_eq!(n("Opportunity"), 200);
    assert_eq!(n("Account"), 50);
    assert_eq!(n("Contact"), 100);
    assert_eq!(n("Task"), 50);
    assert_eq!(n("Event"), 50);
    assert_eq!(n("OpportunityStage"), 10);
    assert!(n("OpportunityLineItem") > 200);
    assert!(n("OpportunityContactRole") > 100);
    assert_eq!(n("PricebookEntry"), 12 * 6);
    let opps = export["Opportunity"].as_array().unwrap();
    let currencies: std::collections::BTreeSet<&str> = opps
        .iter()
        .map(|o| o["CurrencyIsoCode"].as_str().unwrap())
        .collect();
    assert!(currencies.len() >= 4, "{currencies:?}");
    let won = opps.iter().filter(|o| o["IsWon"] == true).count();
    assert!((70..=130).contains(&won), "{won} closed won");
    assert!(
        opps.iter()
            .any(|o| o["Payment_Status__c"] == "Paid" && o["Amount_Paid__c"] == o["Amount"])
    );
    assert!(
        export["Account"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["Customer_Number__c"].is_string())
    );
    // the same seed gives the same org; another seed another one
    let again = start(opts(200)).await.handle.export();
    assert_eq!(export, again);
    let other = start(SimOptions {
        seed: 7,
        ..opts(200)
    })
    .await
    .handle
    .export();
    assert_ne!(export["Opportunity"], other["Opportunity"]);
}

#[tokio::test]
async fn one_random_stream_per_object_type() {
    // more deals change how many of each type exist, not what the first
    // records of an unrelated type look like
    let small = start(opts(40)).await.handle.export();
    let large = start(opts(80)).await.handle.export();
    for o in ["Account", "Contact", "Opportunity"] {
        let a = small[o].as_array().unwrap();
        let b = large[o].as_array().unwrap();
        for (x, y) in a.iter().zip(b).take(10) {
            assert_eq!(x["Name"], y["Name"], "{o}");
            assert_eq!(x["CreatedDate"], y["CreatedDate"], "{o}");
        }
    }
}

#[tokio::test]
async fn export_keeps_deleted_records_and_stats_count_templates() {
    let api = start(opts(4)).await;
    let id = api.handle.ids("Contact")[0].clone();
    api.call(Method::DELETE, &format!("{V}/sobjects/Contact/{id}"), None)
        .await;
    api.get(&format!(
        "{V}/sobjects/Contact/{}",
        api.handle.ids("Contact")[0]
    ))
    .await;
    api.query("SELECT Id FROM Account").await;
    let export: Value = api
        .http
        .get(api.url("/_sim/export"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gone = export["Contact"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Id"] == id.as_str())
        .unwrap();
    assert_eq!(gone["IsDeleted"], true);
    for key in [
        "Account",
        "Contact",
        "Opportunity",
        "OpportunityLineItem",
        "Task",
        "Event",
        "User",
    ] {
        assert!(export[key].is_array(), "{key}");
    }
    let stats: Value = api
        .http
        .get(api.url("/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats["calls"]["DELETE /services/data/{version}/sobjects/Contact/{id}"],
        1
    );
    assert_eq!(
        stats["calls"]["GET /services/data/{version}/sobjects/Contact/{id}"],
        1
    );
    assert_eq!(stats["calls"]["GET /services/data/{version}/query"], 1);
    assert_eq!(stats["writes"], 1);
    assert_eq!(stats["reads"], 2);
}

#[tokio::test]
async fn serves_https_with_a_generated_authority() {
    let api = start(SimOptions {
        tls: Some("self-signed".into()),
        ..opts(3)
    })
    .await;
    assert!(api.sim.base_url.starts_with("https://"));
    let pem = std::fs::read(api.sim.trust_pem.as_ref().unwrap()).unwrap();
    let ca = reqwest::Certificate::from_pem(&pem).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let url = api.sim.base_url.replace("127.0.0.1", "localhost");
    let a = client
        .get(format!("{url}{V}/query?q=SELECT+Id+FROM+Account"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 200);
    let body: Value = a.json().await.unwrap();
    assert_eq!(body["totalSize"], 1);
    // an untrusting client is refused at the handshake
    assert!(
        reqwest::Client::new()
            .get(format!("{url}/services/data/"))
            .send()
            .await
            .is_err()
    );
}
