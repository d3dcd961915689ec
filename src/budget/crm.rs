//! The CRM side into the grid: closed-won amounts and the weighted open pipeline.
//!
//! Each deal's amounts come placed the way its invoice lines would be (account,
//! tracking, month of the invoice date — the close date in the shipped mapping),
//! from the mapping's `budget_entries`; they are line amounts as the mapping writes
//! them, so a tax-inclusive mapping gives tax-inclusive CRM amounts. Won deals count
//! in `crm_won`; open deals count in `forecast`, weighted by their stage's win
//! probability from the CRM's pipeline definitions; lost deals not at all. Amounts
//! are converted with the finance system's rate table (`base = amount / rate`).
//! Deals left out (stage unknown, no rate) are counted in one warning per cause.

use super::convert::{rate_of, to_base};
use super::grid::Grid;
use super::model::DealInput;
use super::period::Month;
use super::tracking::option_of;
use ledgerbridge_sdk::model::{Currency, CurrencyRates, DealStatus, Pipeline};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Adds the deals' entries in the grid's period.
pub fn place(
    deals: &[DealInput],
    pipelines: &[Pipeline],
    base: &Currency,
    rates: &CurrencyRates,
    category: Option<&str>,
    grid: &mut Grid,
    warnings: &mut Vec<String>,
) {
    let mut unknown_stage: Vec<&str> = Vec::new();
    let mut no_rate: BTreeMap<String, usize> = BTreeMap::new();
    for d in deals {
        let weight = match d.status {
            DealStatus::Lost => continue,
            DealStatus::Won => Decimal::ONE,
            DealStatus::Open => match probability(d, pipelines) {
                Some(p) => p,
                None => {
                    unknown_stage.push(&d.id);
                    continue;
                }
            },
        };
        for e in &d.entries {
            let Ok(month) = Month::parse(&e.month) else {
                continue;
            };
            let Some(amount) = to_base(e.amount, rate_of(&e.currency, base, rates)) else {
                *no_rate.entry(e.currency.to_string()).or_default() += 1;
                continue;
            };
            let option = option_of(&e.tracking, category);
            if let Some(c) = grid.cell(&e.account_code, &option, month) {
                match d.status {
                    DealStatus::Won => c.crm_won += amount,
                    _ => c.forecast += amount * weight,
                }
            }
        }
    }
    if let Some(first) = unknown_stage.first() {
        warnings.push(format!(
            "{} open deal(s) left out of the forecast: stage not in the CRM's pipelines \
             (first: deal {first})",
            unknown_stage.len()
        ));
    }
    for (cur, n) in no_rate {
        warnings.push(format!(
            "{n} CRM amount(s) in {cur} left out: no rate from {cur} to {base}"
        ));
    }
}

/// The win probability of an open deal's stage (0..=1).
pub fn probability(d: &DealInput, pipelines: &[Pipeline]) -> Option<Decimal> {
    let stage = d.stage.as_deref()?;
    let in_pipeline = |p: &Pipeline| {
        p.stages
            .iter()
            .find(|s| s.id == stage)
            .map(|s| s.probability)
    };
    match d.pipeline.as_deref() {
        Some(pid) => pipelines.iter().find(|p| p.id == pid).and_then(in_pipeline),
        // no pipeline on the deal: the stage id alone, when it is unambiguous
        None => {
            let mut found = pipelines.iter().filter_map(in_pipeline);
            match (found.next(), found.next()) {
                (Some(p), None) => Some(p),
                _ => None,
            }
        }
    }
}
