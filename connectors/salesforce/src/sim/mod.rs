//! A Salesforce REST API simulator (`sim` feature) that Salesforce's own
//! clients (simple-salesforce, jsforce) accept unmodified.
//!
//! `router` builds the axum app in-process (tests, the demo); `run` serves it
//! (`ledgerbridge sim salesforce`), over HTTPS with `--tls`. What it serves,
//! by file: `versions.rs` (`/services/data/`), `query.rs` with `soql/` and
//! `cursors.rs` (SOQL and query locators), `sobjects.rs` with `describe.rs`
//! (records, describe, replication windows), `composite.rs` (sObject
//! Collections), `limits.rs` (the daily allocation), `guard.rs` (stats,
//! faults, sessions, allocation), `export.rs` (`/_sim/*`). Data lives in
//! `store.rs`/`record.rs` (`coerce.rs` checks written values), seeded by
//! `seed.rs`.

mod body;
mod coerce;
mod composite;
mod cursors;
mod describe;
pub mod errors;
mod export;
mod guard;
pub mod ids;
mod limits;
mod query;
pub mod record;
pub mod schema;
pub mod seed;
mod sobjects;
pub mod soql;
pub mod store;
mod tls;
pub mod value;
mod versions;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use chrono::{DateTime, Utc};
use ledgerbridge_sdk::sim::{FaultInjector, SimOptions, SimStats};
use serde_json::Value;

pub use errors::{ApiError, SfError};
pub use limits::default_allocation;
pub use store::{Change, Db};
pub use tls::{Tls, TlsError};

/// The simulated org's id (`OrganizationId` of Outbound Messages, the
/// identity URL).
pub const ORG_ID: &str = "00DDn0000000001EAA";

/// What an org is set up with beyond the simulator contract's options.
#[derive(Debug, Clone)]
pub struct OrgSettings {
    /// API requests per rolling 24 hours.
    pub api_allocation: u64,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            api_allocation: default_allocation(),
        }
    }
}

/// Shared state behind every handler.
pub struct Sim {
    pub opts: SimOptions,
    pub db: RwLock<Db>,
    pub stats: SimStats,
    pub faults: FaultInjector,
    usage: limits::ApiUsage,
    cursors: Mutex<cursors::Cursors>,
    last_ms: AtomicI64,
}

impl Sim {
    /// Now, never going backwards: writes in one millisecond share a
    /// timestamp (the boundary case incremental pulls must handle).
    pub fn now(&self) -> DateTime<Utc> {
        let now = Utc::now().timestamp_millis();
        let prev = self.last_ms.fetch_max(now, Ordering::SeqCst);
        DateTime::from_timestamp_millis(prev.max(now)).unwrap_or_default()
    }

    /// Whether a session id may call the API.
    fn session_valid(&self, token: &str) -> bool {
        self.opts.token.as_deref() == Some(token)
    }

    fn expire_sessions(&self) {}

    /// Reports changed records to whoever listens (Outbound Messages).
    fn notify(&self, changes: Vec<Change>) {
        let _ = changes;
    }
}

/// In-process access to a running simulator's state (tests, demo).
#[derive(Clone)]
pub struct SimHandle(pub Arc<Sim>);

impl SimHandle {
    /// `/_sim/export` as a value.
    pub fn export(&self) -> Value {
        export::export(&self.0)
    }

    /// `/_sim/stats` as a value.
    pub fn stats(&self) -> Value {
        self.0.stats.to_json()
    }

    /// Ids of live records of an object, in creation order.
    pub fn ids(&self, object: &str) -> Vec<String> {
        let db = self.0.db.read().unwrap();
        db.table(object).live().map(|r| r.id.clone()).collect()
    }
}

/// Builds the simulator with the default org settings.
pub fn router(opts: SimOptions) -> (Router, SimHandle) {
    router_with(opts, OrgSettings::default())
}

/// Builds the simulator: seeds `opts.deals` deals and returns the router.
pub fn router_with(opts: SimOptions, org: OrgSettings) -> (Router, SimHandle) {
    let mut db = Db::new();
    seed::seed(&mut db, opts.deals, opts.seed);
    let sim = Arc::new(Sim {
        faults: FaultInjector::new(opts.faults.clone(), opts.seed),
        usage: limits::ApiUsage::new(
            org.api_allocation,
            opts.scaled(Duration::from_secs(86_400)),
        ),
        cursors: Mutex::new(cursors::Cursors::new(opts.scaled(cursors::IDLE_TIMEOUT))),
        opts,
        db: RwLock::new(db),
        stats: SimStats::default(),
        last_ms: AtomicI64::new(0),
    });
    let data = "/services/data/{version}";
    let r = |p: &str| format!("{data}{p}");
    let api = Router::new()
        .route(&r(""), get(versions::resources))
        .route(&r("/"), get(versions::resources))
        .route(&r("/query"), get(query::query))
        .route(&r("/query/"), get(query::query))
        .route(&r("/query/{locator}"), get(query::more))
        .route(&r("/queryAll"), get(query::query_all))
        .route(&r("/queryAll/"), get(query::query_all))
        .route(&r("/queryAll/{locator}"), get(query::more))
        .route(&r("/limits"), get(limits::limits))
        .route(&r("/limits/"), get(limits::limits))
        .route(&r("/sobjects"), get(sobjects::global))
        .route(&r("/sobjects/"), get(sobjects::global))
        .route(
            &r("/sobjects/{object}"),
            get(sobjects::basic).post(sobjects::create),
        )
        .route(
            &r("/sobjects/{object}/"),
            get(sobjects::basic).post(sobjects::create),
        )
        .route(&r("/sobjects/{object}/describe"), get(sobjects::describe))
        .route(&r("/sobjects/{object}/describe/"), get(sobjects::describe))
        .route(&r("/sobjects/{object}/updated"), get(sobjects::updated))
        .route(&r("/sobjects/{object}/updated/"), get(sobjects::updated))
        .route(&r("/sobjects/{object}/deleted"), get(sobjects::deleted))
        .route(&r("/sobjects/{object}/deleted/"), get(sobjects::deleted))
        .route(
            &r("/sobjects/{object}/{id}"),
            get(sobjects::read)
                .patch(sobjects::update)
                .delete(sobjects::delete),
        )
        .route(
            &r("/composite/sobjects"),
            axum::routing::post(composite::create)
                .patch(composite::update)
                .delete(composite::delete),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            sim.clone(),
            guard::guard,
        ));
    let open = Router::new()
        .route("/services/data", get(versions::list))
        .route("/services/data/", get(versions::list))
        .route("/_sim/stats", get(export::stats))
        .route("/_sim/export", get(export::export_handler));
    let router = api
        .merge(open)
        .fallback(|| async { ApiError::not_found() })
        .with_state(sim.clone());
    (router, SimHandle(sim))
}

/// A simulator serving in the background (tests, the demo).
pub struct RunningSim {
    pub addr: std::net::SocketAddr,
    /// `http://…` or `https://…`: what a client's `instance_url` is.
    pub base_url: String,
    /// With `--tls`: the PEM a client must trust.
    pub trust_pem: Option<std::path::PathBuf>,
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

async fn serve_on(
    listener: tokio::net::TcpListener,
    router: Router,
    tls: Option<Tls>,
) -> std::io::Result<()> {
    match tls {
        None => ledgerbridge_sdk::sim::serve(listener, router).await,
        Some(tls) => {
            let listener = tls::TlsListener::new(listener, tls.config)?;
            axum::serve(listener, router.into_make_service()).await
        }
    }
}

fn resolve_tls(opts: &SimOptions) -> std::io::Result<Option<Tls>> {
    opts.tls
        .as_deref()
        .map(tls::load)
        .transpose()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
}

/// Starts the simulator in the background on `listen` (`127.0.0.1:0` for a
/// free port).
pub async fn spawn(listen: &str, opts: SimOptions) -> std::io::Result<(RunningSim, SimHandle)> {
    spawn_with(listen, opts, OrgSettings::default()).await
}

pub async fn spawn_with(
    listen: &str,
    opts: SimOptions,
    org: OrgSettings,
) -> std::io::Result<(RunningSim, SimHandle)> {
    let listener = ledgerbridge_sdk::sim::bind(listen).await?;
    let addr = listener.local_addr()?;
    let tls = resolve_tls(&opts)?;
    let trust_pem = tls.as_ref().map(|t| t.trust_pem.clone());
    let scheme = if tls.is_some() { "https" } else { "http" };
    let (router, handle) = router_with(opts, org);
    let task = tokio::spawn(async move {
        if let Err(e) = serve_on(listener, router, tls).await {
            tracing::error!(error = %e, "salesforce simulator stopped");
        }
    });
    Ok((
        RunningSim {
            addr,
            base_url: format!("{scheme}://{addr}"),
            trust_pem,
            handle: task,
        },
        handle,
    ))
}

/// Serves the simulator on `listen` until the process ends, printing
/// `listening <url>` (and `certificate <path>` with `--tls`) on stdout.
pub async fn run(listen: &str, opts: SimOptions) -> std::io::Result<()> {
    let listener = ledgerbridge_sdk::sim::bind(listen).await?;
    let addr = listener.local_addr()?;
    let tls = resolve_tls(&opts)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    if let Some(t) = &tls {
        println!("certificate {}", t.trust_pem.display());
    }
    let deals = opts.deals;
    let (router, _handle) = router(opts);
    println!("listening {scheme}://{addr}");
    tracing::info!(%addr, deals, "salesforce simulator listening");
    serve_on(listener, router, tls).await
}
