//! The contract of a finance target.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::ability::{
    Budgets, CreditNotes, ExchangeRates, HistoryNotes, StatusChanges, TrackingCategories,
};
use crate::model::{
    Account, Customer, Invoice, InvoiceStatus, Organisation, Payment, TargetCustomer,
    TargetInvoice, TargetPayment, TaxRate,
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
/// The required methods are what every target does: customers, invoices, payments,
/// lookups by reference, listings and the organisation's books (accounts, taxes). The
/// optional abilities ([`crate::ability`]) are reached through the accessors at the
/// end, whose defaults answer `None`: not supported. A target with an ability returns
/// `Some(self)` from its accessor and implements the ability's trait.
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

    /// Invoices changed since the cursor (`None`: all), page by page.
    fn list_invoices<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetInvoice>;

    /// Customers changed since the cursor (`None`: all), page by page.
    fn list_customers<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetCustomer>;

    /// Payments changed since the cursor (`None`: all), page by page.
    fn list_payments<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetPayment>;

    async fn organisation(&self) -> ConnectorResult<Organisation>;
    async fn accounts(&self) -> ConnectorResult<Vec<Account>>;
    async fn tax_rates(&self) -> ConnectorResult<Vec<TaxRate>>;

    /// History notes, if the target keeps them.
    fn notes(&self) -> Option<&dyn HistoryNotes> {
        None
    }
    /// Tracking categories on invoice lines, if the target has them.
    fn tracking(&self) -> Option<&dyn TrackingCategories> {
        None
    }
    /// Budgets, if the target keeps them.
    fn budgeting(&self) -> Option<&dyn Budgets> {
        None
    }
    /// Credit notes, if the target can write them.
    fn credit_notes(&self) -> Option<&dyn CreditNotes> {
        None
    }
    /// Exchange rates, if the target can give them.
    fn exchange_rates(&self) -> Option<&dyn ExchangeRates> {
        None
    }
    /// Status changes of existing invoices, if the target allows them.
    fn status_changes(&self) -> Option<&dyn StatusChanges> {
        None
    }
}
