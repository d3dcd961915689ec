//! `GET /query?q=` and `/queryAll?q=` (with or without the trailing slash;
//! `+` and `%20` both decode to spaces), and `GET /query/{locator}` for the
//! next page.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sim;
use super::cursors::parse_locator;
use super::errors::{ApiError, ApiResult};
use super::soql::{self, SoqlError, eval, plan};
use super::versions::ApiVersion;

/// Rows a page holds unless `Sforce-Query-Options: batchSize=N` asks for
/// fewer; Salesforce honours sizes from 200 to 2,000.
pub const MAX_BATCH: usize = 2000;
pub const MIN_BATCH: usize = 200;

#[derive(Deserialize)]
pub struct QueryParams {
    q: Option<String>,
}

fn batch_size(headers: &HeaderMap) -> Option<usize> {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .filter_map(|kv| kv.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("batchSize"))
                .and_then(|(_, n)| n.trim().parse::<usize>().ok())
        })
        .map(|n| n.clamp(MIN_BATCH, MAX_BATCH))
}

impl From<SoqlError> for ApiError {
    fn from(e: SoqlError) -> ApiError {
        ApiError::bad_request(e.code, e.message)
    }
}

fn page(
    sim: &Sim,
    version: &ApiVersion,
    rows: Arc<Vec<Value>>,
    cursor: Option<String>,
    start: usize,
    size: usize,
) -> Value {
    let end = (start + size).min(rows.len());
    let records: Vec<Value> = rows[start.min(end)..end].to_vec();
    let done = end >= rows.len();
    let mut body = json!({"totalSize": rows.len(), "done": done, "records": records});
    if !done {
        let id = match cursor {
            Some(id) => id,
            None => sim.cursors.lock().unwrap().open(rows.clone(), size),
        };
        body["nextRecordsUrl"] = json!(format!(
            "/services/data/{}/query/{id}-{end}",
            version.label()
        ));
    } else if let Some(id) = cursor {
        sim.cursors.lock().unwrap().close(&id);
    }
    body
}

fn execute(
    sim: &Sim,
    version: &ApiVersion,
    params: &QueryParams,
    headers: &HeaderMap,
    include_deleted: bool,
) -> ApiResult<Value> {
    let q = params
        .q
        .as_deref()
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request("MALFORMED_QUERY", "A query string has to be specified")
        })?;
    let parsed = soql::parse(q)?;
    let plan = plan::plan(q, &parsed)?;
    let rows = {
        let db = sim.db.read().unwrap();
        let ctx = eval::Context {
            db: &db,
            now: sim.now(),
            include_deleted,
            version: &version.label(),
        };
        eval::run(&ctx, &plan)
    };
    let size = batch_size(headers).unwrap_or(MAX_BATCH);
    Ok(page(sim, version, Arc::new(rows), None, 0, size))
}

pub async fn query(
    State(sim): State<Arc<Sim>>,
    version: ApiVersion,
    Query(params): Query<QueryParams>,
    headers: HeaderMap,
) -> Response {
    match execute(&sim, &version, &params, &headers, false) {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn query_all(
    State(sim): State<Arc<Sim>>,
    version: ApiVersion,
    Query(params): Query<QueryParams>,
    headers: HeaderMap,
) -> Response {
    match execute(&sim, &version, &params, &headers, true) {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The next page behind a locator; the page size is the one the query
/// was opened with unless this request names another.
pub async fn more(
    State(sim): State<Arc<Sim>>,
    version: ApiVersion,
    Path((_, locator)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let invalid =
        || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator").into_response();
    let Some((id, offset)) = parse_locator(&locator) else {
        return invalid();
    };
    let Some((rows, opened_with)) = sim.cursors.lock().unwrap().rows(id) else {
        return invalid();
    };
    if offset > rows.len() {
        return invalid();
    }
    Json(page(
        &sim,
        &version,
        rows,
        Some(id.to_string()),
        offset,
        batch_size(&headers).unwrap_or(opened_with),
    ))
    .into_response()
}
