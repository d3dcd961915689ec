//! A faithful Xero simulator (`ledgerbridge sim xero`): Xero's paths, auth
//! headers, envelope, MS-JSON dates, validation errors, batch semantics,
//! `Idempotency-Key`, rate limits, OAuth, signed webhooks and faults.
//!
//! URLs, all on one port (e.g. `http://127.0.0.1:9102`):
//! - API: `{base}/api.xro/2.0/...` and tenants at `{base}/connections`
//!   (connection `api_url = "{base}"`);
//! - OAuth: token `{base}/connect/token` (`identity_url = "{base}"`), authorize
//!   `{base}/identity/connect/authorize` (`login_url = "{base}"`), which
//!   redirects at once with `code` and `state`; revocation
//!   `{base}/connect/revocation`;
//! - simulator extras, no auth: `GET /_sim/stats`, `GET /_sim/export`,
//!   `GET /_sim/violations`, `POST /_sim/webhooks/intent`,
//!   `GET /_sim/currency-rates`, `POST /_sim/organisation` (lock dates).
//!
//! Choices where Xero documents nothing: batches over 50 items are refused
//! (`batch`); `Idempotency-Key` replays for 24 h (scaled), a reused key with
//! a different request is 409 (`idempotency`); the minute/day/concurrency
//! problem names are `minute`, `day`, `appminute`, `concurrent`.
//!
//! Strict mode (`LEDGERBRIDGE_SIM_STRICT=1` at start, or
//! [`SimHandle::set_strict`]) checks every request and response body against
//! `xero_accounting.yaml` and records violations.

mod batch;
mod bodies;
mod books;
mod contacts;
mod gate;
mod history;
mod idempotency;
mod invoices;
mod limits;
mod oauth;
mod organisations;
mod payments;
mod query;
mod respond;
mod seed;
mod settings_api;
mod sim_api;
mod state;
mod totals;
mod webhooks;

use std::io;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use ledgerbridge_sdk::sim::{self as toolkit, RunningSim, SimOptions, authorize, revoke, token};
use uuid::Uuid;

pub use limits::{APP_PER_MINUTE, CONCURRENT, PER_DAY, PER_MINUTE};
pub use organisations::{organisations_router, spawn_organisations};
pub use seed::{BASE_CURRENCY, RATES};
pub use state::Violation;
pub use webhooks::sign as sign_webhook;

use crate::spec::XeroSpec;
use state::SimState;

/// A handle on a running simulator's state, for tests and the engine.
#[derive(Clone)]
pub struct SimHandle {
    state: Arc<SimState>,
}

impl SimHandle {
    /// The organisation's tenant id (what `/connections` returns).
    pub fn tenant_id(&self) -> Uuid {
        self.state.tenant.id
    }

    /// The `/_sim/stats` body.
    pub fn stats(&self) -> serde_json::Value {
        self.state.gate.stats.to_json()
    }

    /// The `/_sim/export` body (Xero wire JSON).
    pub fn export_json(&self) -> Vec<u8> {
        sim_api::export_bytes(&self.state)
    }

    /// Turns strict schema checking on (with the shared spec) or off.
    /// Returns false when asked to turn it on but the spec cannot be found.
    pub fn set_strict(&self, on: bool) -> bool {
        let spec = if on { XeroSpec::shared() } else { None };
        let ok = spec.is_some() || !on;
        *self.state.strict.write().unwrap() = spec;
        ok
    }

    /// Every schema violation recorded in strict mode.
    pub fn violations(&self) -> Vec<Violation> {
        self.state.violations.lock().unwrap().clone()
    }

    /// Tells the simulator its public base URL (webhook `resourceUrl`s).
    pub fn set_base_url(&self, url: &str) {
        *self.state.base_url.write().unwrap() = url.trim_end_matches('/').to_string();
    }
}

/// The simulator as an axum router plus a handle on its state.
pub fn router(opts: SimOptions) -> (Router, SimHandle) {
    organisation_router(opts, None)
}

/// The router of one organisation; `name` renames it (the others a login grants).
fn organisation_router(opts: SimOptions, name: Option<String>) -> (Router, SimHandle) {
    let mut st = SimState::new(opts);
    if let Some(name) = name {
        st.tenant.name = name.clone();
        st.settings.organisation.name = Some(name);
    }
    let st = Arc::new(st);
    let handle = SimHandle { state: st.clone() };
    if std::env::var("LEDGERBRIDGE_SIM_STRICT")
        .is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
    {
        handle.set_strict(true);
    }
    let api = Router::new()
        .route("/connections", get(settings_api::connections))
        .route("/api.xro/2.0/Organisation", get(settings_api::organisation))
        .route("/api.xro/2.0/Accounts", get(settings_api::accounts))
        .route(
            "/api.xro/2.0/Accounts/{AccountID}",
            get(settings_api::account),
        )
        .route("/api.xro/2.0/TaxRates", get(settings_api::tax_rates))
        .route("/api.xro/2.0/Currencies", get(settings_api::currencies))
        .route(
            "/api.xro/2.0/TrackingCategories",
            get(settings_api::tracking_categories),
        )
        .route(
            "/api.xro/2.0/TrackingCategories/{TrackingCategoryID}",
            get(settings_api::tracking_category),
        )
        .route("/api.xro/2.0/Budgets", get(settings_api::budgets))
        .route("/api.xro/2.0/Budgets/{BudgetID}", get(settings_api::budget))
        .route(
            "/api.xro/2.0/Contacts",
            get(contacts::list).put(contacts::put).post(contacts::post),
        )
        .route(
            "/api.xro/2.0/Contacts/{ContactID}",
            get(contacts::get_one).post(contacts::post_one),
        )
        .route(
            "/api.xro/2.0/Contacts/{ContactID}/History",
            get(history::get).put(history::put),
        )
        .route(
            "/api.xro/2.0/Invoices",
            get(invoices::list).put(invoices::put).post(invoices::post),
        )
        .route(
            "/api.xro/2.0/Invoices/{InvoiceID}",
            get(invoices::get_one).post(invoices::post_one),
        )
        .route(
            "/api.xro/2.0/Invoices/{InvoiceID}/History",
            get(history::get).put(history::put),
        )
        .route(
            "/api.xro/2.0/Payments",
            get(payments::list).put(payments::put).post(payments::post),
        )
        .route(
            "/api.xro/2.0/Payments/{PaymentID}",
            get(payments::get_one).post(payments::post_one),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            st.clone(),
            bodies::bodies,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            st.clone(),
            toolkit::gate::<SimState>,
        ));
    let open = Router::new()
        .route("/connect/token", post(token::<SimState>))
        .route("/connect/revocation", post(revoke::<SimState>))
        .route("/identity/connect/authorize", get(authorize::<SimState>))
        .route("/_sim/stats", get(sim_api::stats))
        .route("/_sim/export", get(sim_api::export))
        .route("/_sim/violations", get(sim_api::violations))
        .route("/_sim/webhooks/intent", post(sim_api::intent))
        .route("/_sim/currency-rates", get(sim_api::currency_rates))
        .route("/_sim/organisation", post(sim_api::set_lock_dates));
    (api.merge(open).with_state(st), handle)
}

/// Serves the simulator on `listen` until the process ends.
pub async fn run(listen: &str, opts: SimOptions) -> io::Result<()> {
    let listener = toolkit::bind(listen).await?;
    let (router, handle) = router(opts);
    handle.set_base_url(&format!("http://{}", listener.local_addr()?));
    toolkit::serve(listener, router).await
}

/// Starts the simulator in the background on `listen` (`127.0.0.1:0` picks a port).
pub async fn spawn(listen: &str, opts: SimOptions) -> io::Result<(RunningSim, SimHandle)> {
    let listener = toolkit::bind(listen).await?;
    let (router, handle) = router(opts);
    handle.set_base_url(&format!("http://{}", listener.local_addr()?));
    Ok((toolkit::spawn(listener, router), handle))
}
