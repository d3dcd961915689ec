//! `POST /crm/v3/objects/{type}/search`: filterGroups (OR of ANDs), one sort,
//! `after` as an offset, `total`, and HubSpot's limits — 5 groups, 10 filters
//! per group, 25 filters in all, `limit` ≤ 200, no result past the 10,000th.
//!
//! A filter range on the lastmodified date (the incremental-pull query) walks
//! the `(lastmodified, id)` index instead of the whole table.

use std::cmp::Ordering;
use std::ops::Bound;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::Sim;
use super::errors::{ApiError, ApiResult};
use super::objects::object_type;
use super::record::Record;
use super::schema::{Computed, ObjectType, PropType, Schema};
use super::wire::{Selection, json_response, parse_datetime, resolve, write_object};

pub const MAX_GROUPS: usize = 5;
pub const MAX_FILTERS_PER_GROUP: usize = 10;
pub const MAX_FILTERS: usize = 25;
pub const MAX_LIMIT: usize = 200;
pub const MAX_RESULTS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    Has,
    NotHas,
    Contains,
    NotContains,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "EQ" => Op::Eq,
            "NEQ" => Op::Neq,
            "LT" => Op::Lt,
            "LTE" => Op::Lte,
            "GT" => Op::Gt,
            "GTE" => Op::Gte,
            "BETWEEN" => Op::Between,
            "IN" => Op::In,
            "NOT_IN" => Op::NotIn,
            "HAS_PROPERTY" => Op::Has,
            "NOT_HAS_PROPERTY" => Op::NotHas,
            "CONTAINS_TOKEN" => Op::Contains,
            "NOT_CONTAINS_TOKEN" => Op::NotContains,
            _ => return None,
        })
    }
}

/// Where a filtered or sorted value comes from.
#[derive(Debug, Clone, Copy)]
enum Field {
    Id,
    Created,
    Modified,
    Stored(u16, PropType),
    /// `associations.{type}`: ids of associated records.
    Assoc(ObjectType),
}

/// A comparable value: numbers (and dates as ms) or case-folded text.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Key {
    Num(f64),
    Text(String),
}

impl Field {
    fn resolve(schema: &Schema, name: &str) -> ApiResult<Field> {
        if let Some(t) = name.strip_prefix("associations.") {
            return ObjectType::parse(t)
                .map(Field::Assoc)
                .ok_or_else(|| ApiError::bad_request(format!("Unknown association type {t}")));
        }
        let id = schema.id(name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "There was a problem with the request. Property \"{name}\" does not exist"
            ))
        })?;
        let def = schema.def(id);
        Ok(match def.computed {
            Some(Computed::ObjectId) => Field::Id,
            Some(Computed::CreateDate) => Field::Created,
            Some(Computed::LastModified) => Field::Modified,
            None => Field::Stored(id, def.ty),
        })
    }

    fn numeric(self) -> bool {
        match self {
            Field::Id | Field::Created | Field::Modified => true,
            Field::Stored(_, ty) => {
                matches!(ty, PropType::Number | PropType::Date | PropType::DateTime)
            }
            Field::Assoc(_) => true,
        }
    }

    /// Parses a filter value for this field.
    fn key_of(self, s: &str) -> Option<Key> {
        if self.numeric() {
            let dated = matches!(
                self,
                Field::Created
                    | Field::Modified
                    | Field::Stored(_, PropType::Date | PropType::DateTime)
            );
            if dated {
                parse_datetime(s).map(|ms| Key::Num(ms as f64))
            } else {
                s.trim().parse::<f64>().ok().map(Key::Num)
            }
        } else {
            Some(Key::Text(s.to_lowercase()))
        }
    }

    fn get(self, r: &Record) -> Option<Key> {
        match self {
            Field::Id => Some(Key::Num(r.id as f64)),
            Field::Created => Some(Key::Num(r.created as f64)),
            Field::Modified => Some(Key::Num(r.updated as f64)),
            Field::Stored(id, _) => r.props.get(id).and_then(|v| self.key_of(v)),
            Field::Assoc(_) => None,
        }
    }
}

struct Filter {
    field: Field,
    op: Op,
    value: Option<Key>,
    high: Option<Key>,
    values: Vec<Key>,
    raw: String,
}

impl Filter {
    fn parse(schema: &Schema, v: &Value) -> ApiResult<Filter> {
        let name = v
            .get("propertyName")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::bad_request("propertyName is required"))?;
        let op_s = v.get("operator").and_then(Value::as_str).unwrap_or("EQ");
        let op = Op::parse(op_s)
            .ok_or_else(|| ApiError::bad_request(format!("Unknown operator {op_s}")))?;
        let field = Field::resolve(schema, name)?;
        let text = |k: &str| match v.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        };
        let bad =
            |what: &str| ApiError::bad_request(format!("{what} is not a valid value for {name}"));
        let parse = |s: Option<String>| -> ApiResult<Option<Key>> {
            match s {
                None => Ok(None),
                Some(s) => field.key_of(&s).map(Some).ok_or_else(|| bad(&s)),
            }
        };
        let raw = text("value").unwrap_or_default();
        let value = parse(text("value"))?;
        let high = parse(text("highValue"))?;
        let values = v
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|x| {
                let s = x
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string());
                field.key_of(&s).ok_or_else(|| bad(&s))
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let needs_value = matches!(
            op,
            Op::Eq
                | Op::Neq
                | Op::Lt
                | Op::Lte
                | Op::Gt
                | Op::Gte
                | Op::Between
                | Op::Contains
                | Op::NotContains
        );
        if needs_value && value.is_none() {
            return Err(ApiError::bad_request(format!(
                "value is required for operator {op_s}"
            )));
        }
        if op == Op::Between && high.is_none() {
            return Err(ApiError::bad_request(
                "highValue is required for operator BETWEEN",
            ));
        }
        Ok(Filter {
            field,
            op,
            value,
            high,
            values,
            raw,
        })
    }

    fn matches(&self, r: &Record) -> bool {
        if let Field::Assoc(t) = self.field {
            let ids: Vec<f64> = r
                .assoc
                .iter()
                .filter(|a| a.to_type == t)
                .map(|a| a.to as f64)
                .collect();
            let has = |k: &Key| matches!(k, Key::Num(n) if ids.contains(n));
            return match self.op {
                Op::Eq => self.value.as_ref().is_some_and(has),
                Op::In => self.values.iter().any(has),
                Op::Has => !ids.is_empty(),
                Op::NotHas => ids.is_empty(),
                Op::Neq => !self.value.as_ref().is_some_and(has),
                Op::NotIn => !self.values.iter().any(has),
                _ => false,
            };
        }
        let got = self.field.get(r);
        let cmp = |k: &Option<Key>| -> Option<Ordering> { got.as_ref()?.partial_cmp(k.as_ref()?) };
        match self.op {
            Op::Has => got.is_some(),
            Op::NotHas => got.is_none(),
            Op::Eq => cmp(&self.value) == Some(Ordering::Equal),
            Op::Neq => cmp(&self.value) != Some(Ordering::Equal),
            Op::Lt => cmp(&self.value) == Some(Ordering::Less),
            Op::Lte => matches!(cmp(&self.value), Some(Ordering::Less | Ordering::Equal)),
            Op::Gt => cmp(&self.value) == Some(Ordering::Greater),
            Op::Gte => matches!(cmp(&self.value), Some(Ordering::Greater | Ordering::Equal)),
            Op::Between => {
                matches!(cmp(&self.value), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(cmp(&self.high), Some(Ordering::Less | Ordering::Equal))
            }
            Op::In => got.as_ref().is_some_and(|g| self.values.contains(g)),
            Op::NotIn => !got.as_ref().is_some_and(|g| self.values.contains(g)),
            Op::Contains | Op::NotContains => {
                let token = self.raw.trim_matches('*').to_lowercase();
                let hit = match (&got, self.field) {
                    (Some(Key::Text(t)), _) => {
                        t.split(|c: char| !c.is_alphanumeric() && c != '@' && c != '.')
                            .any(|w| w.contains(&token))
                            || t.contains(&token)
                    }
                    (Some(_), Field::Stored(id, _)) => r
                        .props
                        .get(id)
                        .is_some_and(|v| v.to_lowercase().contains(&token)),
                    _ => false,
                };
                hit == (self.op == Op::Contains)
            }
        }
    }

    /// The lastmodified range this filter allows, for the index walk.
    fn modified_range(&self) -> Option<(Bound<i64>, Bound<i64>)> {
        if !matches!(self.field, Field::Modified) {
            return None;
        }
        let v = match &self.value {
            Some(Key::Num(n)) => *n as i64,
            _ => return None,
        };
        Some(match self.op {
            Op::Eq => (Bound::Included(v), Bound::Included(v)),
            Op::Gt => (Bound::Excluded(v), Bound::Unbounded),
            Op::Gte => (Bound::Included(v), Bound::Unbounded),
            Op::Lt => (Bound::Unbounded, Bound::Excluded(v)),
            Op::Lte => (Bound::Unbounded, Bound::Included(v)),
            Op::Between => match &self.high {
                Some(Key::Num(h)) => (Bound::Included(v), Bound::Included(*h as i64)),
                _ => return None,
            },
            _ => return None,
        })
    }
}

fn intersect(a: (Bound<i64>, Bound<i64>), b: (Bound<i64>, Bound<i64>)) -> (Bound<i64>, Bound<i64>) {
    let lo = match (a.0, b.0) {
        (Bound::Unbounded, x) | (x, Bound::Unbounded) => x,
        (Bound::Included(x), Bound::Included(y)) => Bound::Included(x.max(y)),
        (Bound::Excluded(x), Bound::Excluded(y)) => Bound::Excluded(x.max(y)),
        (Bound::Included(i), Bound::Excluded(e)) | (Bound::Excluded(e), Bound::Included(i)) => {
            if i > e {
                Bound::Included(i)
            } else {
                Bound::Excluded(e)
            }
        }
    };
    let hi = match (a.1, b.1) {
        (Bound::Unbounded, x) | (x, Bound::Unbounded) => x,
        (Bound::Included(x), Bound::Included(y)) => Bound::Included(x.min(y)),
        (Bound::Excluded(x), Bound::Excluded(y)) => Bound::Excluded(x.min(y)),
        (Bound::Included(i), Bound::Excluded(e)) | (Bound::Excluded(e), Bound::Included(i)) => {
            if i < e {
                Bound::Included(i)
            } else {
                Bound::Excluded(e)
            }
        }
    };
    (lo, hi)
}

/// A range over the `(lastmodified, id)` index.
type IndexRange = (Bound<(i64, u64)>, Bound<(i64, u64)>);

fn to_tuple_range(r: (Bound<i64>, Bound<i64>)) -> IndexRange {
    let lo = match r.0 {
        Bound::Included(v) => Bound::Included((v, 0)),
        Bound::Excluded(v) => Bound::Excluded((v, u64::MAX)),
        Bound::Unbounded => Bound::Unbounded,
    };
    let hi = match r.1 {
        Bound::Included(v) => Bound::Included((v, u64::MAX)),
        Bound::Excluded(v) => Bound::Excluded((v, 0)),
        Bound::Unbounded => Bound::Unbounded,
    };
    (lo, hi)
}

fn empty_range(r: &(Bound<i64>, Bound<i64>)) -> bool {
    match (r.0, r.1) {
        (Bound::Included(a), Bound::Included(b)) => a > b,
        (Bound::Included(a), Bound::Excluded(b)) | (Bound::Excluded(a), Bound::Included(b)) => {
            a >= b
        }
        (Bound::Excluded(a), Bound::Excluded(b)) => a + 1 >= b,
        _ => false,
    }
}

/// `sorts`: `[{propertyName, direction}]` or `["prop"]` / `["-prop"]`.
fn parse_sort(schema: &Schema, v: Option<&Value>) -> ApiResult<Option<(Field, bool)>> {
    let Some(list) = v.and_then(Value::as_array).filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    if list.len() > 1 {
        return Err(ApiError::bad_request(
            "Only one sort is supported per search request.",
        ));
    }
    let (name, desc) = match &list[0] {
        Value::String(s) => match s.strip_prefix('-') {
            Some(n) => (n.to_string(), true),
            None => (s.clone(), false),
        },
        o => (
            o.get("propertyName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            o.get("direction").and_then(Value::as_str) == Some("DESCENDING"),
        ),
    };
    Ok(Some((Field::resolve(schema, &name)?, desc)))
}

pub async fn search(
    State(sim): State<Arc<Sim>>,
    Path(t): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let t = object_type(&t)?;
    let db = sim.db.read().unwrap();
    let schema = db.schema(t);
    let table = db.table(t);

    let groups_v = body
        .get("filterGroups")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if groups_v.len() > MAX_GROUPS {
        return Err(ApiError::bad_request(format!(
            "Too many filter groups: {} were provided, but at most {MAX_GROUPS} are allowed.",
            groups_v.len()
        )));
    }
    let mut groups: Vec<Vec<Filter>> = Vec::new();
    let mut total_filters = 0;
    for g in &groups_v {
        let fs = g
            .get("filters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if fs.len() > MAX_FILTERS_PER_GROUP {
            return Err(ApiError::bad_request(format!(
                "Too many filters in a filter group: {} were provided, but at most {MAX_FILTERS_PER_GROUP} are allowed per group.",
                fs.len()
            )));
        }
        total_filters += fs.len();
        groups.push(
            fs.iter()
                .map(|f| Filter::parse(schema, f))
                .collect::<ApiResult<_>>()?,
        );
    }
    if total_filters > MAX_FILTERS {
        return Err(ApiError::bad_request(format!(
            "Too many filters: {total_filters} were provided, but at most {MAX_FILTERS} are allowed across all groups."
        )));
    }
    let limit = match body.get("limit") {
        None | Some(Value::Null) => 10,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_LIMIT as u64).contains(&n) => n as usize,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "limit must be between 1 and {MAX_LIMIT}, but was {v}"
                )));
            }
        },
    };
    let after: usize = match body.get("after") {
        None | Some(Value::Null) => 0,
        Some(Value::String(s)) if s.is_empty() => 0,
        Some(v) => v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
            .parse()
            .map_err(|_| ApiError::bad_request(format!("Invalid after value: {v}")))?,
    };
    if after >= MAX_RESULTS {
        return Err(ApiError::bad_request(format!(
            "Paging through search results is limited to {MAX_RESULTS} results; after {after} is past that limit."
        )));
    }
    let sort = parse_sort(schema, body.get("sorts"))?;
    let query = body
        .get("query")
        .and_then(Value::as_str)
        .map(str::to_lowercase)
        .filter(|q| !q.is_empty());
    let names: Vec<&str> = body
        .get("properties")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let sel = Selection::from_params(names);

    let query_fields: Vec<u16> = t
        .default_properties()
        .iter()
        .filter_map(|n| schema.id(n))
        .collect();
    let matches = |r: &Record| -> bool {
        let by_filters = groups.is_empty() || groups.iter().any(|g| g.iter().all(|f| f.matches(r)));
        let by_query = query.as_ref().is_none_or(|q| {
            query_fields.iter().any(|id| {
                r.props
                    .get(*id)
                    .is_some_and(|v| v.to_lowercase().contains(q.as_str()))
            })
        });
        by_filters && by_query
    };

    // candidates in index order when one group bounds lastmodified
    let range = if groups.len() == 1 {
        groups[0]
            .iter()
            .filter_map(Filter::modified_range)
            .reduce(intersect)
    } else {
        None
    };
    let by_modified =
        matches!(sort, Some((Field::Modified, _))) || (sort.is_none() && range.is_some());
    let desc = sort.is_some_and(|(_, d)| d);
    let mut ids: Vec<u64> = Vec::new();
    let mut total = 0usize;
    let window = after..(after + limit).min(MAX_RESULTS);
    let mut take = |r: &Record, in_order: bool| {
        if matches(r) {
            if !in_order || window.contains(&total) {
                ids.push(r.id);
            }
            total += 1;
        }
    };
    let sorted_already = matches!(
        sort,
        None | Some((Field::Modified, _)) | Some((Field::Id, _))
    );
    if by_modified {
        let r = range.unwrap_or((Bound::Unbounded, Bound::Unbounded));
        if !empty_range(&r) {
            let it = table.by_mod.range(to_tuple_range(r));
            let live = |(_, id): &(i64, u64)| table.live(*id);
            if desc {
                it.rev().filter_map(live).for_each(|r| take(r, true));
            } else {
                it.filter_map(live).for_each(|r| take(r, true));
            }
        }
    } else {
        let live = table.records.iter().filter(|r| !r.archived());
        match sort {
            None | Some((Field::Id, false)) => live.for_each(|r| take(r, true)),
            Some((Field::Id, true)) => live.rev().for_each(|r| take(r, true)),
            _ => live.for_each(|r| take(r, false)),
        }
    }
    if let Some((field, desc)) = sort.filter(|_| !sorted_already) {
        // an arbitrary property: sort the matches (missing values last), id tiebreak
        let key = |id: &u64| table.get(*id).and_then(|r| field.get(r));
        let mut keyed: Vec<(Option<Key>, u64)> = ids.iter().map(|id| (key(id), *id)).collect();
        keyed.sort_by(|a, b| {
            let o = match (&a.0, &b.0) {
                (Some(x), Some(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            let o = if desc { o.reverse() } else { o };
            o.then(a.1.cmp(&b.1))
        });
        ids = keyed
            .into_iter()
            .skip(window.start)
            .take(window.len())
            .map(|(_, id)| id)
            .collect();
    }
    let fields = resolve(t, schema, &sel);
    let mut out = Vec::with_capacity(ids.len() * 768);
    out.extend_from_slice(b"{\"results\":[");
    for (i, r) in ids.iter().filter_map(|id| table.get(*id)).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_object(&mut out, t, r, schema, &fields, &[]);
    }
    out.extend_from_slice(b"],\"total\":");
    out.extend_from_slice(total.to_string().as_bytes());
    let next = window.end;
    if next < total.min(MAX_RESULTS) {
        out.extend_from_slice(b",\"paging\":{\"next\":{\"after\":\"");
        out.extend_from_slice(next.to_string().as_bytes());
        out.extend_from_slice(b"\",\"link\":null}}");
    }
    out.push(b'}');
    Ok(json_response(StatusCode::OK, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_intersect_and_detect_empty() {
        let a = (Bound::Included(5), Bound::Unbounded);
        let b = (Bound::Unbounded, Bound::Excluded(5));
        assert!(empty_range(&intersect(a, b)));
        let c = (Bound::Excluded(3), Bound::Included(9));
        assert_eq!(intersect(a, c), (Bound::Included(5), Bound::Included(9)));
    }
}
