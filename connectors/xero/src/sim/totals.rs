//! Invoice arithmetic, done by the server as Xero does: each line's amount is
//! `Quantity × UnitAmount × (1 − DiscountRate/100)` rounded to the currency's
//! minor unit (JPY 0, BHD 3, else 2 decimals); its tax is computed per line
//! from the tax rate and rounded the same way; `LineAmountTypes` says whether
//! line amounts exclude tax (tax added on top), include it (tax carved out),
//! or carry none. Totals are sums of rounded lines, so they always agree.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::wire::LineItem;

/// Decimal places of a currency's minor unit (ISO 4217).
pub fn minor_units(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Rounds half away from zero and keeps exactly `dp` places (`40` → `40.00`).
pub fn round(d: Decimal, dp: u32) -> Decimal {
    let mut r = d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    r
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub sub_total: Decimal,
    pub total_tax: Decimal,
    pub total: Decimal,
    pub total_discount: Decimal,
}

/// Fills each line's `LineAmount`, `TaxAmount` and `DiscountAmount` and
/// returns the invoice totals. `rate` gives a tax type's rate in percent.
pub fn compute(
    lines: &mut [LineItem],
    line_amount_types: &str,
    dp: u32,
    unit_dp: u32,
    rate: impl Fn(&str) -> Decimal,
) -> Totals {
    let hundred = Decimal::ONE_HUNDRED;
    let mut t = Totals {
        sub_total: round(Decimal::ZERO, dp),
        total_tax: round(Decimal::ZERO, dp),
        total: round(Decimal::ZERO, dp),
        total_discount: round(Decimal::ZERO, dp),
    };
    for l in lines.iter_mut() {
        let qty = l.quantity.unwrap_or(Decimal::ONE);
        let unit = round(l.unit_amount.unwrap_or(Decimal::ZERO), unit_dp);
        l.quantity = Some(qty);
        l.unit_amount = Some(unit);
        let gross = qty * unit;
        let discount = match l.discount_rate {
            Some(r) if !r.is_zero() => round(gross * r / hundred, dp),
            _ => round(Decimal::ZERO, dp),
        };
        let line_amount = round(gross, dp) - discount;
        let pct = match line_amount_types {
            "NoTax" => Decimal::ZERO,
            _ => rate(l.tax_type.as_deref().unwrap_or("NONE")),
        };
        let tax = match line_amount_types {
            "Inclusive" => round(line_amount * pct / (hundred + pct), dp),
            "Exclusive" => round(line_amount * pct / hundred, dp),
            _ => round(Decimal::ZERO, dp),
        };
        l.line_amount = Some(line_amount);
        l.tax_amount = Some(tax);
        if !discount.is_zero() {
            l.discount_amount = Some(discount);
        }
        t.total_discount += discount;
        t.total_tax += tax;
        t.sub_total += if line_amount_types == "Inclusive" {
            line_amount - tax
        } else {
            line_amount
        };
    }
    t.total = t.sub_total + t.total_tax;
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn line(q: Decimal, u: Decimal, disc: Option<Decimal>, tax: &str) -> LineItem {
        LineItem {
            quantity: Some(q),
            unit_amount: Some(u),
            discount_rate: disc,
            tax_type: Some(tax.into()),
            ..Default::default()
        }
    }
    fn rate(t: &str) -> Decimal {
        if t == "OUTPUT" { dec!(15) } else { dec!(0) }
    }

    #[test]
    fn exclusive_inclusive_notax_and_rounding_by_currency() {
        let mut ls = vec![
            line(dec!(3), dec!(33.333), None, "OUTPUT"),
            line(dec!(1), dec!(10), Some(dec!(10)), "NONE"),
        ];
        let t = compute(&mut ls, "Exclusive", 2, 2, rate);
        // 3 × 33.33 = 99.99, tax 15.00 (14.9985); 10 − 1.00 discount = 9.00, no tax
        assert_eq!(ls[0].line_amount, Some(dec!(99.99)));
        assert_eq!(ls[0].tax_amount.unwrap().to_string(), "15.00");
        assert_eq!(ls[1].line_amount, Some(dec!(9.00)));
        assert_eq!(
            (t.sub_total, t.total_tax, t.total),
            (dec!(108.99), dec!(15.00), dec!(123.99))
        );
        assert_eq!(t.total.to_string(), "123.99");

        let mut ls = vec![line(dec!(1), dec!(115), None, "OUTPUT")];
        let t = compute(&mut ls, "Inclusive", 2, 2, rate);
        assert_eq!(
            (t.sub_total, t.total_tax, t.total),
            (dec!(100.00), dec!(15.00), dec!(115.00))
        );

        let mut ls = vec![line(dec!(1), dec!(1000.5), None, "OUTPUT")];
        let t = compute(&mut ls, "NoTax", 0, 2, rate);
        assert_eq!(t.total.to_string(), "1001");
        assert_eq!(t.total_tax.to_string(), "0");

        let mut ls = vec![line(dec!(2), dec!(1.2345), None, "OUTPUT")];
        let t = compute(&mut ls, "Exclusive", 3, 4, rate);
        // 2.469 + 15 % = 0.37035 → 0.370
        assert_eq!(
            (t.sub_total.to_string(), t.total_tax.to_string()),
            ("2.469".into(), "0.370".into())
        );
    }
}
