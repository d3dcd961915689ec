//! Time as stored in the database: milliseconds since the Unix epoch in a BIGINT.
//!
//! One integer column type behaves the same on SQLite and PostgreSQL, sorts correctly and
//! needs no timezone handling; it is rendered as RFC 3339 only at the edges (CLI, JSON).

use chrono::{DateTime, SecondsFormat, Utc};

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
