//! Both simulators in-process (rate limits off), the shipped mappings plus one SKU
//! that maps to an account Xero does not have, a config and a SQLite store; helpers
//! that change things through the vendors' own APIs.

#![allow(dead_code)]

use ledgerbridge::config::Config;
use ledgerbridge::queue::{self, Handlers, WorkerOptions};
use ledgerbridge::reconcile::{ReconcileOptions, Report, reconcile};
use ledgerbridge::store::Db;
use ledgerbridge::sync::run;
use ledgerbridge_sdk::sim::{RunningSim, SimOptions};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const TOKEN: &str = "t";
pub const START: &str = "2025-01-01";
/// A SKU the test mapping sends to account 999, which Xero refuses.
pub const BROKEN_SKU: &str = "SKU-BROKEN";

pub struct World {
    _hubspot: RunningSim,
    _xero: RunningSim,
    pub hubspot_url: String,
    pub xero_url: String,
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
    pub config: Arc<Config>,
    pub db: Db,
    pub http: reqwest::Client,
    pub tenant: String,
}

/// Starts the simulators with `deals` seeded deals.
pub async fn world(deals: usize) -> World {
    let opts = SimOptions {
        token: Some(TOKEN.into()),
        rate_limits: false,
        deals,
        ..Default::default()
    };
    let (hubspot, _) = ledgerbridge_hubspot::sim::spawn("127.0.0.1:0", opts.clone())
        .await
        .unwrap();
    let (xero, _) = ledgerbridge_xero::sim::spawn("127.0.0.1:0", opts)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let maps = dir.path().join("mappings");
    std::fs::create_dir_all(&maps).unwrap();
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mappings/hubspot-xero");
    for e in std::fs::read_dir(&shipped).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let mut text = std::fs::read_to_string(&p).unwrap();
            if p.file_name().unwrap() == "deal-invoice.toml" {
                text = text
                    .replace(
                        "[tables.product_type_by_sku]\n",
                        &format!("[tables.product_type_by_sku]\n\"{BROKEN_SKU}\" = \"broken\"\n"),
                    )
                    .replace(
                        "[tables.account_by_product_type]\n",
                        "[tables.account_by_product_type]\nbroken = \"999\"\n",
                    );
                assert!(text.contains("broken = \"999\""), "mapping tables moved");
            }
            std::fs::write(maps.join(p.file_name().unwrap()), text).unwrap();
        }
    }
    let config_path = dir.path().join("ledgerbridge.toml");
    // rate_scale 1000: the HubSpot client's search settle (2 s) shrinks to 2 ms.
    std::fs::write(
        &config_path,
        format!(
            r#"[database]
url = "sqlite://lb.db"
[connections.crm]
kind = "hubspot"
base_url = "{hs}"
access_token = "{TOKEN}"
rate_scale = 1000.0
[connections.books]
kind = "xero"
base_url = "{x}"
access_token = "{TOKEN}"
rate_scale = 1000.0
[[pairs]]
name = "main"
source = "crm"
target = "books"
mappings = "mappings"
start_date = "{START}"
[worker]
concurrency = 4
heartbeat_secs = 1
poll_interval_ms = 20
"#,
            hs = hubspot.base_url,
            x = xero.base_url,
        ),
    )
    .unwrap();
    let config = ledgerbridge::config::load(Some(&config_path)).unwrap();
    let db = ledgerbridge::store::open(&config).await.unwrap();
    let http = reqwest::Client::new();
    let conns: Value = http
        .get(format!("{}/connections", xero.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tenant = conns[0]["tenantId"].as_str().unwrap().to_string();
    World {
        hubspot_url: hubspot.base_url.clone(),
        xero_url: xero.base_url.clone(),
        _hubspot: hubspot,
        _xero: xero,
        dir,
        config_path,
        config: Arc::new(config),
        db,
        http,
        tenant,
    }
}

impl World {
    pub async fn sync(&self) {
        let s = run::sync(self.config.clone(), &self.db, &["main".to_string()], true)
            .await
            .unwrap();
        assert_eq!(s.len(), 1);
    }

    pub async fn reconcile(&self, fix: bool) -> Report {
        let opts = ReconcileOptions {
            fix,
            ..Default::default()
        };
        let rt = ledgerbridge::sync::runtime::build(&self.config, &self.db, "main")
            .await
            .unwrap();
        reconcile(&rt, &self.db, &opts).await.unwrap()
    }

    /// Works the queue until no job is pending, running or waiting for a retry.
    pub async fn drain_queue(&self) {
        let db = self.db.clone();
        let done = async move {
            let t0 = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let mut open = 0;
                use queue::admin::JobState;
                for s in [JobState::Pending, JobState::Running, JobState::Failed] {
                    open += queue::admin::list(&db, Some(s), 100).await.unwrap().len();
                }
                if open == 0 || t0.elapsed() > Duration::from_secs(60) {
                    return;
                }
            }
        };
        queue::run_worker(
            self.db.clone(),
            self.config.clone(),
            Handlers::builtin(),
            WorkerOptions::from_config(&self.config.worker),
            done,
        )
        .await
        .unwrap();
    }

    pub async fn hubspot_export(&self) -> Value {
        self.get_json(format!("{}/_sim/export", self.hubspot_url))
            .await
    }

    async fn get_json(&self, url: String) -> Value {
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn xero(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut rq = self
            .http
            .request(method, format!("{}/api.xro/2.0{path}", self.xero_url))
            .bearer_auth(TOKEN)
            .header("xero-tenant-id", &self.tenant)
            .header("accept", "application/json");
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "Xero {path}: {status} {v}");
        v
    }

    pub async fn invoice(&self, id: &str) -> Value {
        self.xero(reqwest::Method::GET, &format!("/Invoices/{id}"), None)
            .await["Invoices"][0]
            .clone()
    }

    pub async fn hubspot(&self, method: reqwest::Method, path: &str, body: Option<Value>) {
        let mut rq = self
            .http
            .request(
                method,
                format!("{}/crm/v3/objects/{path}", self.hubspot_url),
            )
            .bearer_auth(TOKEN);
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        assert!(status.is_success(), "HubSpot {path}: {status} {text}");
    }

    pub async fn patch_deal(&self, id: &str, props: Value) {
        self.hubspot(
            reqwest::Method::PATCH,
            &format!("deals/{id}"),
            Some(json!({ "properties": props })),
        )
        .await;
    }
}

/// A deal's id from its mirror key (`deal:123`).
pub fn deal_id(key: &str) -> &str {
    key.strip_prefix("deal:").expect("a deal key")
}

/// The ids of the line items associated with an exported deal.
pub fn line_item_ids(deal: &Value) -> Vec<String> {
    deal["associations"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.contains("line"))
        .flat_map(|(_, v)| v["results"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}
