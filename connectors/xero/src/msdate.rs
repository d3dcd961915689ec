//! Xero's dates: responses carry MS-JSON `"/Date(1539993600000+0000)/"` (milliseconds
//! since the epoch, UTC, with an informational offset) plus `…String` companions
//! (`"2018-10-20T00:00:00"`); requests take `YYYY-MM-DD` or either of those forms.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// `/Date(ms+0000)/` for a calendar date (midnight UTC), as on `Date`, `DueDate`.
pub fn format_date(d: NaiveDate) -> String {
    format_datetime(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
}

/// `/Date(ms+0000)/` for an instant, as on `UpdatedDateUTC`.
pub fn format_datetime(t: DateTime<Utc>) -> String {
    format!("/Date({}+0000)/", t.timestamp_millis())
}

/// `/Date(ms)/` without offset, as on the envelope's `DateTimeUTC`.
pub fn format_envelope(t: DateTime<Utc>) -> String {
    format!("/Date({})/", t.timestamp_millis())
}

/// The `DateString` companion: `2018-10-20T00:00:00`.
pub fn date_string(d: NaiveDate) -> String {
    d.format("%Y-%m-%dT00:00:00").to_string()
}

/// The `UpdatedDateUTCString` companion: `2019-11-14T18:10:38Z`.
pub fn datetime_string(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parses any date form Xero sends or accepts: `/Date(ms[+-hhmm])/`,
/// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[.fff][Z|±hh:mm]`.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // the offset only says where the writer was; the milliseconds are UTC
        let digits_end = inner
            .char_indices()
            .skip(1)
            .find(|(_, c)| *c == '+' || *c == '-')
            .map(|(i, _)| i)
            .unwrap_or(inner.len());
        let ms: i64 = inner[..digits_end].parse().ok()?;
        return Utc.timestamp_millis_opt(ms).single();
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
}

/// The calendar date of any accepted form.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    parse(s).map(|t| t.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates_and_instants() {
        let d = NaiveDate::from_ymd_opt(2018, 10, 20).unwrap();
        assert_eq!(format_date(d), "/Date(1539993600000+0000)/");
        assert_eq!(parse_date("/Date(1539993600000+0000)/"), Some(d));
        assert_eq!(parse_date("2018-10-20"), Some(d));
        assert_eq!(parse_date("2018-10-20T00:00:00"), Some(d));
        assert_eq!(date_string(d), "2018-10-20T00:00:00");
        let t = parse("/Date(1552326816230)/").unwrap();
        assert_eq!(t.timestamp_millis(), 1552326816230);
        assert_eq!(format_envelope(t), "/Date(1552326816230)/");
        assert_eq!(
            parse("/Date(1541176290160+1300)/")
                .unwrap()
                .timestamp_millis(),
            1541176290160
        );
        assert_eq!(
            parse("2020-02-06T12:17:43.202-08:00")
                .unwrap()
                .timestamp_millis(),
            1581020263202
        );
        assert_eq!(
            parse("/Date(-86400000)/").unwrap().date_naive(),
            NaiveDate::from_ymd_opt(1969, 12, 31).unwrap()
        );
        assert!(parse("yesterday").is_none());
    }
}
