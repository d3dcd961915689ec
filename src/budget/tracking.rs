//! Which tracking category splits the report, and which option a line belongs to.
//!
//! A report is split by the options of **one** tracking category, so that its lines
//! partition the money and the totals are their sum (an invoice line tagged with
//! Region and Pipeline would otherwise count twice). Unless asked for one
//! (`--tracking CATEGORY`), the category is the one found most often on the posted
//! invoice lines and CRM entries of the period (ties: alphabetical), else the category
//! of the finance system's tracking budgets, else none (every line untracked).

use super::model::Inputs;
use ledgerbridge_sdk::model::{InvoiceStatus, TrackingRef};
use std::collections::BTreeMap;

/// The option of `category` among `refs`; `""` when not tracked by it.
pub fn option_of(refs: &[TrackingRef], category: Option<&str>) -> String {
    let Some(c) = category else {
        return String::new();
    };
    refs.iter()
        .find(|t| t.category.eq_ignore_ascii_case(c))
        .map(|t| t.option.trim().to_string())
        .unwrap_or_default()
}

/// The category of a report over `inputs` (see the module documentation).
pub fn choose(inputs: &Inputs) -> Option<String> {
    if let Some(c) = inputs
        .tracking_category
        .as_deref()
        .filter(|c| !c.is_empty())
    {
        return Some(c.to_string());
    }
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut count = |refs: &[TrackingRef]| {
        for t in refs.iter().filter(|t| !t.option.trim().is_empty()) {
            *seen.entry(t.category.clone()).or_default() += 1;
        }
    };
    for inv in inputs
        .invoices
        .iter()
        .filter(|i| matches!(i.status, InvoiceStatus::Authorised | InvoiceStatus::Paid))
        .filter(|i| i.date.is_some_and(|d| inputs.period.contains_date(d)))
    {
        for l in &inv.lines {
            count(&l.tracking);
        }
    }
    for d in &inputs.deals {
        for e in &d.entries {
            count(&e.tracking);
        }
    }
    // most frequent; BTreeMap order makes ties alphabetical
    let best = seen
        .iter()
        .fold(None::<(&String, u64)>, |best, (c, n)| match best {
            Some((_, m)) if m >= *n => best,
            _ => Some((c, *n)),
        });
    if let Some((c, _)) = best {
        return Some(c.clone());
    }
    let mut from_budgets: Vec<&String> = inputs
        .budgets
        .iter()
        .flat_map(|b| b.tracking.iter().map(|t| &t.category))
        .collect();
    from_budgets.sort();
    from_budgets.first().map(|c| c.to_string())
}
