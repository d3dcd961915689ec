//! Amounts arrive and leave as JSON numbers; inside the simulator they are
//! `rust_decimal::Decimal`, read from and written as the number's decimal text.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

use super::refusals;
use crate::wire::Fault;

/// The amount at `v`: a JSON number or numeric text (clients that keep money in
/// decimals send it as a string); absent or null is `None`.
pub fn amount(v: &Value, element: &str) -> Result<Option<Decimal>, Fault> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .map(Some)
            .map_err(|_| refusals::invalid_value(element, &n.to_string())),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Decimal::from_str(s.trim())
            .map(Some)
            .map_err(|_| refusals::invalid_value(element, s)),
        other => Err(refusals::invalid_value(element, &other.to_string())),
    }
}

/// Rounds to cents, half away from zero, as QuickBooks rounds line amounts and tax.
pub fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The JSON number for an amount.
pub fn to_json(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    #[test]
    fn reads_numbers_and_text_exactly() {
        assert_eq!(amount(&json!(100.1), "Amount").unwrap(), Some(dec!(100.1)));
        assert_eq!(
            amount(&json!("19.99"), "Amount").unwrap(),
            Some(dec!(19.99))
        );
        assert_eq!(amount(&json!(""), "Amount").unwrap(), None);
        assert!(amount(&json!("ten"), "Amount").is_err());
        assert_eq!(cents(dec!(2.345)), dec!(2.35));
        assert_eq!(cents(dec!(-2.345)), dec!(-2.35));
        assert_eq!(to_json(dec!(150.00)), json!(150));
        assert_eq!(to_json(dec!(0.10)), json!(0.1));
    }
}
