//! The company's REST endpoints: `/v3/company/{realm}/{entity}` (create,
//! update, `?operation=delete|void`), `/{entity}/{id}`, `/query`, `/batch`,
//! `/cdc`, `/preferences`, `/companyinfo/{id}` and `/exchangerate`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::requestid::RequestIds;
use super::state::SimState;
use super::write::{self, Ctx, Op, WriteOpts};
use super::{batch, cdc, query, refusals, respond};
use crate::wire::{Fault, canonical_entity};

type Params = Query<HashMap<String, String>>;

fn param<'a>(p: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    p.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn entity_of(name: &str) -> Result<&'static str, Fault> {
    canonical_entity(name).ok_or_else(|| refusals::unsupported("Create", name))
}

fn ok_or_fault(r: Result<Value, Fault>) -> (StatusCode, Vec<u8>) {
    match r {
        Ok(v) => (StatusCode::OK, serde_json::to_vec(&v).unwrap_or_default()),
        Err(f) => {
            let resp = respond::fault_body(&f);
            (
                StatusCode::BAD_REQUEST,
                serde_json::to_vec(&resp).unwrap_or_default(),
            )
        }
    }
}

fn parse_json(body: &Bytes) -> Result<Value, Fault> {
    serde_json::from_slice(body)
        .map_err(|e| refusals::bad_request(format!("Request body is not valid JSON: {e}")))
}

/// `POST /v3/company/{realm}/{entity}`.
pub async fn write_entity(
    State(st): State<Arc<SimState>>,
    Path((_realm, name)): Path<(String, String)>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let entity = match entity_of(&name) {
        Ok(e) => e,
        Err(f) => return respond::fault(&f),
    };
    let rid = match RequestIds::validate(param(&params, "requestid"), false) {
        Ok(r) => r,
        Err(f) => return respond::fault(&f),
    };
    let op = match Op::parse(param(&params, "operation")) {
        Ok(op) => op,
        Err(f) => return respond::fault(&f),
    };
    let include = param(&params, "include")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let opts = WriteOpts {
        allow_duplicate_doc_number: include
            .split(',')
            .any(|i| i.trim() == "allowduplicatedocnum"),
    };
    let st2 = st.clone();
    st.request_ids
        .once(rid, move || {
            let r = parse_json(&body).and_then(|v| {
                let mut books = st2.books.lock().unwrap();
                let now = st2.now();
                let mut ctx = Ctx {
                    st: &st2,
                    books: &mut books,
                    now,
                    opts,
                    changes: Vec::new(),
                };
                let out = write::apply(&mut ctx, entity, op, v)?;
                st2.notify(std::mem::take(&mut ctx.changes));
                Ok(respond::entity(entity, out))
            });
            ok_or_fault(r)
        })
        .await
}

/// `GET /v3/company/{realm}/{entity}/{id}`.
pub async fn read_entity(
    State(st): State<Arc<SimState>>,
    Path((_realm, name, id)): Path<(String, String, String)>,
) -> Response {
    let entity = match canonical_entity(&name) {
        Some(e) => e,
        None => return respond::fault(&refusals::unsupported("Read", &name)),
    };
    let books = st.books.lock().unwrap();
    match id.parse::<u64>().ok().and_then(|n| books.get(entity, n)) {
        Some(obj) => respond::json_value(StatusCode::OK, &respond::entity(entity, obj.clone())),
        None => respond::fault(&refusals::not_found(entity, &id)),
    }
}

/// `GET /query?query=...` and `POST /query` with the query as the text body.
pub async fn query_entities(
    State(st): State<Arc<SimState>>,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = match param(&params, "query") {
        Some(q) => q.to_string(),
        None => {
            let ct = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !body.is_empty()
                && !ct.starts_with("application/text")
                && !ct.starts_with("text/plain")
            {
                return respond::fault(&refusals::bad_request(format!(
                    "a query body is sent as Content-Type application/text, not {ct:?}"
                )));
            }
            String::from_utf8_lossy(&body).into_owned()
        }
    };
    let r = query::parse(&text).map(|q| {
        let books = st.books.lock().unwrap();
        serde_json::json!({"QueryResponse": query::run(&books, &q), "time": respond::now_text()})
    });
    let (status, bytes) = ok_or_fault(r);
    respond::json_bytes(status, bytes)
}

/// `POST /batch`.
pub async fn run_batch(
    State(st): State<Arc<SimState>>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let rid = match RequestIds::validate(param(&params, "requestid"), true) {
        Ok(r) => r,
        Err(f) => return respond::fault(&f),
    };
    let st2 = st.clone();
    st.request_ids
        .once(rid, move || {
            let r = parse_json(&body).and_then(|v| {
                let (out, changes) = batch::run(&st2, &v)?;
                st2.notify(changes);
                Ok(out)
            });
            ok_or_fault(r)
        })
        .await
}

/// `GET /cdc`.
pub async fn change_data_capture(
    State(st): State<Arc<SimState>>,
    Query(params): Params,
) -> Response {
    let books = st.books.lock().unwrap();
    let r = cdc::run(
        &books,
        param(&params, "entities"),
        param(&params, "changedSince"),
        st.now(),
    );
    let (status, bytes) = ok_or_fault(r);
    respond::json_bytes(status, bytes)
}

/// `GET /preferences`, `GET /companyinfo/{id}` read the single settings objects.
pub async fn preferences(State(st): State<Arc<SimState>>) -> Response {
    let books = st.books.lock().unwrap();
    let p = books.get("Preferences", 1).cloned().unwrap_or_default();
    respond::json_value(StatusCode::OK, &respond::entity("Preferences", p))
}

/// `GET /exchangerate?sourcecurrencycode=EUR[&asofdate=...]`.
pub async fn exchange_rate(State(st): State<Arc<SimState>>, Query(params): Params) -> Response {
    let Some(code) = param(&params, "sourcecurrencycode") else {
        return respond::fault(&refusals::missing("sourcecurrencycode"));
    };
    let books = st.books.lock().unwrap();
    match books
        .all("ExchangeRate")
        .find(|r| r["SourceCurrencyCode"].as_str() == Some(code))
    {
        Some(r) => respond::json_value(StatusCode::OK, &respond::entity("ExchangeRate", r.clone())),
        None => respond::fault(&refusals::not_found("ExchangeRate", code)),
    }
}

/// `POST /preferences` (an update of the one Preferences object).
pub async fn write_entity_preferences(
    state: State<Arc<SimState>>,
    Path(realm): Path<String>,
    params: Params,
    body: Bytes,
) -> Response {
    write_entity(
        state,
        Path((realm, "preferences".to_string())),
        params,
        body,
    )
    .await
}
