//! Invoices and payments: canonical records turned into QuickBooks bodies (items,
//! tax codes, classes, departments and the customer for the invoice's currency
//! resolved first), and QuickBooks' invoices read back.

use std::collections::HashMap;

use ledgerbridge_sdk::model::{
    CustomerRef, Invoice, InvoiceStatus, Payment, TargetInvoice, TaxMode, TaxRate, round_money,
};
use ledgerbridge_sdk::{
    ConnectorError, ConnectorResult, ErrorKind, ItemOutcome, WriteItem, Written,
};
use rust_decimal::Decimal;

use super::{Outgoing, QuickBooksTarget, outcomes};
use crate::client::any_of;
use crate::convert::{self, NOTE_MARKER};
use crate::reference::stored;
use crate::wire::objects::{self as wire, LinkedTxn, Ref};

fn line_error(n: usize, e: ConnectorError) -> ConnectorError {
    let msg = format!("line {n}: {}", e.message);
    ConnectorError { message: msg, ..e }
}

impl QuickBooksTarget {
    /// The QuickBooks body of one invoice (`current`: id and `SyncToken` to update).
    async fn invoice_body(
        &self,
        inv: &Invoice,
        current: Option<(&str, &str)>,
        customers: &HashMap<String, super::CustomerFacts>,
    ) -> ConnectorResult<wire::Invoice> {
        let company = self.company().await?;
        if inv.status == InvoiceStatus::Draft {
            return Err(ConnectorError::validation(
                "QuickBooks has no draft invoices: every invoice is posted (set the pair's invoice_status to AUTHORISED)",
            ));
        }
        if inv.tax_mode == TaxMode::Inclusive {
            return Err(ConnectorError::validation(
                "tax-inclusive line amounts are not written to QuickBooks by this connector; map the invoice's tax_mode to exclusive",
            ));
        }
        let currency = inv.currency.code().to_string();
        if currency != company.home_currency && !company.multicurrency {
            return Err(ConnectorError::validation(format!(
                "multicurrency is off in this QuickBooks company: a {currency} invoice cannot be written (home currency {})",
                company.home_currency
            )));
        }
        let customer = match &inv.customer {
            CustomerRef::TargetId(id) => {
                let facts = customers.get(id).ok_or_else(|| {
                    ConnectorError::new(
                        ErrorKind::NotFound,
                        format!("QuickBooks has no customer {id}"),
                    )
                })?;
                self.customer_in(id, facts, &currency).await?
            }
            CustomerRef::Name(name) => self.customer_named(name).await?.ok_or_else(|| {
                ConnectorError::validation(format!("QuickBooks has no customer named {name:?}"))
            })?,
        };
        let mut department: Option<Ref> = None;
        let mut lines = Vec::with_capacity(inv.lines.len());
        for (i, l) in inv.lines.iter().enumerate() {
            let n = i + 1;
            let code = l.item_code.as_deref().filter(|c| !c.trim().is_empty()).ok_or_else(|| {
                line_error(n, ConnectorError::validation(
                    "QuickBooks lines need an item: map the line's item_code (an item's SKU or name)",
                ))
            })?;
            let item = self
                .item_for(code, &l.account_code)
                .await
                .map_err(|e| line_error(n, e))?;
            let tax_code = match (&l.tax_type, inv.tax_mode) {
                (_, TaxMode::NoTax) if company.us => Some("NON".to_string()),
                (Some(t), _) if !t.trim().is_empty() => {
                    Some(company.tax_code(t).map_err(|e| line_error(n, e))?)
                }
                _ => None,
            };
            let mut class = None;
            for t in l.tracking.iter().filter(|t| !t.option.trim().is_empty()) {
                let (which, list) = company.tracking_list(&t.category).ok_or_else(|| {
                    line_error(n, ConnectorError::validation(format!(
                        "tracking category {:?}: QuickBooks tracks lines by Class and invoices by Department",
                        t.category
                    )))
                })?;
                let option = list
                    .iter()
                    .find(|o| o.name.trim().eq_ignore_ascii_case(t.option.trim()))
                    .ok_or_else(|| {
                        line_error(
                            n,
                            ConnectorError::validation(format!(
                                "QuickBooks has no {which} named {:?}",
                                t.option
                            )),
                        )
                    })?;
                let r = Some(Ref::to(option.id.clone()));
                if which == "Class" {
                    class = r;
                } else {
                    department = r;
                }
            }
            // QuickBooks keeps amounts to cents (yen whole), whatever the currency
            let dp = inv.currency.minor_units().min(2);
            let round = |d: Decimal| round_money(d, dp);
            let gross = round(l.quantity * l.unit_amount);
            // the discount is rounded on its own and taken off, as CRMs compute it
            let discounted = match l.discount_rate {
                Some(d) if !d.is_zero() => {
                    Some(gross - round(l.quantity * l.unit_amount * d / Decimal::ONE_HUNDRED))
                }
                _ => None,
            };
            let amount = discounted.unwrap_or(gross);
            lines.push(wire::Line {
                description: Some(l.description.chars().take(4000).collect()),
                amount: Some(amount),
                detail_type: Some("SalesItemLineDetail".into()),
                sales: Some(wire::SalesItemLineDetail {
                    item: Some(Ref::to(item)),
                    class,
                    // a discounted line states its amount: QuickBooks checks
                    // quantity x unit price against it
                    unit_price: discounted.is_none().then_some(l.unit_amount),
                    qty: Some(l.quantity),
                    tax_code: tax_code.map(Ref::to),
                }),
                ..wire::Line::default()
            });
        }
        Ok(wire::Invoice {
            id: current.map(|(id, _)| id.to_string()),
            sync_token: current.map(|(_, t)| t.to_string()),
            sparse: current.map(|_| true),
            doc_number: Some(stored(&inv.reference)),
            txn_date: Some(inv.date.to_string()),
            due_date: Some(inv.due_date.to_string()),
            customer: Some(Ref::to(customer)),
            department,
            currency: company.multicurrency.then(|| Ref::to(currency.clone())),
            private_note: Some(format!("{NOTE_MARKER}{}", inv.reference)),
            lines,
            ..wire::Invoice::default()
        })
    }

    pub(super) async fn write_invoices(
        &self,
        items: &[WriteItem<Invoice>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let ids: Vec<String> = items.iter().filter_map(|i| i.target_id.clone()).collect();
        let tokens = self.sync_tokens("Invoice", &ids).await?;
        let customer_ids: Vec<String> = items
            .iter()
            .filter_map(|i| match &i.record.customer {
                CustomerRef::TargetId(id) => Some(id.clone()),
                CustomerRef::Name(_) => None,
            })
            .collect();
        let customers = self.customer_facts(&customer_ids).await?;
        let mut early = Vec::new();
        let mut outgoing = Vec::new();
        for (index, it) in items.iter().enumerate() {
            let current = match &it.target_id {
                None => None,
                Some(id) => match tokens.get(id) {
                    Some(t) => Some((id.as_str(), t.as_str())),
                    None => {
                        early.push((
                            index,
                            ConnectorError::new(
                                ErrorKind::NotFound,
                                format!("QuickBooks has no invoice {id} to update"),
                            ),
                        ));
                        continue;
                    }
                },
            };
            match self.invoice_body(&it.record, current, &customers).await {
                Ok(body) => outgoing.push(Outgoing {
                    index,
                    key: it.key.clone(),
                    label: it.record.reference.clone(),
                    operation: if current.is_some() {
                        "update"
                    } else {
                        "create"
                    },
                    body,
                }),
                // a failed lookup call fails the job (retried); a refused record only itself
                Err(e) if e.is_retryable() => return Err(e),
                Err(e) => early.push((
                    index,
                    ConnectorError {
                        message: format!("invoice {}: {}", it.record.reference, e.message),
                        ..e
                    },
                )),
            }
        }
        let sent = self
            .send("Invoice", "invoice", outgoing, |i, t| {
                i.sync_token = Some(t)
            })
            .await?;
        let home = self.home_hint();
        let company = self.company().await?;
        let results = sent
            .into_iter()
            .map(|(o, r)| {
                let r = r.map(|i| {
                    let t = convert::target_invoice(
                        &i,
                        &home,
                        &|item| self.item_account(item),
                        &|cat, id| company.tracking_name(cat, id),
                    );
                    let mut t = t;
                    t.reference = Some(items[o.index].record.reference.clone());
                    if let CustomerRef::TargetId(base) = &items[o.index].record.customer {
                        t.customer_id = Some(base.clone());
                    }
                    Written {
                        target_id: t.id.clone(),
                        version: i.sync_token.clone(),
                        created: o.operation == "create",
                        invoice: Some(Box::new(t)),
                    }
                });
                (o.index, r)
            })
            .collect();
        Ok(outcomes(items, early, results))
    }

    /// QuickBooks invoices as the engine reads them.
    pub(super) async fn read_invoices(
        &self,
        found: &[wire::Invoice],
    ) -> ConnectorResult<Vec<TargetInvoice>> {
        let company = self.company().await?;
        // items created elsewhere name their income accounts too
        if found.iter().any(|i| !i.lines.is_empty()) {
            self.load_items_once().await?;
        }
        let customers: Vec<String> = found
            .iter()
            .filter_map(|i| i.customer.as_ref().map(|c| c.value.clone()))
            .collect();
        let base = self.base_customers(&customers).await?;
        Ok(found
            .iter()
            .map(|i| {
                let mut t = convert::target_invoice(
                    i,
                    &company.home_currency,
                    &|item| self.item_account(item),
                    &|cat, id| company.tracking_name(cat, id),
                );
                // the company's customer, as the engine links it
                if let Some(b) = t.customer_id.as_ref().and_then(|c| base.get(c)) {
                    t.customer_id = Some(b.clone());
                }
                t
            })
            .collect())
    }

    pub(super) async fn write_payments(
        &self,
        items: &[WriteItem<Payment>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let company = self.company().await?;
        let ids: Vec<String> = items.iter().map(|i| i.record.invoice_id.clone()).collect();
        let mut invoices: HashMap<String, wire::Invoice> = HashMap::new();
        for chunk in ids.chunks(self.client.config().batch_size) {
            let found: Vec<wire::Invoice> = self
                .client
                .query_all("Invoice", Some(&any_of("Id", chunk)))
                .await?;
            invoices.extend(found.into_iter().filter_map(|i| Some((i.id.clone()?, i))));
        }
        let mut early = Vec::new();
        let mut outgoing = Vec::new();
        for (index, it) in items.iter().enumerate() {
            let p = &it.record;
            let Some(inv) = invoices.get(&p.invoice_id) else {
                early.push((
                    index,
                    ConnectorError::new(
                        ErrorKind::NotFound,
                        format!(
                            "payment {}: QuickBooks has no invoice {}",
                            p.reference, p.invoice_id
                        ),
                    ),
                ));
                continue;
            };
            let deposit = match company.account(&p.account_code) {
                Some(a) => a.id.clone(),
                None => {
                    early.push((
                        index,
                        ConnectorError::validation(format!(
                            "payment {}: no QuickBooks account has number or name {:?} (the pair's bank_account)",
                            p.reference, p.account_code
                        )),
                    ));
                    continue;
                }
            };
            outgoing.push(Outgoing {
                index,
                key: it.key.clone(),
                label: p.reference.clone(),
                operation: "create",
                body: wire::Payment {
                    customer: inv.customer.clone().map(|c| Ref::to(c.value)),
                    total: Some(p.amount),
                    txn_date: Some(p.date.to_string()),
                    ref_num: Some(stored(&p.reference)),
                    private_note: Some(format!("{NOTE_MARKER}{}", p.reference)),
                    deposit_to: Some(Ref::to(deposit)),
                    lines: vec![wire::Line {
                        amount: Some(p.amount),
                        linked: vec![LinkedTxn {
                            id: p.invoice_id.clone(),
                            kind: "Invoice".into(),
                        }],
                        ..wire::Line::default()
                    }],
                    ..wire::Payment::default()
                },
            });
        }
        let sent = self
            .send("Payment", "payment", outgoing, |p, t| {
                p.sync_token = Some(t)
            })
            .await?;
        let results = sent
            .into_iter()
            .map(|(o, r)| {
                (
                    o.index,
                    r.map(|p| Written {
                        target_id: p.id.clone().unwrap_or_default(),
                        version: p.sync_token.clone(),
                        created: true,
                        invoice: None,
                    }),
                )
            })
            .collect();
        Ok(outcomes(items, early, results))
    }

    /// Tax codes as rates: their rates summed; a US company's `TAX` and `NON` too.
    pub(super) async fn read_tax_rates(&self) -> ConnectorResult<Vec<TaxRate>> {
        let company = self.company().await?;
        let rates: Vec<wire::TaxRate> = self.client.query_all("TaxRate", None).await?;
        let rate_of = |id: &str| {
            rates
                .iter()
                .find(|r| r.id == id)
                .and_then(|r| r.rate)
                .unwrap_or_default()
        };
        let mut out: Vec<TaxRate> = company
            .tax_codes
            .iter()
            .map(|c| TaxRate {
                tax_type: c.id.clone(),
                name: c.name.clone(),
                rate: c
                    .sales
                    .iter()
                    .flat_map(|l| l.details.iter())
                    .filter_map(|d| d.rate.as_ref())
                    .map(|r| rate_of(&r.value))
                    .sum(),
                active: c.active != Some(false),
            })
            .collect();
        if company.us {
            let tax = out.first().map(|t| t.rate).unwrap_or_default();
            out.push(TaxRate {
                tax_type: "TAX".into(),
                name: "Taxable (the company's sales tax)".into(),
                rate: tax,
                active: true,
            });
            out.push(TaxRate {
                tax_type: "NON".into(),
                name: "Not taxable".into(),
                rate: Decimal::ZERO,
                active: true,
            });
        }
        Ok(out)
    }
}
