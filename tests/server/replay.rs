//! The inbox de-duplicates: a delivery replayed three times (one after another, or all at
//! once) makes one set of rows and one job; events group into one job per object.

use crate::support::*;
use reqwest::StatusCode;

async fn replayed_three_times_makes_one_job(s: &TestServer) {
    let body = hubspot_body(&[
        (11, "deal.propertyChange", 501),
        (12, "deal.propertyChange", 502),
        (13, "deal.creation", 501),
        (14, "company.propertyChange", 77),
    ]);
    for _ in 0..3 {
        assert_eq!(s.post_hubspot(&body).await, StatusCode::OK);
    }
    // and three more at the same moment (they may share one group commit)
    let (a, b, c) = tokio::join!(
        s.post_hubspot(&body),
        s.post_hubspot(&body),
        s.post_hubspot(&body)
    );
    assert_eq!((a, b, c), (StatusCode::OK, StatusCode::OK, StatusCode::OK));
    assert_eq!(s.inbox_rows().await, 4);
    let jobs = s.webhook_job_payloads().await;
    assert_eq!(jobs.len(), 2, "one job per object: {jobs:?}");
    let deal = jobs
        .iter()
        .find(|j| j["object"] == "deal")
        .expect("deal job");
    assert_eq!(deal["kind"], "webhook");
    assert_eq!(deal["connection"], "crm");
    assert_eq!(deal["record_ids"], serde_json::json!(["501", "502"]));
    assert_eq!(deal["event_id"], "11");
    let company = jobs
        .iter()
        .find(|j| j["object"] == "company")
        .expect("company job");
    assert_eq!(company["record_ids"], serde_json::json!(["77"]));
    // every event points at its job, and the job is in the apalis queue too
    assert_eq!(
        s.count("SELECT COUNT(*) FROM webhook_inbox i JOIN job_log j ON j.id = i.job_id WHERE i.status = 'queued'").await,
        4
    );
    assert_eq!(
        s.count("SELECT COUNT(DISTINCT job_id) FROM webhook_inbox")
            .await,
        2
    );
    let (_, metrics) = s.get("/metrics", None).await;
    assert!(
        metrics
            .contains("ledgerbridge_webhook_events_total{vendor=\"hubspot\",outcome=\"queued\"} 4"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "ledgerbridge_webhook_events_total{vendor=\"hubspot\",outcome=\"duplicate\"} 20"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("ledgerbridge_jobs{kind=\"webhook\",state=\"pending\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn replay_makes_one_job_on_sqlite() {
    let s = TestServer::sqlite(None).await;
    replayed_three_times_makes_one_job(&s).await;
    let queued = s.count("SELECT COUNT(*) FROM Jobs").await;
    assert_eq!(queued, 2, "two apalis tasks");
    s.stop().await;
}

#[tokio::test]
async fn replay_makes_one_job_on_postgres() {
    let Some(s) = TestServer::postgres("replay_makes_one_job_on_postgres").await else {
        return;
    };
    replayed_three_times_makes_one_job(&s).await;
    let queued = s.count("SELECT COUNT(*) FROM apalis.jobs").await;
    assert_eq!(queued, 2, "two apalis tasks");
    s.stop().await;
}

#[tokio::test]
async fn a_connection_route_receives_only_for_that_connection() {
    let s = TestServer::sqlite(None).await;
    let body = hubspot_body(&[(21, "contact.creation", 3)]);
    let ok = s
        .post_hubspot_at("/webhooks/crm", &body, HUBSPOT_SECRET, now_ms())
        .await;
    assert_eq!(ok, StatusCode::OK);
    // `books` is the Xero connection: a HubSpot signature does not verify there
    let refused = s
        .post_hubspot_at("/webhooks/books", &body, HUBSPOT_SECRET, now_ms())
        .await;
    assert_eq!(refused, StatusCode::UNAUTHORIZED);
    assert_eq!(s.count("SELECT COUNT(*) FROM webhook_inbox WHERE connection = 'crm' AND event_type = 'contact.created'").await, 1);
    s.stop().await;
}
