//! Conversion to the base currency.
//!
//! Direction: a rate is **units of the foreign currency per one unit of the base
//! currency**, as accounting systems state an invoice's currency rate and as
//! [`ledgerbridge_sdk::model::CurrencyRates`] holds them. So
//! `base = amount / rate`: with USD as base and EUR at 0.92, EUR 92.00 is USD 100.00.
//!
//! No rounding here: converted amounts keep full precision until a report cell is
//! complete (see [`super::compute`]).

use ledgerbridge_sdk::model::{Currency, CurrencyRates};
use rust_decimal::Decimal;

/// `amount` in `currency` → base currency, with `rate` (foreign units per base unit).
/// `None` when the rate is missing, zero or negative.
pub fn to_base(amount: Decimal, rate: Option<Decimal>) -> Option<Decimal> {
    let rate = rate.filter(|r| *r > Decimal::ZERO)?;
    amount.checked_div(rate)
}

/// The rate of `currency` against `base`: 1 for the base itself, else from the table.
pub fn rate_of(currency: &Currency, base: &Currency, rates: &CurrencyRates) -> Option<Decimal> {
    if currency == base {
        return Some(Decimal::ONE);
    }
    rates.rates.get(currency).copied()
}

/// The rate for one invoice: its own `CurrencyRate` when it states one, else the
/// table's (a base-currency invoice is always 1, whatever it states).
pub fn invoice_rate(
    currency: &Currency,
    own: Option<Decimal>,
    base: &Currency,
    rates: &CurrencyRates,
) -> Option<Decimal> {
    if currency == base {
        return Some(Decimal::ONE);
    }
    own.filter(|r| *r > Decimal::ZERO)
        .or_else(|| rate_of(currency, base, rates))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rate_is_foreign_units_per_base_unit() {
        assert_eq!(to_base(dec!(92), Some(dec!(0.92))), Some(dec!(100)));
        assert_eq!(to_base(dec!(151.5), Some(dec!(151.5))), Some(dec!(1)));
        assert_eq!(to_base(dec!(10), Some(dec!(0))), None);
        assert_eq!(to_base(dec!(10), None), None);
    }
}
