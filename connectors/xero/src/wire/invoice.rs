use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Account, Contact, ValidationError};

/// A Xero Invoice (ACCREC sales invoice or ACCPAY bill).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Invoice {
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(rename = "InvoiceID", skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<Uuid>,
    #[serde(rename = "InvoiceNumber", skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    #[serde(rename = "Reference", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(rename = "Contact", skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    #[serde(rename = "LineItems", skip_serializing_if = "Option::is_none")]
    pub line_items: Option<Vec<LineItem>>,
    #[serde(rename = "Date", skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(rename = "DateString", skip_serializing_if = "Option::is_none")]
    pub date_string: Option<String>,
    #[serde(rename = "DueDate", skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(rename = "DueDateString", skip_serializing_if = "Option::is_none")]
    pub due_date_string: Option<String>,
    #[serde(rename = "LineAmountTypes", skip_serializing_if = "Option::is_none")]
    pub line_amount_types: Option<String>,
    #[serde(rename = "CurrencyCode", skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    #[serde(
        rename = "CurrencyRate",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub currency_rate: Option<Decimal>,
    #[serde(rename = "Status", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "SentToContact", skip_serializing_if = "Option::is_none")]
    pub sent_to_contact: Option<bool>,
    #[serde(
        rename = "SubTotal",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub sub_total: Option<Decimal>,
    #[serde(
        rename = "TotalTax",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_tax: Option<Decimal>,
    #[serde(
        rename = "Total",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub total: Option<Decimal>,
    #[serde(
        rename = "TotalDiscount",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_discount: Option<Decimal>,
    #[serde(
        rename = "AmountDue",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount_due: Option<Decimal>,
    #[serde(
        rename = "AmountPaid",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount_paid: Option<Decimal>,
    #[serde(
        rename = "AmountCredited",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount_credited: Option<Decimal>,
    #[serde(rename = "FullyPaidOnDate", skip_serializing_if = "Option::is_none")]
    pub fully_paid_on_date: Option<String>,
    #[serde(rename = "IsDiscounted", skip_serializing_if = "Option::is_none")]
    pub is_discounted: Option<bool>,
    #[serde(rename = "HasAttachments", skip_serializing_if = "Option::is_none")]
    pub has_attachments: Option<bool>,
    #[serde(rename = "Payments", skip_serializing_if = "Option::is_none")]
    pub payments: Option<Vec<Payment>>,
    #[serde(rename = "CreditNotes", skip_serializing_if = "Option::is_none")]
    pub credit_notes: Option<Vec<serde_json::Value>>,
    #[serde(rename = "Prepayments", skip_serializing_if = "Option::is_none")]
    pub prepayments: Option<Vec<serde_json::Value>>,
    #[serde(rename = "Overpayments", skip_serializing_if = "Option::is_none")]
    pub overpayments: Option<Vec<serde_json::Value>>,
    #[serde(rename = "UpdatedDateUTC", skip_serializing_if = "Option::is_none")]
    pub updated_date_utc: Option<String>,
    #[serde(
        rename = "UpdatedDateUTCString",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_date_utc_string: Option<String>,
    #[serde(rename = "HasErrors", skip_serializing_if = "Option::is_none")]
    pub has_errors: Option<bool>,
    #[serde(
        rename = "StatusAttributeString",
        skip_serializing_if = "Option::is_none"
    )]
    pub status_attribute_string: Option<String>,
    #[serde(rename = "ValidationErrors", skip_serializing_if = "Option::is_none")]
    pub validation_errors: Option<Vec<ValidationError>>,
    #[serde(rename = "Warnings", skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<ValidationError>>,
}

/// An invoice line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineItem {
    #[serde(rename = "LineItemID", skip_serializing_if = "Option::is_none")]
    pub line_item_id: Option<Uuid>,
    #[serde(rename = "Description", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(
        rename = "Quantity",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub quantity: Option<Decimal>,
    #[serde(
        rename = "UnitAmount",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub unit_amount: Option<Decimal>,
    #[serde(rename = "ItemCode", skip_serializing_if = "Option::is_none")]
    pub item_code: Option<String>,
    #[serde(rename = "AccountCode", skip_serializing_if = "Option::is_none")]
    pub account_code: Option<String>,
    #[serde(rename = "AccountID", skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Uuid>,
    #[serde(rename = "TaxType", skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<String>,
    #[serde(
        rename = "TaxAmount",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax_amount: Option<Decimal>,
    #[serde(
        rename = "LineAmount",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub line_amount: Option<Decimal>,
    #[serde(
        rename = "DiscountRate",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub discount_rate: Option<Decimal>,
    #[serde(
        rename = "DiscountAmount",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub discount_amount: Option<Decimal>,
    #[serde(rename = "Tracking", skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Vec<LineItemTracking>>,
}

/// A tracking category option on a line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineItemTracking {
    #[serde(rename = "TrackingCategoryID", skip_serializing_if = "Option::is_none")]
    pub tracking_category_id: Option<Uuid>,
    #[serde(rename = "TrackingOptionID", skip_serializing_if = "Option::is_none")]
    pub tracking_option_id: Option<Uuid>,
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Option", skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
}

/// A payment against an invoice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Payment {
    #[serde(rename = "PaymentID", skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<Uuid>,
    #[serde(rename = "Invoice", skip_serializing_if = "Option::is_none")]
    pub invoice: Option<Box<Invoice>>,
    #[serde(rename = "InvoiceNumber", skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    #[serde(rename = "Account", skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    #[serde(rename = "Date", skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(
        rename = "CurrencyRate",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub currency_rate: Option<Decimal>,
    #[serde(
        rename = "Amount",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    #[serde(
        rename = "BankAmount",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub bank_amount: Option<Decimal>,
    #[serde(rename = "Reference", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(rename = "IsReconciled", skip_serializing_if = "Option::is_none")]
    pub is_reconciled: Option<bool>,
    #[serde(rename = "Status", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "PaymentType", skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<String>,
    #[serde(rename = "UpdatedDateUTC", skip_serializing_if = "Option::is_none")]
    pub updated_date_utc: Option<String>,
    #[serde(rename = "HasAccount", skip_serializing_if = "Option::is_none")]
    pub has_account: Option<bool>,
    #[serde(
        rename = "HasValidationErrors",
        skip_serializing_if = "Option::is_none"
    )]
    pub has_validation_errors: Option<bool>,
    #[serde(rename = "ValidationErrors", skip_serializing_if = "Option::is_none")]
    pub validation_errors: Option<Vec<ValidationError>>,
}

/// One entry of an object's History & Notes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HistoryRecord {
    #[serde(rename = "Details", skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(rename = "Changes", skip_serializing_if = "Option::is_none")]
    pub changes: Option<String>,
    #[serde(rename = "User", skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(rename = "DateUTC", skip_serializing_if = "Option::is_none")]
    pub date_utc: Option<String>,
    #[serde(rename = "DateUTCString", skip_serializing_if = "Option::is_none")]
    pub date_utc_string: Option<String>,
    #[serde(rename = "ValidationErrors", skip_serializing_if = "Option::is_none")]
    pub validation_errors: Option<Vec<ValidationError>>,
}
