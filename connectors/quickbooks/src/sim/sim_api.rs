//! The simulator's own endpoints, without auth: `GET /_sim/stats`,
//! `GET /_sim/company` (the realm id) and `GET /_sim/export` (every object keyed
//! by QuickBooks' entity name, deleted ones as `{"Id", "status": "Deleted"}`,
//! voided ones as QuickBooks keeps them).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::respond;
use super::state::SimState;
use crate::wire::time::format_time;

pub async fn stats(State(st): State<Arc<SimState>>) -> Response {
    respond::json_value(StatusCode::OK, &st.gate.stats.to_json())
}

/// `{"realmId": ..}`: a static token names no company, so a client asks.
pub async fn company(State(st): State<Arc<SimState>>) -> Response {
    respond::json_value(StatusCode::OK, &json!({"realmId": st.realm}))
}

pub async fn export(State(st): State<Arc<SimState>>) -> Response {
    respond::json_value(StatusCode::OK, &export_json(&st))
}

pub fn export_json(st: &SimState) -> Value {
    let books = st.books.lock().unwrap();
    let mut out = Map::new();
    let mut names: Vec<&'static str> = books.entities().collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let mut objs: Vec<Value> = books.all(name).cloned().collect();
        objs.extend(books.tombstones(name).iter().map(|t| {
            json!({"Id": t.id.to_string(), "status": "Deleted", "domain": "QBO",
                "MetaData": {"LastUpdatedTime": format_time(t.at)}})
        }));
        out.insert(name.to_string(), Value::Array(objs));
    }
    Value::Object(out)
}
