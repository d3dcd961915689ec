//! The report's cells while they fill, and their rounding into lines and totals.
//!
//! Rounding happens once, here, at the end: amounts converted to the base currency
//! keep full precision while they are summed into a cell (account, tracking, month);
//! each cell's budget, actual, crm_won and forecast is then rounded half away from
//! zero to the base currency's minor unit. Variance and projected are computed from
//! the rounded figures and the totals are sums of the rounded lines, so every number
//! shown adds up exactly.

use super::model::{Figures, Line};
use super::period::{Month, Period};
use ledgerbridge_sdk::model::Currency;
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::BTreeMap;

/// A cell's unrounded sums, in the base currency.
#[derive(Debug, Clone, Default)]
pub struct Raw {
    pub budget: Decimal,
    pub actual: Decimal,
    pub crm_won: Decimal,
    pub forecast: Decimal,
}

/// Cells by (account, tracking), then month.
pub struct Grid {
    period: Period,
    cells: BTreeMap<(String, String), BTreeMap<Month, Raw>>,
}

impl Grid {
    pub fn new(period: Period) -> Grid {
        Grid {
            period,
            cells: BTreeMap::new(),
        }
    }

    pub fn period(&self) -> Period {
        self.period
    }

    /// The cell of (account, tracking, month); `None` when the month is outside the
    /// period. Touching a cell makes its (account, tracking) appear in every month.
    pub fn cell(&mut self, account: &str, tracking: &str, month: Month) -> Option<&mut Raw> {
        if !self.period.contains(month) {
            return None;
        }
        Some(
            self.cells
                .entry((account.to_string(), tracking.to_string()))
                .or_default()
                .entry(month)
                .or_default(),
        )
    }

    /// Every (account, tracking) × every month of the period, rounded; and the totals.
    pub fn finish(self, base: &Currency) -> (Vec<Line>, Figures) {
        let months = self.period.months();
        let mut lines = Vec::with_capacity(self.cells.len() * months.len());
        let mut totals = Figures::default();
        let zero = Raw::default();
        for ((account, tracking), by_month) in &self.cells {
            for m in &months {
                let raw = by_month.get(m).unwrap_or(&zero);
                let f = figures(
                    money(raw.budget, base),
                    money(raw.actual, base),
                    money(raw.crm_won, base),
                    money(raw.forecast, base),
                );
                totals.budget += f.budget;
                totals.actual += f.actual;
                totals.crm_won += f.crm_won;
                totals.forecast += f.forecast;
                lines.push(Line {
                    account: account.clone(),
                    tracking: tracking.clone(),
                    month: m.to_string(),
                    figures: f,
                });
            }
        }
        let totals = figures(
            money(totals.budget, base),
            money(totals.actual, base),
            money(totals.crm_won, base),
            money(totals.forecast, base),
        );
        (lines, totals)
    }
}

/// A line's (or the totals') figures from its four rounded sums.
pub fn figures(budget: Decimal, actual: Decimal, crm_won: Decimal, forecast: Decimal) -> Figures {
    let variance = actual - budget;
    Figures {
        budget,
        actual,
        variance,
        variance_pct: percent(variance, budget),
        crm_won,
        forecast,
        projected: actual + forecast,
    }
}

/// `part ÷ whole × 100` with two decimals (half away from zero); `None` when `whole` is 0.
pub fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    let mut p = (part * Decimal::ONE_HUNDRED)
        .checked_div(whole)?
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    p.rescale(2);
    Some(p)
}

/// Rounded to the currency's minor unit, shown with exactly that many decimals.
pub fn money(amount: Decimal, currency: &Currency) -> Decimal {
    let mut d = currency.round(amount);
    d.rescale(currency.minor_units());
    d
}
