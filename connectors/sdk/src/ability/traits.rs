//! The optional abilities' traits (credit notes have their own file, with their types).

use async_trait::async_trait;
use chrono::NaiveDate;

use crate::model::{Budget, CurrencyRates, HistoryNote, NoteSubject, TargetNote, TrackingCategory};
use crate::{ConnectorResult, ItemOutcome, StatusChange, WriteItem};

/// History notes on customers and invoices (Xero History & Notes, Tryton notes).
#[async_trait]
pub trait HistoryNotes: Send + Sync {
    /// Appends history notes; one outcome per item, input order.
    async fn add_notes(
        &self,
        items: &[WriteItem<HistoryNote>],
    ) -> ConnectorResult<Vec<ItemOutcome>>;

    /// Notes on a customer or invoice (to find a note's marker after a crash).
    async fn find_notes(&self, subject: &NoteSubject) -> ConnectorResult<Vec<TargetNote>>;
}

/// Tracking categories invoice lines may carry.
#[async_trait]
pub trait TrackingCategories: Send + Sync {
    async fn tracking_categories(&self) -> ConnectorResult<Vec<TrackingCategory>>;
}

/// Budgets per account and month.
#[async_trait]
pub trait Budgets: Send + Sync {
    /// Budgets with lines for periods within `from..=to` (months).
    async fn budgets(&self, from: NaiveDate, to: NaiveDate) -> ConnectorResult<Vec<Budget>>;
}

/// Exchange rates against the organisation's base currency.
#[async_trait]
pub trait ExchangeRates: Send + Sync {
    async fn currency_rates(&self) -> ConnectorResult<CurrencyRates>;
}

/// Status changes of existing invoices.
#[async_trait]
pub trait StatusChanges: Send + Sync {
    /// Voids an authorised invoice, deletes a draft or authorises one.
    async fn set_invoice_status(
        &self,
        item: &WriteItem<StatusChange>,
    ) -> ConnectorResult<ItemOutcome>;
}
