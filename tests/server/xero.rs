//! Xero: intent-to-receive answered at once (200 empty body, or 401 when mis-signed),
//! events keyed by a hash of the event (Xero sends no event id), replays de-duplicated.

use crate::support::*;
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

const INTENT: &[u8] = br#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"KJHGFDSAQWERTYUIOPLK"}"#;

#[tokio::test]
async fn intent_to_receive_good_and_bad() {
    let s = TestServer::sqlite(None).await;
    let started = Instant::now();
    let (status, body) = s.post_xero("/webhooks/xero", INTENT, XERO_KEY).await;
    assert_eq!(
        (status, body.len()),
        (StatusCode::OK, 0),
        "correctly signed: 200, empty body"
    );
    let (status, _) = s.post_xero("/webhooks/xero", INTENT, "wrong-key").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = s.post_xero("/webhooks/books", INTENT, XERO_KEY).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the connection's own route works too"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "well within Xero's 5 s"
    );
    assert_eq!(s.inbox_rows().await, 0, "a handshake stores nothing");
    let (_, metrics) = s.get("/metrics", None).await;
    assert!(
        metrics.contains(
            "ledgerbridge_webhook_deliveries_total{vendor=\"xero\",outcome=\"handshake\"} 2"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "ledgerbridge_webhook_deliveries_total{vendor=\"xero\",outcome=\"bad_signature\"} 1"
        ),
        "{metrics}"
    );
    s.stop().await;
}

#[tokio::test]
async fn the_xero_simulators_intent_check_passes() {
    let s = TestServer::sqlite(None).await;
    let opts = SimOptions {
        webhook_url: Some(s.url("/webhooks/xero")),
        webhook_secret: Some(XERO_KEY.to_string()),
        rate_limits: false,
        ..SimOptions::default()
    };
    let (sim, _handle) = ledgerbridge_xero::sim::spawn("127.0.0.1:0", opts)
        .await
        .unwrap();
    let report: serde_json::Value = s
        .http
        .post(format!("{}/_sim/webhooks/intent", sim.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["passed"], true, "{report}");
    s.stop().await;
}

#[tokio::test]
async fn xero_events_are_stored_once_and_grouped() {
    let s = TestServer::sqlite(None).await;
    let body = xero_body(&[
        ("inv-1", "INVOICE", "UPDATE"),
        ("inv-2", "INVOICE", "CREATE"),
        ("con-1", "CONTACT", "UPDATE"),
        ("cn-1", "CREDITNOTE", "CREATE"),
    ]);
    for _ in 0..3 {
        assert_eq!(
            s.post_xero("/webhooks/xero", &body, XERO_KEY).await.0,
            StatusCode::OK
        );
    }
    assert_eq!(s.inbox_rows().await, 4);
    assert_eq!(s.count("SELECT COUNT(*) FROM webhook_inbox WHERE connection = 'books' AND event_id LIKE 'sha256:%'").await, 4);
    assert_eq!(
        s.count("SELECT COUNT(*) FROM webhook_inbox WHERE status = 'ignored'")
            .await,
        1,
        "credit notes are not synced"
    );
    let jobs = s.webhook_job_payloads().await;
    let mut objects: Vec<(String, serde_json::Value)> = jobs
        .iter()
        .map(|j| {
            (
                j["object"].as_str().unwrap().to_string(),
                j["record_ids"].clone(),
            )
        })
        .collect();
    objects.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        objects,
        vec![
            ("customer".to_string(), serde_json::json!(["con-1"])),
            ("invoice".to_string(), serde_json::json!(["inv-1", "inv-2"])),
        ]
    );
    s.stop().await;
}
