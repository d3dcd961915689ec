//! Deal pipelines and the properties API.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Sim;
use super::errors::{ApiError, ApiResult};
use super::objects::object_type;
use super::schema::{ObjectType, PropDef};
use super::store::Pipeline;

const CREATED: &str = "2024-01-01T00:00:00.000Z";

fn pipeline_json(p: &Pipeline, order: usize) -> Value {
    json!({
        "id": p.id,
        "label": p.label,
        "displayOrder": order,
        "archived": false,
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "stages": stages_json(p),
    })
}

fn stages_json(p: &Pipeline) -> Vec<Value> {
    p.stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "id": s.id,
                "label": s.label,
                "displayOrder": i,
                // HubSpot sends both metadata values as strings
                "metadata": {"probability": s.probability, "isClosed": s.closed.to_string()},
                "archived": false,
                "createdAt": CREATED,
                "updatedAt": CREATED,
                "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
            })
        })
        .collect()
}

fn deals_only(t: &str) -> ApiResult<()> {
    match object_type(t)? {
        ObjectType::Deals => Ok(()),
        _ => Err(ApiError::not_found(format!(
            "No pipelines for object type {t}"
        ))),
    }
}

pub async fn pipelines(State(sim): State<Arc<Sim>>, Path(t): Path<String>) -> ApiResult<Response> {
    deals_only(&t)?;
    let db = sim.db.read().unwrap();
    let results: Vec<Value> = db
        .pipelines
        .iter()
        .enumerate()
        .map(|(i, p)| pipeline_json(p, i))
        .collect();
    Ok(Json(json!({"results": results})).into_response())
}

fn find<'a>(
    sim: &'a Sim,
    t: &str,
    id: &str,
) -> ApiResult<(usize, std::sync::RwLockReadGuard<'a, super::Db>)> {
    deals_only(t)?;
    let db = sim.db.read().unwrap();
    let i = db
        .pipelines
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find pipeline {id}")))?;
    Ok((i, db))
}

pub async fn pipeline(
    State(sim): State<Arc<Sim>>,
    Path((t, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (i, db) = find(&sim, &t, &id)?;
    Ok(Json(pipeline_json(&db.pipelines[i], i)).into_response())
}

pub async fn stages(
    State(sim): State<Arc<Sim>>,
    Path((t, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (i, db) = find(&sim, &t, &id)?;
    Ok(Json(json!({"results": stages_json(&db.pipelines[i])})).into_response())
}

fn property_json(t: ObjectType, d: &PropDef) -> Value {
    let options: Vec<Value> = d
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| json!({"label": o, "value": o, "displayOrder": i, "hidden": false}))
        .collect();
    json!({
        "name": d.name,
        "label": d.label,
        "type": d.ty.wire(),
        "fieldType": d.field_type,
        "groupName": d.group,
        "options": options,
        "hasUniqueValue": d.unique,
        "calculated": d.computed.is_some(),
        "hidden": false,
        "formField": !d.read_only,
        "hubspotDefined": !d.custom,
        "modificationMetadata": {"readOnlyValue": d.read_only, "readOnlyDefinition": !d.custom, "archivable": d.custom},
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "archived": false,
        "description": "",
        "displayOrder": -1,
        "objectType": t.singular(),
    })
}

pub async fn properties(State(sim): State<Arc<Sim>>, Path(t): Path<String>) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let db = sim.db.read().unwrap();
    let results: Vec<Value> = db
        .schema(t)
        .defs
        .iter()
        .map(|d| property_json(t, d))
        .collect();
    Ok(Json(json!({"results": results})).into_response())
}

pub async fn property(
    State(sim): State<Arc<Sim>>,
    Path((t, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let db = sim.db.read().unwrap();
    let d = db
        .schema(t)
        .get(&name)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find property {name}")))?;
    Ok(Json(property_json(t, d)).into_response())
}

/// `POST /crm/v3/properties/{object}` → 201; 409 when it already exists.
pub async fn create_property(
    State(sim): State<Arc<Sim>>,
    Path(t): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let map = body.as_object().cloned().unwrap_or_default();
    let mut db = sim.db.write().unwrap();
    match db.define_property(t, &map) {
        Ok(id) => {
            let d = db.schema(t).def(id);
            Ok((StatusCode::CREATED, Json(property_json(t, d))).into_response())
        }
        Err((status, msg, category)) => Err(ApiError::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            category,
            msg,
        )),
    }
}
