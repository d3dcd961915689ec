//! One stored field value, typed as the field's describe type says, and its
//! JSON form on the wire.
//!
//! Money and other decimals are `rust_decimal` inside the simulator. Salesforce
//! writes them as JSON numbers (`"Amount": 1500.5`); serde_json has no exact
//! decimal number without a crate-wide feature, so the wire form goes through
//! `f64`, whose shortest round-trip printing gives back the decimal's digits
//! for every value with up to 15 significant digits (all currency fields are
//! precision 18, scale 2, and the simulator's values stay far below 10^13).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Number, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Null,
    Text(String),
    Bool(bool),
    Int(i64),
    Number(Decimal),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
}

impl FieldValue {
    pub fn is_null(&self) -> bool {
        matches!(self, FieldValue::Null)
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            FieldValue::Number(d) => Some(*d),
            FieldValue::Int(i) => Some(Decimal::from(*i)),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            FieldValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            FieldValue::Null => Value::Null,
            FieldValue::Text(s) => Value::String(s.clone()),
            FieldValue::Bool(b) => Value::Bool(*b),
            FieldValue::Int(i) => Value::Number((*i).into()),
            FieldValue::Number(d) => decimal_json(*d),
            FieldValue::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
            FieldValue::DateTime(t) => Value::String(datetime_wire(t)),
        }
    }
}

/// A decimal as a JSON number (see the module comment for why via `f64`).
pub fn decimal_json(d: Decimal) -> Value {
    d.to_f64()
        .and_then(Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// Salesforce's datetime format on the wire: `2026-11-01T09:30:00.000+0000`.
pub fn datetime_wire(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// ISO 8601 with a `Z`, the form some resources (`updated/`, `deleted/`) use.
pub fn datetime_iso(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses a datetime the way the REST API accepts one in a body or a query
/// parameter: ISO 8601 with `Z`, `+hh:mm` or `+hhmm`, with or without
/// fractional seconds.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    None
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_keeps_its_digits_on_the_wire() {
        assert_eq!(decimal_json(dec!(1234.56)).to_string(), "1234.56");
        assert_eq!(decimal_json(dec!(0.1)).to_string(), "0.1");
        assert_eq!(
            decimal_json(dec!(99999999999.99)).to_string(),
            "99999999999.99"
        );
        assert_eq!(decimal_json(dec!(1500)).to_string(), "1500.0");
    }

    #[test]
    fn datetimes_in_both_spellings() {
        let t = parse_datetime("2026-11-01T09:30:00.000+0000").unwrap();
        assert_eq!(datetime_wire(&t), "2026-11-01T09:30:00.000+0000");
        assert_eq!(parse_datetime("2026-11-01T10:30:00+01:00"), Some(t));
        assert_eq!(datetime_iso(&t), "2026-11-01T09:30:00.000Z");
    }
}
