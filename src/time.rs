//! Time as stored in the database: milliseconds since the Unix epoch in a BIGINT.
//!
//! One integer column type behaves the same on SQLite and PostgreSQL, sorts correctly and
//! needs no timezone handling; it is rendered as RFC 3339 only at the edges (CLI, JSON).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// Now, in epoch milliseconds.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// RFC 3339 (UTC, milliseconds) for an epoch-milliseconds value.
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

/// A calendar date, `YYYY-MM-DD` (a command-line value parser).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| format!("{s:?}: {e} (expected YYYY-MM-DD)"))
}

/// An instant: RFC 3339, or a date meaning its midnight UTC (a command-line value parser).
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("{s:?} is neither RFC 3339 nor YYYY-MM-DD"))
}
