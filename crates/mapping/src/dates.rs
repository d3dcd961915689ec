//! Dates in mappings are `YYYY-MM-DD` strings. HubSpot sends dates as ISO
//! dates, RFC 3339 timestamps or epoch milliseconds; `date()` accepts all three.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate};

use crate::error::Fail;

pub fn parse(s: &str) -> Result<NaiveDate, Fail> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Fail::missing("empty string where a date was expected"));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.naive_utc().date());
    }
    // HubSpot date-time properties as epoch milliseconds ("1706745600000")
    if t.len() >= 10
        && t.bytes().all(|b| b.is_ascii_digit())
        && let Ok(ms) = t.parse::<i64>()
        && let Some(dt) = DateTime::from_timestamp_millis(ms)
    {
        return Ok(dt.date_naive());
    }
    Err(Fail::not_a_date(format!(
        "{s:?} is not a date (YYYY-MM-DD, RFC 3339 or epoch milliseconds)"
    )))
}

pub fn text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn normalize(s: &str) -> Result<String, Fail> {
    parse(s).map(text)
}

pub fn add_days(s: &str, n: i64) -> Result<String, Fail> {
    let d = parse(s)?;
    let r = if n >= 0 {
        d.checked_add_days(Days::new(n as u64))
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
    };
    r.map(text)
        .ok_or_else(|| Fail::not_a_date(format!("{s:?} plus {n} days is out of range")))
}

pub fn add_months(s: &str, n: i64) -> Result<String, Fail> {
    let d = parse(s)?;
    let m = Months::new(n.unsigned_abs().min(u32::MAX as u64) as u32);
    let r = if n >= 0 {
        d.checked_add_months(m)
    } else {
        d.checked_sub_months(m)
    };
    r.map(text)
        .ok_or_else(|| Fail::not_a_date(format!("{s:?} plus {n} months is out of range")))
}

pub fn end_of_month(s: &str) -> Result<String, Fail> {
    let d = parse(s)?;
    let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1)
        .and_then(|f| f.checked_add_months(Months::new(1)))
        .and_then(|f| f.pred_opt());
    first
        .map(text)
        .ok_or_else(|| Fail::not_a_date(format!("{s:?} has no end of month")))
}

/// `YYYY-MM`, the period budgets are kept by.
pub fn month(s: &str) -> Result<String, Fail> {
    Ok(parse(s)?.format("%Y-%m").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hubspot_shapes() {
        assert_eq!(normalize("2024-02-29").unwrap(), "2024-02-29");
        assert_eq!(normalize("2024-02-29T23:10:00Z").unwrap(), "2024-02-29");
        assert_eq!(
            normalize("2024-03-01T01:00:00+02:00").unwrap(),
            "2024-02-29"
        );
        assert_eq!(normalize("1706745600000").unwrap(), "2024-02-01");
        assert!(normalize("29/02/2024").is_err());
        assert_eq!(add_days("2024-01-31", 30).unwrap(), "2024-03-01");
        assert_eq!(add_days("2024-03-01", -1).unwrap(), "2024-02-29");
        assert_eq!(end_of_month("2024-02-10").unwrap(), "2024-02-29");
        assert_eq!(end_of_month("2023-12-31").unwrap(), "2023-12-31");
        assert_eq!(add_months("2024-01-31", 1).unwrap(), "2024-02-29");
        assert_eq!(month("2024-02-10").unwrap(), "2024-02");
    }
}
