//! Tryton's JSON encodings of the Python types JSON lacks, as typed values.
//!
//! Tryton's JSON-RPC writes `Decimal`, `date` and `datetime` as tagged objects,
//! in both directions:
//!
//! | Rust | wire |
//! |---|---|
//! | [`WireDecimal`] | `{"__class__": "Decimal", "decimal": "1179.90"}` |
//! | [`WireDate`] | `{"__class__": "date", "year": 2026, "month": 12, "day": 7}` |
//! | [`WireDateTime`] | `{"__class__": "datetime", "year": …, "hour": …, "microsecond": …}` (naive, server time) |
//!
//! Money only ever travels as the decimal's text, so no amount passes through
//! a float. Tryton writes zero as `"0"` and may write exponents (`"1E+2"`,
//! `"0E-8"`), both read here. Float fields (an invoice line's quantity) are
//! plain JSON numbers: [`quantity_to_wire`] refuses a quantity a float cannot
//! carry exactly instead of letting it change.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

const CLASS: &str = "__class__";

/// A `fields.Numeric` value: an exact decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct WireDecimal(pub Decimal);

/// A `fields.Date` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WireDate(pub NaiveDate);

/// A `fields.DateTime` / `fields.Timestamp` value: naive, in the server's time
/// zone (run the server in UTC and it is UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WireDateTime(pub NaiveDateTime);

impl From<Decimal> for WireDecimal {
    fn from(d: Decimal) -> Self {
        WireDecimal(d)
    }
}

impl From<NaiveDate> for WireDate {
    fn from(d: NaiveDate) -> Self {
        WireDate(d)
    }
}

impl From<NaiveDateTime> for WireDateTime {
    fn from(d: NaiveDateTime) -> Self {
        WireDateTime(d)
    }
}

/// Reads Python's `str(Decimal)`: plain (`"12.50"`, `"-3"`) or scientific (`"1E+2"`).
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let parsed = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t)
    } else {
        Decimal::from_str_exact(t)
    };
    parsed.map_err(|e| format!("decimal {text:?}: {e}"))
}

impl Serialize for WireDecimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry(CLASS, "Decimal")?;
        m.serialize_entry("decimal", &self.0.to_string())?;
        m.end()
    }
}

impl Serialize for WireDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry(CLASS, "date")?;
        m.serialize_entry("year", &d.year())?;
        m.serialize_entry("month", &d.month())?;
        m.serialize_entry("day", &d.day())?;
        m.end()
    }
}

impl Serialize for WireDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut m = s.serialize_map(Some(8))?;
        m.serialize_entry(CLASS, "datetime")?;
        m.serialize_entry("year", &t.year())?;
        m.serialize_entry("month", &t.month())?;
        m.serialize_entry("day", &t.day())?;
        m.serialize_entry("hour", &t.hour())?;
        m.serialize_entry("minute", &t.minute())?;
        m.serialize_entry("second", &t.second())?;
        m.serialize_entry("microsecond", &(t.nanosecond() / 1_000))?;
        m.end()
    }
}

/// The fields of one tagged object, before it is checked.
#[derive(Default)]
struct Tagged {
    class: Option<String>,
    decimal: Option<String>,
    parts: [Option<i64>; 7],
}

const PARTS: [&str; 7] = [
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "microsecond",
];

struct TaggedVisitor(&'static str);

impl<'de> Visitor<'de> for TaggedVisitor {
    type Value = Tagged;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a Tryton {} object {{\"__class__\": ...}}", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tagged, A::Error> {
        let mut t = Tagged::default();
        while let Some(key) = map.next_key::<String>()? {
            if key == CLASS {
                t.class = Some(map.next_value()?);
            } else if key == "decimal" {
                t.decimal = Some(map.next_value()?);
            } else if let Some(i) = PARTS.iter().position(|p| *p == key) {
                t.parts[i] = Some(map.next_value()?);
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        match t.class.as_deref() {
            Some(c) if c == self.0 => Ok(t),
            other => Err(de::Error::custom(format!(
                "expected a Tryton {} object, got __class__ {other:?}",
                self.0
            ))),
        }
    }
}

impl Tagged {
    fn part<E: de::Error>(&self, i: usize, required: bool) -> Result<u32, E> {
        match self.parts[i] {
            Some(v) => {
                u32::try_from(v).map_err(|_| E::custom(format!("{} {v} out of range", PARTS[i])))
            }
            None if required => Err(E::custom(format!("{} missing", PARTS[i]))),
            None => Ok(0),
        }
    }

    fn date<E: de::Error>(&self) -> Result<NaiveDate, E> {
        let year = self.parts[0].ok_or_else(|| E::custom("year missing"))?;
        let year =
            i32::try_from(year).map_err(|_| E::custom(format!("year {year} out of range")))?;
        let (month, day) = (self.part(1, true)?, self.part(2, true)?);
        NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| E::custom(format!("no such date {year}-{month}-{day}")))
    }
}

impl<'de> Deserialize<'de> for WireDecimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = d.deserialize_map(TaggedVisitor("Decimal"))?;
        let text = t
            .decimal
            .ok_or_else(|| de::Error::custom("Decimal without its \"decimal\" text"))?;
        parse_decimal(&text)
            .map(WireDecimal)
            .map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for WireDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = d.deserialize_map(TaggedVisitor("date"))?;
        t.date().map(WireDate)
    }
}

impl<'de> Deserialize<'de> for WireDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = d.deserialize_map(TaggedVisitor("datetime"))?;
        let date = t.date()?;
        let (h, m, s, us) = (
            t.part(3, false)?,
            t.part(4, false)?,
            t.part(5, false)?,
            t.part(6, false)?,
        );
        date.and_hms_micro_opt(h, m, s, us)
            .map(WireDateTime)
            .ok_or_else(|| de::Error::custom(format!("no such time {h}:{m}:{s}.{us:06}")))
    }
}

/// A quantity for a Tryton float field, refused when the float would not
/// print back as the same decimal (Tryton computes amounts from the float's
/// shortest text, so an exact round trip keeps amounts exact).
pub fn quantity_to_wire(q: Decimal) -> Result<serde_json::Value, String> {
    let f: f64 = q
        .to_string()
        .parse()
        .map_err(|e| format!("quantity {q}: {e}"))?;
    let back = Decimal::from_str(&format!("{f}")).ok();
    match (serde_json::Number::from_f64(f), back) {
        (Some(n), Some(b)) if b == q => Ok(serde_json::Value::Number(n)),
        _ => Err(format!(
            "quantity {q} cannot be carried exactly by Tryton's float quantity field"
        )),
    }
}

/// A quantity read from a Tryton float field, through its shortest text.
pub fn quantity_from_wire(v: f64) -> Decimal {
    Decimal::from_str(&format!("{v}"))
        .or_else(|_| Decimal::from_scientific(&format!("{v:e}")))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use serde_json::json;

    use super::*;

    #[test]
    fn decimals_round_trip_as_text() {
        let d = WireDecimal(dec!(1179.90));
        let v = serde_json::to_value(d).unwrap();
        assert_eq!(v, json!({"__class__": "Decimal", "decimal": "1179.90"}));
        assert_eq!(serde_json::from_value::<WireDecimal>(v).unwrap(), d);
        for (text, want) in [
            ("0", dec!(0)),
            ("-250.00", dec!(-250.00)),
            ("12.5", dec!(12.5)),
            ("1E+2", dec!(100)),
            ("0E-8", dec!(0)),
            ("0.001", dec!(0.001)),
        ] {
            let got: WireDecimal =
                serde_json::from_value(json!({"__class__": "Decimal", "decimal": text})).unwrap();
            assert_eq!(got.0, want, "{text}");
        }
    }

    #[test]
    fn dates_and_datetimes_round_trip() {
        let d = WireDate(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        let v = serde_json::to_value(d).unwrap();
        assert_eq!(
            v,
            json!({"__class__": "date", "year": 2026, "month": 12, "day": 7})
        );
        assert_eq!(serde_json::from_value::<WireDate>(v).unwrap(), d);
        let t = WireDateTime(
            NaiveDate::from_ymd_opt(2026, 12, 7)
                .unwrap()
                .and_hms_micro_opt(14, 38, 34, 398_482)
                .unwrap(),
        );
        let v = serde_json::to_value(t).unwrap();
        assert_eq!(v["microsecond"], json!(398_482));
        assert_eq!(serde_json::from_value::<WireDateTime>(v).unwrap(), t);
    }

    #[test]
    fn wrong_or_broken_objects_are_refused_with_a_reason() {
        let e = serde_json::from_value::<WireDate>(json!({"__class__": "datetime", "year": 1}))
            .unwrap_err();
        assert!(e.to_string().contains("expected a Tryton date"), "{e}");
        let e = serde_json::from_value::<WireDate>(
            json!({"__class__": "date", "year": 2026, "month": 2, "day": 30}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no such date"), "{e}");
        assert!(serde_json::from_value::<WireDecimal>(json!("12.50")).is_err());
        assert!(
            serde_json::from_value::<WireDecimal>(json!({"__class__": "Decimal", "decimal": "x"}))
                .is_err()
        );
    }

    #[test]
    fn quantities_go_as_floats_only_when_exact() {
        assert_eq!(quantity_to_wire(dec!(2)).unwrap(), json!(2.0));
        assert_eq!(quantity_to_wire(dec!(0.1)).unwrap(), json!(0.1));
        assert_eq!(quantity_to_wire(dec!(1.5)).unwrap(), json!(1.5));
        assert!(quantity_to_wire(dec!(0.12345678901234567)).is_err());
        assert_eq!(quantity_from_wire(2.0), dec!(2));
        assert_eq!(quantity_from_wire(0.1), dec!(0.1));
    }
}
