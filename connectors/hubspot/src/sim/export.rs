//! `GET /_sim/stats` and `GET /_sim/export` (no auth): what tests inspect.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::Sim;
use super::schema::ObjectType;
use super::wire::{Selection, object};

pub async fn stats(State(sim): State<Arc<Sim>>) -> Response {
    Json(sim.gate.stats.to_json()).into_response()
}

/// Every stored record, archived ones included, in the v3 wire shape with
/// all properties and associations, keyed by collection name.
pub fn export(sim: &Sim) -> Value {
    let db = sim.db.read().unwrap();
    let mut out = Map::new();
    for t in ObjectType::ALL {
        let schema = db.schema(t);
        let records: Vec<Value> = db
            .table(t)
            .records
            .iter()
            .map(|r| object(t, r, schema, &Selection::All, &ObjectType::ALL))
            .collect();
        out.insert(t.name().to_string(), Value::Array(records));
    }
    Value::Object(out)
}

pub async fn export_handler(State(sim): State<Arc<Sim>>) -> Response {
    Json(export(&sim)).into_response()
}
