//! QuickBooks writes timestamps as `2026-12-07T15:04:05-08:00` (the company's
//! offset, seconds precision in responses) and dates as `2026-12-07`.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

/// The company's UTC offset: the sample company sits in California and
/// QuickBooks reports its times at Pacific standard time.
pub fn company_offset() -> FixedOffset {
    FixedOffset::west_opt(8 * 3600).expect("valid offset")
}

/// A timestamp in QuickBooks' format, at the company's offset, with millis when present.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&company_offset())
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// Parses a timestamp or date the way QuickBooks accepts them in `changedSince`
/// and queries: RFC 3339 with or without fraction, a bare date (midnight at the
/// company's offset). A `+` that a URL turned into a space is read as `+`.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let fixed = fix_plus(s);
    if let Ok(t) = DateTime::parse_from_rfc3339(&fixed) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(&fixed, "%Y-%m-%dT%H:%M:%S%z") {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&fixed, "%Y-%m-%dT%H:%M:%S") {
        return company_offset()
            .from_local_datetime(&t)
            .single()
            .map(|t| t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(&fixed, "%Y-%m-%d").ok()?;
    company_offset()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn fix_plus(s: &str) -> String {
    // "2026-12-07T10:00:00 00:00": the offset's `+` arrived as a space
    match s.rfind(' ') {
        Some(i) if i >= 19 => format!("{}+{}", &s[..i], &s[i + 1..]),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_clients_send() {
        let a = parse_time("2026-12-07T10:00:00+00:00").unwrap();
        assert_eq!(parse_time("2026-12-07T10:00:00 00:00"), Some(a));
        assert_eq!(parse_time("2026-12-07T02:00:00-08:00"), Some(a));
        assert_eq!(parse_time("2026-12-07T10:00:00.000Z"), Some(a));
        assert!(parse_time("2026-12-07").is_some());
        assert!(parse_time("yesterday").is_none());
        assert_eq!(format_time(a), "2026-12-07T02:00:00.000-08:00");
    }
}
