//! The same signed HubSpot delivery three times makes one job and one invoice; the
//! worker's API calls show in `serve`'s `/metrics`.

use crate::live::{HUBSPOT_SECRET, Hooks, close_date_now, live, open_deals};
use serde_json::json;
use std::time::{Duration, Instant};

/// `ledgerbridge_api_calls_total{connection="<c>"}` in a Prometheus text.
fn api_calls(metrics: &str, connection: &str) -> u64 {
    let prefix = format!("ledgerbridge_api_calls_total{{connection=\"{connection}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_replayed_three_times_makes_one_job_and_one_invoice() {
    // HubSpot sends nothing by itself here: the test is the only sender
    let l = live(
        30,
        "",
        Hooks {
            hubspot: false,
            xero: true,
        },
    )
    .await;

    // the initial sync's calls are in /metrics, per connection
    let m = l.metrics().await;
    assert!(api_calls(&m, "crm") > 0, "no HubSpot API calls in {m}");
    assert!(api_calls(&m, "books") > 0, "no Xero API calls in {m}");

    let (deal, won) = open_deals(&l).into_iter().next().expect("an open deal");
    l.w.hubspot_patch_deal(
        &deal,
        json!({"dealstage": won, "closedate": close_date_now()}),
    )
    .await;
    let since = chrono::Utc::now().timestamp_millis();
    let body = serde_json::to_vec(&json!([{
        "eventId": 777_000_001u64, "subscriptionId": 1234, "portalId": 48_123_456u64,
        "appId": 3_141_592u64, "occurredAt": since, "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0, "objectId": deal.parse::<u64>().unwrap(),
        "propertyName": "dealstage", "propertyValue": won, "changeSource": "CRM_UI",
    }]))
    .unwrap();
    let url = format!("{}/webhooks/hubspot", l.server_url);
    let ts = since.to_string();
    let sig = ledgerbridge_hubspot::sim::sign_v3(HUBSPOT_SECRET, "POST", &url, &body, &ts);
    for attempt in 0..3 {
        let r =
            l.w.http
                .post(&url)
                .header("content-type", "application/json")
                .header("X-HubSpot-Signature-v3", &sig)
                .header("X-HubSpot-Request-Timestamp", &ts)
                .body(body.clone())
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 200, "delivery {attempt}");
    }
    let start = Instant::now();
    while l.invoice_of(&deal).is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no invoice for deal {deal}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    l.wait_idle(Duration::from_secs(20)).await;

    let jobs = l.jobs_since(since).await;
    let deal_key = format!("\"{deal}\"");
    let webhook_jobs = jobs
        .iter()
        .filter(|(k, p)| k == "webhook" && p.contains("\"crm\"") && p.contains(&deal_key))
        .count();
    assert_eq!(webhook_jobs, 1, "{jobs:?}");
    let pushes = jobs
        .iter()
        .filter(|(k, p)| k == "push" && p.contains(&format!("\"deal:{deal}\"")))
        .count();
    assert_eq!(pushes, 1, "{jobs:?}");
    let invoices = l.w.invoices_with(&format!("HS-{deal}")).await;
    assert_eq!(invoices.len(), 1, "{invoices:?}");
    assert_eq!(
        l.scalar(
            "SELECT COUNT(*) FROM webhook_inbox WHERE connection = 'crm' AND event_id = '777000001'"
        )
        .await,
        1
    );
    l.stop().await;
}
