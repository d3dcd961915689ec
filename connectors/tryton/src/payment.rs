//! Payments against customer invoices, through Tryton's pay wizard
//! (`wizard.account.invoice.pay`).
//!
//! Why the wizard and not a bank statement: a CRM payment is "the customer
//! paid this invoice", which is what the wizard records, the way an
//! accountant would by hand: one posted move on the payment method's cash
//! journal, reconciled with the invoice, in any invoice currency, partial
//! payments included. The move is made in a single call (one transaction),
//! so a payment either exists whole or not at all. A bank statement would be
//! three transactions (create, validate, post) with a draft in between, needs
//! a statement journal per currency, and would sit beside the company's real
//! bank statements, where an accountant reconciling the bank would count it
//! twice.
//!
//! Our reference goes in the payment move's `description`, which is how a
//! payment is found again after a crash ([`TrytonClient::payments_by_reference`]).

use chrono::NaiveDate;
use ledgerbridge_sdk::{ConnectorError, ErrorKind};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::TrytonClient;
use crate::error::{TrytonError, TrytonResult};
use crate::invoice::InvoiceState;
use crate::rows::{Related, related};
use crate::wire::{WireDate, WireDecimal};

const WIZARD: &str = "account.invoice.pay";

/// A payment found by its reference.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentRow {
    /// The payment's receivable move line.
    pub line_id: u64,
    pub move_id: u64,
    pub reference: String,
    pub invoice_id: Option<u64>,
    /// In the invoice's currency.
    pub amount: Decimal,
    pub date: Option<NaiveDate>,
    pub write_date: Option<crate::wire::WireDateTime>,
}

#[derive(Debug, Deserialize)]
struct MoveLineRow {
    id: u64,
    #[serde(rename = "move")]
    move_id: u64,
    #[serde(rename = "move.", default, deserialize_with = "related_move")]
    move_rel: MoveRel,
    debit: WireDecimal,
    credit: WireDecimal,
    amount_second_currency: Option<WireDecimal>,
    second_currency: Option<u64>,
    #[serde(rename = "account.", default, deserialize_with = "related")]
    _account: Related,
    write_date: Option<crate::wire::WireDateTime>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MoveRel {
    description: Option<String>,
    origin: Option<String>,
    date: Option<WireDate>,
}

fn related_move<'de, D: serde::Deserializer<'de>>(d: D) -> Result<MoveRel, D::Error> {
    Ok(Option::<MoveRel>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Deserialize)]
struct PayView {
    view: Option<ViewState>,
}

#[derive(Debug, Deserialize)]
struct ViewState {
    state: String,
    #[serde(default)]
    defaults: serde_json::Map<String, Value>,
}

impl TrytonClient {
    /// Records a payment of `amount` (in the invoice's currency) on a posted
    /// customer invoice. An amount below what is due leaves the rest to pay;
    /// one above it is refused here (Tryton would book an overpayment).
    pub async fn pay_invoice(
        &self,
        invoice_id: u64,
        amount: Decimal,
        date: NaiveDate,
        payment_method: u64,
        reference: &str,
    ) -> TrytonResult<()> {
        let refuse = |m: String| TrytonError::Transport(ConnectorError::validation(m));
        let Some(inv) = self.read_invoices(&[invoice_id]).await?.into_iter().next() else {
            return Err(TrytonError::Transport(ConnectorError::new(
                ErrorKind::NotFound,
                format!("Tryton invoice {invoice_id} does not exist"),
            )));
        };
        if inv.state != InvoiceState::Posted {
            return Err(refuse(format!(
                "Tryton invoice {} is {:?}, only a posted invoice can take a payment",
                inv.number.as_deref().unwrap_or("(draft)"),
                inv.state
            )));
        }
        if amount <= Decimal::ZERO || amount > inv.amount_to_pay.0 {
            return Err(refuse(format!(
                "payment {reference:?} of {amount} {} does not fit invoice {}: {} is left to pay",
                inv.currency_code(),
                inv.number.as_deref().unwrap_or("?"),
                inv.amount_to_pay.0
            )));
        }
        let ctx = self.wizard_context("account.invoice", invoice_id);
        let start = json!({
            "payee": inv.party,
            "amount": WireDecimal(amount),
            "currency": inv.currency,
            "company": self.company().id,
            "invoice_account": inv.account,
            "payment_method": payment_method,
            "date": WireDate(date),
            "description": reference,
        });
        let created = self
            .send(&format!("wizard.{WIZARD}.create"), vec![ctx.clone()], false)
            .await?;
        let sid = created.get(0).cloned().unwrap_or(Value::Null);
        let outcome = self.pay_steps(&sid, start, amount, &ctx).await;
        if let Err(e) = self
            .send(&format!("wizard.{WIZARD}.delete"), vec![sid, ctx], false)
            .await
        {
            tracing::warn!(error = %e, "could not delete the pay wizard session");
        }
        outcome
    }

    async fn pay_steps(
        &self,
        sid: &Value,
        start: Value,
        amount: Decimal,
        ctx: &Value,
    ) -> TrytonResult<()> {
        let execute = format!("wizard.{WIZARD}.execute");
        // "choice" pays at once when the amount is all that is due; otherwise
        // it asks how to treat the difference
        let answer = self
            .send(
                &execute,
                vec![
                    sid.clone(),
                    json!({"start": start}),
                    json!("choice"),
                    ctx.clone(),
                ],
                false,
            )
            .await?;
        let view: PayView = serde_json::from_value(answer).unwrap_or(PayView { view: None });
        let Some(ask) = view.view else {
            return Ok(());
        };
        if ask.state != "ask" {
            return Err(TrytonError::Transport(ConnectorError::malformed(format!(
                "Tryton's pay wizard went to state {:?} instead of paying",
                ask.state
            ))));
        }
        let mut ask_values = ask.defaults;
        // related-record keys ("currency.") are read-only echoes
        ask_values.retain(|k, _| !k.ends_with('.'));
        ask_values.insert("type".into(), json!("partial"));
        ask_values.insert("amount".into(), json!(WireDecimal(amount)));
        self.send(
            &execute,
            vec![
                sid.clone(),
                json!({"start": start, "ask": Value::Object(ask_values)}),
                json!("pay"),
                ctx.clone(),
            ],
            false,
        )
        .await
        .map(|_| ())
    }

    /// The context a wizard on one record needs on each of its calls.
    pub fn wizard_context(&self, model: &str, id: u64) -> Value {
        let mut ctx = self.context();
        ctx["active_model"] = json!(model);
        ctx["active_id"] = json!(id);
        ctx["active_ids"] = json!([id]);
        ctx
    }

    /// Payments made through the pay wizard whose reference is one of these.
    pub async fn payments_by_reference(
        &self,
        references: &[String],
    ) -> TrytonResult<Vec<PaymentRow>> {
        if references.is_empty() {
            return Ok(Vec::new());
        }
        self.payment_lines(json!(["move.description", "in", references]), 0, None)
            .await
    }

    /// Payments on customer invoices written at or after `since` (server
    /// time; `None`: all), oldest first, one page.
    pub async fn payments_changed(
        &self,
        since: Option<crate::wire::WireDateTime>,
        offset: usize,
        limit: usize,
    ) -> TrytonResult<Vec<PaymentRow>> {
        let clause = match since {
            Some(t) => json!(["write_date", ">=", t]),
            None => json!(["id", ">", 0]),
        };
        self.payment_lines(clause, offset, Some(limit)).await
    }

    /// The receivable lines of payment moves (cash journal, made from an
    /// invoice) that also match `clause`.
    async fn payment_lines(
        &self,
        clause: Value,
        offset: usize,
        limit: Option<usize>,
    ) -> TrytonResult<Vec<PaymentRow>> {
        let rows: Vec<MoveLineRow> = self
            .search_read(
                "account.move.line",
                json!([
                    clause,
                    ["move.origin", "like", "account.invoice,%"],
                    ["move.journal.type", "=", "cash"],
                    ["account.type.receivable", "=", true],
                ]),
                offset,
                limit,
                json!([["write_date", "ASC"], ["id", "ASC"]]),
                &[
                    "move",
                    "move.description",
                    "move.origin",
                    "move.date",
                    "debit",
                    "credit",
                    "amount_second_currency",
                    "second_currency",
                    "account.code",
                    "write_date",
                ],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let amount = match (r.second_currency, r.amount_second_currency) {
                    (Some(_), Some(a)) => a.0.abs(),
                    _ => (r.credit.0 - r.debit.0).abs(),
                };
                PaymentRow {
                    line_id: r.id,
                    move_id: r.move_id,
                    reference: r.move_rel.description.unwrap_or_default(),
                    invoice_id: r
                        .move_rel
                        .origin
                        .as_deref()
                        .and_then(|o| o.strip_prefix("account.invoice,"))
                        .and_then(|id| id.parse().ok()),
                    amount,
                    date: r.move_rel.date.map(|d| d.0),
                    write_date: r.write_date,
                }
            })
            .collect())
    }
}
