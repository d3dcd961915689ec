//! What evaluating a mapping yields. Targets need ids the mapping cannot
//! know (the invoice a payment pays, the customer an invoice is for); those
//! stay as drafts with a resolution plan, and the pipeline — which does the
//! lookups — finishes them with `into_*`.

use chrono::NaiveDate;
use ledgerbridge_sdk::CustomerMatch;
use ledgerbridge_sdk::model::{
    Currency, Customer, CustomerRef, FinanceObject, HistoryNote, Invoice, InvoiceLine,
    InvoiceStatus, NoteSubject, Payment, TaxMode,
};
use rust_decimal::Decimal;

/// Which mapping produced a result: the idempotency key uses `version`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MappingId {
    /// File path as loaded.
    pub file: String,
    /// File stem (`deal-invoice`).
    pub name: String,
    /// sha256 of the file's bytes, hex: the mapping's version.
    pub version: String,
}

/// One mapping's verdict on one source record.
// made per record and consumed at once, never stored in bulk: boxing the
// record would only add an allocation to the hot path
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Outcome {
    /// The record does not qualify: `when` is false, or it is dated before
    /// the pair's `start_date`. Reported (dry run shows it), never silent.
    Skip { mapping: MappingId, reason: String },
    /// The record maps to this target record.
    Record {
        mapping: MappingId,
        /// The external reference written to the target (`HS-123`).
        key: String,
        mapped: Mapped,
    },
}

/// A target record, finished or waiting for ids.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Mapped {
    Customer {
        customer: Customer,
        plan: CustomerPlan,
    },
    Invoice(InvoiceDraft),
    Payment(PaymentDraft),
    Note(NoteDraft),
}

/// One way to find the existing target customer, tried in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ResolveStep {
    /// Our own link from this source record (`company:123`) to a target id.
    Link(String),
    /// A lookup in the target (external id, email, domain, exact name).
    Match(CustomerMatch),
}

/// How the pipeline finds (or creates) the customer of a record, so an
/// existing target customer is reused and no duplicate is ever created.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum CustomerPlan {
    /// Try `steps` in order; if none finds a customer, create it by mapping
    /// `source_key`'s record with its customer mapping (`MappingSet::evaluate`),
    /// whose `external_ref` makes the next lookup find it.
    Resolve {
        /// The CRM record the customer stands for (`company:123`, `contact:9`).
        source_key: String,
        steps: Vec<ResolveStep>,
    },
    /// No company and no contact: the pair's `fallback_customer`, by name.
    Fallback { name: String },
}

impl CustomerPlan {
    /// The target lookups of the plan (links left out), in order.
    pub fn matches(&self) -> Vec<CustomerMatch> {
        match self {
            CustomerPlan::Resolve { steps, .. } => steps
                .iter()
                .filter_map(|s| match s {
                    ResolveStep::Match(m) => Some(m.clone()),
                    ResolveStep::Link(_) => None,
                })
                .collect(),
            CustomerPlan::Fallback { name } => vec![CustomerMatch::Name(name.clone())],
        }
    }
}

/// An invoice whose customer is still to be resolved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InvoiceDraft {
    pub reference: String,
    pub customer: CustomerPlan,
    pub date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: Currency,
    pub status: InvoiceStatus,
    pub tax_mode: TaxMode,
    pub lines: Vec<InvoiceLine>,
}

impl InvoiceDraft {
    pub fn into_invoice(self, customer: CustomerRef) -> Invoice {
        Invoice {
            reference: self.reference,
            customer,
            date: self.date,
            due_date: self.due_date,
            currency: self.currency,
            status: self.status,
            tax_mode: self.tax_mode,
            lines: self.lines,
        }
    }

    /// Sum of the lines, each rounded to the currency's minor unit — what
    /// the target shows as the subtotal (tax included when `Inclusive`).
    pub fn total(&self) -> Decimal {
        let zero = self.currency.round(Decimal::ZERO);
        self.lines
            .iter()
            .fold(zero, |acc, l| acc + line_amount(l, &self.currency))
    }
}

/// quantity × unit amount × (1 − discount %), rounded to the currency's minor unit.
pub fn line_amount(l: &InvoiceLine, currency: &Currency) -> Decimal {
    let gross = l.quantity * l.unit_amount;
    let net = match l.discount_rate {
        Some(d) => gross - gross * d / Decimal::ONE_HUNDRED,
        None => gross,
    };
    currency.round(net)
}

/// A CRM-recorded payment (`payments_source = "crm"`). The CRM states the
/// amount paid to date; the pipeline pays the difference to what the
/// target already holds, so partial payments add up and nothing is paid twice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentDraft {
    /// Our reference for this payment (differs per amount paid to date).
    pub reference: String,
    /// The `key` of the invoice it pays (the invoice mapping's reference).
    pub invoice_reference: String,
    pub amount_paid_to_date: Decimal,
    pub date: NaiveDate,
    pub account_code: String,
}

impl PaymentDraft {
    /// The payment still to record, given what live payments on the invoice
    /// already total; `None` when nothing is left to pay.
    pub fn into_payment(self, invoice_id: &str, already_paid: Decimal) -> Option<Payment> {
        let amount = self.amount_paid_to_date - already_paid;
        (amount > Decimal::ZERO).then(|| Payment {
            invoice_id: invoice_id.to_string(),
            account_code: self.account_code,
            date: self.date,
            amount,
            reference: self.reference,
        })
    }
}

/// A history note for the customer of an interaction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NoteDraft {
    pub customer: CustomerPlan,
    /// The text, ending with the marker.
    pub text: String,
    /// Unique to the source record; found again after a crash.
    pub marker: String,
}

impl NoteDraft {
    pub fn into_note(self, customer_id: &str) -> HistoryNote {
        HistoryNote {
            subject: NoteSubject {
                object: FinanceObject::Customer,
                id: customer_id.to_string(),
            },
            text: self.text,
            marker: self.marker,
        }
    }
}

/// One CRM amount placed the way invoice lines are: for budget vs actuals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BudgetEntry {
    pub account_code: String,
    pub tracking: Vec<ledgerbridge_sdk::model::TrackingRef>,
    /// `YYYY-MM` of the invoice date the deal maps to.
    pub month: String,
    pub amount: Decimal,
    pub currency: Currency,
}
