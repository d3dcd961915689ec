//! A Salesforce REST API simulator (`sim` feature) that Salesforce's own
//! clients (simple-salesforce, jsforce) accept unmodified.
//!
//! `router` builds the axum app in-process (tests, the demo); `run` serves it
//! (`ledgerbridge sim salesforce`), over HTTPS with `--tls`. What it serves,
//! by file: `versions.rs` (`/services/data/`), `query.rs` with `soql/` and
//! `cursors.rs` (SOQL and query locators), `sobjects.rs` with `describe.rs`
//! (records, describe, replication windows), `composite.rs` (sObject
//! Collections), `limits.rs` (the daily allocation), `guard.rs` (the SDK
//! gate's Salesforce answers: sessions, allocation), `oauth.rs` (web-server
//! flow with PKCE, refresh, JWT bearer, revoke), `outbound.rs` (Outbound
//! Messages), `tls.rs` (HTTPS), `export.rs` (`/_sim/*`). The org's objects
//! are `schema.rs` (types, lookups) and `catalog.rs` (every object's fields,
//! built from `fields.rs`). Data lives in `store.rs`/`record.rs`
//! (`coerce.rs` checks written values), seeded by `seed.rs` from the words
//! of `seed_words.rs`.

mod body;
mod catalog;
mod coerce;
mod composite;
mod cursors;
mod describe;
pub mod errors;
mod export;
mod fields;
mod guard;
pub mod ids;
mod limits;
pub mod oauth;
pub mod outbound;
mod query;
pub mod record;
pub mod schema;
pub mod seed;
mod seed_words;
mod sobjects;
pub mod soql;
pub mod store;
mod tls;
pub mod value;
mod versions;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use ledgerbridge_sdk::sim::{Gate, RateLimits, SimOptions};
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
    pub db: RwLock<Db>,
    /// The SDK's gate: options, stats, faults, issued sessions.
    pub gate: Gate,
    usage: limits::ApiUsage,
    cursors: Mutex<cursors::Cursors>,
    last_ms: AtomicI64,
    /// The URL clients reach this simulator at (`instance_url`), known once
    /// it listens.
    base_url: OnceLock<String>,
    outbound: OnceLock<outbound::Outbound>,
}

impl Sim {
    /// Now, never going backwards: writes in one millisecond share a
    /// timestamp (the boundary case incremental pulls must handle).
    pub fn now(&self) -> DateTime<Utc> {
        let now = Utc::now().timestamp_millis();
        let prev = self.last_ms.fetch_max(now, Ordering::SeqCst);
        DateTime::from_timestamp_millis(prev.max(now)).unwrap_or_default()
    }

    pub fn opts(&self) -> &SimOptions {
        &self.gate.opts
    }

    /// `instance_url`: where clients reach this simulator.
    pub fn base_url(&self) -> String {
        self.base_url
            .get()
            .cloned()
            .unwrap_or_else(|| "http://127.0.0.1:9104".to_string())
    }

    /// Sets where the simulator listens, once: the token responses'
    /// `instance_url` and the Outbound Messages' URLs point there; with
    /// `--webhook-url` the outbound message queues start.
    pub fn listening_at(&self, base_url: String) {
        let _ = self.base_url.set(base_url.clone());
        if let Some(url) = &self.gate.opts.webhook_url {
            let _ = self
                .outbound
                .set(outbound::Outbound::new(url, &self.gate.opts, base_url));
        }
    }

    /// Sends an Outbound Message for each created or updated record (a
    /// deletion sends none, as with Salesforce's workflow outbound messages).
    fn notify(&self, changes: Vec<Change>) {
        let Some(out) = self.outbound.get() else {
            return;
        };
        let db = self.db.read().unwrap();
        let mut seen = std::collections::HashSet::new();
        for c in changes {
            if !seen.insert(c.id.clone()) {
                continue;
            }
            let Some(r) = db.by_id(&c.id).filter(|r| !r.is_deleted()) else {
                continue;
            };
            let stamp = r
                .modstamp()
                .map(|t| value::datetime_iso(&t))
                .unwrap_or_default();
            out.send(c.object, c.id, stamp);
        }
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
        export::stats_json(&self.0)
    }

    /// Outbound Message notifications acknowledged so far.
    pub fn outbound_acknowledged(&self) -> u64 {
        self.0.outbound.get().map_or(0, |o| o.acknowledged())
    }

    /// Outbound Message POSTs attempted so far, retries included.
    pub fn outbound_attempts(&self) -> u64 {
        self.0.outbound.get().map_or(0, |o| o.attempts())
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
        gate: Gate::new(&opts, RateLimits::new(&opts), oauth::token_rules()),
        usage: limits::ApiUsage::new(org.api_allocation, opts.scaled(Duration::from_secs(86_400))),
        cursors: Mutex::new(cursors::Cursors::new(opts.scaled(cursors::IDLE_TIMEOUT))),
        db: RwLock::new(db),
        last_ms: AtomicI64::new(0),
        base_url: OnceLock::new(),
        outbound: OnceLock::new(),
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
        .route(&r("/limits/recordCount"), get(limits::record_count))
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
            &r("/sobjects/{object}/{field}/{value}"),
            get(sobjects::read_by_external_id).patch(sobjects::upsert),
        )
        // Salesforce's own collection sends updates and deletes to
        // `/composite/sobjects/{object}` as well; both spellings are served
        .route(
            &r("/composite/sobjects/{object}"),
            get(composite::retrieve)
                .patch(composite::update)
                .delete(composite::delete),
        )
        .route(
            &r("/composite/sobjects"),
            axum::routing::post(composite::create)
                .patch(composite::update)
                .delete(composite::delete),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            sim.clone(),
            ledgerbridge_sdk::sim::gate::<Sim>,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            sim.clone(),
            guard::limit_info,
        ));
    let open = Router::new()
        .route(
            "/services/oauth2/authorize",
            get(ledgerbridge_sdk::sim::authorize::<Sim>),
        )
        .route("/services/oauth2/token", post(oauth::token))
        .route("/services/oauth2/revoke", post(oauth::revoke))
        .route("/id/{org}/{user}", get(oauth::identity))
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
    handle.0.listening_at(format!("{scheme}://{addr}"));
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
    let (router, handle) = router(opts);
    handle.0.listening_at(format!("{scheme}://{addr}"));
    println!("listening {scheme}://{addr}");
    tracing::info!(%addr, deals, "salesforce simulator listening");
    serve_on(listener, router, tls).await
}

/// How `ledgerbridge sim salesforce` and the demo start this simulator: its default address
/// and its entry points, for the engine's registry.
pub fn simulator() -> ledgerbridge_sdk::connector::Simulator {
    ledgerbridge_sdk::connector::Simulator {
        default_listen: "127.0.0.1:9104",
        seeds_deals: true,
        run: |listen, opts| Box::pin(async move { run(&listen, opts).await }),
        // in-process users (the demo, the engine's tests) speak plain HTTP; `--tls`
        // belongs to the standalone server
        spawn: |listen, opts| {
            Box::pin(async move {
                if opts.tls.is_some() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "--tls serves a standalone simulator (`ledgerbridge sim salesforce`)",
                    ));
                }
                let listener = ledgerbridge_sdk::sim::bind(&listen).await?;
                let addr = listener.local_addr()?;
                let (router, handle) = router(opts);
                handle.0.listening_at(format!("http://{addr}"));
                Ok(ledgerbridge_sdk::sim::spawn(listener, router))
            })
        },
    }
}
