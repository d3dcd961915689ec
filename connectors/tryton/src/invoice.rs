//! Customer invoices: `account.invoice` with `type = "out"`.
//!
//! Tryton's server-side `create` applies defaults only (the client's
//! on-change logic does not run), so the receivable account, the revenue
//! journal, the invoice address and each line's account are given
//! explicitly. Our reference goes in `reference`. The due date goes in
//! `payment_term_date`: without a payment term, Tryton makes that date the
//! maturity of the receivable line.
//!
//! A draft is not in the books: an invoice counts once it is posted, which
//! gives it its number. Tryton numbers posted invoices in date order per
//! fiscal-year sequence: posting one dated before an already posted one is
//! refused ([`TrytonError::NumberingChronology`]). Posting is slow (a
//! fraction of a second per invoice), so it goes in batches, each one
//! transaction.

use chrono::NaiveDate;
use ledgerbridge_sdk::ConnectorError;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::{HasId, TrytonClient};
use crate::error::{TrytonError, TrytonResult};
use crate::rows::{Related, related};
use crate::wire::{WireDate, WireDateTime, WireDecimal, quantity_from_wire, quantity_to_wire};

#[derive(Debug, Clone, PartialEq)]
pub struct NewInvoiceLine {
    /// The revenue account (`account.account` id).
    pub account: u64,
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// `account.tax` ids.
    pub taxes: Vec<u64>,
    /// A `product.product` id, where the mapping names one.
    pub product: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewInvoice {
    pub party: u64,
    /// The party's address the invoice goes to.
    pub invoice_address: u64,
    /// The receivable account.
    pub account: u64,
    /// The revenue journal.
    pub journal: u64,
    pub currency: u64,
    pub invoice_date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub reference: String,
    pub description: Option<String>,
    pub lines: Vec<NewInvoiceLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceState {
    Draft,
    Validated,
    Posted,
    Paid,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InvoiceRow {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: String,
    pub number: Option<String>,
    pub reference: Option<String>,
    pub description: Option<String>,
    pub state: InvoiceState,
    pub party: u64,
    pub account: u64,
    pub currency: u64,
    #[serde(rename = "currency.", default, deserialize_with = "related")]
    pub currency_rel: Related,
    pub invoice_date: Option<WireDate>,
    pub payment_term_date: Option<WireDate>,
    pub untaxed_amount: WireDecimal,
    pub tax_amount: WireDecimal,
    pub total_amount: WireDecimal,
    pub amount_to_pay: WireDecimal,
    /// The date the invoice was fully reconciled (paid), if it was.
    pub reconciled: Option<WireDate>,
    #[serde(default)]
    pub lines: Vec<u64>,
    #[serde(default)]
    pub payment_lines: Vec<u64>,
    #[serde(rename = "move")]
    pub move_id: Option<u64>,
    pub write_date: Option<WireDateTime>,
    pub create_date: Option<WireDateTime>,
}

impl HasId for InvoiceRow {
    fn id(&self) -> u64 {
        self.id
    }
}

impl InvoiceRow {
    pub fn currency_code(&self) -> &str {
        self.currency_rel.code.as_deref().unwrap_or("")
    }
}

pub const INVOICE_FIELDS: [&str; 23] = [
    "type",
    "number",
    "reference",
    "description",
    "state",
    "party",
    "account",
    "currency",
    "currency.code",
    "invoice_date",
    "payment_term_date",
    "untaxed_amount",
    "tax_amount",
    "total_amount",
    "amount_to_pay",
    "reconciled",
    "lines",
    "payment_lines",
    "move",
    "write_date",
    "create_date",
    "company",
    "journal",
];

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InvoiceLineRow {
    pub id: u64,
    pub invoice: Option<u64>,
    pub description: Option<String>,
    quantity: Option<f64>,
    pub unit_price: Option<WireDecimal>,
    pub amount: Option<WireDecimal>,
    pub account: Option<u64>,
    #[serde(rename = "account.", default, deserialize_with = "related")]
    pub account_rel: Related,
    #[serde(default)]
    pub taxes: Vec<u64>,
    pub product: Option<u64>,
}

impl HasId for InvoiceLineRow {
    fn id(&self) -> u64 {
        self.id
    }
}

impl InvoiceLineRow {
    /// The quantity, read back from Tryton's float through its shortest text.
    pub fn quantity(&self) -> Decimal {
        self.quantity.map(quantity_from_wire).unwrap_or_default()
    }
}

const LINE_FIELDS: [&str; 9] = [
    "invoice",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "account",
    "account.code",
    "taxes",
    "product",
];

fn invoice_values(company: u64, inv: &NewInvoice) -> TrytonResult<Value> {
    let bad = |m: String| TrytonError::Transport(ConnectorError::validation(m));
    if inv.reference.trim().is_empty() {
        return Err(bad("a Tryton invoice needs our reference".into()));
    }
    let mut lines = Vec::with_capacity(inv.lines.len());
    for (i, l) in inv.lines.iter().enumerate() {
        let quantity = quantity_to_wire(l.quantity)
            .map_err(|e| bad(format!("invoice {:?} line {}: {e}", inv.reference, i + 1)))?;
        let mut line = json!({
            "type": "line",
            "description": l.description,
            "quantity": quantity,
            "unit_price": WireDecimal(l.unit_price),
            "account": l.account,
            // the invoice's lines must share its company and currency, and
            // server-side create does not copy them from the invoice
            "company": company,
            "currency": inv.currency,
        });
        if !l.taxes.is_empty() {
            line["taxes"] = json!([["add", l.taxes]]);
        }
        if let Some(p) = l.product {
            line["product"] = json!(p);
        }
        lines.push(line);
    }
    Ok(json!({
        "type": "out",
        "company": company,
        "party": inv.party,
        "invoice_address": inv.invoice_address,
        "account": inv.account,
        "journal": inv.journal,
        "currency": inv.currency,
        "invoice_date": WireDate(inv.invoice_date),
        "payment_term_date": inv.due_date.map(WireDate),
        "reference": inv.reference,
        "description": inv.description,
        "lines": [["create", lines]],
    }))
}

impl TrytonClient {
    /// Creates draft customer invoices in one call (one transaction).
    pub async fn create_invoices(&self, invoices: &[NewInvoice]) -> TrytonResult<Vec<u64>> {
        let company = self.company().id;
        let values = invoices
            .iter()
            .map(|i| invoice_values(company, i))
            .collect::<TrytonResult<_>>()?;
        self.create("account.invoice", values).await
    }

    /// Posts invoices (draft or validated) in one transaction: all or none.
    pub async fn post_invoices(&self, ids: &[u64]) -> TrytonResult<()> {
        self.button("account.invoice", "post", ids).await
    }

    /// Cancels invoices. A posted customer invoice can be cancelled only when
    /// the company allows it (`cancel_invoice_out`) and nothing was paid;
    /// Tryton then books a cancelling move and reconciles it.
    pub async fn cancel_invoices(&self, ids: &[u64]) -> TrytonResult<()> {
        self.button("account.invoice", "cancel", ids).await
    }

    /// Deletes draft invoices.
    pub async fn delete_invoices(&self, ids: &[u64]) -> TrytonResult<()> {
        self.button("account.invoice", "delete", ids).await
    }

    pub async fn read_invoices(&self, ids: &[u64]) -> TrytonResult<Vec<InvoiceRow>> {
        self.read("account.invoice", ids, &INVOICE_FIELDS).await
    }

    pub async fn read_invoice_lines(&self, ids: &[u64]) -> TrytonResult<Vec<InvoiceLineRow>> {
        self.read("account.invoice.line", ids, &LINE_FIELDS).await
    }

    /// Customer invoices carrying any of these references, in any state.
    pub async fn invoices_by_reference(
        &self,
        references: &[String],
    ) -> TrytonResult<Vec<InvoiceRow>> {
        if references.is_empty() {
            return Ok(Vec::new());
        }
        self.search_read(
            "account.invoice",
            json!([["type", "=", "out"], ["reference", "in", references]]),
            0,
            None,
            json!([["id", "ASC"]]),
            &INVOICE_FIELDS,
        )
        .await
    }

    /// Customer invoices written at or after `since` (server time; `None`:
    /// all), oldest change first, one page. `write_date` is set at creation
    /// too, so this sees new and changed invoices alike; it is the start of
    /// the writing transaction, so callers re-read with an overlap.
    pub async fn invoices_changed(
        &self,
        since: Option<WireDateTime>,
        offset: usize,
        limit: usize,
    ) -> TrytonResult<Vec<InvoiceRow>> {
        let mut domain = vec![json!(["type", "=", "out"])];
        if let Some(t) = since {
            domain.push(json!(["write_date", ">=", t]));
        }
        self.search_read(
            "account.invoice",
            Value::Array(domain),
            offset,
            Some(limit),
            json!([["write_date", "ASC"], ["id", "ASC"]]),
            &INVOICE_FIELDS,
        )
        .await
    }
}
