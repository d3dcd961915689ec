//! `POST /crm/v3/objects/{type}/batch/{read|create|update|upsert|archive}`:
//! at most 100 inputs; partial failures answer 207 with `errors`/`numErrors`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::Sim;
use super::errors::{ApiError, ApiResult};
use super::objects::{create_one, object_type};
use super::schema::ObjectType;
use super::webhooks::Source;
use super::wire::{Selection, iso, json_response, object, resolve, write_object, write_str};

pub const MAX_INPUTS: usize = 100;

fn inputs(body: &Value) -> ApiResult<&Vec<Value>> {
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("inputs is required"))?;
    if inputs.len() > MAX_INPUTS {
        return Err(ApiError::batch_too_large(MAX_INPUTS, inputs.len()));
    }
    Ok(inputs)
}

fn input_id(v: &Value) -> Option<String> {
    match v.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// `BatchResponse...` (200/201) or `BatchResponse...WithErrors` (207).
fn respond(ok: StatusCode, results: Vec<Value>, errors: Vec<Value>, started: i64) -> Response {
    let mut body = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso(started),
        "completedAt": iso(super::wire::now_ms()),
    });
    let status = if errors.is_empty() {
        ok
    } else {
        body["numErrors"] = json!(errors.len());
        body["errors"] = Value::Array(errors);
        StatusCode::MULTI_STATUS
    };
    (status, Json(body)).into_response()
}

fn not_found_error(t: ObjectType, ids: &[String], verb: &str) -> Value {
    json!({
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": format!("Could not {verb} some {} objects, they may be deleted or not exist. Check that ids are valid.", t.upper()),
        "context": {"ids": ids},
        "errors": [],
        "links": {},
    })
}

fn validation_error(e: ApiError, trace: Option<&str>) -> Value {
    let mut v = e.body;
    if let Some(m) = v.as_object_mut() {
        m.remove("correlationId");
        if let Some(t) = trace {
            m.insert("context".into(), json!({"objectWriteTraceId": [t]}));
        }
    }
    v
}

pub async fn read(
    State(sim): State<Arc<Sim>>,
    Path(t): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let started = sim.now();
    let inputs = inputs(&body)?;
    let names: Vec<&str> = body
        .get("properties")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let sel = Selection::from_params(names);
    let id_prop = body.get("idProperty").and_then(Value::as_str);
    let archived = body
        .get("archived")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let db = sim.db.read().unwrap();
    let schema = db.schema(t);
    let fields = resolve(t, schema, &sel);
    let mut out = Vec::with_capacity(inputs.len() * 768);
    out.extend_from_slice(b"{\"completedAt\":\"\",\"results\":[");
    let mut n = 0;
    let mut missing = Vec::new();
    for input in inputs {
        let id = input_id(input).unwrap_or_default();
        match super::objects::lookup(&db, t, &id, id_prop, archived) {
            Ok(r) => {
                if n > 0 {
                    out.push(b',');
                }
                write_object(&mut out, t, r, schema, &fields, &[]);
                n += 1;
            }
            Err(_) => missing.push(id),
        }
    }
    drop(db);
    // the rest of the envelope, as `respond` would render it
    out.extend_from_slice(b"],\"startedAt\":");
    write_str(&mut out, &iso(started));
    out.extend_from_slice(b",\"status\":\"COMPLETE\"");
    let status = if missing.is_empty() {
        StatusCode::OK
    } else {
        let errors = vec![not_found_error(t, &missing, "get")];
        out.extend_from_slice(b",\"errors\":");
        serde_json::to_writer(&mut out, &errors).expect("to a Vec");
        out.extend_from_slice(b",\"numErrors\":");
        out.extend_from_slice(errors.len().to_string().as_bytes());
        StatusCode::MULTI_STATUS
    };
    out.push(b'}');
    // completedAt goes first (sorted keys) but is only known now
    let done = iso(super::wire::now_ms());
    let head = b"{\"completedAt\":\"".len();
    out.splice(head..head, done.bytes());
    Ok(json_response(status, out))
}

pub async fn create(
    State(sim): State<Arc<Sim>>,
    Path(t): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let now = sim.now();
    let inputs = inputs(&body)?;
    // multi-status needs a unique objectWriteTraceId per input; without them a
    // single invalid input fails the whole batch, as in HubSpot
    let traces: Vec<Option<&str>> = inputs
        .iter()
        .map(|i| i.get("objectWriteTraceId").and_then(Value::as_str))
        .collect();
    let multi = traces.iter().all(Option::is_some) && {
        let mut t: Vec<_> = traces.iter().flatten().collect();
        t.sort();
        t.windows(2).all(|w| w[0] != w[1])
    };
    let mut changes = Vec::new();
    let (results, errors) = {
        let mut db = sim.db.write().unwrap();
        if !multi {
            // validate all first so nothing is written when one fails
            for input in inputs {
                let props = input
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                db.validate(t, &props, None)
                    .map_err(ApiError::invalid_properties)?;
                super::objects::parse_create_associations(t, input.get("associations"))?;
            }
        }
        let mut results = Vec::new();
        let mut errors = Vec::new();
        for (input, trace) in inputs.iter().zip(&traces) {
            match create_one(&mut db, t, input, now, &mut changes) {
                Ok(id) => {
                    let r = db.table(t).get(id).expect("just created");
                    let names = input
                        .get("properties")
                        .and_then(Value::as_object)
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default();
                    let mut o = object(t, r, db.schema(t), &Selection::Names(names), &[]);
                    if let Some(tr) = trace {
                        o["objectWriteTraceId"] = json!(tr);
                    }
                    results.push(o);
                }
                Err(e) if multi => errors.push(validation_error(e, *trace)),
                Err(e) => return Err(e),
            }
        }
        (results, errors)
    };
    sim.emit(changes, &Source::from_headers(&headers));
    Ok(respond(StatusCode::CREATED, results, errors, now))
}

pub async fn update(
    State(sim): State<Arc<Sim>>,
    Path(t): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    // one timestamp for the whole batch: every record edited by it shares
    // the same hs_lastmodifieddate, as in HubSpot
    let now = sim.now();
    let inputs = inputs(&body)?;
    let mut changes = Vec::new();
    let (results, missing) = {
        let mut db = sim.db.write().unwrap();
        let mut plan = Vec::new();
        let mut missing = Vec::new();
        for input in inputs {
            let id = input_id(input).unwrap_or_default();
            let id_prop = input.get("idProperty").and_then(Value::as_str);
            let Ok(rec) = super::objects::lookup(&db, t, &id, id_prop, false) else {
                missing.push(id);
                continue;
            };
            let empty = Map::new();
            let props = input
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let w = db
                .validate(t, props, Some(rec))
                .map_err(ApiError::invalid_properties)?;
            let names: Vec<String> = props.keys().cloned().collect();
            plan.push((rec.id, w, names));
        }
        let mut results = Vec::new();
        for (id, w, names) in plan {
            db.update(t, id, w, now, &mut changes);
            let r = db.table(t).get(id).expect("exists");
            results.push(object(t, r, db.schema(t), &Selection::Names(names), &[]));
        }
        (results, missing)
    };
    sim.emit(changes, &Source::from_headers(&headers));
    let errors = if missing.is_empty() {
        vec![]
    } else {
        vec![not_found_error(t, &missing, "update")]
    };
    Ok(respond(StatusCode::OK, results, errors, now))
}

pub async fn upsert(
    State(sim): State<Arc<Sim>>,
    Path(t): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let now = sim.now();
    let inputs = inputs(&body)?;
    let mut changes = Vec::new();
    let results = {
        let mut db = sim.db.write().unwrap();
        let mut results = Vec::new();
        for input in inputs {
            let id = input_id(input)
                .ok_or_else(|| ApiError::bad_request("id is required for upsert"))?;
            let id_prop = input
                .get("idProperty")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::bad_request("idProperty is required for upsert"))?;
            let empty = Map::new();
            let props = input
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let existing = db.find_by(t, id_prop, &id).map_err(ApiError::bad_request)?;
            let (rid, new) = match existing {
                Some(rid) => {
                    let rec = db.table(t).get(rid).expect("found");
                    let w = db
                        .validate(t, props, Some(rec))
                        .map_err(ApiError::invalid_properties)?;
                    db.update(t, rid, w, now, &mut changes);
                    (rid, false)
                }
                None => {
                    let mut props = props.clone();
                    if id_prop != "hs_object_id" {
                        props.insert(id_prop.to_string(), Value::String(id.clone()));
                    }
                    let w = db
                        .validate(t, &props, None)
                        .map_err(ApiError::invalid_properties)?;
                    (db.create(t, w, now, &mut changes), true)
                }
            };
            let names = props.keys().cloned().collect();
            let mut o = object(
                t,
                db.table(t).get(rid).expect("exists"),
                db.schema(t),
                &Selection::Names(names),
                &[],
            );
            o["new"] = json!(new);
            results.push(o);
        }
        results
    };
    sim.emit(changes, &Source::from_headers(&headers));
    Ok(respond(StatusCode::OK, results, vec![], now))
}

pub async fn archive(
    State(sim): State<Arc<Sim>>,
    Path(t): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let now = sim.now();
    let inputs = inputs(&body)?;
    let mut changes = Vec::new();
    {
        let mut db = sim.db.write().unwrap();
        for input in inputs {
            if let Some(id) = input_id(input).and_then(|s| s.parse::<u64>().ok()) {
                db.archive(t, id, now, &mut changes);
            }
        }
    }
    sim.emit(changes, &Source::from_headers(&headers));
    Ok(StatusCode::NO_CONTENT.into_response())
}
