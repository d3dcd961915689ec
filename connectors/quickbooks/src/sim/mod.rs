//! A faithful QuickBooks Online simulator (`ledgerbridge sim quickbooks`):
//! the Accounting API v3 paths under `/v3/company/{realmId}`, Intuit's
//! `Fault` bodies, `SyncToken` concurrency, the query language, batch, change
//! data capture, `requestid` replay, throttles, OAuth with an OpenID
//! discovery document, signed webhooks and injected faults. The request gate,
//! the OAuth server and webhook delivery are the SDK's simulator kit; this
//! module supplies QuickBooks' wire to them.
//!
//! URLs, all on one port (default `http://127.0.0.1:9103`):
//! - API: `{base}/v3/company/{realm}/...` (clients' API base is `{base}/v3`);
//! - OAuth: discovery `{base}/.well-known/openid_configuration` (also at the
//!   sandbox spelling `openid_sandbox_configuration`), authorize
//!   `{base}/connect/oauth2`, token `{base}/oauth2/v1/tokens/bearer`, revoke
//!   `{base}/oauth2/v1/tokens/revoke`;
//! - simulator extras, no auth: `GET /_sim/stats`, `GET /_sim/export`,
//!   `GET /_sim/company` (the realm id, for clients holding a static token).

mod api;
mod batch;
mod cdc;
mod gate;
mod known_fields;
mod limits;
mod money;
mod oauth;
mod query;
mod refusals;
mod requestid;
mod respond;
mod seed;
mod sim_api;
mod state;
mod store;
mod webhooks;
mod write;

use std::io;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use ledgerbridge_sdk::sim::{self as toolkit, RunningSim, SimOptions, authorize, token};

pub use batch::MAX_ITEMS as BATCH_MAX_ITEMS;
pub use cdc::{LOOK_BACK_DAYS as CDC_LOOK_BACK_DAYS, MAX_PER_ENTITY as CDC_MAX_PER_ENTITY};
pub use limits::{BATCH_PER_MINUTE_PER_APP, PER_MINUTE, PER_SECOND_PER_APP};
pub use oauth::{ACCESS_TOKEN_SECS, ROTATION_GRACE_SECS};
pub use query::MAX_RESULTS as QUERY_MAX_RESULTS;
pub use state::Region;
pub use webhooks::{Format as WebhookFormat, sign as sign_webhook};
pub use write::Op;

use state::SimState;

/// A handle on a running simulator's state, for tests and the engine.
#[derive(Clone)]
pub struct SimHandle {
    state: Arc<SimState>,
}

impl SimHandle {
    /// The company's realm id (the `{realmId}` of every API path).
    pub fn realm_id(&self) -> String {
        self.state.realm.clone()
    }

    /// The `/_sim/stats` body.
    pub fn stats(&self) -> serde_json::Value {
        self.state.gate.stats.to_json()
    }

    /// The `/_sim/export` body.
    pub fn export(&self) -> serde_json::Value {
        sim_api::export_json(&self.state)
    }

    /// Tells the simulator its public base URL (the discovery document's endpoints).
    pub fn set_base_url(&self, url: &str) {
        *self.state.base_url.write().unwrap() = url.trim_end_matches('/').to_string();
    }
}

/// Checks the options this simulator reads beyond the common ones.
pub fn check_options(opts: &SimOptions) -> Result<(), String> {
    Region::parse(opts.region.as_deref())?;
    webhooks::Format::parse(opts.webhook_format.as_deref())?;
    Ok(())
}

/// The simulator as an axum router plus a handle on its state.
pub fn router(opts: SimOptions) -> (Router, SimHandle) {
    let st = Arc::new(SimState::new(opts));
    let handle = SimHandle { state: st.clone() };
    let company = "/v3/company/{realm}";
    let api = Router::new()
        .route(
            &format!("{company}/query"),
            get(api::query_entities).post(api::query_entities),
        )
        .route(&format!("{company}/batch"), post(api::run_batch))
        .route(&format!("{company}/cdc"), get(api::change_data_capture))
        .route(
            &format!("{company}/preferences"),
            get(api::preferences).post(api::write_entity_preferences),
        )
        .route(&format!("{company}/exchangerate"), get(api::exchange_rate))
        .route(&format!("{company}/{{entity}}"), post(api::write_entity))
        .route(
            &format!("{company}/{{entity}}/{{id}}"),
            get(api::read_entity),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            st.clone(),
            toolkit::gate::<SimState>,
        ));
    let open = Router::new()
        .route("/.well-known/openid_configuration", get(oauth::discovery))
        .route("/.well-known/openid_configuration/", get(oauth::discovery))
        .route(
            "/.well-known/openid_sandbox_configuration",
            get(oauth::discovery),
        )
        .route(
            "/.well-known/openid_sandbox_configuration/",
            get(oauth::discovery),
        )
        .route("/connect/oauth2", get(authorize::<SimState>))
        .route("/oauth2/v1/tokens/bearer", post(token::<SimState>))
        .route("/oauth2/v1/tokens/revoke", post(oauth::revoke))
        .route("/v1/openid_connect/userinfo", get(oauth::userinfo))
        .route("/_sim/stats", get(sim_api::stats))
        .route("/_sim/export", get(sim_api::export))
        .route("/_sim/company", get(sim_api::company));
    let router = api
        .merge(open)
        .with_state(st)
        .layer(axum::middleware::from_fn(gate::add_tid));
    (router, handle)
}

/// Serves the simulator on `listen` until the process ends; prints the realm.
pub async fn run(listen: &str, opts: SimOptions) -> io::Result<()> {
    check_options(&opts).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let listener = toolkit::bind(listen).await?;
    let (router, handle) = router(opts);
    let addr = listener.local_addr()?;
    handle.set_base_url(&format!("http://{addr}"));
    eprintln!(
        "QuickBooks Online simulator on http://{addr}, realm {}",
        handle.realm_id()
    );
    toolkit::serve(listener, router).await
}

/// Starts the simulator in the background on `listen` (`127.0.0.1:0` picks a port).
pub async fn spawn(listen: &str, opts: SimOptions) -> io::Result<(RunningSim, SimHandle)> {
    check_options(&opts).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let listener = toolkit::bind(listen).await?;
    let (router, handle) = router(opts);
    handle.set_base_url(&format!("http://{}", listener.local_addr()?));
    Ok((toolkit::spawn(listener, router), handle))
}

/// How `ledgerbridge sim quickbooks` and the demo start this simulator: its default address
/// and its entry points, for the engine's registry.
pub fn simulator() -> ledgerbridge_sdk::connector::Simulator {
    ledgerbridge_sdk::connector::Simulator {
        default_listen: "127.0.0.1:9103",
        seeds_deals: false,
        run: |listen, opts| Box::pin(async move { run(&listen, opts).await }),
        // every client needs the realm in its paths: say it wherever the simulator starts
        spawn: |listen, opts| {
            Box::pin(async move {
                let (running, handle) = spawn(&listen, opts).await?;
                eprintln!("QuickBooks Online realm {}", handle.realm_id());
                Ok(running)
            })
        },
    }
}
