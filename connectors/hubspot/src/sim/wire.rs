//! Rendering records in HubSpot's wire shape (`SimplePublicObject`) and
//! parsing the value formats HubSpot accepts.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::record::{Assoc, Record};
use super::schema::{Computed, ObjectType, PropType, Schema};

/// ISO 8601 with milliseconds, the way HubSpot prints datetimes.
pub fn iso(ms: i64) -> String {
    let mut out = Vec::with_capacity(24);
    iso_into(&mut out, ms);
    String::from_utf8(out).expect("ASCII")
}

/// [`iso`] appended to a buffer (no `strftime` parsing, no allocation):
/// every rendered record carries two or three of these.
pub fn iso_into(out: &mut Vec<u8>, ms: i64) {
    use chrono::{Datelike, Timelike};
    let dt = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    let year = dt.year();
    if !(0..=9999).contains(&year) {
        // outside what four digits hold: let chrono print it
        let s = dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        out.extend_from_slice(s.as_bytes());
        return;
    }
    // YYYY-MM-DDTHH:MM:SS.mmmZ
    let mut b = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, n: u32| {
        let mut n = n;
        for i in (at..at + width).rev() {
            b[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, dt.month());
    put(8, 2, dt.day());
    put(11, 2, dt.hour());
    put(14, 2, dt.minute());
    put(17, 2, dt.second());
    put(20, 3, dt.timestamp_subsec_millis().min(999));
    out.extend_from_slice(&b);
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Parses a datetime as HubSpot accepts it: epoch milliseconds, an ISO 8601
/// datetime, or a bare date (midnight UTC).
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return Some(ms);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_millis())
}

/// Which properties to render.
#[derive(Debug, Clone)]
pub enum Selection {
    /// The type's default properties.
    Default,
    /// Exactly these (plus the three HubSpot always returns).
    Names(Vec<String>),
    /// Every property with a value (`/_sim/export`).
    All,
}

impl Selection {
    /// From `properties` given repeated and/or comma-joined.
    pub fn from_params<'a>(values: impl IntoIterator<Item = &'a str>) -> Selection {
        let names: Vec<String> = values
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if names.is_empty() {
            Selection::Default
        } else {
            Selection::Names(names)
        }
    }
}

/// The value of one property of a record, computed or stored.
pub fn prop_value<'r>(
    rec: &'r Record,
    schema: &Schema,
    id: u16,
) -> Option<std::borrow::Cow<'r, str>> {
    use std::borrow::Cow;
    match schema.def(id).computed {
        Some(Computed::ObjectId) => Some(Cow::Owned(rec.id.to_string())),
        Some(Computed::CreateDate) => Some(Cow::Owned(iso(rec.created))),
        Some(Computed::LastModified) => Some(Cow::Owned(iso(rec.updated))),
        None => rec.props.get(id).map(Cow::Borrowed),
    }
}

fn put(schema: &Schema, rec: &Record, out: &mut Map<String, Value>, name: &str) {
    if let Some(id) = schema.id(name) {
        let v = prop_value(rec, schema, id).map(|c| Value::String(c.into_owned()));
        out.insert(name.to_string(), v.unwrap_or(Value::Null));
    }
}

/// Renders the `properties` object.
pub fn properties(t: ObjectType, rec: &Record, schema: &Schema, sel: &Selection) -> Value {
    let mut out = Map::new();
    match sel {
        Selection::Default => {
            for name in t.default_properties() {
                put(schema, rec, &mut out, name);
            }
        }
        Selection::Names(names) => {
            for name in names {
                put(schema, rec, &mut out, name);
            }
            for name in ["createdate", "hs_lastmodifieddate", "hs_object_id"] {
                if !out.contains_key(name) {
                    put(schema, rec, &mut out, name);
                }
            }
        }
        Selection::All => {
            for (id, def) in schema.defs.iter().enumerate() {
                if let Some(v) = prop_value(rec, schema, id as u16) {
                    out.insert(def.name.clone(), Value::String(v.into_owned()));
                }
            }
        }
    }
    Value::Object(out)
}

/// The v3 association type name, e.g. `deal_to_company` (primary) or
/// `deal_to_company_unlabeled`.
pub fn v3_assoc_type_name(from: ObjectType, a: &Assoc) -> String {
    let base = format!("{}_to_{}", from.singular(), a.to_type.singular());
    match a.type_id {
        279 | 280 | 341 | 342 => format!("{base}_unlabeled"),
        _ => base,
    }
}

/// Renders a record as `SimplePublicObject(WithAssociations)`.
pub fn object(
    t: ObjectType,
    rec: &Record,
    schema: &Schema,
    sel: &Selection,
    assoc: &[ObjectType],
) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(rec.id.to_string()));
    m.insert("properties".into(), properties(t, rec, schema, sel));
    m.insert("createdAt".into(), Value::String(iso(rec.created)));
    m.insert("updatedAt".into(), Value::String(iso(rec.updated)));
    m.insert("archived".into(), Value::Bool(rec.archived()));
    if let Some(at) = rec.archived_at {
        m.insert("archivedAt".into(), Value::String(iso(at)));
    }
    if !assoc.is_empty() {
        let mut am = Map::new();
        for to in assoc {
            let results: Vec<Value> = rec
                .assoc
                .iter()
                .filter(|a| a.to_type == *to)
                .map(|a| json!({"id": a.to.to_string(), "type": v3_assoc_type_name(t, a)}))
                .collect();
            if !results.is_empty() {
                am.insert(to.v3_assoc_key().to_string(), json!({ "results": results }));
            }
        }
        if !am.is_empty() {
            m.insert("associations".into(), Value::Object(am));
        }
    }
    Value::Object(m)
}

/// A [`Selection`] resolved against a schema once per request: the
/// `(name, property id)` pairs to render, sorted by name and without
/// repeats (the order `serde_json` maps print in, so [`write_object`] and
/// [`object`] produce the same bytes). `All` is not resolved (export only).
pub fn resolve<'s>(t: ObjectType, schema: &'s Schema, sel: &Selection) -> Vec<(&'s str, u16)> {
    let mut out: Vec<(&'s str, u16)> = Vec::new();
    let mut add = |name: &str| {
        if let Some(id) = schema.id(name) {
            out.push((schema.def(id).name.as_str(), id));
        }
    };
    match sel {
        Selection::Default => t.default_properties().iter().for_each(|n| add(n)),
        Selection::Names(names) => {
            names.iter().for_each(|n| add(n));
            ["createdate", "hs_lastmodifieddate", "hs_object_id"]
                .iter()
                .for_each(|n| add(n));
        }
        Selection::All => {
            for (id, def) in schema.defs.iter().enumerate() {
                out.push((def.name.as_str(), id as u16));
            }
        }
    }
    out.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// A JSON string (escaped) appended to a buffer.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
}

fn write_u64_str(out: &mut Vec<u8>, n: u64) {
    out.push(b'"');
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    out.push(b'"');
}

fn write_iso(out: &mut Vec<u8>, ms: i64) {
    out.push(b'"');
    iso_into(out, ms);
    out.push(b'"');
}

/// Renders a record as `SimplePublicObject(WithAssociations)` straight into
/// `out`: the same bytes as `serde_json::to_vec(&object(..))` without
/// building a `Value` tree (list and batch-read pages are the hot path of
/// every full pull). `fields` comes from [`resolve`]; `assoc` must not
/// repeat a type.
pub fn write_object(
    out: &mut Vec<u8>,
    t: ObjectType,
    rec: &Record,
    schema: &Schema,
    fields: &[(&str, u16)],
    assoc: &[ObjectType],
) {
    out.extend_from_slice(b"{\"archived\":");
    out.extend_from_slice(if rec.archived() { b"true" } else { b"false" });
    if let Some(at) = rec.archived_at {
        out.extend_from_slice(b",\"archivedAt\":");
        write_iso(out, at);
    }
    if !assoc.is_empty() {
        let mut types: Vec<ObjectType> = assoc
            .iter()
            .copied()
            .filter(|to| rec.assoc.iter().any(|a| a.to_type == *to))
            .collect();
        types.sort_unstable_by_key(|to| to.v3_assoc_key());
        types.dedup();
        if !types.is_empty() {
            out.extend_from_slice(b",\"associations\":{");
            for (i, to) in types.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, to.v3_assoc_key());
                out.extend_from_slice(b":{\"results\":[");
                for (j, a) in rec.assoc.iter().filter(|a| a.to_type == *to).enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"{\"id\":");
                    write_u64_str(out, a.to);
                    out.extend_from_slice(b",\"type\":\"");
                    out.extend_from_slice(t.singular().as_bytes());
                    out.extend_from_slice(b"_to_");
                    out.extend_from_slice(a.to_type.singular().as_bytes());
                    if matches!(a.type_id, 279 | 280 | 341 | 342) {
                        out.extend_from_slice(b"_unlabeled");
                    }
                    out.extend_from_slice(b"\"}");
                }
                out.extend_from_slice(b"]}");
            }
            out.push(b'}');
        }
    }
    out.extend_from_slice(b",\"createdAt\":");
    write_iso(out, rec.created);
    out.extend_from_slice(b",\"id\":");
    write_u64_str(out, rec.id);
    out.extend_from_slice(b",\"properties\":{");
    for (i, (name, id)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, name);
        out.push(b':');
        match schema.def(*id).computed {
            Some(Computed::ObjectId) => write_u64_str(out, rec.id),
            Some(Computed::CreateDate) => write_iso(out, rec.created),
            Some(Computed::LastModified) => write_iso(out, rec.updated),
            None => match rec.props.get(*id) {
                Some(v) => write_str(out, v),
                None => out.extend_from_slice(b"null"),
            },
        }
    }
    out.extend_from_slice(b"},\"updatedAt\":");
    write_iso(out, rec.updated);
    out.push(b'}');
}

/// A JSON body already serialized (the hot read paths).
pub fn json_response(status: axum::http::StatusCode, body: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json;charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Normalises a written value for its property type, or says why it is invalid
/// (error code, message).
pub fn normalise(
    ty: PropType,
    options: &[String],
    v: &str,
) -> Result<String, (&'static str, String)> {
    if v.is_empty() {
        return Ok(String::new());
    }
    match ty {
        PropType::String => Ok(v.to_string()),
        PropType::Number => v
            .trim()
            .parse::<rust_decimal::Decimal>()
            .map(|d| d.normalize().to_string())
            .map_err(|_| ("INVALID_DECIMAL", format!("{v} was not a valid number."))),
        PropType::DateTime => parse_datetime(v).map(iso).ok_or_else(|| {
            (
                "INVALID_DATE",
                format!("{v} was not a valid date or datetime."),
            )
        }),
        PropType::Date => {
            let ms = parse_datetime(v)
                .ok_or_else(|| ("INVALID_DATE", format!("{v} was not a valid date.")))?;
            if ms % 86_400_000 != 0 {
                return Err((
                    "INVALID_DATE",
                    format!("{v} is at {} which isn't midnight in UTC", iso(ms)),
                ));
            }
            Ok(iso(ms)[..10].to_string())
        }
        PropType::Bool => match v.to_ascii_lowercase().as_str() {
            "true" => Ok("true".into()),
            "false" => Ok("false".into()),
            _ => Err(("INVALID_BOOLEAN", format!("{v} was not a valid boolean."))),
        },
        PropType::Enumeration => {
            if options.is_empty() || options.iter().any(|o| o == v) {
                Ok(v.to_string())
            } else {
                Err((
                    "INVALID_OPTION",
                    format!(
                        "{v} was not one of the allowed options: [{}]",
                        options.join(", ")
                    ),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_accepts_repeated_and_comma_joined() {
        match Selection::from_params(["a,b", "c", " ,d"]) {
            Selection::Names(n) => assert_eq!(n, vec!["a", "b", "c", "d"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(Selection::from_params([""]), Selection::Default));
    }

    #[test]
    fn fast_iso_matches_chrono() {
        for ms in [
            0,
            1,
            999,
            1_700_000_000_123,
            1_798_761_599_999,
            253_402_300_799_999,
        ] {
            let want = DateTime::<Utc>::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            assert_eq!(iso(ms), want);
        }
    }

    #[test]
    fn written_objects_are_the_bytes_of_the_value_rendering() {
        let mut db = super::super::store::Db::new();
        super::super::seed::seed(&mut db, 40, 7);
        let names = |v: &[&str]| Selection::Names(v.iter().map(|s| s.to_string()).collect());
        let sels = [
            Selection::Default,
            names(&[
                "dealname",
                "amount",
                "nope",
                "amount",
                "hs_object_id",
                "name",
            ]),
            names(&[
                "email",
                "createdate",
                "description",
                "price",
                "hs_timestamp",
            ]),
        ];
        let assocs: [&[ObjectType]; 3] = [
            &[],
            &[
                ObjectType::LineItems,
                ObjectType::Companies,
                ObjectType::Contacts,
            ],
            &[ObjectType::Deals, ObjectType::Deals, ObjectType::Companies],
        ];
        let mut checked = 0;
        for t in ObjectType::ALL {
            let schema = db.schema(t);
            for rec in db.table(t).records.iter().take(30) {
                for sel in &sels {
                    let fields = resolve(t, schema, sel);
                    for assoc in assocs {
                        let mut out = Vec::new();
                        write_object(&mut out, t, rec, schema, &fields, assoc);
                        let want = serde_json::to_vec(&object(t, rec, schema, sel, assoc)).unwrap();
                        assert_eq!(
                            String::from_utf8(out).unwrap(),
                            String::from_utf8(want).unwrap()
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 500);
    }

    #[test]
    fn values_are_normalised_like_hubspot() {
        assert_eq!(normalise(PropType::Number, &[], "12.50").unwrap(), "12.5");
        assert_eq!(
            normalise(PropType::DateTime, &[], "1700000000000").unwrap(),
            "2023-11-14T22:13:20.000Z"
        );
        assert_eq!(
            normalise(PropType::Date, &[], "2025-03-01").unwrap(),
            "2025-03-01"
        );
        assert_eq!(
            normalise(PropType::Number, &[], "1,000").unwrap_err().0,
            "INVALID_DECIMAL"
        );
        let opts = vec!["USD".to_string()];
        assert_eq!(
            normalise(PropType::Enumeration, &opts, "XYZ")
                .unwrap_err()
                .0,
            "INVALID_OPTION"
        );
    }
}
