//! Every refusal stores nothing; unknown event types are stored, ignored and counted.

use crate::support::*;
use reqwest::StatusCode;

fn deal_update() -> Vec<u8> {
    hubspot_body(&[(1, "deal.propertyChange", 101)])
}

#[tokio::test]
async fn a_bad_signature_is_401_and_nothing_is_stored() {
    let s = TestServer::sqlite(None).await;
    let body = deal_update();
    let wrong = s
        .post_hubspot_at("/webhooks/hubspot", &body, "not-the-secret", now_ms())
        .await;
    assert_eq!(wrong, StatusCode::UNAUTHORIZED);
    // no signature headers at all
    let r = s
        .http
        .post(s.url("/webhooks/hubspot"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // signed for another URL (the v3 signature covers the URI)
    let url = s.url("/webhooks/elsewhere");
    let ts = now_ms().to_string();
    let sig = ledgerbridge_hubspot::sim::sign_v3(HUBSPOT_SECRET, "POST", &url, &body, &ts);
    let r = s
        .http
        .post(s.url("/webhooks/hubspot"))
        .header("X-HubSpot-Signature-v3", sig)
        .header("X-HubSpot-Request-Timestamp", ts)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!((s.inbox_rows().await, s.webhook_jobs().await), (0, 0));
    s.stop().await;
}

#[tokio::test]
async fn a_stale_timestamp_is_401() {
    let s = TestServer::sqlite(None).await;
    let six_minutes_ago = now_ms() - 6 * 60 * 1000;
    let status = s
        .post_hubspot_at(
            "/webhooks/hubspot",
            &deal_update(),
            HUBSPOT_SECRET,
            six_minutes_ago,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.inbox_rows().await, 0);
    s.stop().await;
}

#[tokio::test]
async fn malformed_json_is_400() {
    let s = TestServer::sqlite(None).await;
    for body in [
        &b"[{\"eventId\":"[..],
        b"{\"not\":\"an array\"}",
        b"[{\"eventId\":1}]",
    ] {
        assert_eq!(
            s.post_hubspot(body).await,
            StatusCode::BAD_REQUEST,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert_eq!(s.inbox_rows().await, 0);
    s.stop().await;
}

#[tokio::test]
async fn a_body_over_one_mib_is_413() {
    let s = TestServer::sqlite(None).await;
    let mut big = b"[".to_vec();
    big.resize(ledgerbridge::server::MAX_BODY_BYTES + 1, b' ');
    assert_eq!(s.post_hubspot(&big).await, StatusCode::PAYLOAD_TOO_LARGE);
    // exactly at the limit is read (and then refused for what it is, not its size)
    big.truncate(ledgerbridge::server::MAX_BODY_BYTES);
    assert_eq!(s.post_hubspot(&big).await, StatusCode::BAD_REQUEST);
    assert_eq!(s.inbox_rows().await, 0);
    s.stop().await;
}

#[tokio::test]
async fn an_unknown_receiver_is_404() {
    let s = TestServer::sqlite(None).await;
    let status = s
        .post_hubspot_at(
            "/webhooks/salesforce",
            &deal_update(),
            HUBSPOT_SECRET,
            now_ms(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn unknown_event_types_are_stored_ignored_and_counted() {
    let s = TestServer::sqlite(None).await;
    let body = hubspot_body(&[(7, "ticket.creation", 900), (8, "deal.creation", 901)]);
    assert_eq!(s.post_hubspot(&body).await, StatusCode::OK);
    assert_eq!(s.inbox_rows().await, 2);
    assert_eq!(
        s.count("SELECT COUNT(*) FROM webhook_inbox WHERE status = 'ignored' AND job_id IS NULL AND event_type = 'ticket.created'").await,
        1
    );
    let jobs = s.webhook_job_payloads().await;
    assert_eq!(jobs.len(), 1, "only the deal event makes a job");
    assert_eq!(jobs[0]["object"], "deal");
    let (_, metrics) = s.get("/metrics", None).await;
    assert!(
        metrics.contains(
            "ledgerbridge_webhook_events_total{vendor=\"hubspot\",outcome=\"ignored\"} 1"
        ),
        "{metrics}"
    );
    s.stop().await;
}
