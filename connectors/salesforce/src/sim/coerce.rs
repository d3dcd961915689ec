//! A JSON value written to a field, checked and converted the way the REST
//! API does it: each failure is the error Salesforce gives for it.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::errors::SfError;
use super::ids;
use super::schema::{Field, FieldType, object_of_id};
use super::value::{FieldValue, parse_date, parse_datetime};

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

fn cannot_deserialize(kind: &str, v: &Value) -> SfError {
    SfError::new(
        "JSON_PARSER_ERROR",
        format!(
            "Cannot deserialize instance of {kind} from {} value {v} or request may be missing a required field",
            json_kind(v)
        ),
    )
}

/// Parses a decimal from a JSON number or numeric string without going
/// through `f64` (`1e3` and `0.1` arrive exactly).
pub fn decimal_of(v: &Value) -> Option<Decimal> {
    let s = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    Decimal::from_str(&s)
        .ok()
        .or_else(|| Decimal::from_scientific(&s).ok())
}

/// Converts `v` for `field`; reference targets are checked by the caller
/// (it needs the tables).
pub fn coerce(field: &Field, v: &Value) -> Result<FieldValue, SfError> {
    if v.is_null() {
        return Ok(FieldValue::Null);
    }
    let kind = field.kind;
    match kind {
        _ if kind.is_text() => {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(cannot_deserialize("string", v)),
            };
            if kind == FieldType::Reference || kind == FieldType::Id {
                return reference(field, &s);
            }
            if s.is_empty() {
                return Ok(FieldValue::Null);
            }
            if field.length > 0 && s.chars().count() > field.length as usize {
                return Err(SfError::new(
                    "STRING_TOO_LONG",
                    format!(
                        "{}: data value too large: {} (max length={})",
                        field.label,
                        s.chars().take(40).collect::<String>(),
                        field.length
                    ),
                )
                .on(field.name));
            }
            if kind == FieldType::Picklist
                && field.restricted
                && !field.picklist.contains(&s.as_str())
            {
                return Err(SfError::new(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    format!(
                        "{}: bad value for restricted picklist field: {s}",
                        field.label
                    ),
                )
                .on(field.name));
            }
            if kind == FieldType::Email && !s.contains('@') {
                return Err(SfError::new(
                    "INVALID_EMAIL_ADDRESS",
                    format!("{}: invalid email address: {s}", field.label),
                )
                .on(field.name));
            }
            Ok(FieldValue::Text(s))
        }
        _ if kind.is_decimal() => decimal_of(v)
            .map(FieldValue::Number)
            .ok_or_else(|| cannot_deserialize("double", v)),
        FieldType::Int => match v {
            Value::Number(n) if n.is_i64() => Ok(FieldValue::Int(n.as_i64().unwrap_or(0))),
            Value::String(s) => s
                .trim()
                .parse()
                .map(FieldValue::Int)
                .map_err(|_| cannot_deserialize("int", v)),
            _ => Err(cannot_deserialize("int", v)),
        },
        FieldType::Boolean => match v {
            Value::Bool(b) => Ok(FieldValue::Bool(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(FieldValue::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(FieldValue::Bool(false)),
            _ => Err(cannot_deserialize("boolean", v)),
        },
        FieldType::Date => v
            .as_str()
            .and_then(|s| parse_date(s).or_else(|| parse_datetime(s).map(|t| t.date_naive())))
            .map(FieldValue::Date)
            .ok_or_else(|| cannot_deserialize("date", v)),
        FieldType::DateTime => v
            .as_str()
            .and_then(parse_datetime)
            .map(FieldValue::DateTime)
            .ok_or_else(|| cannot_deserialize("datetime", v)),
        _ => Err(cannot_deserialize("string", v)),
    }
}

fn reference(field: &Field, s: &str) -> Result<FieldValue, SfError> {
    if s.is_empty() {
        return Ok(FieldValue::Null);
    }
    let Some(id) = ids::normalise(s) else {
        return Err(SfError::new(
            "MALFORMED_ID",
            format!("{}: id value of incorrect type: {s}", field.label),
        )
        .on(field.name));
    };
    let right_type = object_of_id(&id).is_some_and(|o| field.reference_to.contains(&o.name));
    if !right_type {
        return Err(SfError::new(
            "FIELD_INTEGRITY_EXCEPTION",
            format!("{}: id value of incorrect type: {s}", field.label),
        )
        .on(field.name));
    }
    Ok(FieldValue::Text(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::schema::object_def;
    use rust_decimal_macros::dec;
    use serde_json::json;

    fn field(o: &str, f: &str) -> &'static Field {
        object_def(o).unwrap().field(f).unwrap()
    }

    #[test]
    fn money_arrives_exactly() {
        let amount = field("Opportunity", "Amount");
        assert_eq!(
            coerce(amount, &json!(0.1)).unwrap(),
            FieldValue::Number(dec!(0.1))
        );
        assert_eq!(
            coerce(amount, &json!("1234.56")).unwrap(),
            FieldValue::Number(dec!(1234.56))
        );
        assert_eq!(
            coerce(amount, &json!(true)).unwrap_err().code,
            "JSON_PARSER_ERROR"
        );
    }

    #[test]
    fn restricted_picklists_refuse_unknown_values() {
        let stage = field("Opportunity", "StageName");
        let e = coerce(stage, &json!("Won-ish")).unwrap_err();
        assert_eq!(e.code, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
        assert_eq!(e.fields, vec!["StageName"]);
        assert!(coerce(stage, &json!("Closed Won")).is_ok());
    }

    #[test]
    fn references_must_be_ids_of_the_right_object() {
        let account = field("Opportunity", "AccountId");
        assert_eq!(
            coerce(account, &json!("nope")).unwrap_err().code,
            "MALFORMED_ID"
        );
        let contact_id = ids::make("003", 1);
        assert_eq!(
            coerce(account, &json!(contact_id)).unwrap_err().code,
            "FIELD_INTEGRITY_EXCEPTION"
        );
        assert!(coerce(account, &json!(ids::make("001", 1))).is_ok());
    }
}
