//! CRM v3 object endpoints: list, read, create, update, archive.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::Sim;
use super::errors::{ApiError, ApiResult};
use super::record::Record;
use super::schema::{ObjectType, valid_association_type};
use super::store::{Change, Db};
use super::webhooks::Source;
use super::wire::{Selection, json_response, object, resolve, write_object, write_str};

/// Query parameters, keeping repeated keys (`properties=a&properties=b`).
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<String>) -> Params {
        let raw = raw.unwrap_or_default();
        Params(
            url::form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn one(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn flag(&self, key: &str) -> bool {
        self.one(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    pub fn selection(&self) -> Selection {
        Selection::from_params(self.all("properties"))
    }

    /// `associations=companies,contacts` (repeated or comma-joined); unknown
    /// types are ignored as HubSpot does.
    pub fn associations(&self) -> Vec<ObjectType> {
        let mut v: Vec<ObjectType> = self
            .all("associations")
            .flat_map(|s| s.split(','))
            .filter_map(|s| ObjectType::parse(s.trim()))
            .collect();
        v.dedup();
        v
    }

    /// `limit` within `1..=max`, `default` when absent; 400 otherwise.
    pub fn limit(&self, default: usize, max: usize) -> ApiResult<usize> {
        match self.one("limit") {
            None => Ok(default),
            Some(s) => match s.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::bad_request(format!(
                    "limit must be a number between 1 and {max}, but was {s}"
                ))),
            },
        }
    }

    pub fn after(&self) -> ApiResult<u64> {
        match self.one("after") {
            None | Some("") => Ok(0),
            Some(s) => s
                .parse()
                .map_err(|_| ApiError::bad_request(format!("Invalid after value: {s}"))),
        }
    }
}

pub fn object_type(s: &str) -> ApiResult<ObjectType> {
    ObjectType::parse(s).ok_or_else(|| ApiError::unknown_type(s))
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// `GET /crm/v3/objects/{type}`: records in id order, `after` = next id.
pub async fn list(
    State(sim): State<Arc<Sim>>,
    Path(t): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let p = Params::parse(q);
    let limit = p.limit(10, 100)?;
    let after = p.after()?;
    let archived = p.flag("archived");
    let sel = p.selection();
    let assoc = p.associations();
    let db = sim.db.read().unwrap();
    let table = db.table(t);
    let schema = db.schema(t);
    let fields = resolve(t, schema, &sel);
    let mut out = Vec::with_capacity(limit * 1024);
    out.extend_from_slice(b"{\"results\":[");
    let mut next = None;
    for (n, r) in table.records[table.lower_bound(after)..]
        .iter()
        .filter(|r| r.archived() == archived)
        .enumerate()
    {
        if n == limit {
            next = Some(r.id);
            break;
        }
        if n > 0 {
            out.push(b',');
        }
        write_object(&mut out, t, r, schema, &fields, &assoc);
    }
    drop(db);
    out.push(b']');
    if let Some(n) = next {
        let link = format!(
            "{}/crm/v3/objects/{}?after={n}",
            base_url(&headers),
            t.name()
        );
        out.extend_from_slice(b",\"paging\":{\"next\":{\"after\":\"");
        out.extend_from_slice(n.to_string().as_bytes());
        out.extend_from_slice(b"\",\"link\":");
        write_str(&mut out, &link);
        out.extend_from_slice(b"}}");
    }
    out.push(b'}');
    Ok(json_response(StatusCode::OK, out))
}

/// Resolves `{id}` (or `idProperty`) to a record.
pub fn lookup<'a>(
    db: &'a Db,
    t: ObjectType,
    id: &str,
    id_property: Option<&str>,
    archived: bool,
) -> ApiResult<&'a Record> {
    let found = match id_property {
        Some(prop) if prop != "hs_object_id" => db
            .find_by(t, prop, id)
            .map_err(ApiError::bad_request)?
            .and_then(|n| db.table(t).get(n)),
        _ => id.parse::<u64>().ok().and_then(|n| db.table(t).get(n)),
    };
    found
        .filter(|r| r.archived() == archived)
        .ok_or_else(|| ApiError::not_found("resource not found"))
}

/// `GET /crm/v3/objects/{type}/{id}`.
pub async fn read(
    State(sim): State<Arc<Sim>>,
    Path((t, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let p = Params::parse(q);
    let db = sim.db.read().unwrap();
    let r = lookup(&db, t, &id, p.one("idProperty"), p.flag("archived"))?;
    Ok(Json(object(
        t,
        r,
        db.schema(t),
        &p.selection(),
        &p.associations(),
    ))
    .into_response())
}

/// The `associations` of a create input: `[{to: {id}, types: [{associationCategory, associationTypeId}]}]`.
/// HubSpot infers the target type from the association type id.
pub fn parse_create_associations(
    from: ObjectType,
    v: Option<&Value>,
) -> ApiResult<Vec<(ObjectType, u64, u16)>> {
    let mut out = Vec::new();
    for a in v.and_then(Value::as_array).into_iter().flatten() {
        let to_id = a
            .pointer("/to/id")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_u64().map(|n| n.to_string()))
            })
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| ApiError::bad_request("associations[].to.id is required"))?;
        for ty in a
            .get("types")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let type_id = ty
                .get("associationTypeId")
                .and_then(Value::as_u64)
                .ok_or_else(|| ApiError::bad_request("associationTypeId is required"))?
                as u16;
            let to = ObjectType::ALL
                .into_iter()
                .find(|to| valid_association_type(from, *to, type_id))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "{type_id} is not a valid association type id for {}",
                        from.singular()
                    ))
                })?;
            out.push((to, to_id, type_id));
        }
    }
    Ok(out)
}

fn properties_of(body: &Value) -> ApiResult<&Map<String, Value>> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match body.get("properties") {
        None | Some(Value::Null) => Ok(EMPTY.get_or_init(Map::new)),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(ApiError::bad_request("properties must be an object")),
    }
}

/// Creates one record with its associations; shared with batch create.
pub fn create_one(
    db: &mut Db,
    t: ObjectType,
    input: &Value,
    now: i64,
    changes: &mut Vec<Change>,
) -> ApiResult<u64> {
    let props = properties_of(input)?;
    let assocs = parse_create_associations(t, input.get("associations"))?;
    for (to, id, _) in &assocs {
        if db.table(*to).live(*id).is_none() {
            return Err(ApiError::bad_request(format!(
                "{} {id} does not exist",
                to.upper()
            )));
        }
    }
    let w = db
        .validate(t, props, None)
        .map_err(ApiError::invalid_properties)?;
    let id = db.create(t, w, now, changes);
    for (to, to_id, type_id) in assocs {
        db.associate((t, id), (to, to_id), Some(type_id), now, changes)
            .map_err(ApiError::bad_request)?;
    }
    Ok(id)
}

fn written(input: &Value) -> Selection {
    let names = input
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    Selection::Names(names)
}

/// `POST /crm/v3/objects/{type}` → 201.
pub async fn create(
    State(sim): State<Arc<Sim>>,
    Path(t): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let now = sim.now();
    let mut changes = Vec::new();
    let out = {
        let mut db = sim.db.write().unwrap();
        let id = create_one(&mut db, t, &body, now, &mut changes)?;
        let r = db.table(t).get(id).expect("just created");
        object(t, r, db.schema(t), &written(&body), &[])
    };
    sim.emit(changes, &Source::from_headers(&headers));
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `PATCH /crm/v3/objects/{type}/{id}` → 200.
pub async fn update(
    State(sim): State<Arc<Sim>>,
    Path((t, id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let p = Params::parse(q);
    let now = sim.now();
    let mut changes = Vec::new();
    let out = {
        let mut db = sim.db.write().unwrap();
        let rec = lookup(&db, t, &id, p.one("idProperty"), false)?;
        let rid = rec.id;
        let w = db
            .validate(t, properties_of(&body)?, Some(rec))
            .map_err(ApiError::invalid_properties)?;
        db.update(t, rid, w, now, &mut changes);
        let r = db.table(t).get(rid).expect("exists");
        object(t, r, db.schema(t), &written(&body), &[])
    };
    sim.emit(changes, &Source::from_headers(&headers));
    Ok(Json(out).into_response())
}

/// `DELETE /crm/v3/objects/{type}/{id}` → 204 (archives).
pub async fn archive(
    State(sim): State<Arc<Sim>>,
    Path((t, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let now = sim.now();
    let mut changes = Vec::new();
    if let Ok(n) = id.parse::<u64>() {
        sim.db.write().unwrap().archive(t, n, now, &mut changes);
    }
    sim.emit(changes, &Source::from_headers(&headers));
    Ok(StatusCode::NO_CONTENT.into_response())
}
