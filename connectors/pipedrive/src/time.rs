//! Pipedrive's two timestamp formats: v2 sends RFC 3339 in UTC with whole
//! seconds (`2021-01-01T00:00:00Z`); v1 sends `2021-01-01 00:00:00` (UTC).

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// `2021-01-01T00:00:00Z`.
pub fn v2(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `2021-01-01 00:00:00`.
pub fn v1(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An RFC 3339 timestamp as v2 filters take it (`updated_since=2025-01-01T10:20:00Z`).
pub fn parse_v2(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A v1 timestamp (`2021-01-01 00:00:00`, UTC).
pub fn parse_v1(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|n| n.and_utc())
}

/// `serde(with)` for v2 timestamps.
pub mod v2_serde {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v2(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        parse_v2(&s).ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {s}")))
    }
}

/// `serde(with)` for optional v2 timestamps.
pub mod v2_opt {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&v2(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => parse_v2(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {s}"))),
        }
    }
}

/// `serde(with)` for v1 timestamps.
pub mod v1_serde {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v1(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        parse_v1(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not a Pipedrive v1 time: {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_round_trip() {
        let t = parse_v2("2025-01-01T10:20:00Z").unwrap();
        assert_eq!(v2(t), "2025-01-01T10:20:00Z");
        assert_eq!(v1(t), "2025-01-01 10:20:00");
        assert_eq!(parse_v1("2025-01-01 10:20:00"), Some(t));
        assert_eq!(parse_v2("2025-01-01T12:20:00+02:00"), Some(t));
        assert!(parse_v2("yesterday").is_none());
    }
}
