//! A faithful Pipedrive simulator (`ledgerbridge sim pipedrive`): Pipedrive's
//! paths, auth, envelope, cursor paging, custom fields, error bodies, token
//! budget and burst limits, Basic-auth webhooks v2 and faults.
//!
//! URLs, all on one port (default `http://127.0.0.1:9105`):
//! - API v2 `{base}/api/v2/...`: deals (+ archived, deal products),
//!   persons, organizations, activities, products, pipelines, stages, and the
//!   `dealFields`, `personFields`, `organizationFields` listings;
//! - API v1 `{base}/v1/...`: notes and webhooks;
//! - OAuth (oauth.pipedrive.com): `{base}/oauth/authorize`, `{base}/oauth/token`;
//! - simulator extras, no auth: `GET /_sim/stats`, `GET /_sim/export`,
//!   `GET /_sim/violations`.
//!
//! Choices where Pipedrive documents nothing exact: the company is on the
//! Professional plan with one seat (see `limits`); the one user owns every
//! record; a deleted deal keeps its status and reads `is_deleted: true` until
//! it is purged 30 (scaled) days later, and `status=deleted` lists it.
//!
//! Strict mode (`LEDGERBRIDGE_SIM_STRICT=1` at start, or
//! [`SimHandle::set_strict`]) checks every request and response body, and
//! every webhook's `data`, against `v1.yaml` / `v2.yaml` and records violations.

mod activities;
mod auth;
mod bodies;
mod company;
pub mod costs;
mod custom;
mod deals;
mod fields;
mod gate;
mod input;
pub mod limits;
mod listing;
mod notes;
mod oauth;
mod organizations;
mod persons;
mod pipelines;
mod products;
mod respond;
pub mod seed;
mod sim_api;
mod state;
mod store;
mod webhooks;
mod webhooks_api;

use std::io;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use ledgerbridge_sdk::sim::{self as toolkit, RunningSim, SimOptions};

pub use custom::field_key;
pub use listing::{DEFAULT_LIMIT, MAX_LIMIT};
pub use state::{COMPANY_ID, USER_ID, Violation};
pub use store::PURGE_AFTER;

use crate::spec::PipedriveSpec;
use crate::wire::NewWebhook;
use state::SimState;

/// Where `ledgerbridge sim pipedrive` listens by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9105";

/// A handle on a running simulator's state, for tests and the engine.
#[derive(Clone)]
pub struct SimHandle {
    state: Arc<SimState>,
}

impl SimHandle {
    /// The `/_sim/stats` body.
    pub fn stats(&self) -> serde_json::Value {
        self.state.gate.stats.to_json()
    }

    /// The `/_sim/export` body (Pipedrive wire JSON).
    pub fn export_json(&self) -> Vec<u8> {
        sim_api::export_bytes(&self.state)
    }

    /// Turns strict schema checking on (with the shared specs) or off.
    /// Returns false when asked to turn it on but the specs cannot be found.
    pub fn set_strict(&self, on: bool) -> bool {
        let spec = if on { PipedriveSpec::shared() } else { None };
        let ok = spec.is_some() || !on;
        *self.state.strict.write().unwrap() = spec;
        ok
    }

    /// Every schema violation recorded in strict mode.
    pub fn violations(&self) -> Vec<Violation> {
        self.state.violations.lock().unwrap().clone()
    }

    /// Tells the simulator its public base URL (webhook `meta.host`).
    pub fn set_base_url(&self, url: &str) {
        *self.state.base_url.write().unwrap() = url.trim_end_matches('/').to_string();
    }

    /// Webhook POSTs made so far, retries included.
    pub fn webhook_attempts(&self) -> u64 {
        self.state.deliveries.attempts()
    }

    /// Webhook events queued so far: one per change and matching webhook,
    /// counted before the API call that made the change answers.
    pub fn webhook_events(&self) -> u64 {
        self.state.deliveries.queued()
    }

    /// Tokens left in today's company budget.
    pub fn token_budget_left(&self) -> u64 {
        self.state.budget_left()
    }
}

/// The webhook `--webhook-url URL --webhook-secret user:password` registers
/// at start: every action on every object, v2, with those Basic credentials.
fn startup_webhook(opts: &SimOptions) -> Option<NewWebhook> {
    let url = opts.webhook_url.clone()?;
    let (user, password) = match opts.webhook_secret.as_deref() {
        Some(s) => match s.split_once(':') {
            Some((u, p)) => (Some(u.to_string()), Some(p.to_string())),
            None => (Some(s.to_string()), Some(String::new())),
        },
        None => (None, None),
    };
    Some(NewWebhook {
        subscription_url: url,
        event_action: "*".into(),
        event_object: "*".into(),
        name: "ledgerbridge".into(),
        user_id: None,
        http_auth_user: user,
        http_auth_password: password,
        version: Some("2.0".into()),
    })
}

/// The simulator as an axum router plus a handle on its state.
///
/// Panics when `--webhook-url` is not a valid URL (a start-up error the CLI reports).
pub fn router(opts: SimOptions) -> (Router, SimHandle) {
    let mut store = seed::seed(opts.seed, opts.deals);
    if let Some(hook) = startup_webhook(&opts)
        && let Err((field, why)) = webhooks_api::register(&mut store, hook)
    {
        panic!("--webhook-url: {field} {why}");
    }
    let st = Arc::new(SimState::new(opts, store));
    let handle = SimHandle { state: st.clone() };
    if std::env::var("LEDGERBRIDGE_SIM_STRICT")
        .is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
    {
        handle.set_strict(true);
    }
    let api = Router::new()
        .route("/api/v2/deals", get(deals::list).post(deals::create))
        .route("/api/v2/deals/archived", get(deals::archived))
        .route("/api/v2/deals/products", get(products::of_deals))
        .route(
            "/api/v2/deals/{id}",
            get(deals::get_one)
                .patch(deals::patch)
                .delete(deals::delete),
        )
        .route(
            "/api/v2/deals/{id}/products",
            get(products::of_deal).post(products::add_to_deal),
        )
        .route("/api/v2/persons", get(persons::list).post(persons::create))
        .route(
            "/api/v2/persons/{id}",
            get(persons::get_one)
                .patch(persons::patch)
                .delete(persons::delete),
        )
        .route(
            "/api/v2/organizations",
            get(organizations::list).post(organizations::create),
        )
        .route(
            "/api/v2/organizations/{id}",
            get(organizations::get_one)
                .patch(organizations::patch)
                .delete(organizations::delete),
        )
        .route(
            "/api/v2/activities",
            get(activities::list).post(activities::create),
        )
        .route(
            "/api/v2/activities/{id}",
            get(activities::get_one).patch(activities::patch),
        )
        .route("/api/v2/products", get(products::list))
        .route("/api/v2/products/{id}", get(products::get_one))
        .route("/api/v2/pipelines", get(pipelines::pipelines))
        .route("/api/v2/pipelines/{id}", get(pipelines::pipeline))
        .route("/api/v2/stages", get(pipelines::stages))
        .route("/api/v2/stages/{id}", get(pipelines::stage))
        .route("/api/v2/dealFields", get(fields::deal_fields))
        .route("/api/v2/personFields", get(fields::person_fields))
        .route(
            "/api/v2/organizationFields",
            get(fields::organization_fields),
        )
        .route("/v1/notes", get(notes::list).post(notes::create))
        .route(
            "/v1/notes/{id}",
            get(notes::get_one).put(notes::update).delete(notes::delete),
        )
        .route(
            "/v1/webhooks",
            get(webhooks_api::list).post(webhooks_api::create),
        )
        .route(
            "/v1/webhooks/{id}",
            axum::routing::delete(webhooks_api::delete),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            st.clone(),
            bodies::check,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            st.clone(),
            toolkit::gate::<SimState>,
        ));
    let open = Router::new()
        .route("/oauth/authorize", get(toolkit::authorize::<SimState>))
        .route(
            "/oauth/token",
            axum::routing::post(toolkit::token::<SimState>),
        )
        .route("/_sim/stats", get(sim_api::stats))
        .route("/_sim/export", get(sim_api::export))
        .route("/_sim/violations", get(sim_api::violations));
    let router = api
        .merge(open)
        .fallback(|| async {
            respond::ApiError::new(axum::http::StatusCode::NOT_FOUND, "Unknown method .")
        })
        .with_state(st);
    (router, handle)
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

/// How `ledgerbridge sim pipedrive` and the demo start this simulator: its default address
/// and its entry points, for the engine's registry.
pub fn simulator() -> ledgerbridge_sdk::connector::Simulator {
    ledgerbridge_sdk::connector::Simulator {
        default_listen: "127.0.0.1:9105",
        seeds_deals: true,
        run: |listen, opts| Box::pin(async move { run(&listen, opts).await }),
        spawn: |listen, opts| Box::pin(async move { spawn(&listen, opts).await.map(|(s, _)| s) }),
    }
}
