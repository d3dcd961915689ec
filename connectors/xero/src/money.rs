//! Money on Xero's wire, exactly. Xero sends amounts as JSON numbers (`40.00`).
//! serde_json here has no `arbitrary_precision`, so a number read into a
//! `Value` becomes an f64; instead we read the number's raw text (`RawValue`)
//! and parse it as a `Decimal`, and write a `Decimal` back as raw number text.
//! Money never passes through a float.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Parses JSON number text (or a quoted decimal, which Xero also accepts).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim().trim_matches('"').trim();
    if t.is_empty() {
        return None;
    }
    Decimal::from_str(t)
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

/// The JSON number text of a decimal (`40.00`, `-1.5`): never an exponent.
pub fn number_text(d: &Decimal) -> String {
    d.to_string()
}

fn raw(d: &Decimal) -> Box<RawValue> {
    RawValue::from_string(number_text(d)).expect("a decimal is valid JSON number text")
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

/// `#[serde(with = "crate::money::req")]` for `Decimal` fields.
pub mod req {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        raw(v).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let r: Box<RawValue> = Box::deserialize(d)?;
        parse_decimal(r.get())
            .ok_or_else(|| serde::de::Error::custom(format!("not a decimal number: {}", r.get())))
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
        #[serde(with = "req")]
        b: Decimal,
    }

    #[test]
    fn exact_in_and_out() {
        // 0.1 + 0.2 style values and more digits than an f64 keeps
        let t: T = serde_json::from_str(r#"{"a": 12345678901234.5678, "b": "0.10"}"#).unwrap();
        assert_eq!(t.a, Some(dec!(12345678901234.5678)));
        assert_eq!(t.b, dec!(0.10));
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"a":12345678901234.5678,"b":0.10}"#
        );
        let t: T = serde_json::from_str(r#"{"a": null, "b": 1e2}"#).unwrap();
        assert_eq!(
            t,
            T {
                a: None,
                b: dec!(100)
            }
        );
        assert!(serde_json::from_str::<T>(r#"{"b": true}"#).is_err());
    }
}
