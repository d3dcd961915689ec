//! Credit notes: the contract only, for now. No connector implements it yet and the
//! engine does not use it; it is here so a target can say it has it (or not) and the
//! types are settled before the first implementation.

use async_trait::async_trait;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{Currency, CustomerRef, InvoiceLine, TaxMode};
use crate::{ConnectorResult, ItemOutcome, WriteItem};

/// A credit note to write: money owed back to a customer (Xero `ACCRECCREDIT`,
/// QuickBooks `CreditMemo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNote {
    /// Our external reference, as on invoices.
    pub reference: String,
    pub customer: CustomerRef,
    pub date: NaiveDate,
    pub currency: Currency,
    pub tax_mode: TaxMode,
    pub lines: Vec<InvoiceLine>,
}

/// Part of a credit note set against an invoice of the same customer and currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditAllocation {
    /// The target id of the credit note.
    pub credit_note_id: String,
    /// The target id of the invoice it reduces.
    pub invoice_id: String,
    pub amount: Decimal,
    pub date: NaiveDate,
}

/// Where a credit note stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CreditNoteStatus {
    Draft,
    Authorised,
    /// Fully allocated or refunded.
    Paid,
    Voided,
}

/// A credit note as the target holds it, with the totals it computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetCreditNote {
    pub id: String,
    pub number: Option<String>,
    pub reference: Option<String>,
    pub customer_id: Option<String>,
    pub status: CreditNoteStatus,
    pub currency: Currency,
    pub date: Option<NaiveDate>,
    pub total: Decimal,
    /// Not yet allocated or refunded.
    pub remaining: Decimal,
}

/// Credit notes and their allocation to invoices.
#[async_trait]
pub trait CreditNotes: Send + Sync {
    /// Creates credit notes; one outcome per item, input order.
    async fn create_credit_notes(
        &self,
        items: &[WriteItem<CreditNote>],
    ) -> ConnectorResult<Vec<ItemOutcome>>;

    /// Sets credit notes against invoices; one outcome per item, input order.
    async fn allocate_credit_notes(
        &self,
        items: &[WriteItem<CreditAllocation>],
    ) -> ConnectorResult<Vec<ItemOutcome>>;

    /// Credit notes carrying any of these external references (crash recovery).
    async fn find_credit_notes(
        &self,
        references: &[String],
    ) -> ConnectorResult<Vec<TargetCreditNote>>;
}
