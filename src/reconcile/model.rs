//! What a reconciliation finds: the classes, the items and the report.
//!
//! The JSON shape of [`Report`] is a contract (README, "Reconciliation report"):
//! `summary` has every class, money is a decimal string, `expected`/`actual` are
//! `{amount, currency, status}` or null.

use ledgerbridge_sdk::ability::Ability;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A record's class: the first of these that applies, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    DeadLetter,
    Duplicate,
    Orphan,
    Conflict,
    MissingInFinance,
    CurrencyMismatch,
    AmountMismatch,
    StatusMismatch,
    Matched,
}

impl Class {
    /// Every class, in the order they are tried.
    pub const ALL: [Class; 9] = [
        Class::DeadLetter,
        Class::Duplicate,
        Class::Orphan,
        Class::Conflict,
        Class::MissingInFinance,
        Class::CurrencyMismatch,
        Class::AmountMismatch,
        Class::StatusMismatch,
        Class::Matched,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::DeadLetter => "dead_letter",
            Class::Duplicate => "duplicate",
            Class::Orphan => "orphan",
            Class::Conflict => "conflict",
            Class::MissingInFinance => "missing_in_finance",
            Class::CurrencyMismatch => "currency_mismatch",
            Class::AmountMismatch => "amount_mismatch",
            Class::StatusMismatch => "status_mismatch",
            Class::Matched => "matched",
        }
    }

    /// Words a finance person reads (HTML and table headings).
    pub fn title(self) -> &'static str {
        match self {
            Class::DeadLetter => "Could not sync",
            Class::Duplicate => "Duplicate invoices",
            Class::Orphan => "Invoices without a deal",
            Class::Conflict => "Edited in the finance system",
            Class::MissingInFinance => "Missing in the finance system",
            Class::CurrencyMismatch => "Currency differs",
            Class::AmountMismatch => "Amount differs",
            Class::StatusMismatch => "Payment status differs",
            Class::Matched => "Matched",
        }
    }

    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Closed by `--fix`: a push of the CRM's current state.
    pub fn fixable(self) -> bool {
        matches!(
            self,
            Class::MissingInFinance | Class::CurrencyMismatch | Class::AmountMismatch
        )
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    /// Decimal string, rounded to the currency's minor unit.
    pub amount: String,
    pub currency: String,
    pub status: Option<String>,
}

/// One source record (or, for duplicates, one reference) and its class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub class: Class,
    pub source_key: String,
    /// The finance system's ids (all live ones for a duplicate); empty when missing.
    pub target_ids: Vec<String>,
    /// What the CRM maps to now.
    pub expected: Option<Side>,
    /// What the finance system holds.
    pub actual: Option<Side>,
    pub reason: String,
    /// The invoice reference (`HS-123`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The mapping that produces the invoice (what `--fix` pushes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
}

/// Money figures of one currency (decimal strings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyTotals {
    /// CRM closed-won: what the qualifying deals map to (lines, before added tax).
    pub crm_won: String,
    /// Posted (AUTHORISED or PAID) invoices carrying our reference, tax included.
    pub invoiced: String,
    pub paid: String,
    pub outstanding: String,
}

/// The figures of one month of one currency (the chart).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthTotals {
    pub crm_won: String,
    pub invoiced: String,
}

/// A push `--fix` enqueues (or would, with `--dry-run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub class: Class,
    pub source_key: String,
    pub mapping: String,
}

/// What `--fix` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixOutcome {
    pub dry_run: bool,
    pub pushes: Vec<Fix>,
    /// Push jobs enqueued (0 on a dry run).
    pub jobs: usize,
}

/// One reconciliation of one pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub run_id: String,
    pub pair: String,
    /// RFC 3339.
    pub generated_at: String,
    /// The day ageing is counted from (YYYY-MM-DD).
    pub as_of: String,
    pub since: Option<String>,
    pub payments_source: String,
    /// Class → count; every class present.
    pub summary: BTreeMap<String, usize>,
    /// Currency → figures.
    pub totals_by_currency: BTreeMap<String, CurrencyTotals>,
    /// Currency → bucket (`0-30`, `31-60`, `61-90`, `90+`) → outstanding amount.
    pub ageing: BTreeMap<String, BTreeMap<String, String>>,
    /// Currency → month (`YYYY-MM`) → figures: the chart's data.
    pub by_month: BTreeMap<String, BTreeMap<String, MonthTotals>>,
    pub items: Vec<Item>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixOutcome>,
    /// What the pair asks of the finance system that it cannot do (`notes`,
    /// `tracking_categories`, `status_changes`): those parts are not in the books, so
    /// this report cannot prove them. Left out of the JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_supported: Vec<Ability>,
}

/// A line for people about a part of the pair the finance system cannot keep.
pub fn not_supported_line(a: Ability) -> String {
    let effect = match a {
        Ability::Notes => "the note mappings' notes are dead letters, not in the books",
        Ability::TrackingCategories => {
            "invoices whose lines carry tracking options are dead letters"
        }
        Ability::StatusChanges => {
            "invoices of deals that went away cannot be voided (on_delete = \"void\")"
        }
        _ => "not used by this pair",
    };
    format!(
        "not supported by the finance system: {} ({effect})",
        a.describe()
    )
}

impl Report {
    pub fn count(&self, class: Class) -> usize {
        self.summary.get(class.as_str()).copied().unwrap_or(0)
    }

    /// Records not `matched`.
    pub fn discrepancies(&self) -> usize {
        Class::ALL
            .into_iter()
            .filter(|c| *c != Class::Matched)
            .map(|c| self.count(c))
            .sum()
    }

    pub fn is_clean(&self) -> bool {
        self.discrepancies() == 0
    }
}

/// Class → count with every class present.
pub fn summarize(items: &[Item]) -> BTreeMap<String, usize> {
    let mut m: BTreeMap<String, usize> = Class::ALL
        .into_iter()
        .map(|c| (c.as_str().to_string(), 0))
        .collect();
    for i in items {
        *m.entry(i.class.as_str().to_string()).or_default() += 1;
    }
    m
}

/// One line for a terminal or the demo: `reconcile main: 120 matched, 0 discrepancies`
/// or the classes that are not empty.
pub fn summary_line(r: &Report) -> String {
    let matched = r.count(Class::Matched);
    let n = r.discrepancies();
    if n == 0 {
        return format!(
            "reconcile {}: {matched} matched, 0 discrepancies — CRM and books agree",
            r.pair
        );
    }
    let parts: Vec<String> = Class::ALL
        .into_iter()
        .filter(|c| *c != Class::Matched && r.count(*c) > 0)
        .map(|c| format!("{} {}", r.count(c), c.as_str()))
        .collect();
    format!(
        "reconcile {}: {matched} matched, {n} discrepancies ({})",
        r.pair,
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_order_and_names_round_trip() {
        let names: Vec<&str> = Class::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "dead_letter",
                "duplicate",
                "orphan",
                "conflict",
                "missing_in_finance",
                "currency_mismatch",
                "amount_mismatch",
                "status_mismatch",
                "matched"
            ]
        );
        for c in Class::ALL {
            assert_eq!(Class::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::json!(c.as_str())
            );
        }
        let mut sorted = Class::ALL;
        sorted.sort();
        assert_eq!(sorted, Class::ALL, "Ord follows the classification order");
    }

    #[test]
    fn summary_has_every_class() {
        let s = summarize(&[]);
        assert_eq!(s.len(), 9);
        assert!(s.values().all(|v| *v == 0));
    }
}
