//! Payments: applied to invoices (and credit memos) of the same customer
//! through `Line[].LinkedTxn`; they lower the invoices' balances.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::Ctx;
use crate::sim::money::{amount, cents, to_json};
use crate::sim::refusals;
use crate::sim::seed::currency_name;
use crate::sim::store::{Store, id_of};
use crate::wire::Fault;

pub fn prepare(ctx: &mut Ctx, mut obj: Value, existing: Option<u64>) -> Result<Value, Fault> {
    let customer_id = id_of(&obj["CustomerRef"]).ok_or_else(|| refusals::missing("CustomerRef"))?;
    let customer = ctx
        .books
        .get("Customer", customer_id)
        .cloned()
        .ok_or_else(|| refusals::invalid_reference("CustomerRef", &customer_id.to_string()))?;
    obj["CustomerRef"] = json!({"value": customer_id.to_string(), "name": customer["DisplayName"]});
    let home = ctx.home_currency();
    let currency = customer["CurrencyRef"]["value"]
        .as_str()
        .unwrap_or(&home)
        .to_string();
    if let Some(sent) = obj["CurrencyRef"]["value"].as_str()
        && sent != currency
    {
        return Err(refusals::business(format!(
            "The payment currency {sent} must be the currency of customer {} ({currency}).",
            customer["DisplayName"].as_str().unwrap_or_default()
        ))
        .at("CurrencyRef"));
    }
    obj["CurrencyRef"] = json!({"value": currency, "name": currency_name(&currency)});
    let total =
        amount(&obj["TotalAmt"], "TotalAmt")?.ok_or_else(|| refusals::missing("TotalAmt"))?;
    if total < Decimal::ZERO {
        return Err(refusals::invalid_value("TotalAmt", &total.to_string()));
    }
    let txn_date = match obj["TxnDate"].as_str() {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| refusals::invalid_value("TxnDate", d))?,
        None => ctx.st.today(),
    };
    ctx.check_open_period(txn_date)?;
    obj["TxnDate"] = json!(txn_date.to_string());
    if let Some(acc) = id_of(&obj["DepositToAccountRef"])
        && ctx.books.get("Account", acc).is_none()
    {
        return Err(refusals::invalid_reference(
            "DepositToAccountRef",
            &acc.to_string(),
        ));
    }

    let mut applied = Decimal::ZERO;
    let mut lines = Vec::new();
    for line in obj["Line"].as_array().cloned().unwrap_or_default() {
        let line_amount = cents(
            amount(&line["Amount"], "Line.Amount")?
                .ok_or_else(|| refusals::missing("Line.Amount"))?,
        );
        let mut linked = Vec::new();
        for link in line["LinkedTxn"].as_array().cloned().unwrap_or_default() {
            let kind = link["TxnType"].as_str().unwrap_or_default();
            if !matches!(kind, "Invoice" | "CreditMemo") {
                return Err(refusals::invalid_value("Line.LinkedTxn.TxnType", kind));
            }
            let txn_id =
                id_of(&link["TxnId"]).ok_or_else(|| refusals::missing("Line.LinkedTxn.TxnId"))?;
            let txn = ctx.books.get(kind, txn_id).ok_or_else(|| {
                refusals::invalid_reference("Line.LinkedTxn.TxnId", &txn_id.to_string())
            })?;
            if id_of(&txn["CustomerRef"]) != Some(customer_id) {
                return Err(refusals::business(format!(
                    "{kind} {txn_id} belongs to another customer than this payment."
                )));
            }
            // what is open on it, not counting what this payment applied before
            let mine = existing
                .map(|id| applied_by(ctx.books, id, kind, &json!(txn_id.to_string())))
                .unwrap_or_default();
            let open = amount(&txn["TotalAmt"], "TotalAmt")?.unwrap_or_default()
                - applied_to(ctx.books, kind, &json!(txn_id.to_string()))
                + mine;
            if kind == "Invoice" && line_amount > open {
                return Err(refusals::business(format!(
                    "The payment applies {line_amount} to invoice {txn_id}, which has only {open} open."
                )));
            }
            linked.push(json!({"TxnId": txn_id.to_string(), "TxnType": kind}));
        }
        if linked.iter().any(|l| l["TxnType"] == "CreditMemo") {
            applied -= line_amount;
        } else if !linked.is_empty() {
            applied += line_amount;
        }
        let mut l = line.clone();
        l["Amount"] = to_json(line_amount);
        l["LinkedTxn"] = Value::Array(linked);
        lines.push(l);
    }
    if applied > total {
        return Err(refusals::business(format!(
            "The payment applies {applied} but its total is {total}."
        )));
    }
    obj["Line"] = Value::Array(lines);
    obj["TotalAmt"] = to_json(total);
    obj["UnappliedAmt"] = to_json(total - applied);
    obj["ProcessPayment"] = json!(false);
    Ok(obj)
}

/// How much every payment applies to one invoice or credit memo.
pub fn applied_to(books: &Store, kind: &str, txn_id: &Value) -> Decimal {
    books
        .all("Payment")
        .map(|p| sum_links(p, kind, txn_id))
        .sum()
}

fn applied_by(books: &Store, payment: u64, kind: &str, txn_id: &Value) -> Decimal {
    books
        .get("Payment", payment)
        .map(|p| sum_links(p, kind, txn_id))
        .unwrap_or_default()
}

fn sum_links(payment: &Value, kind: &str, txn_id: &Value) -> Decimal {
    payment["Line"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| {
            l["LinkedTxn"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|t| t["TxnType"] == kind && t["TxnId"] == *txn_id)
        })
        .filter_map(|l| amount(&l["Amount"], "Amount").ok().flatten())
        .sum()
}

/// Recomputes the balance of every transaction a payment links to.
pub fn refresh_linked(ctx: &mut Ctx, payment: &Value) {
    for line in payment["Line"].as_array().into_iter().flatten() {
        for link in line["LinkedTxn"].as_array().into_iter().flatten() {
            let kind = link["TxnType"].as_str().unwrap_or_default();
            let Some(id) = id_of(&link["TxnId"]) else {
                continue;
            };
            let applied = applied_to(ctx.books, kind, &link["TxnId"]);
            if let Some(txn) = ctx.books.get_mut(kind, id) {
                let total = amount(&txn["TotalAmt"], "TotalAmt")
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                let balance = (total - applied).max(Decimal::ZERO);
                txn["Balance"] = to_json(balance);
                if kind == "CreditMemo" {
                    txn["RemainingCredit"] = to_json(balance);
                }
                if let Some(rate) = amount(&txn["ExchangeRate"], "ExchangeRate").ok().flatten()
                    && !txn["HomeBalance"].is_null()
                {
                    txn["HomeBalance"] = to_json(cents(balance * rate));
                }
            }
        }
    }
    let customer = payment["CustomerRef"].clone();
    refresh_customer(ctx, &customer);
}

/// A customer's balance: what is open on its invoices less its open credit.
pub fn refresh_customer(ctx: &mut Ctx, customer_ref: &Value) {
    let Some(id) = id_of(customer_ref) else {
        return;
    };
    let open = |kind: &str| -> Decimal {
        ctx.books
            .all(kind)
            .filter(|t| id_of(&t["CustomerRef"]) == Some(id))
            .filter_map(|t| amount(&t["Balance"], "Balance").ok().flatten())
            .sum()
    };
    let balance = open("Invoice") - open("CreditMemo");
    if let Some(c) = ctx.books.get_mut("Customer", id) {
        c["Balance"] = to_json(balance);
        c["BalanceWithJobs"] = to_json(balance);
    }
}
