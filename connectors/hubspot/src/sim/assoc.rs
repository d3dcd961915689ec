//! Associations v4: list one record's associations, batch read (≤ 1000
//! inputs), create default or labelled associations, remove them, labels.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Sim;
use super::errors::{ApiError, ApiResult};
use super::objects::{Params, object_type};
use super::record::{Assoc, Record};
use super::schema::{ObjectType, default_association_type};
use super::webhooks::Source;
use super::wire::iso;

pub const MAX_BATCH_READ: usize = 1000;

fn label(type_id: u16) -> Value {
    match type_id {
        1 | 2 | 5 | 6 => json!("Primary"),
        _ => Value::Null,
    }
}

fn category(_type_id: u16) -> &'static str {
    "HUBSPOT_DEFINED"
}

/// `[{toObjectId, associationTypes: [...]}]`, one entry per associated record.
fn grouped(rec: &Record, to: ObjectType) -> Vec<(u64, Vec<Value>)> {
    let mut out: Vec<(u64, Vec<Value>)> = Vec::new();
    for a in rec.assoc.iter().filter(|a: &&Assoc| a.to_type == to) {
        let ty = json!({"category": category(a.type_id), "typeId": a.type_id, "label": label(a.type_id)});
        match out.iter_mut().find(|(id, _)| *id == a.to) {
            Some((_, types)) => types.push(ty),
            None => out.push((a.to, vec![ty])),
        }
    }
    out.sort_by_key(|(id, _)| *id);
    out
}

fn to_json(id: u64, types: Vec<Value>) -> Value {
    json!({"toObjectId": id, "associationTypes": types})
}

/// `GET /crm/v4/objects/{from}/{id}/associations/{to}?limit&after` (limit ≤ 500).
pub async fn list(
    State(sim): State<Arc<Sim>>,
    Path((from, id, to)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let (from, to) = (object_type(&from)?, object_type(&to)?);
    let p = Params::parse(q);
    let limit = p.limit(500, 500)?;
    let after = p.after()?;
    let db = sim.db.read().unwrap();
    let rec = id
        .parse::<u64>()
        .ok()
        .and_then(|n| db.table(from).live(n))
        .ok_or_else(|| ApiError::not_found(format!("{} {id} was not found", from.upper())))?;
    let all = grouped(rec, to);
    let start = all.partition_point(|(i, _)| *i < after);
    let page: Vec<Value> = all[start..]
        .iter()
        .take(limit)
        .map(|(i, t)| to_json(*i, t.clone()))
        .collect();
    let mut body = json!({"results": page});
    if let Some((next, _)) = all.get(start + limit) {
        body["paging"] = json!({"next": {"after": next.to_string(), "link": null}});
    }
    Ok(Json(body).into_response())
}

/// `POST /crm/v4/associations/{from}/{to}/batch/read`.
pub async fn batch_read(
    State(sim): State<Arc<Sim>>,
    Path((from, to)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let (from, to) = (object_type(&from)?, object_type(&to)?);
    let started = sim.now();
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("inputs is required"))?;
    if inputs.len() > MAX_BATCH_READ {
        return Err(ApiError::batch_too_large(MAX_BATCH_READ, inputs.len()));
    }
    let db = sim.db.read().unwrap();
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        let id = match input.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => String::new(),
        };
        let found = id.parse::<u64>().ok().and_then(|n| db.table(from).live(n));
        let groups = found.map(|r| grouped(r, to)).unwrap_or_default();
        if groups.is_empty() {
            // HubSpot reports records without associations as errors (207)
            errors.push(json!({
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "message": format!("No {} is associated with {} {id}.", to.singular(), from.singular()),
                "context": {"fromObjectId": [id]},
                "errors": [],
                "links": {},
            }));
            continue;
        }
        let to_list: Vec<Value> = groups.into_iter().map(|(i, t)| to_json(i, t)).collect();
        results.push(json!({"from": {"id": id}, "to": to_list}));
    }
    let mut out = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso(started),
        "completedAt": iso(super::wire::now_ms()),
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        out["numErrors"] = json!(errors.len());
        out["errors"] = Value::Array(errors);
        StatusCode::MULTI_STATUS
    };
    Ok((status, Json(out)).into_response())
}

fn parse_ids(id: &str, to_id: &str) -> ApiResult<(u64, u64)> {
    let p = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| ApiError::bad_request(format!("{s} is not a valid object id")))
    };
    Ok((p(id)?, p(to_id)?))
}

/// `PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{to_id}`.
pub async fn put_default(
    State(sim): State<Arc<Sim>>,
    Path((from, id, to, to_id)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (from, to) = (object_type(&from)?, object_type(&to)?);
    let (id, to_id) = parse_ids(&id, &to_id)?;
    let now = sim.now();
    let mut changes = Vec::new();
    let type_id = sim
        .db
        .write()
        .unwrap()
        .associate((from, id), (to, to_id), None, now, &mut changes)
        .map_err(ApiError::bad_request)?;
    sim.emit(changes, &Source::from_headers(&headers));
    let spec = |fid: u64, tid: u64, ty: u16| {
        json!({"from": {"id": fid.to_string()}, "to": {"id": tid.to_string()},
               "associationSpec": {"associationCategory": category(ty), "associationTypeId": ty}})
    };
    let back = default_association_type(to, from).unwrap_or(0);
    Ok(Json(json!({
        "status": "COMPLETE",
        "results": [spec(id, to_id, type_id), spec(to_id, id, back)],
        "startedAt": iso(now),
        "completedAt": iso(super::wire::now_ms()),
    }))
    .into_response())
}

/// `PUT /crm/v4/objects/{from}/{id}/associations/{to}/{to_id}` with a body of
/// `[{associationCategory, associationTypeId}]`.
pub async fn put_labelled(
    State(sim): State<Arc<Sim>>,
    Path((from, id, to, to_id)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let (from, to) = (object_type(&from)?, object_type(&to)?);
    let (id, to_id) = parse_ids(&id, &to_id)?;
    let now = sim.now();
    let mut changes = Vec::new();
    let specs = body.as_array().cloned().unwrap_or_default();
    if specs.is_empty() {
        return Err(ApiError::bad_request(
            "at least one association type is required",
        ));
    }
    let mut labels = Vec::new();
    {
        let mut db = sim.db.write().unwrap();
        for s in &specs {
            let ty = s
                .get("associationTypeId")
                .and_then(Value::as_u64)
                .map(|n| n as u16);
            let ty = db
                .associate((from, id), (to, to_id), ty, now, &mut changes)
                .map_err(ApiError::bad_request)?;
            labels.push(label(ty));
        }
    }
    sim.emit(changes, &Source::from_headers(&headers));
    Ok((
        StatusCode::CREATED,
        Json(json!({"fromObjectTypeId": from.name(), "fromObjectId": id, "toObjectTypeId": to.name(), "toObjectId": to_id, "labels": labels})),
    )
        .into_response())
}

/// `DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{to_id}` → 204.
pub async fn remove(
    State(sim): State<Arc<Sim>>,
    Path((from, id, to, to_id)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (from, to) = (object_type(&from)?, object_type(&to)?);
    let (id, to_id) = parse_ids(&id, &to_id)?;
    let now = sim.now();
    let mut changes = Vec::new();
    sim.db
        .write()
        .unwrap()
        .dissociate((from, id), (to, to_id), now, &mut changes);
    sim.emit(changes, &Source::from_headers(&headers));
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /crm/v4/associations/{from}/{to}/labels`.
pub async fn labels(Path((from, to)): Path<(String, String)>) -> ApiResult<Response> {
    let (from, to) = (object_type(&from)?, object_type(&to)?);
    let mut results = Vec::new();
    if let Some(ty) = default_association_type(from, to) {
        results.push(json!({"category": "HUBSPOT_DEFINED", "typeId": ty, "label": null}));
    }
    let primary = match (from, to) {
        (ObjectType::Deals, ObjectType::Companies) => Some(5),
        (ObjectType::Contacts, ObjectType::Companies) => Some(1),
        _ => None,
    };
    if let Some(ty) = primary {
        results.push(json!({"category": "HUBSPOT_DEFINED", "typeId": ty, "label": "Primary"}));
    }
    Ok(Json(json!({"results": results})).into_response())
}
