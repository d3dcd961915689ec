//! Decimal arithmetic for mappings. CEL has no decimal type, so money travels
//! through expressions as decimal strings and is computed only here, with
//! `rust_decimal`. Nothing on this path ever becomes a binary float.

use std::str::FromStr;

use ledgerbridge_sdk::model::{Currency, round_money};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::Fail;

/// Parses a decimal as CRMs send it: `1500`, `1500.00`, `-3.5`, `1.5e3`.
/// Commas and currency symbols are refused rather than guessed at.
pub fn parse(s: &str) -> Result<Decimal, Fail> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Fail::missing("empty string where a number was expected"));
    }
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| Fail::not_a_number(format!("{s:?} is not a decimal number")))
}

/// The canonical text of a decimal (no exponent, trailing zeros kept).
pub fn text(d: Decimal) -> String {
    d.to_string()
}

pub fn add(a: &str, b: &str) -> Result<String, Fail> {
    checked(parse(a)?.checked_add(parse(b)?))
}

pub fn sub(a: &str, b: &str) -> Result<String, Fail> {
    checked(parse(a)?.checked_sub(parse(b)?))
}

pub fn mul(a: &str, b: &str) -> Result<String, Fail> {
    checked(parse(a)?.checked_mul(parse(b)?))
}

/// Division always states its rounding: `div(a, b, places)` rounds half
/// away from zero to `places` decimals, so no mapping silently truncates.
pub fn div(a: &str, b: &str, places: i64) -> Result<String, Fail> {
    let (a, b) = (parse(a)?, parse(b)?);
    if b.is_zero() {
        return Err(Fail::not_a_number("division by zero".to_string()));
    }
    let dp = places_u32(places)?;
    let q = a
        .checked_div(b)
        .ok_or_else(|| Fail::not_a_number("decimal overflow".to_string()))?;
    Ok(text(round_money(q, dp)))
}

pub fn neg(a: &str) -> Result<String, Fail> {
    Ok(text(-parse(a)?))
}

/// Rounds to the currency's minor unit (JPY 0, USD 2, BHD 3), half away from zero.
pub fn round_to_currency(a: &str, currency: &str) -> Result<String, Fail> {
    let c = Currency::new(currency).map_err(|e| Fail::currency(e.to_string()))?;
    Ok(text(c.round(parse(a)?)))
}

/// Rounds to `places` decimals, half away from zero.
pub fn round_places(a: &str, places: i64) -> Result<String, Fail> {
    let d = parse(a)?;
    let dp = places_u32(places)?;
    let mut r = d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    Ok(text(r))
}

pub fn cmp(a: &str, b: &str) -> Result<std::cmp::Ordering, Fail> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

fn places_u32(places: i64) -> Result<u32, Fail> {
    u32::try_from(places)
        .ok()
        .filter(|p| *p <= 12)
        .ok_or_else(|| {
            Fail::not_a_number(format!("{places} decimal places is out of range 0..=12"))
        })
}

fn checked(r: Option<Decimal>) -> Result<String, Fail> {
    r.map(text)
        .ok_or_else(|| Fail::not_a_number("decimal overflow".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_arithmetic() {
        assert_eq!(add("0.1", "0.2").unwrap(), "0.3");
        assert_eq!(mul("3", "19.99").unwrap(), "59.97");
        assert_eq!(sub("10", "0.01").unwrap(), "9.99");
        assert_eq!(div("10", "3", 2).unwrap(), "3.33");
        assert_eq!(div("2", "3", 0).unwrap(), "1");
        assert_eq!(round_to_currency("1234.5", "JPY").unwrap(), "1235");
        assert_eq!(round_to_currency("1.2345", "BHD").unwrap(), "1.235");
        assert_eq!(round_places("2.5", 0).unwrap(), "3");
        assert_eq!(parse("1.5e3").unwrap().to_string(), "1500");
        assert!(parse("12,50").is_err());
        assert!(div("1", "0", 2).is_err());
    }
}
