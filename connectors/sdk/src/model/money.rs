//! Money: `rust_decimal` amounts with an ISO 4217 currency, rounded by the
//! currency's minor unit. Never floats.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ISO 4217 currency code (three letters, e.g. USD)")]
pub struct CurrencyError(pub String);

impl Currency {
    /// Parses a code, accepting lower case (`usd` → `USD`).
    pub fn new(code: &str) -> Result<Self, CurrencyError> {
        let c = code.trim().to_ascii_uppercase();
        if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Currency(c))
        } else {
            Err(CurrencyError(code.to_string()))
        }
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// Digits after the decimal point in this currency (ISO 4217 minor unit).
    pub fn minor_units(&self) -> u32 {
        minor_units(&self.0)
    }

    /// Rounds an amount to this currency's minor unit, half away from zero
    /// (the rule accounting systems apply to line and invoice totals).
    pub fn round(&self, amount: Decimal) -> Decimal {
        round_money(amount, self.minor_units())
    }
}

/// ISO 4217 minor units for the currencies that are not 2.
pub fn minor_units(code: &str) -> u32 {
    match code {
        // zero-decimal currencies
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        // three-decimal currencies
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        // four-decimal
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// Rounds half away from zero to `dp` decimal places, keeping exactly `dp`
/// places in the representation (`12.5` in BHD prints `12.500`).
pub fn round_money(amount: Decimal, dp: u32) -> Decimal {
    let mut r = amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    r
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::new(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

/// An amount in a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// The same money rounded to the currency's minor unit.
    pub fn rounded(&self) -> Money {
        Money::new(self.currency.round(self.amount), self.currency.clone())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn minor_units_by_currency() {
        assert_eq!(Currency::new("JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::new("BHD").unwrap().minor_units(), 3);
        assert_eq!(Currency::new("usd").unwrap().minor_units(), 2);
    }

    #[test]
    fn rounds_half_away_from_zero_by_minor_unit() {
        let jpy = Currency::new("JPY").unwrap();
        let bhd = Currency::new("BHD").unwrap();
        let usd = Currency::new("USD").unwrap();
        assert_eq!(jpy.round(dec!(1234.5)), dec!(1235));
        assert_eq!(jpy.round(dec!(-1234.5)), dec!(-1235));
        assert_eq!(bhd.round(dec!(1.2345)).to_string(), "1.235");
        assert_eq!(bhd.round(dec!(12.5)).to_string(), "12.500");
        assert_eq!(usd.round(dec!(0.125)).to_string(), "0.13");
        assert_eq!(usd.round(dec!(2.675)).to_string(), "2.68");
    }

    #[test]
    fn rejects_bad_codes() {
        assert!(Currency::new("US").is_err());
        assert!(Currency::new("U$D").is_err());
        assert!(Currency::new("").is_err());
    }

    #[test]
    fn money_serializes_amount_as_string() {
        let m = Money::new(dec!(10.50), Currency::new("EUR").unwrap());
        let j = serde_json::to_value(&m).unwrap();
        assert_eq!(j, serde_json::json!({"amount": "10.50", "currency": "EUR"}));
    }
}
