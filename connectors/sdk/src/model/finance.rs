//! The finance side of the canonical model: what a mapping produces and what
//! a finance target reads back.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Address, Currency};

/// The finance objects a target writes or reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinanceObject {
    Customer,
    Invoice,
    Payment,
    Note,
}

impl FinanceObject {
    pub const ALL: [FinanceObject; 4] = [
        FinanceObject::Customer,
        FinanceObject::Invoice,
        FinanceObject::Payment,
        FinanceObject::Note,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FinanceObject::Customer => "customer",
            FinanceObject::Invoice => "invoice",
            FinanceObject::Payment => "payment",
            FinanceObject::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<FinanceObject> {
        FinanceObject::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// A person at a customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPerson {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
}

/// A customer (Xero Contact, QuickBooks Customer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Our external reference, written where the vendor keeps one
    /// (Xero `AccountNumber`, QuickBooks a custom field / `AlternatePhone`-free slot).
    pub external_ref: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub tax_number: Option<String>,
    pub addresses: Vec<Address>,
    pub contact_persons: Vec<ContactPerson>,
    pub default_currency: Option<Currency>,
}

/// How line amounts relate to tax.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaxMode {
    /// Line amounts exclude tax; tax is added on top.
    #[default]
    Exclusive,
    /// Line amounts include tax.
    Inclusive,
    /// No tax.
    NoTax,
}

/// Invoice status, in the vocabulary Xero and QuickBooks share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvoiceStatus {
    Draft,
    Submitted,
    Authorised,
    Paid,
    Voided,
    Deleted,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "DRAFT",
            InvoiceStatus::Submitted => "SUBMITTED",
            InvoiceStatus::Authorised => "AUTHORISED",
            InvoiceStatus::Paid => "PAID",
            InvoiceStatus::Voided => "VOIDED",
            InvoiceStatus::Deleted => "DELETED",
        }
    }

    pub fn parse(s: &str) -> Option<InvoiceStatus> {
        Some(match s {
            "DRAFT" => InvoiceStatus::Draft,
            "SUBMITTED" => InvoiceStatus::Submitted,
            "AUTHORISED" => InvoiceStatus::Authorised,
            "PAID" => InvoiceStatus::Paid,
            "VOIDED" => InvoiceStatus::Voided,
            "DELETED" => InvoiceStatus::Deleted,
            _ => return None,
        })
    }

    /// Still counts in the books (not voided or deleted).
    pub fn is_live(self) -> bool {
        !matches!(self, InvoiceStatus::Voided | InvoiceStatus::Deleted)
    }
}

/// A tracking category option on a line (Xero tracking, QuickBooks Class/Department).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingRef {
    pub category: String,
    pub option: String,
}

/// An invoice line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub description: String,
    pub quantity: Decimal,
    pub unit_amount: Decimal,
    /// Percentage discount (10 = 10 %).
    pub discount_rate: Option<Decimal>,
    pub account_code: String,
    pub tax_type: Option<String>,
    pub item_code: Option<String>,
    pub tracking: Vec<TrackingRef>,
}

/// Which customer an invoice or note belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerRef {
    /// The target's own id, resolved by the engine from links or lookups.
    TargetId(String),
    /// A customer by name, e.g. the pair's fallback customer.
    Name(String),
}

/// A sales invoice to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Our external reference (Xero `Reference`, QuickBooks `DocNumber`): the source key.
    pub reference: String,
    pub customer: CustomerRef,
    pub date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: Currency,
    pub status: InvoiceStatus,
    pub tax_mode: TaxMode,
    pub lines: Vec<InvoiceLine>,
}

/// A payment against an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The target id of the invoice paid.
    pub invoice_id: String,
    /// The bank account's code (Xero account code, QuickBooks DepositToAccountRef).
    pub account_code: String,
    pub date: NaiveDate,
    pub amount: Decimal,
    /// Our external reference for recovery lookups (Xero `Reference`).
    pub reference: String,
}

/// What a history note is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSubject {
    pub object: FinanceObject,
    /// The target id of the customer or invoice.
    pub id: String,
}

/// A history note (Xero History & Notes, QuickBooks Attachable note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryNote {
    pub subject: NoteSubject,
    pub text: String,
    /// A marker unique to the source record, carried inside `text`, so a note
    /// can be found again and never written twice.
    pub marker: String,
}

/// A customer as the target holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetCustomer {
    pub id: String,
    pub external_ref: Option<String>,
    pub name: String,
    pub email: Option<String>,
    /// Website domain, where the target keeps one.
    pub domain: Option<String>,
    pub archived: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

/// An invoice line as the target holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInvoiceLine {
    pub description: Option<String>,
    pub quantity: Decimal,
    pub unit_amount: Decimal,
    pub discount_rate: Option<Decimal>,
    pub account_code: Option<String>,
    pub tax_type: Option<String>,
    pub line_amount: Decimal,
    pub tax_amount: Decimal,
    pub tracking: Vec<TrackingRef>,
}

/// An invoice as the target holds it, with the totals it computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInvoice {
    pub id: String,
    pub number: Option<String>,
    pub reference: Option<String>,
    pub customer_id: Option<String>,
    pub status: InvoiceStatus,
    pub currency: Currency,
    /// Units of the invoice currency per one unit of base currency, as the target states it.
    pub currency_rate: Option<Decimal>,
    pub date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub tax_mode: TaxMode,
    pub sub_total: Decimal,
    pub total_tax: Decimal,
    pub total: Decimal,
    pub amount_paid: Decimal,
    pub amount_due: Decimal,
    pub fully_paid_on: Option<NaiveDate>,
    pub lines: Vec<TargetInvoiceLine>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A payment as the target holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetPayment {
    pub id: String,
    pub invoice_id: String,
    pub amount: Decimal,
    pub date: Option<NaiveDate>,
    pub reference: Option<String>,
    /// False once deleted / reversed.
    pub live: bool,
}

/// A history note as the target holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetNote {
    /// Targets without note ids (Xero History) use a digest of the text.
    pub id: String,
    pub subject: NoteSubject,
    pub text: String,
}

/// A ledger account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub code: String,
    pub name: String,
    /// Vendor account type (`REVENUE`, `BANK`, `EXPENSE`, …).
    pub kind: String,
    pub active: bool,
}

/// A tax rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRate {
    /// The code written on lines (Xero `TaxType`, QuickBooks TaxCode id).
    pub tax_type: String,
    pub name: String,
    /// Effective rate in percent (15 = 15 %).
    pub rate: Decimal,
    pub active: bool,
}

/// A tracking category and its options (Xero tracking, QuickBooks Class/Department).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingCategory {
    pub id: String,
    pub name: String,
    pub options: Vec<String>,
}

/// A budget (read from the finance system; finance owns it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    pub id: String,
    pub name: String,
    /// The tracking options this budget is kept by (empty for an overall budget).
    pub tracking: Vec<TrackingRef>,
    pub lines: Vec<BudgetLine>,
}

/// One account's budget for one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    pub account_code: String,
    /// `YYYY-MM`.
    pub period: String,
    pub amount: Decimal,
}

/// The finance organisation: base currency, lock date, exchange rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub name: String,
    pub base_currency: Currency,
    /// Nothing dated on or before this can be written.
    pub lock_date: Option<NaiveDate>,
}

/// Exchange rates: units of each currency per one unit of the base currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyRates {
    pub rates: BTreeMap<Currency, Decimal>,
}
