//! The simulator's own endpoints (no auth): `GET /_sim/stats`,
//! `GET /_sim/export` (every stored record in Pipedrive's wire shape, deleted
//! and archived ones included, keyed `deals`, `persons`, `organizations`,
//! `activities`, `products`, `notes`, `webhooks`) and `GET /_sim/violations`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::respond;
use super::state::SimState;
use super::webhooks_api::with_delivery;
use crate::wire::{Activity, Deal, Note, Organization, Person, Product, Webhook};

#[derive(Serialize)]
struct Export<'a> {
    deals: Vec<&'a Deal>,
    persons: Vec<&'a Person>,
    organizations: Vec<&'a Organization>,
    activities: Vec<&'a Activity>,
    products: Vec<&'a Product>,
    notes: Vec<&'a Note>,
    webhooks: Vec<Webhook>,
}

pub fn export_bytes(st: &SimState) -> Vec<u8> {
    let store = st.store();
    let export = Export {
        deals: store.deals.values().collect(),
        persons: store.persons.values().collect(),
        organizations: store.organizations.values().collect(),
        activities: store.activities.values().collect(),
        products: store.products.values().collect(),
        notes: store.notes.values().collect(),
        webhooks: store
            .webhooks
            .values()
            .cloned()
            .map(|w| with_delivery(st, w))
            .collect(),
    };
    serde_json::to_vec(&export).expect("export serializes")
}

pub async fn stats(State(st): State<Arc<SimState>>) -> Response {
    let mut body = st.gate.stats.to_json();
    body["webhook_events"] = st.deliveries.queued().into();
    body["webhooks_sent"] = st.deliveries.attempts().into();
    body["webhooks_delivered"] = st.deliveries.delivered().into();
    body["token_budget_left"] = st.budget_left().into();
    respond::json(StatusCode::OK, &body)
}

pub async fn export(State(st): State<Arc<SimState>>) -> Response {
    let mut r = Response::new(axum::body::Body::from(export_bytes(&st)));
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

pub async fn violations(State(st): State<Arc<SimState>>) -> Response {
    let v = st.violations.lock().unwrap().clone();
    respond::json(StatusCode::OK, &v)
}
