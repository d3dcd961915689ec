//! Budget figures into the grid.
//!
//! A finance system keeps an overall budget (no tracking) and tracking budgets (one
//! per option of a category). Adding both would count the money twice, so each
//! account takes its **most detailed** budget: when the report's category has
//! tracking budgets with lines for the account in the period, those give the
//! account's budget per option; otherwise the overall budget gives it under tracking
//! `""`. Tracking budgets of other categories are not used. When several budgets
//! cover the same slice (two overall budgets, two for one option), the first one the
//! finance system lists is used and a warning names the others.

use super::grid::Grid;
use super::period::Month;
use super::tracking::option_of;
use ledgerbridge_sdk::model::Budget;
use std::collections::{BTreeMap, BTreeSet};

/// Adds the budgets of `category` (else the overall budget) to the grid.
pub fn place(
    budgets: &[Budget],
    category: Option<&str>,
    grid: &mut Grid,
    warnings: &mut Vec<String>,
) {
    // slice ("" = overall, else the option) → the budget used for it
    let mut by_slice: BTreeMap<String, &Budget> = BTreeMap::new();
    for b in budgets {
        let slice = if b.tracking.is_empty() {
            String::new()
        } else {
            match option_of(&b.tracking, category) {
                o if o.is_empty() => continue, // another category's budget
                o => o,
            }
        };
        match by_slice.get(&slice) {
            Some(first) => warnings.push(format!(
                "budget {:?} covers the same {} as {:?}; only {:?} is used",
                b.name,
                slice_name(&slice, category),
                first.name,
                first.name
            )),
            None => {
                by_slice.insert(slice, b);
            }
        }
    }
    let period = grid.period();
    let in_period = |p: &str| month_of(p).filter(|m| period.contains(*m));
    let tracked_accounts: BTreeSet<&str> = by_slice
        .iter()
        .filter(|(slice, _)| !slice.is_empty())
        .flat_map(|(_, b)| b.lines.iter())
        .filter(|l| in_period(&l.period).is_some())
        .map(|l| l.account_code.as_str())
        .collect();
    for (slice, b) in &by_slice {
        for l in &b.lines {
            let Some(m) = in_period(&l.period) else {
                continue;
            };
            if slice.is_empty() && tracked_accounts.contains(l.account_code.as_str()) {
                continue;
            }
            if let Some(c) = grid.cell(&l.account_code, slice, m) {
                c.budget += l.amount;
            }
        }
    }
}

fn slice_name(slice: &str, category: Option<&str>) -> String {
    match (slice, category) {
        ("", _) | (_, None) => "overall budget".to_string(),
        (o, Some(c)) => format!("tracking option {c} = {o}"),
    }
}

/// A budget period: `YYYY-MM`, or a date starting with it.
fn month_of(p: &str) -> Option<Month> {
    Month::parse(p.get(..7)?).ok()
}
