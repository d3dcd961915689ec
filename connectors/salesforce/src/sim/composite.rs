//! sObject Collections: `POST`/`PATCH /composite/sobjects` create or update
//! up to 200 records of any types, `DELETE /composite/sobjects?ids=` deletes
//! them; each record gets `{id, success, errors}`. With `allOrNone` one
//! failure rolls every record back and the others report
//! `ALL_OR_NONE_OPERATION_ROLLED_BACK`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Sim;
use super::body;
use super::errors::{ApiError, ApiResult, SfError};
use super::schema::object_def;
use super::store::{Change, Db};

/// Most records one collections call takes.
pub const MAX_RECORDS: usize = 200;
/// Most runs of same-typed records ("chunks") one call takes.
pub const MAX_CHUNKS: usize = 10;

fn too_many() -> ApiError {
    ApiError::bad_request(
        "EXCEEDED_ID_LIMIT",
        format!(
            "record limit reached. cannot submit more than {MAX_RECORDS} records into this call"
        ),
    )
}

struct Request {
    all_or_none: bool,
    records: Vec<Map<String, Value>>,
}

fn parse(bytes: &[u8]) -> ApiResult<Request> {
    let body = body::object(bytes)?;
    let all_or_none = match body.get("allOrNone") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(ApiError::json_parse(format!(
                "Cannot deserialize instance of boolean from value {other}"
            )));
        }
    };
    let records = match body.get("records") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| match r {
                Value::Object(m) => Ok(m.clone()),
                _ => Err(ApiError::json_parse(
                    "Cannot deserialize instance of SObject from a non-object value",
                )),
            })
            .collect::<ApiResult<Vec<_>>>()?,
        _ => {
            return Err(ApiError::bad_request(
                "INVALID_FIELD",
                "The records field is required and must be a list of sObjects",
            ));
        }
    };
    if records.len() > MAX_RECORDS {
        return Err(too_many());
    }
    let types: Vec<Option<&str>> = records
        .iter()
        .map(|r| {
            r.get("attributes")
                .and_then(|a| a.get("type"))
                .and_then(Value::as_str)
        })
        .collect();
    let chunks = types.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(!types.is_empty());
    if chunks > MAX_CHUNKS {
        return Err(ApiError::bad_request(
            "INVALID_BATCH_REQUEST",
            format!(
                "Cannot have more than {MAX_CHUNKS} chunks in a single operation. Please rearrange the data to reduce chunking."
            ),
        ));
    }
    Ok(Request {
        all_or_none,
        records,
    })
}

fn type_of(r: &Map<String, Value>) -> Result<&'static super::schema::ObjectDef, SfError> {
    let name = r
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .ok_or_else(|| SfError::new("INVALID_TYPE", "Must send a concrete entity type."))?;
    object_def(name).ok_or_else(|| {
        SfError::new(
            "INVALID_TYPE",
            format!("sObject type '{name}' is not supported."),
        )
    })
}

fn id_of(r: &Map<String, Value>) -> Option<String> {
    r.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("id"))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string)
}

enum Op {
    Create,
    Update,
}

/// One result per record, in request order.
fn apply(sim: &Sim, req: Request, op: Op) -> Vec<Value> {
    let now = sim.now();
    let mut db = sim.db.write().unwrap();
    if req.all_or_none {
        db.begin();
    }
    let mut outcomes: Vec<(Option<String>, Result<(), SfError>)> = Vec::new();
    let mut changes: Vec<Change> = Vec::new();
    for r in &req.records {
        let result = one(&mut db, r, &op, now);
        match result {
            Ok((id, c)) => {
                changes.extend(c);
                outcomes.push((Some(id), Ok(())));
            }
            Err((id, e)) => outcomes.push((id, Err(e))),
        }
    }
    let failed = outcomes.iter().any(|(_, r)| r.is_err());
    if req.all_or_none && failed {
        db.rollback();
        changes.clear();
    } else {
        db.commit();
    }
    drop(db);
    sim.notify(changes);
    outcomes
        .into_iter()
        .map(|(id, r)| {
            let rolled_back = req.all_or_none && failed;
            let mut m = Map::new();
            match (&op, &id) {
                (Op::Create, Some(id)) if !rolled_back => {
                    m.insert("id".into(), json!(id));
                }
                (Op::Update, Some(id)) => {
                    m.insert("id".into(), json!(id));
                }
                _ => {}
            }
            let errors = match r {
                Ok(()) if rolled_back => vec![SfError::new(
                    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    "Record rolled back because not all records were valid and the request was using AllOrNone header",
                )],
                Ok(()) => vec![],
                Err(e) => vec![e],
            };
            m.insert("success".into(), json!(errors.is_empty()));
            m.insert(
                "errors".into(),
                Value::Array(errors.iter().map(SfError::record_json).collect()),
            );
            Value::Object(m)
        })
        .collect()
}

type Outcome = Result<(String, Vec<Change>), (Option<String>, SfError)>;

fn one(
    db: &mut Db,
    r: &Map<String, Value>,
    op: &Op,
    now: chrono::DateTime<chrono::Utc>,
) -> Outcome {
    let id = id_of(r);
    let def = type_of(r).map_err(|e| (id.clone(), e))?;
    match op {
        Op::Create => {
            if id.is_some() {
                return Err((
                    None,
                    SfError::new("INVALID_FIELD", "cannot specify Id in an insert call").on("Id"),
                ));
            }
            db.create(def, r, now).map_err(|e| (None, e))
        }
        Op::Update => {
            let Some(id) = id else {
                return Err((
                    None,
                    SfError::new("MISSING_ARGUMENT", "Id not specified in an update call").on("Id"),
                ));
            };
            let changes = db
                .update(def, &id, r, now)
                .map_err(|e| (Some(id.clone()), e))?;
            let canonical = changes.first().map_or(id, |c| c.id.clone());
            Ok((canonical, changes))
        }
    }
}

pub async fn create(State(sim): State<Arc<Sim>>, bytes: Bytes) -> Response {
    match parse(&bytes) {
        Ok(req) => Json(apply(&sim, req, Op::Create)).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn update(State(sim): State<Arc<Sim>>, bytes: Bytes) -> Response {
    match parse(&bytes) {
        Ok(req) => Json(apply(&sim, req, Op::Update)).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct DeleteParams {
    ids: Option<String>,
    #[serde(rename = "allOrNone")]
    all_or_none: Option<bool>,
}

pub async fn delete(State(sim): State<Arc<Sim>>, Query(p): Query<DeleteParams>) -> Response {
    let ids: Vec<String> = p
        .ids
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if ids.len() > MAX_RECORDS {
        return too_many().into_response();
    }
    let all_or_none = p.all_or_none.unwrap_or(false);
    let now = sim.now();
    let mut db = sim.db.write().unwrap();
    if all_or_none {
        db.begin();
    }
    let mut outcomes = Vec::new();
    let mut changes = Vec::new();
    for id in &ids {
        let result = match super::schema::object_of_id(id) {
            Some(def) => db.delete(def, id, now),
            None => Err(SfError::new("MALFORMED_ID", format!("malformed id {id}")).on("Id")),
        };
        match result {
            Ok(c) => {
                changes.extend(c);
                outcomes.push((id.clone(), None));
            }
            Err(e) => outcomes.push((id.clone(), Some(e))),
        }
    }
    let failed = outcomes.iter().any(|(_, e)| e.is_some());
    if all_or_none && failed {
        db.rollback();
        changes.clear();
    } else {
        db.commit();
    }
    drop(db);
    sim.notify(changes);
    let body: Vec<Value> = outcomes
        .into_iter()
        .map(|(id, e)| {
            let errors = match e {
                Some(e) => vec![e.record_json()],
                None if all_or_none && failed => vec![SfError::new(
                    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    "Record rolled back because not all records were valid and the request was using AllOrNone header",
                )
                .record_json()],
                None => vec![],
            };
            json!({"id": id, "success": errors.is_empty(), "errors": errors})
        })
        .collect();
    Json(body).into_response()
}

#[derive(Deserialize)]
pub struct RetrieveParams {
    ids: Option<String>,
    fields: Option<String>,
}

/// `GET /composite/sobjects/{O}?ids=&fields=`: the records in the order
/// asked, `null` for an id that matches none.
pub async fn retrieve(
    State(sim): State<Arc<Sim>>,
    version: super::versions::ApiVersion,
    axum::extract::Path((_, object)): axum::extract::Path<(String, String)>,
    Query(p): Query<RetrieveParams>,
) -> Response {
    let Some(def) = object_def(&object) else {
        return ApiError::unknown_object(&object).into_response();
    };
    let Some(fields) = p.fields.filter(|f| !f.trim().is_empty()) else {
        return ApiError::bad_request("MISSING_ARGUMENT", "fields parameter is required")
            .into_response();
    };
    let ids: Vec<&str> = p
        .ids
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.len() > 2000 {
        return too_many().into_response();
    }
    let db = sim.db.read().unwrap();
    let mut out = Vec::new();
    for id in ids {
        let rec = super::ids::normalise(id)
            .and_then(|n| db.table(def.name).get(&n))
            .filter(|r| !r.is_deleted());
        match rec {
            Some(r) => {
                match super::sobjects::record_json(def, r, Some(&fields), &version.label()) {
                    Ok(v) => out.push(v),
                    Err(e) => return e.into_response(),
                }
            }
            None => out.push(Value::Null),
        }
    }
    Json(out).into_response()
}
