//! Money on Pipedrive's wire, exactly. Pipedrive sends amounts (deal `value`,
//! product prices, deal product sums) as JSON numbers. serde_json here has no
//! `arbitrary_precision`, so a number read into a `Value` would become an f64;
//! instead the number's raw text is read (`RawValue`) and parsed as a
//! `Decimal`, and a `Decimal` is written back as raw number text.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Parses JSON number text (`1500`, `12.50`, `1e3`).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() || t.starts_with('"') {
        return None;
    }
    Decimal::from_str(t)
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

fn raw(d: &Decimal) -> Box<RawValue> {
    RawValue::from_string(d.normalize().to_string()).expect("a decimal is valid JSON number text")
}

/// `#[serde(with = "crate::money::req")]` for `Decimal` fields.
pub mod req {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        raw(v).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let r: Box<RawValue> = Deserialize::deserialize(d)?;
        parse_decimal(r.get())
            .ok_or_else(|| serde::de::Error::custom(format!("expected a number, got {}", r.get())))
    }
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
        let r: Option<Box<RawValue>> = Option::deserialize(d)?;
        match r {
            None => Ok(None),
            Some(r) if r.get() == "null" => Ok(None),
            Some(r) => parse_decimal(r.get()).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("expected a number, got {}", r.get()))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct M {
        #[serde(with = "req")]
        v: Decimal,
        #[serde(with = "opt", default)]
        o: Option<Decimal>,
    }

    #[test]
    fn money_keeps_its_exact_text() {
        let m: M = serde_json::from_str(r#"{"v": 0.1000000000000000055511, "o": null}"#).unwrap();
        assert_eq!(m.v, dec!(0.1000000000000000055511));
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"v":0.1000000000000000055511,"o":null}"#
        );
        let m: M = serde_json::from_str(r#"{"v": 1250.50, "o": 3}"#).unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"v":1250.5,"o":3}"#);
        assert!(serde_json::from_str::<M>(r#"{"v": "12"}"#).is_err());
    }
}
