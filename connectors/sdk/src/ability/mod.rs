//! What a finance target may do beyond the common contract.
//!
//! Every target creates customers, invoices and payments, finds them by reference and
//! lists them ([`FinanceTarget`](crate::FinanceTarget)). The rest is optional: each
//! optional ability is a trait of its own, reached through an accessor on
//! `FinanceTarget` whose default answers `None` ("not supported"). The engine asks
//! before it tries, so a target without an ability is reported (a dead letter, a
//! section of a report it cannot give, a `check` problem), never silently skipped.
//!
//! A connector declares the same abilities statically in
//! [`Capabilities::abilities`](crate::Capabilities::abilities), for the checks that run
//! without building a target; [`Abilities::of`] reads them off a built target, and the
//! two must agree.

mod credit_notes;
mod traits;

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use credit_notes::{
    CreditAllocation, CreditNote, CreditNoteStatus, CreditNotes, TargetCreditNote,
};
pub use traits::{Budgets, ExchangeRates, HistoryNotes, StatusChanges, TrackingCategories};

use crate::FinanceTarget;

/// One optional ability of a finance target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ability {
    /// History notes on customers and invoices.
    Notes,
    /// Tracking categories on invoice lines (Xero tracking, QuickBooks classes).
    TrackingCategories,
    /// Budgets per account and month.
    Budgets,
    /// Credit notes and their allocation to invoices.
    CreditNotes,
    /// Exchange rates against the organisation's base currency.
    CurrencyRates,
    /// Status changes of existing invoices (void, delete a draft, authorise).
    StatusChanges,
}

impl Ability {
    /// Every optional ability, in listing order.
    pub const ALL: [Ability; 6] = [
        Ability::Notes,
        Ability::TrackingCategories,
        Ability::Budgets,
        Ability::CreditNotes,
        Ability::CurrencyRates,
        Ability::StatusChanges,
    ];

    /// The name in JSON and listings (`notes`, `tracking_categories`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Ability::Notes => "notes",
            Ability::TrackingCategories => "tracking_categories",
            Ability::Budgets => "budgets",
            Ability::CreditNotes => "credit_notes",
            Ability::CurrencyRates => "currency_rates",
            Ability::StatusChanges => "status_changes",
        }
    }

    /// What it is, in words for messages ("history notes").
    pub fn describe(self) -> &'static str {
        match self {
            Ability::Notes => "history notes",
            Ability::TrackingCategories => "tracking categories",
            Ability::Budgets => "budgets",
            Ability::CreditNotes => "credit notes",
            Ability::CurrencyRates => "currency rates",
            Ability::StatusChanges => "invoice status changes (void, delete)",
        }
    }
}

impl fmt::Display for Ability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of optional abilities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Abilities(BTreeSet<Ability>);

impl Abilities {
    /// No optional ability (every source, and the smallest target).
    pub fn none() -> Self {
        Abilities::default()
    }

    pub fn has(&self, a: Ability) -> bool {
        self.0.contains(&a)
    }

    /// The abilities of `ALL` this set lacks, in listing order.
    pub fn missing(&self) -> Vec<Ability> {
        Ability::ALL.into_iter().filter(|a| !self.has(*a)).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = Ability> + '_ {
        self.0.iter().copied()
    }

    /// What a built target can do, read off its accessors.
    pub fn of(t: &dyn FinanceTarget) -> Self {
        let mut s = BTreeSet::new();
        let mut put = |a: Ability, yes: bool| {
            if yes {
                s.insert(a);
            }
        };
        put(Ability::Notes, t.notes().is_some());
        put(Ability::TrackingCategories, t.tracking().is_some());
        put(Ability::Budgets, t.budgeting().is_some());
        put(Ability::CreditNotes, t.credit_notes().is_some());
        put(Ability::CurrencyRates, t.exchange_rates().is_some());
        put(Ability::StatusChanges, t.status_changes().is_some());
        Abilities(s)
    }
}

impl FromIterator<Ability> for Abilities {
    fn from_iter<I: IntoIterator<Item = Ability>>(iter: I) -> Self {
        Abilities(iter.into_iter().collect())
    }
}
