//! A HubSpot CRM simulator speaking HubSpot's wire format (`sim` feature).
//!
//! `router` builds the axum app in-process (tests, `ledgerbridge demo`); `run`
//! serves it (`ledgerbridge sim hubspot`). What it serves, by file:
//! `objects.rs` (v3 objects of every standard type, `object_type.rs`),
//! `batch.rs`, `search.rs`, `assoc.rs` (v4 associations), `meta.rs`
//! (pipelines, properties), `owners.rs`, and HubSpot's answers to the SDK's
//! simulator kit: `guard.rs` (the request gate's 401/429/500, rate limits and
//! headers), `oauth.rs` (token rules and bodies), `webhooks.rs` (event bodies
//! and signatures),
//! `export.rs` (`/_sim/*`). Data lives in `store.rs`/`record.rs`, seeded by
//! `seed.rs`.
//!
//! Choices where HubSpot's published facts leave room:
//! - rate limits are the Professional/Enterprise tier: 190 calls per 10 s and
//!   625,000 per day; search 4 calls per second per token, without headers;
//! - `X-Sim-Change-Source: CRM_UI` on a write makes its webhooks say a person
//!   changed it in HubSpot (`changeSource: "CRM_UI"`); every other API write
//!   is `"INTEGRATION"` with `sourceId` = [`APP_ID`], as HubSpot reports an app's
//!   own writes — the hook the engine's webhook loop prevention keys on.

mod assoc;
mod batch;
mod errors;
mod export;
mod guard;
mod meta;
mod oauth;
mod object_type;
mod objects;
mod owners;
pub mod record;
pub mod schema;
mod search;
pub mod seed;
pub mod store;
mod webhooks;
pub mod wire;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::routing::{get, post, put};
use ledgerbridge_sdk::sim::{Gate, ResetPoint, SimOptions, authorize, gate, revoke, token};
use serde_json::Value;

pub use errors::ApiError;
pub use schema::ObjectType;
pub use store::{Change, Db};
pub use webhooks::sign_v3;

/// The app id HubSpot would report for writes made through this simulator's
/// API (`sourceId` of `INTEGRATION` changes) and as the receiving `appId`.
pub const APP_ID: u64 = 3_141_592;
/// The simulated account (`portalId` / `hub_id`).
pub const PORTAL_ID: u64 = 48_123_456;

/// Shared state behind every handler.
pub struct Sim {
    pub opts: SimOptions,
    pub db: RwLock<Db>,
    /// Stats, faults, rate limits and OAuth tokens (the SDK's kit).
    pub gate: Gate,
    hooks: Option<webhooks::Sender>,
    last_ms: AtomicI64,
}

impl Sim {
    /// Current time in ms, never going backwards: writes in one millisecond
    /// share a timestamp (the boundary case incremental pulls must handle).
    pub fn now(&self) -> i64 {
        let now = wire::now_ms();
        let prev = self.last_ms.fetch_max(now, Ordering::SeqCst);
        prev.max(now)
    }

    /// Queues webhooks for changes (never blocks the API call).
    pub fn emit(&self, changes: Vec<Change>, source: &webhooks::Source) {
        if let Some(h) = &self.hooks {
            h.send(changes, source, self.now());
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
        self.0.gate.stats.to_json()
    }

    /// Ids of live records of a type, in id order.
    pub fn ids(&self, t: ObjectType) -> Vec<u64> {
        let db = self.0.db.read().unwrap();
        db.table(t)
            .records
            .iter()
            .filter(|r| !r.archived())
            .map(|r| r.id)
            .collect()
    }

    /// Number of webhook events sent and acknowledged so far.
    pub fn webhooks_delivered(&self) -> u64 {
        self.0.hooks.as_ref().map_or(0, |h| h.delivered())
    }
}

/// Builds the simulator: seeds `opts.deals` deals and returns the router.
pub fn router(opts: SimOptions) -> (Router, SimHandle) {
    let mut db = Db::new();
    seed::seed(&mut db, opts.deals, opts.seed);
    let hooks = match (&opts.webhook_url, &opts.webhook_secret) {
        (Some(url), Some(secret)) => {
            Some(webhooks::Sender::new(url.clone(), secret.clone(), &opts))
        }
        _ => None,
    };
    let sim = Arc::new(Sim {
        // a reset cuts the call before HubSpot acts on it
        gate: Gate::new(&opts, guard::limits(&opts), oauth::token_rules())
            .reset_at(ResetPoint::BeforeHandler),
        opts,
        db: RwLock::new(db),
        hooks,
        last_ms: AtomicI64::new(0),
    });
    let api = Router::new()
        .route(
            "/crm/v3/objects/{object_type}",
            get(objects::list).post(objects::create),
        )
        .route(
            "/crm/v3/objects/{object_type}/{id}",
            get(objects::read)
                .patch(objects::update)
                .delete(objects::archive),
        )
        .route("/crm/v3/objects/{object_type}/search", post(search::search))
        .route(
            "/crm/v3/objects/{object_type}/batch/read",
            post(batch::read),
        )
        .route(
            "/crm/v3/objects/{object_type}/batch/create",
            post(batch::create),
        )
        .route(
            "/crm/v3/objects/{object_type}/batch/update",
            post(batch::update),
        )
        .route(
            "/crm/v3/objects/{object_type}/batch/upsert",
            post(batch::upsert),
        )
        .route(
            "/crm/v3/objects/{object_type}/batch/archive",
            post(batch::archive),
        )
        .route(
            "/crm/v4/objects/{from}/{id}/associations/{to}",
            get(assoc::list),
        )
        .route(
            "/crm/v4/objects/{from}/{id}/associations/default/{to}/{to_id}",
            put(assoc::put_default),
        )
        .route(
            "/crm/v4/objects/{from}/{id}/associations/{to}/{to_id}",
            put(assoc::put_labelled).delete(assoc::remove),
        )
        .route(
            "/crm/v4/associations/{from}/{to}/batch/read",
            post(assoc::batch_read),
        )
        .route(
            "/crm/v4/associations/{from}/{to}/labels",
            get(assoc::labels),
        )
        .route("/crm/v3/pipelines/{object_type}", get(meta::pipelines))
        .route(
            "/crm/v3/pipelines/{object_type}/{pipeline_id}",
            get(meta::pipeline),
        )
        .route(
            "/crm/v3/pipelines/{object_type}/{pipeline_id}/stages",
            get(meta::stages),
        )
        .route(
            "/crm/v3/properties/{object_type}",
            get(meta::properties).post(meta::create_property),
        )
        .route(
            "/crm/v3/properties/{object_type}/{name}",
            get(meta::property),
        )
        .route("/crm/v3/owners", get(owners::list))
        .route("/crm/v3/owners/", get(owners::list))
        .route("/crm/v3/owners/{owner_id}", get(owners::read))
        .route_layer(axum::middleware::from_fn_with_state(
            sim.clone(),
            gate::<Sim>,
        ));
    let open = Router::new()
        .route("/oauth/authorize", get(authorize::<Sim>))
        .route("/oauth/v1/token", post(token::<Sim>))
        .route("/oauth/v3/token", post(token::<Sim>))
        .route("/oauth/v3/revoke", post(revoke::<Sim>))
        .route("/_sim/stats", get(export::stats))
        .route("/_sim/export", get(export::export_handler));
    let router = api.merge(open).with_state(sim.clone());
    (router, SimHandle(sim))
}

/// Serves the simulator on `listen` until the process ends.
pub async fn run(listen: &str, opts: SimOptions) -> std::io::Result<()> {
    let listener = ledgerbridge_sdk::sim::bind(listen).await?;
    let deals = opts.deals;
    let (router, _handle) = router(opts);
    tracing::info!(addr = %listener.local_addr()?, deals, "hubspot simulator listening");
    ledgerbridge_sdk::sim::serve(listener, router).await
}

/// Starts the simulator in the background on `listen` (`127.0.0.1:0` for a
/// free port): for tests and the demo.
pub async fn spawn(
    listen: &str,
    opts: SimOptions,
) -> std::io::Result<(ledgerbridge_sdk::sim::RunningSim, SimHandle)> {
    let listener = ledgerbridge_sdk::sim::bind(listen).await?;
    let (router, handle) = router(opts);
    Ok((ledgerbridge_sdk::sim::spawn(listener, router), handle))
}
