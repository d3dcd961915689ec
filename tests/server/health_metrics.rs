//! Health, readiness and the admin token in front of /metrics.

use crate::support::*;
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_and_readyz() {
    let s = TestServer::sqlite(Some(ADMIN_TOKEN)).await;
    let (status, body) = s.get("/healthz", None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    let (status, body) = s.get("/readyz", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["ready"], true);
    assert_eq!(v["migrations"], "applied");
    // readiness follows the database
    s.db.close().await;
    let (status, body) = s.get("/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    s.stop().await;
}

#[tokio::test]
async fn metrics_need_the_admin_token() {
    let s = TestServer::sqlite(Some(ADMIN_TOKEN)).await;
    assert_eq!(s.get("/metrics", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        s.get("/metrics", Some("wrong")).await.0,
        StatusCode::UNAUTHORIZED
    );
    // health checks stay open for load balancers
    assert_eq!(s.get("/healthz", None).await.0, StatusCode::OK);

    assert_eq!(
        s.post_hubspot(&hubspot_body(&[(1, "deal.creation", 5)]))
            .await,
        StatusCode::OK
    );
    ledgerbridge::server::api_stats::record(
        &s.db,
        "crm",
        ledgerbridge_sdk::http::HttpStats {
            api_calls: 12,
            rate_limited: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    sqlx_exec(
        &s,
        "INSERT INTO token_vault (connection, key_id, ciphertext, refresh_expires_at, updated_at) \
         VALUES ('books', 'k', x'00', 9999999999999, 0)",
    )
    .await;

    let (status, m) = s.get("/metrics", Some(ADMIN_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "ledgerbridge_database_up 1",
        "# TYPE ledgerbridge_jobs gauge",
        "ledgerbridge_jobs{kind=\"webhook\",state=\"pending\"} 1",
        "ledgerbridge_webhook_deliveries_total{vendor=\"hubspot\",outcome=\"accepted\"} 1",
        "ledgerbridge_webhook_events_total{vendor=\"hubspot\",outcome=\"queued\"} 1",
        "ledgerbridge_api_calls_total{connection=\"crm\"} 12",
        "ledgerbridge_api_rate_limited_total{connection=\"crm\"} 2",
        "ledgerbridge_oauth_refresh_token_expires_in_seconds{connection=\"books\"} ",
        "# TYPE ledgerbridge_pushes gauge",
        "# TYPE ledgerbridge_dead_letters gauge",
    ] {
        assert!(m.contains(expected), "missing {expected:?} in\n{m}");
    }
    s.stop().await;
}

#[tokio::test]
async fn without_an_admin_token_metrics_are_open() {
    let s = TestServer::sqlite(None).await;
    let (status, m) = s.get("/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(m.contains("ledgerbridge_database_up 1"));
    s.stop().await;
}

async fn sqlx_exec(s: &TestServer, sql: &'static str) {
    match &s.db {
        ledgerbridge::store::Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        ledgerbridge::store::Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .unwrap();
}
