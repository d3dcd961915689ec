//! `/sobjects`: describe, one record by id (read, create, update, delete)
//! and the replication resources `updated/` and `deleted/`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Sim;
use super::body;
use super::describe;
use super::errors::{ApiError, ApiResult};
use super::record::Record;
use super::schema::{ObjectDef, object_def};
use super::soql::eval::attributes;
use super::value::{datetime_wire, parse_datetime};
use super::versions::ApiVersion;

fn def(name: &str) -> ApiResult<&'static ObjectDef> {
    object_def(name).ok_or_else(|| ApiError::unknown_object(name))
}

fn respond(r: ApiResult<Response>) -> Response {
    r.unwrap_or_else(IntoResponse::into_response)
}

pub async fn global(version: ApiVersion) -> Response {
    Json(describe::global(&version.label())).into_response()
}

pub async fn basic(version: ApiVersion, Path((_, object)): Path<(String, String)>) -> Response {
    respond(def(&object).map(|o| {
        Json(json!({"objectDescribe": describe::summary(o, &version.label()), "recentItems": []}))
            .into_response()
    }))
}

pub async fn describe(version: ApiVersion, Path((_, object)): Path<(String, String)>) -> Response {
    respond(def(&object).map(|o| Json(describe::describe(o, &version.label())).into_response()))
}

/// A record with every field (or those `?fields=` names).
pub fn record_json(
    o: &ObjectDef,
    r: &Record,
    fields: Option<&str>,
    version: &str,
) -> ApiResult<Value> {
    let mut m = Map::new();
    m.insert("attributes".into(), attributes(o.name, &r.id, version));
    match fields {
        None => {
            for f in &o.fields {
                m.insert(f.name.into(), r.get(f.name).to_json());
            }
        }
        Some(list) => {
            for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let f = o.field(name).ok_or_else(|| {
                    ApiError::bad_request(
                        "INVALID_FIELD",
                        format!("No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", o.name),
                    )
                })?;
                m.insert(f.name.into(), r.get(f.name).to_json());
            }
        }
    }
    Ok(Value::Object(m))
}

#[derive(Deserialize)]
pub struct FieldsParam {
    fields: Option<String>,
}

pub async fn read(
    State(sim): State<Arc<Sim>>,
    version: ApiVersion,
    Path((_, object, id)): Path<(String, String, String)>,
    Query(p): Query<FieldsParam>,
) -> Response {
    respond((|| {
        let o = def(&object)?;
        let db = sim.db.read().unwrap();
        let id = db.existing(o, &id)?;
        let r = db.table(o.name).get(&id).expect("exists");
        Ok(Json(record_json(o, r, p.fields.as_deref(), &version.label())?).into_response())
    })())
}

pub async fn create(
    State(sim): State<Arc<Sim>>,
    Path((_, object)): Path<(String, String)>,
    bytes: Bytes,
) -> Response {
    respond((|| {
        let o = def(&object)?;
        let fields = body::object(&bytes)?;
        let now = sim.now();
        let (id, changes) = sim.db.write().unwrap().create(o, &fields, now)?;
        sim.notify(changes);
        Ok((
            StatusCode::CREATED,
            Json(json!({"id": id, "success": true, "errors": []})),
        )
            .into_response())
    })())
}

pub async fn update(
    State(sim): State<Arc<Sim>>,
    Path((_, object, id)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Response {
    respond((|| {
        let o = def(&object)?;
        let fields = body::object(&bytes)?;
        let now = sim.now();
        let changes = sim.db.write().unwrap().update(o, &id, &fields, now)?;
        sim.notify(changes);
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

pub async fn delete(
    State(sim): State<Arc<Sim>>,
    Path((_, object, id)): Path<(String, String, String)>,
) -> Response {
    respond((|| {
        let o = def(&object)?;
        let now = sim.now();
        let changes = sim.db.write().unwrap().delete(o, &id, now)?;
        sim.notify(changes);
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

#[derive(Deserialize)]
pub struct Window {
    start: Option<String>,
    end: Option<String>,
}

/// How far back the replication resources reach.
pub const REPLICATION_DAYS: i64 = 30;
/// Most ids one replication call returns.
pub const MAX_REPLICATION_IDS: usize = 600_000;

/// The window's bounds, seconds ignored as Salesforce ignores them.
fn window(w: &Window, now: DateTime<Utc>) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let parse = |name: &str, v: &Option<String>| -> ApiResult<DateTime<Utc>> {
        let s = v.as_deref().ok_or_else(|| {
            ApiError::bad_request("MISSING_ARGUMENT", format!("{name} parameter is required"))
        })?;
        let t = parse_datetime(s).ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_REPLICATION_DATE",
                format!("{name} is not a valid dateTime: {s}"),
            )
        })?;
        Ok(t.duration_trunc(Duration::minutes(1)).unwrap_or(t))
    };
    let start = parse("start", &w.start)?;
    let end = parse("end", &w.end)?;
    if start >= end {
        return Err(ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            "startDate must chronologically precede endDate",
        ));
    }
    if start < now - Duration::days(REPLICATION_DAYS) {
        return Err(ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            format!("startDate cannot be more than {REPLICATION_DAYS} days ago"),
        ));
    }
    // nothing after now is covered yet
    Ok((start, end.min(now)))
}

fn too_many() -> ApiError {
    ApiError::bad_request(
        "EXCEEDED_ID_LIMIT",
        format!(
            "The number of ids in the result exceeds {MAX_REPLICATION_IDS}; choose a shorter window"
        ),
    )
}

pub async fn updated(
    State(sim): State<Arc<Sim>>,
    Path((_, object)): Path<(String, String)>,
    Query(w): Query<Window>,
) -> Response {
    respond((|| {
        let o = def(&object)?;
        let (start, end) = window(&w, sim.now())?;
        let db = sim.db.read().unwrap();
        let ids: Vec<&str> = db
            .table(o.name)
            .live()
            .filter(|r| r.modstamp().is_some_and(|t| t >= start && t <= end))
            .map(|r| r.id.as_str())
            .collect();
        if ids.len() > MAX_REPLICATION_IDS {
            return Err(too_many());
        }
        Ok(Json(json!({"ids": ids, "latestDateCovered": datetime_wire(&end)})).into_response())
    })())
}

pub async fn deleted(
    State(sim): State<Arc<Sim>>,
    Path((_, object)): Path<(String, String)>,
    Query(w): Query<Window>,
) -> Response {
    respond((|| {
        let o = def(&object)?;
        let (start, end) = window(&w, sim.now())?;
        let db = sim.db.read().unwrap();
        let table = db.table(o.name);
        let deleted: Vec<Value> = table
            .records
            .iter()
            .filter_map(|r| r.deleted_at.map(|t| (r, t)))
            .filter(|(_, t)| *t >= start && *t <= end)
            .map(|(r, t)| json!({"id": r.id, "deletedDate": datetime_wire(&t)}))
            .collect();
        if deleted.len() > MAX_REPLICATION_IDS {
            return Err(too_many());
        }
        let earliest = table
            .records
            .iter()
            .filter_map(|r| r.deleted_at)
            .min()
            .unwrap_or(start);
        Ok(Json(json!({
            "deletedRecords": deleted,
            "earliestDateAvailable": datetime_wire(&earliest),
            "latestDateCovered": datetime_wire(&end),
        }))
        .into_response())
    })())
}

/// The live records whose external id field holds `value`.
fn by_external(
    db: &super::store::Db,
    o: &'static ObjectDef,
    field: &str,
    value: &str,
) -> ApiResult<(&'static str, Vec<String>)> {
    let f = o
        .field(field)
        .filter(|f| f.external_id || f.name == "Id")
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Provided external ID field does not exist or is not accessible: {field}"),
            )
        })?;
    let ids = db
        .table(o.name)
        .live()
        .filter(|r| r.text(f.name).is_some_and(|v| v == value))
        .map(|r| r.id.clone())
        .collect();
    Ok((f.name, ids))
}

fn multiple(o: &ObjectDef, ids: &[String], version: &str) -> Response {
    let urls: Vec<String> = ids
        .iter()
        .map(|id| format!("/services/data/{version}/sobjects/{}/{id}", o.name))
        .collect();
    (StatusCode::MULTIPLE_CHOICES, Json(json!(urls))).into_response()
}

/// `GET /sobjects/{O}/{ExternalIdField}/{value}`: one record, 404 for none,
/// 300 with the candidates' URLs when several match.
pub async fn read_by_external_id(
    State(sim): State<Arc<Sim>>,
    version: ApiVersion,
    Path((_, object, field, value)): Path<(String, String, String, String)>,
) -> Response {
    respond((|| {
        let o = def(&object)?;
        let db = sim.db.read().unwrap();
        let (_, ids) = by_external(&db, o, &field, &value)?;
        match ids.as_slice() {
            [] => Err(ApiError::not_found()),
            [id] => {
                let r = db.table(o.name).get(id).expect("found");
                Ok(Json(record_json(o, r, None, &version.label())?).into_response())
            }
            many => Ok(multiple(o, many, &version.label())),
        }
    })())
}

/// `PATCH /sobjects/{O}/{ExternalIdField}/{value}`: upsert by external id,
/// the way to write a record once however often the write is repeated:
/// 201 `created: true` for a new record, 200 `created: false` for an
/// update, 300 when several match.
pub async fn upsert(
    State(sim): State<Arc<Sim>>,
    version: ApiVersion,
    Path((_, object, field, value)): Path<(String, String, String, String)>,
    bytes: Bytes,
) -> Response {
    respond((|| {
        let o = def(&object)?;
        let mut fields = body::object(&bytes)?;
        let now = sim.now();
        let mut db = sim.db.write().unwrap();
        let (name, ids) = by_external(&db, o, &field, &value)?;
        if name == "Id" {
            return Err(ApiError::bad_request(
                "INVALID_FIELD",
                "Use PATCH /sobjects/{object}/{id} to update a record by its Id",
            ));
        }
        let (status, id, changes, created) = match ids.as_slice() {
            [] => {
                fields.insert(name.to_string(), Value::String(value.clone()));
                let (id, changes) = db.create(o, &fields, now)?;
                (StatusCode::CREATED, id, changes, true)
            }
            [id] => {
                let changes = db.update(o, id, &fields, now)?;
                (StatusCode::OK, id.clone(), changes, false)
            }
            many => return Ok(multiple(o, many, &version.label())),
        };
        drop(db);
        sim.notify(changes);
        Ok((
            status,
            Json(json!({"id": id, "success": true, "errors": [], "created": created})),
        )
            .into_response())
    })())
}
