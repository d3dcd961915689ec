//! The inbox de-duplicates: a delivery replayed three times (one after another, or all at
//! once) makes one set of rows and one job; events group into one job per object.

use crate::support::*;
use ledgerbridge::store::Db;
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

/// Two deliveries in one group commit, the second replaying an event of the first (what
/// a vendor retry racing its original looks like to the inbox writer). The event is
/// stored and queued once, for the first; each delivery's new events get one job per
/// object, and each row carries its job's id from the INSERT; an event of a type we do
/// not act on has none. The same batch again changes nothing.
async fn a_replay_inside_one_batch(s: &TestServer) {
    use ledgerbridge::server::{Delivery, InboxEvent, inbox};
    fn ev(id: &str, object: Option<&str>, record: &str) -> InboxEvent {
        InboxEvent {
            event_id: id.to_string(),
            event_type: format!("{}.updated", object.unwrap_or("ticket")),
            payload_hash: format!("hash-{id}"),
            payload: format!("{{\"eventId\":\"{id}\"}}"),
            object: object.map(str::to_string),
            record_id: record.to_string(),
        }
    }
    let first = Delivery {
        connection: "crm".into(),
        events: vec![
            ev("1", Some("deal"), "10"),
            ev("2", Some("deal"), "11"),
            ev("3", None, "30"),
        ],
    };
    let second = Delivery {
        connection: "crm".into(),
        events: vec![
            ev("2", Some("deal"), "11"),
            ev("4", Some("deal"), "12"),
            ev("5", Some("company"), "20"),
        ],
    };
    let batch = [&first, &second];
    let store = |now| async move {
        let mut tx = s.db.begin().await.unwrap();
        let out = inbox::store_deliveries(&mut tx, &batch, now).await.unwrap();
        tx.commit().await.unwrap();
        out
    };
    let stored = store(now_ms()).await;
    let counts: Vec<_> = stored
        .iter()
        .map(|s| (s.queued, s.duplicate, s.ignored, s.jobs.len()))
        .collect();
    assert_eq!(counts, vec![(2, 0, 1, 1), (2, 1, 0, 2)]);

    let sql = "SELECT event_id, job_id FROM webhook_inbox ORDER BY event_id";
    let rows: Vec<(String, Option<String>)> = match &s.db {
        Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
    };
    let job = |i: usize, j: usize| Some(stored[i].jobs[j].clone());
    let expected: Vec<(String, Option<String>)> = vec![
        ("1".into(), job(0, 0)),
        ("2".into(), job(0, 0)),
        ("3".into(), None),
        ("4".into(), job(1, 0)),
        ("5".into(), job(1, 1)),
    ];
    assert_eq!(rows, expected);

    // (first event, object, record ids) of each job
    let mut jobs: Vec<(String, String, serde_json::Value)> = s
        .webhook_job_payloads()
        .await
        .iter()
        .map(|j| {
            let text = |k: &str| j[k].as_str().unwrap().to_string();
            (text("event_id"), text("object"), j["record_ids"].clone())
        })
        .collect();
    jobs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        jobs,
        vec![
            ("1".into(), "deal".into(), serde_json::json!(["10", "11"])),
            ("4".into(), "deal".into(), serde_json::json!(["12"])),
            ("5".into(), "company".into(), serde_json::json!(["20"])),
        ]
    );
    // every job is pending in job_log with the id its events carry
    assert_eq!(
        s.count("SELECT COUNT(*) FROM job_log j WHERE j.state = 'pending' AND EXISTS (SELECT 1 FROM webhook_inbox i WHERE i.job_id = j.id)").await,
        3
    );

    let again = store(now_ms()).await;
    let counts: Vec<_> = again
        .iter()
        .map(|s| (s.queued, s.duplicate, s.ignored, s.jobs.len()))
        .collect();
    assert_eq!(counts, vec![(0, 3, 0, 0), (0, 3, 0, 0)]);
    assert_eq!(s.inbox_rows().await, 5);
    assert_eq!(s.webhook_jobs().await, 3);
}

#[tokio::test]
async fn a_replay_inside_one_batch_on_sqlite() {
    let s = TestServer::sqlite(None).await;
    a_replay_inside_one_batch(&s).await;
    assert_eq!(
        s.count("SELECT COUNT(*) FROM Jobs").await,
        3,
        "apalis tasks"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_replay_inside_one_batch_on_postgres() {
    let Some(s) = TestServer::postgres("a_replay_inside_one_batch_on_postgres").await else {
        return;
    };
    a_replay_inside_one_batch(&s).await;
    assert_eq!(
        s.count("SELECT COUNT(*) FROM apalis.jobs").await,
        3,
        "apalis tasks"
    );
    s.stop().await;
}
