//! The contract of a finance target.

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{
    Account, Budget, CurrencyRates, Customer, HistoryNote, Invoice, InvoiceStatus, NoteSubject,
    Organisation, Payment, TargetCustomer, TargetInvoice, TargetNote, TargetPayment, TaxRate,
    TrackingCategory,
};
use crate::{Capabilities, ConnectorError, ConnectorResult, Cursor, PageStream};

/// One record to write, with the idempotency key that makes its effect
/// exactly-once.
///
/// The key is ours (the engine derives it from pair, mapping version, source
/// key and content hash). Connectors pass it to the vendor where the vendor
/// de-duplicates (Xero `Idempotency-Key` ≤ 128 chars; QuickBooks `requestid`
/// ≤ 50, ≤ 36 in a batch — hash it down to fit), and otherwise ignore it: the
/// engine's lookup by external reference covers those vendors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteItem<T> {
    pub key: String,
    /// `Some` to update this target record, `None` to create.
    pub target_id: Option<String>,
    /// The target's version of the record when known (QuickBooks `SyncToken`);
    /// lets optimistic-locking vendors update without a read.
    pub target_version: Option<String>,
    pub record: T,
}

impl<T> WriteItem<T> {
    pub fn create(key: impl Into<String>, record: T) -> Self {
        WriteItem {
            key: key.into(),
            target_id: None,
            target_version: None,
            record,
        }
    }

    pub fn update(key: impl Into<String>, target_id: impl Into<String>, record: T) -> Self {
        WriteItem {
            key: key.into(),
            target_id: Some(target_id.into()),
            target_version: None,
            record,
        }
    }
}

/// What the target did with one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Written {
    pub target_id: String,
    /// The target's version after the write (QuickBooks `SyncToken`, Xero `UpdatedDateUTC`).
    pub version: Option<String>,
    /// Created (true) or updated (false).
    pub created: bool,
    /// An invoice as the target saved it (its number, totals, amount due), when the
    /// write's response carries it: write-back needs these without another read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<Box<crate::model::TargetInvoice>>,
}

/// Per-item result of a batch: the batch call itself may succeed while some
/// items fail validation (Xero `summarizeErrors=false`, QuickBooks batch
/// `Fault`, HubSpot 207).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemOutcome {
    /// The item's idempotency key (or, for write-back, `"<object>:<id>"`).
    pub key: String,
    pub result: Result<Written, ConnectorError>,
}

/// A status change on an existing invoice (void, delete a draft, authorise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub invoice_id: String,
    pub status: InvoiceStatus,
}

/// Ways to find an existing customer, tried in the order a mapping says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by", content = "value")]
pub enum CustomerMatch {
    ExternalRef(String),
    Email(String),
    Domain(String),
    Name(String),
}

/// A finance system the engine writes to and reads back from.
///
/// How the vendors fit:
/// - Xero: `PUT/POST /Invoices|Contacts|Payments` in batches of ≤ 50 with
///   `summarizeErrors=false`, `Idempotency-Key` per call; references are
///   `Reference` / `AccountNumber`; history notes via `/{Object}/{id}/History`.
/// - QuickBooks Online: `/batch` of ≤ 30 with `requestid`; `SyncToken` in
///   `target_version`; references are `DocNumber` / a custom field; notes
///   are `Attachable` notes; `list_*` via CDC or `MetaData.LastUpdatedTime` queries.
/// - Tryton (open-source ERP): JSON-RPC `model.account.invoice.create` per
///   batch; references in the invoice `reference` field.
#[async_trait]
pub trait FinanceTarget: Send + Sync {
    fn capabilities(&self) -> &Capabilities;

    /// Creates or updates customers; one outcome per item, input order.
    async fn upsert_customers(
        &self,
        items: &[WriteItem<Customer>],
    ) -> ConnectorResult<Vec<ItemOutcome>>;

    /// Creates or updates invoices; one outcome per item, input order.
    async fn upsert_invoices(
        &self,
        items: &[WriteItem<Invoice>],
    ) -> ConnectorResult<Vec<ItemOutcome>>;

    /// Records payments against invoices; one outcome per item, input order.
    async fn create_payments(
        &self,
        items: &[WriteItem<Payment>],
    ) -> ConnectorResult<Vec<ItemOutcome>>;

    /// Appends history notes; one outcome per item, input order.
    async fn add_notes(
        &self,
        items: &[WriteItem<HistoryNote>],
    ) -> ConnectorResult<Vec<ItemOutcome>>;

    /// Voids an authorised invoice or deletes a draft.
    async fn set_invoice_status(
        &self,
        item: &WriteItem<StatusChange>,
    ) -> ConnectorResult<ItemOutcome>;

    /// Invoices carrying any of these external references, live or not —
    /// the crash-recovery lookup and the cut-over adoption.
    async fn find_invoices(&self, references: &[String]) -> ConnectorResult<Vec<TargetInvoice>>;

    /// Invoices by target id.
    async fn get_invoices(&self, ids: &[String]) -> ConnectorResult<Vec<TargetInvoice>>;

    /// Customers matching any of these (one call per kind of match where the
    /// vendor allows an OR query).
    async fn find_customers(
        &self,
        matches: &[CustomerMatch],
    ) -> ConnectorResult<Vec<TargetCustomer>>;

    /// Payments carrying any of these external references.
    async fn find_payments(&self, references: &[String]) -> ConnectorResult<Vec<TargetPayment>>;

    /// Notes on a customer or invoice (to find a note's marker after a crash).
    async fn find_notes(&self, subject: &NoteSubject) -> ConnectorResult<Vec<TargetNote>>;

    /// Invoices changed since the cursor (`None`: all), page by page.
    fn list_invoices<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetInvoice>;

    /// Customers changed since the cursor (`None`: all), page by page.
    fn list_customers<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetCustomer>;

    /// Payments changed since the cursor (`None`: all), page by page.
    fn list_payments<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetPayment>;

    async fn organisation(&self) -> ConnectorResult<Organisation>;
    async fn accounts(&self) -> ConnectorResult<Vec<Account>>;
    async fn tax_rates(&self) -> ConnectorResult<Vec<TaxRate>>;
    async fn tracking_categories(&self) -> ConnectorResult<Vec<TrackingCategory>>;

    /// Budgets with lines for periods within `from..=to` (months).
    async fn budgets(&self, from: NaiveDate, to: NaiveDate) -> ConnectorResult<Vec<Budget>>;

    /// Exchange rates against the organisation's base currency.
    async fn currency_rates(&self) -> ConnectorResult<CurrencyRates>;
}
