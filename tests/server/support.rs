//! A `serve` in-process on a fresh database, and signed deliveries to send it.

#![allow(dead_code)]

use crate::common;
use ledgerbridge::config::{self, Config};
use ledgerbridge::server::{self, Running, ServerOptions};
use ledgerbridge::store::Db;
use reqwest::StatusCode;

pub const HUBSPOT_SECRET: &str = "hs-app-secret";
pub const XERO_KEY: &str = "xero-webhook-key";
pub const ADMIN_TOKEN: &str = "admin-t0ken";

pub struct TestServer {
    pub running: Running,
    pub db: Db,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
    /// (server URL, database URL) of a PostgreSQL database to drop at the end.
    pg: Option<(String, String)>,
}

/// Connections `crm` (HubSpot) and `books` (Xero) with webhook secrets, plus `[server]`.
pub fn config(db_url: &str, dir: &std::path::Path, admin_token: Option<&str>) -> Config {
    let mut text = format!(
        "[connections.crm]\nkind = \"hubspot\"\naccess_token = \"t\"\nwebhook_secret = \"{HUBSPOT_SECRET}\"\n\n\
         [connections.books]\nkind = \"xero\"\naccess_token = \"t\"\nwebhook_key = \"{XERO_KEY}\"\n\n\
         [server]\nlisten = \"127.0.0.1:0\"\n"
    );
    if let Some(t) = admin_token {
        text.push_str(&format!("admin_token = \"{t}\"\n"));
    }
    let parsed = config::load_from_str(Some(&text), None).expect("test config parses");
    let mut c = common::test_config(db_url, dir);
    c.connections = parsed.connections;
    c.server = parsed.server;
    c
}

impl TestServer {
    pub async fn start(db_url: &str, dir: tempfile::TempDir, admin_token: Option<&str>) -> Self {
        let c = config(db_url, dir.path(), admin_token);
        let db = common::open(&c).await;
        let running = server::spawn(
            &c,
            db.clone(),
            "127.0.0.1:0",
            ServerOptions::for_backend(db.backend()),
        )
        .await
        .expect("server starts");
        TestServer {
            running,
            db,
            http: reqwest::Client::new(),
            _dir: dir,
            pg: None,
        }
    }

    pub async fn sqlite(admin_token: Option<&str>) -> Self {
        let (dir, url) = common::fresh_sqlite();
        Self::start(&url, dir, admin_token).await
    }

    /// On a fresh PostgreSQL database, or `None` (skipped) without one.
    pub async fn postgres(test: &str) -> Option<Self> {
        let server = common::pg_server(test)?;
        let url = common::fresh_pg(&server).await;
        let mut s = Self::start(&url, tempfile::tempdir().unwrap(), None).await;
        s.pg = Some((server, url));
        Some(s)
    }

    pub async fn stop(self) {
        self.running.stop().await;
        self.db.close().await;
        if let Some((server, url)) = &self.pg {
            common::drop_pg(server, url).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url())
    }

    /// POST a HubSpot delivery signed with `secret` at `ts_ms` (v3 signs the full URL).
    pub async fn post_hubspot_at(
        &self,
        path: &str,
        body: &[u8],
        secret: &str,
        ts_ms: i64,
    ) -> StatusCode {
        let url = self.url(path);
        let ts = ts_ms.to_string();
        let sig = ledgerbridge_hubspot::sim::sign_v3(secret, "POST", &url, body, &ts);
        self.http
            .post(&url)
            .header("content-type", "application/json")
            .header("X-HubSpot-Signature-v3", sig)
            .header("X-HubSpot-Request-Timestamp", ts)
            .body(body.to_vec())
            .send()
            .await
            .expect("request")
            .status()
    }

    pub async fn post_hubspot(&self, body: &[u8]) -> StatusCode {
        self.post_hubspot_at("/webhooks/hubspot", body, HUBSPOT_SECRET, now_ms())
            .await
    }

    /// POST a Xero delivery signed with `key`; returns the status and the body.
    pub async fn post_xero(&self, path: &str, body: &[u8], key: &str) -> (StatusCode, Vec<u8>) {
        let r = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .header(
                "x-xero-signature",
                ledgerbridge_xero::sim::sign_webhook(body, key),
            )
            .body(body.to_vec())
            .send()
            .await
            .expect("request");
        let status = r.status();
        (status, r.bytes().await.unwrap().to_vec())
    }

    pub async fn get(&self, path: &str, bearer: Option<&str>) -> (StatusCode, String) {
        let mut r = self.http.get(self.url(path));
        if let Some(t) = bearer {
            r = r.bearer_auth(t);
        }
        let r = r.send().await.expect("request");
        let status = r.status();
        (status, r.text().await.unwrap())
    }

    /// `SELECT COUNT(*)` of a statement on either backend.
    pub async fn count(&self, sql: &'static str) -> i64 {
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        }
    }

    pub async fn inbox_rows(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM webhook_inbox").await
    }

    pub async fn webhook_jobs(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM job_log WHERE kind = 'webhook'")
            .await
    }

    /// Payloads of the webhook jobs (`job_log.payload`), oldest first.
    pub async fn webhook_job_payloads(&self) -> Vec<serde_json::Value> {
        let sql = "SELECT payload FROM job_log WHERE kind = 'webhook' ORDER BY created_at, id";
        let rows: Vec<String> = match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        };
        rows.iter()
            .map(|r| serde_json::from_str(r).unwrap())
            .collect()
    }
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A HubSpot delivery: `(eventId, subscriptionType, objectId)` per event.
pub fn hubspot_body(events: &[(u64, &str, u64)]) -> Vec<u8> {
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|(id, kind, object)| {
            serde_json::json!({
                "eventId": id, "subscriptionId": 1234, "portalId": 62515, "appId": 54321,
                "occurredAt": now_ms(), "subscriptionType": kind, "attemptNumber": 0,
                "objectId": object, "changeSource": "CRM_UI", "changeFlag": "NEW"
            })
        })
        .collect();
    serde_json::to_vec(&events).unwrap()
}

/// A Xero delivery of `(resourceId, eventCategory, eventType)` events.
pub fn xero_body(events: &[(&str, &str, &str)]) -> Vec<u8> {
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|(id, category, kind)| {
            serde_json::json!({
                "resourceUrl": format!("https://api.xero.com/api.xro/2.0/Invoices/{id}"),
                "resourceId": id, "eventDateUtc": "2026-11-30T10:00:00.123",
                "eventType": kind, "eventCategory": category,
                "tenantId": "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f", "tenantType": "ORGANISATION"
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "events": events, "firstEventSequence": 1, "lastEventSequence": events.len(), "entropy": "ZXCV"
    }))
    .unwrap()
}
