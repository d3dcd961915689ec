//! `GET /_sim/stats` and `GET /_sim/export` (no auth): what tests inspect.
//! The export holds every record of every object, recycle bin included
//! (`IsDeleted: true`), in the REST API's record shape, keyed by sObject name.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::Sim;
use super::schema::objects;
use super::sobjects::record_json;
use super::versions::NEWEST;

pub fn export(sim: &Sim) -> Value {
    let db = sim.db.read().unwrap();
    let version = format!("v{NEWEST}.0");
    let mut out = Map::new();
    for o in objects() {
        let records: Vec<Value> = db
            .table(o.name)
            .records
            .iter()
            .filter_map(|r| record_json(o, r, None, &version).ok())
            .collect();
        out.insert(o.name.to_string(), Value::Array(records));
    }
    Value::Object(out)
}

pub async fn export_handler(State(sim): State<Arc<Sim>>) -> Response {
    Json(export(&sim)).into_response()
}

/// The contract's counters plus the Outbound Messages' deliveries.
pub fn stats_json(sim: &Sim) -> Value {
    let mut v = sim.gate.stats.to_json();
    if let Some(out) = sim.outbound.get() {
        v["outbound_acknowledged"] = Value::from(out.acknowledged());
        v["outbound_attempts"] = Value::from(out.attempts());
    }
    v
}

pub async fn stats(State(sim): State<Arc<Sim>>) -> Response {
    Json(stats_json(&sim)).into_response()
}
