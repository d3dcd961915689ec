//! A small world: both simulators in-process, a config and a SQLite store.

#![allow(dead_code)]

use ledgerbridge::config::Config;
use ledgerbridge::store::Db;
use ledgerbridge::sync::run::{self, RunSummary};
use ledgerbridge_sdk::sim::{RunningSim, SimOptions};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

pub const TOKEN: &str = "t";
pub const START: &str = "2025-01-01";
/// Closed-won stages of the seeded pipelines (default and renewals).
pub const WON: [&str; 2] = ["closedwon", "24135793"];

pub struct World {
    _hubspot: RunningSim,
    _xero: RunningSim,
    pub hubspot_sim: ledgerbridge_hubspot::sim::SimHandle,
    pub xero_sim: ledgerbridge_xero::sim::SimHandle,
    pub hubspot_url: String,
    pub xero_url: String,
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
    pub config: Arc<Config>,
    pub db: Db,
    pub http: reqwest::Client,
    pub tenant: String,
}

/// Starts the simulators (`deals` seeded) and writes a config whose pair gets
/// `pair_extra` (TOML lines such as `on_delete = "void"`).
pub async fn world(deals: usize, pair_extra: &str) -> World {
    world_with(deals, pair_extra, |_, _| {}).await
}

/// [`world`], with `sim("hubspot" | "xero", &mut options)` adjusting each simulator's
/// options before it starts (webhook URL and secret, for instance).
pub async fn world_with(
    deals: usize,
    pair_extra: &str,
    sim: impl Fn(&str, &mut SimOptions),
) -> World {
    let opts = SimOptions {
        token: Some(TOKEN.into()),
        rate_limits: false,
        deals,
        ..Default::default()
    };
    let (mut hs_opts, mut x_opts) = (opts.clone(), opts);
    sim("hubspot", &mut hs_opts);
    sim("xero", &mut x_opts);
    let (hubspot, hubspot_sim) = ledgerbridge_hubspot::sim::spawn("127.0.0.1:0", hs_opts)
        .await
        .unwrap();
    let (xero, xero_sim) = ledgerbridge_xero::sim::spawn("127.0.0.1:0", x_opts)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let maps = dir.path().join("mappings");
    std::fs::create_dir_all(&maps).unwrap();
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mappings/hubspot-xero");
    for e in std::fs::read_dir(&shipped).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, maps.join(p.file_name().unwrap())).unwrap();
        }
    }
    let config_path = dir.path().join("ledgerbridge.toml");
    // rate_scale 1000: the HubSpot client's search settle (2 s) shrinks to 2 ms, so
    // an edit is pulled by the very next sync.
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
{pair_extra}
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
        hubspot_sim,
        xero_sim,
        dir,
        config_path,
        config: Arc::new(config),
        db,
        http,
        tenant,
    }
}

impl World {
    pub async fn sync(&self, full: bool) -> RunSummary {
        let mut s = run::sync(self.config.clone(), &self.db, &["main".to_string()], full)
            .await
            .unwrap();
        s.remove(0)
    }

    pub async fn hubspot_export(&self) -> Value {
        self.http
            .get(format!("{}/_sim/export", self.hubspot_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn xero_export(&self) -> Value {
        self.http
            .get(format!("{}/_sim/export", self.xero_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Deals that must have an invoice: closed won, on or after the cut-over, live.
    pub async fn qualifying_deals(&self) -> Vec<Value> {
        let e = self.hubspot_export().await;
        e["deals"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| !d["archived"].as_bool().unwrap_or(false))
            .filter(|d| WON.contains(&d["properties"]["dealstage"].as_str().unwrap_or("")))
            .filter(|d| d["properties"]["closedate"].as_str().unwrap_or("") >= START)
            .cloned()
            .collect()
    }

    /// Xero invoices carrying a reference, live or not.
    pub async fn invoices_with(&self, reference: &str) -> Vec<Value> {
        let e = self.xero_export().await;
        e["Invoices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["Reference"].as_str() == Some(reference))
            .cloned()
            .collect()
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

    pub async fn hubspot_patch_deal(&self, id: &str, props: Value) {
        let r = self
            .http
            .patch(format!("{}/crm/v3/objects/deals/{id}", self.hubspot_url))
            .bearer_auth(TOKEN)
            .json(&json!({ "properties": props }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "PATCH deal {id}: {}", r.status());
    }

    pub async fn hubspot_delete_deal(&self, id: &str) {
        let r = self
            .http
            .delete(format!("{}/crm/v3/objects/deals/{id}", self.hubspot_url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "DELETE deal {id}: {}", r.status());
    }

    /// Pays `amount` on an invoice through Xero's API.
    pub async fn pay(&self, invoice_id: &str, amount: &str) {
        self.xero(
            reqwest::Method::PUT,
            "/Payments",
            Some(json!({"Payments": [{
                "Invoice": {"InvoiceID": invoice_id},
                "Account": {"Code": "090"},
                "Date": "2026-06-30",
                // a JSON number written from the decimal text, never through a float
                "Amount": serde_json::from_str::<Value>(amount).unwrap(),
            }]})),
        )
        .await;
    }
}

/// The one live invoice of a reference (panics when there is not exactly one).
pub fn one_live(invs: &[Value]) -> &Value {
    let live: Vec<&Value> = invs
        .iter()
        .filter(|i| !matches!(i["Status"].as_str(), Some("VOIDED" | "DELETED")))
        .collect();
    assert_eq!(live.len(), 1, "expected one live invoice, got {invs:?}");
    live[0]
}
