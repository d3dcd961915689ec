//! What the computation reads (plain data, no connectors) and what it produces.
//!
//! The JSON of a [`Report`] is the documented output of `ledgerbridge budget --format
//! json`: money is a decimal string rounded to the base currency's minor unit
//! (`"1234.50"`), `variance_pct` a percentage with two decimals or `null`.

use super::period::Period;
use ledgerbridge_mapping::BudgetEntry;
use ledgerbridge_sdk::ability::Ability;
use ledgerbridge_sdk::model::{
    Budget, Currency, CurrencyRates, DealStatus, Pipeline, TargetInvoice,
};
use rust_decimal::Decimal;
use serde::Serialize;

/// One CRM deal as the report sees it: where it stands and its amounts placed the way
/// its invoice lines would be (from [`ledgerbridge_mapping::MappingSet::budget_entries`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DealInput {
    /// The deal's id in the CRM.
    pub id: String,
    pub status: DealStatus,
    pub pipeline: Option<String>,
    pub stage: Option<String>,
    pub entries: Vec<BudgetEntry>,
    /// The deal's current value of the pair's `budget_status_property`, when the
    /// mirror has it (lets the write-back skip deals already showing their status).
    pub budget_status: Option<String>,
}

/// Everything a report is computed from.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The finance organisation's base currency: every figure is in it.
    pub base_currency: Currency,
    pub period: Period,
    /// The tracking category whose options split the report; `None` to pick one
    /// (see [`super::tracking::choose`]).
    pub tracking_category: Option<String>,
    pub budgets: Vec<Budget>,
    /// Invoices of any status; only posted ones (AUTHORISED, PAID) dated in the
    /// period count.
    pub invoices: Vec<TargetInvoice>,
    pub deals: Vec<DealInput>,
    pub pipelines: Vec<Pipeline>,
    /// Units of each currency per one unit of the base currency.
    pub rates: CurrencyRates,
    /// What the finance system cannot give (its budgets, rates, tracking): the report
    /// says so instead of showing zeros as if they were figures.
    pub not_supported: Vec<Ability>,
}

/// The figures of one line, and of the totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub budget: Decimal,
    pub actual: Decimal,
    /// actual − budget.
    pub variance: Decimal,
    /// variance ÷ budget × 100, two decimals; `None` (JSON `null`) when budget is 0.
    pub variance_pct: Option<Decimal>,
    /// Closed-won CRM amount, by the deal's close month.
    pub crm_won: Decimal,
    /// Open CRM pipeline weighted by stage probability.
    pub forecast: Decimal,
    /// actual + forecast.
    pub projected: Decimal,
}

/// One (account, tracking option, month).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// Account code.
    pub account: String,
    /// Option of the report's tracking category; `""` for "not tracked".
    pub tracking: String,
    /// `YYYY-MM`.
    pub month: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A budget vs actuals report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The base currency every amount is in.
    pub currency: String,
    /// `YYYY-MM..YYYY-MM`.
    pub period: String,
    /// The tracking category whose options are the lines' `tracking` (`null`: none).
    pub tracking_category: Option<String>,
    /// Every (account, tracking) that appears anywhere × every month of the period,
    /// sorted by account, tracking, month.
    pub lines: Vec<Line>,
    /// Sums of the lines' (rounded) figures; `variance_pct` from those sums.
    pub totals: Figures,
    /// What was left out and why (an invoice without a rate, an unmappable deal, …).
    pub warnings: Vec<String>,
    /// The sections the finance system cannot give (`budgets`, `currency_rates`,
    /// `tracking_categories`): not supported by the target, not zero. Left out of the
    /// JSON when the target gives every section.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_supported: Vec<Ability>,
}

/// A line for people about a section the finance system cannot give.
pub fn not_supported_line(a: Ability) -> String {
    let effect = match a {
        Ability::Budgets => "budget figures show 0: there are none to read",
        Ability::CurrencyRates => "only amounts in the base currency are converted",
        Ability::TrackingCategories => "actuals are not split by tracking option",
        _ => "not used by this report",
    };
    format!(
        "not supported by the finance system: {} ({effect})",
        a.describe()
    )
}
