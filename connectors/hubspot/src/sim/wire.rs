//! Rendering records in HubSpot's wire shape (`SimplePublicObject`) and
//! parsing the value formats HubSpot accepts.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::record::{Assoc, Record};
use super::schema::{Computed, ObjectType, PropType, Schema};

/// ISO 8601 with milliseconds, the way HubSpot prints datetimes.
pub fn iso(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
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
