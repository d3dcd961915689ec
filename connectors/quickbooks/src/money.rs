//! Money on QuickBooks' wire, exactly. QuickBooks sends amounts as JSON numbers
//! (`40.5`); serde_json here has no `arbitrary_precision`, so a number read into a
//! `Value` would become an f64. Amount fields are read as the number's raw text
//! (`RawValue`) and parsed as a `Decimal`, and written back as raw number text.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Parses JSON number text (or a quoted decimal).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim().trim_matches('"').trim();
    if t.is_empty() {
        return None;
    }
    Decimal::from_str(t)
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

fn raw(d: &Decimal) -> Box<RawValue> {
    RawValue::from_string(d.normalize().to_string()).expect("a decimal is JSON number text")
}

/// `#[serde(with = "crate::money::opt")]` for `Option<Decimal>` fields.
pub mod opt {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => raw(d).serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        let raw: Option<Box<RawValue>> = Option::deserialize(d)?;
        match raw {
            None => Ok(None),
            Some(r) if r.get() == "null" => Ok(None),
            Some(r) => parse_decimal(r.get()).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("not a decimal number: {}", r.get()))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct T {
        #[serde(with = "opt", default, skip_serializing_if = "Option::is_none")]
        a: Option<Decimal>,
    }

    #[test]
    fn amounts_keep_every_digit() {
        let t: T = serde_json::from_str(r#"{"a": 1234567890123.4567}"#).unwrap();
        assert_eq!(t.a, Some(dec!(1234567890123.4567)));
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"a":1234567890123.4567}"#
        );
        let t: T = serde_json::from_str(r#"{"a": 0.1}"#).unwrap();
        assert_eq!(t.a, Some(dec!(0.1)));
        let none: T = serde_json::from_str(r#"{"a": null}"#).unwrap();
        assert_eq!(none.a, None);
        assert_eq!(
            serde_json::to_string(&T {
                a: Some(dec!(40.00))
            })
            .unwrap(),
            r#"{"a":40}"#
        );
    }
}
