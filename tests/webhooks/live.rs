//! A live installation in one process: both simulators sending signed webhooks to an
//! in-process `serve`, a worker working the queue, SQLite underneath.

#![allow(dead_code)]

use crate::common::BgWorker;
use crate::world::{World, world_with};
use ledgerbridge::config::Config;
use ledgerbridge::server::{self, Server, ServerOptions};
use ledgerbridge::store::Db;
use ledgerbridge::sync::{run, runs};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const HUBSPOT_SECRET: &str = "hs-app-secret";
pub const XERO_KEY: &str = "xero-webhook-key";

/// Live tests measure latency on shared machines: they run one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Live {
    pub w: World,
    /// The world's config plus the webhook secrets `serve` verifies with.
    pub config: Arc<Config>,
    /// `http://127.0.0.1:port` of `serve`.
    pub server_url: String,
    server_stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    worker: Option<BgWorker>,
    _serial: tokio::sync::MutexGuard<'static, ()>,
}

/// Which simulators send webhooks to `serve`.
#[derive(Clone, Copy)]
pub struct Hooks {
    pub hubspot: bool,
    pub xero: bool,
}

pub const ALL_HOOKS: Hooks = Hooks {
    hubspot: true,
    xero: true,
};

/// Starts everything and runs an initial full sync; returns once the queue is idle.
pub async fn live(deals: usize, pair_extra: &str, hooks: Hooks) -> Live {
    let serial = SERIAL.lock().await;
    // `serve`'s port first: the simulators are told where to post when they start
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_url = format!("http://{}", listener.local_addr().unwrap());
    let w = world_with(deals, pair_extra, |vendor, o| match vendor {
        "hubspot" if hooks.hubspot => {
            o.webhook_url = Some(format!("{server_url}/webhooks/hubspot"));
            o.webhook_secret = Some(HUBSPOT_SECRET.into());
        }
        "xero" if hooks.xero => {
            o.webhook_url = Some(format!("{server_url}/webhooks/xero"));
            o.webhook_secret = Some(XERO_KEY.into());
        }
        _ => {}
    })
    .await;
    let mut config = (*w.config).clone();
    config
        .connections
        .get_mut("crm")
        .unwrap()
        .vendor
        .insert("webhook_secret".into(), HUBSPOT_SECRET.into());
    config
        .connections
        .get_mut("books")
        .unwrap()
        .vendor
        .insert("webhook_key".into(), XERO_KEY.into());
    let config = Arc::new(config);
    let srv = Server::new(
        &config,
        w.db.clone(),
        ServerOptions::for_backend(w.db.backend()),
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(server::serve(listener, srv, async move {
        let _ = rx.await;
    }));
    let mut live = Live {
        w,
        config,
        server_url,
        server_stop: Some(tx),
        server: Some(handle),
        worker: None,
        _serial: serial,
    };
    // The worker runs first and does the initial sync too: a worker that stopped keeps
    // its Xero tenant lease until it expires (up to `lease_ttl_secs`), which would hold
    // the first webhook-driven pushes back by seconds.
    live.worker = Some(BgWorker::start(&live.w.db, &live.config));
    let runs = run::enqueue_runs(
        &live.config,
        &live.w.db,
        &["main".to_string()],
        true,
        "test",
    )
    .await
    .unwrap();
    let started = Instant::now();
    loop {
        let (open, _, total) = runs::progress(&live.w.db, &runs[0].1).await.unwrap();
        if open == 0 && total > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "initial sync not done in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let s = run::summaries(&live.w.db, &runs, started.elapsed())
        .await
        .unwrap()
        .remove(0);
    assert!(s.clean(), "initial sync: {s:?}");
    live.wait_idle(Duration::from_secs(20)).await;
    live
}

impl Live {
    pub fn db(&self) -> &Db {
        &self.w.db
    }

    pub async fn stop(mut self) {
        if let Some(wk) = self.worker.take() {
            wk.stop().await;
        }
        if let Some(s) = self.server_stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
        self.w.db.close().await;
    }

    /// One `SELECT COUNT(*)`-like scalar.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let Db::Sqlite(p) = self.db() else {
            panic!("live tests run on SQLite")
        };
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(p)
            .await
            .unwrap()
    }

    /// `(kind, payload)` of the jobs created after `since_ms`, oldest first.
    pub async fn jobs_since(&self, since_ms: i64) -> Vec<(String, String)> {
        let Db::Sqlite(p) = self.db() else {
            panic!("live tests run on SQLite")
        };
        sqlx::query_as(
            "SELECT kind, payload FROM job_log WHERE created_at >= $1 ORDER BY created_at, id",
        )
        .bind(since_ms)
        .fetch_all(p)
        .await
        .unwrap()
    }

    /// Everything that can still make work: open jobs and unprocessed inbox events,
    /// then what moves when anything happens (deliveries from either simulator, jobs).
    async fn activity(&self) -> (i64, u64, u64, i64) {
        let open = self
            .scalar(
                "SELECT (SELECT COUNT(*) FROM job_log WHERE state IN ('pending', 'running')) \
                 + (SELECT COUNT(*) FROM webhook_inbox WHERE status = 'queued')",
            )
            .await;
        let jobs = self.scalar("SELECT COUNT(*) FROM job_log").await;
        let hs = self.w.hubspot_sim.webhooks_delivered();
        let x = self.w.xero_sim.stats()["webhooks_sent"]
            .as_u64()
            .unwrap_or(0);
        (open, hs, x, jobs)
    }

    /// Polls until no job is open and nothing moved (jobs, deliveries from either
    /// simulator) for a quarter of a second: the pipeline has settled.
    pub async fn wait_idle(&self, timeout: Duration) {
        let quiet = Duration::from_millis(250);
        let start = Instant::now();
        let mut last = None;
        let mut since = Instant::now();
        loop {
            let a = self.activity().await;
            if a.0 > 0 || last != Some(a) {
                last = Some(a);
                since = Instant::now();
            } else if since.elapsed() >= quiet {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "the pipeline did not settle within {timeout:?}: {last:?} (open, HubSpot \
                 deliveries, Xero deliveries, jobs)"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The HubSpot simulator's deal (export shape) of `id`.
    pub fn hubspot_deal(&self, id: &str) -> Value {
        self.hubspot_record("deals", id)
    }

    pub fn hubspot_record(&self, table: &str, id: &str) -> Value {
        let e = self.w.hubspot_sim.export();
        e[table]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"].as_str() == Some(id))
            .cloned()
            .unwrap_or_else(|| panic!("no {table} {id} in the HubSpot simulator"))
    }

    /// The Xero simulator's writes so far (`/_sim/stats`).
    pub fn xero_writes(&self) -> u64 {
        self.w.xero_sim.stats()["writes"].as_u64().unwrap()
    }

    /// The live invoice `HS-<deal>` once it is in the Xero simulator.
    pub fn invoice_of(&self, deal: &str) -> Option<Value> {
        invoice_in(&self.w.xero_sim.export_json(), deal)
    }

    /// `GET /metrics` of `serve`.
    pub async fn metrics(&self) -> String {
        let r = self
            .w
            .http
            .get(format!("{}/metrics", self.server_url))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "/metrics: {}", r.status());
        r.text().await.unwrap()
    }
}

/// The live invoice with `Reference == "HS-<deal>"` in a Xero export. A byte search
/// first, so polling a large export stays cheap.
pub fn invoice_in(export: &[u8], deal: &str) -> Option<Value> {
    let needle = format!("\"HS-{deal}\"");
    if !export.windows(needle.len()).any(|w| w == needle.as_bytes()) {
        return None;
    }
    let v: Value = serde_json::from_slice(export).unwrap();
    let reference = format!("HS-{deal}");
    v["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["Reference"].as_str() == Some(reference.as_str())
                && !matches!(i["Status"].as_str(), Some("VOIDED" | "DELETED"))
        })
        .cloned()
}

/// Open deals of the seeded data (the default pipeline and renewals), with the stage
/// that wins each one's pipeline: `(id, won stage)`.
pub fn open_deals(l: &Live) -> Vec<(String, &'static str)> {
    let e = l.w.hubspot_sim.export();
    e["deals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["archived"].as_bool().unwrap_or(false))
        .filter_map(|d| {
            let p = &d["properties"];
            let stage = p["dealstage"].as_str().unwrap_or("");
            let won = match p["pipeline"].as_str() {
                Some("default") => "closedwon",
                Some("24135790") => "24135793",
                _ => return None,
            };
            let closed = ["closedwon", "closedlost", "24135793", "24135794"].contains(&stage);
            let id = match &d["id"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (!closed).then_some((id, won))
        })
        .collect()
}

/// Today as HubSpot writes a date-time property.
pub fn close_date_now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}
