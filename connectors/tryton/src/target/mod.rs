//! The SDK's finance-target contract on Tryton.
//!
//! Writes go in batches of one transaction each; when a batch is refused,
//! its items are sent one at a time so each gets its own outcome with
//! Tryton's message. Invoices are created as drafts and then posted (unless
//! the mapping asks for `DRAFT`): a draft is not in the books. A draft whose
//! posting Tryton refuses (a date before the last posted invoice, no open
//! period) is deleted again, so the refusal is a dead letter and nothing half
//! done stays in the books; a retry after the fix creates it anew.
//!
//! Tryton has no idempotency key: exactly-once rests on the engine's keys and
//! its lookup by reference (`find_invoices`, `find_payments`, the note
//! marker, the party identifier) before any resend.

use async_trait::async_trait;
use chrono::NaiveDate;
use ledgerbridge_sdk::model::{
    Account, Budget, BudgetLine, CurrencyRates, Customer, FinanceObject, HistoryNote, Invoice,
    InvoiceStatus, NoteSubject, Organisation, Payment, TargetCustomer, TargetInvoice, TargetNote,
    TargetPayment, TaxRate, TrackingCategory,
};
use ledgerbridge_sdk::{
    Capabilities, ConnectorError, ConnectorResult, Cursor, CustomerMatch, ErrorKind, FinanceTarget,
    ItemOutcome, PageStream, StatusChange, WriteItem, Written,
};
use tokio::sync::OnceCell;

mod batch;
mod listing;

use crate::client::TrytonClient;
use crate::config::TrytonConfig;
use crate::convert;
use crate::invoice::{InvoiceRow, InvoiceState};
use crate::lookups::Lookups;

pub struct TrytonTarget {
    client: TrytonClient,
    caps: Capabilities,
    lookups: OnceCell<Lookups>,
}

fn fail(key: &str, e: ConnectorError) -> ItemOutcome {
    ItemOutcome {
        key: key.to_string(),
        result: Err(e),
    }
}

fn invalid(m: String) -> ConnectorError {
    ConnectorError::validation(m.clone()).with_vendor_message(m)
}

fn ids(v: &[String]) -> Vec<u64> {
    v.iter().filter_map(|s| s.parse().ok()).collect()
}

impl TrytonTarget {
    pub async fn connect(connection: &str, cfg: TrytonConfig) -> ConnectorResult<TrytonTarget> {
        let caps = crate::capabilities(&cfg);
        let client = TrytonClient::connect(connection, cfg).await?;
        Ok(TrytonTarget {
            client,
            caps,
            lookups: OnceCell::new(),
        })
    }

    pub fn client(&self) -> &TrytonClient {
        &self.client
    }

    pub(super) async fn lookups(&self) -> ConnectorResult<&Lookups> {
        Ok(self
            .lookups
            .get_or_try_init(|| Lookups::load(&self.client))
            .await?)
    }

    pub(super) async fn invoices_with_lines(
        &self,
        rows: Vec<InvoiceRow>,
    ) -> ConnectorResult<Vec<TargetInvoice>> {
        let l = self.lookups().await?;
        let line_ids: Vec<u64> = rows.iter().flat_map(|r| r.lines.iter().copied()).collect();
        let lines = self.client.read_invoice_lines(&line_ids).await?;
        Ok(rows
            .iter()
            .map(|r| convert::target_invoice(r, &lines, l))
            .collect())
    }
}

#[async_trait]
impl FinanceTarget for TrytonTarget {
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn upsert_customers(
        &self,
        items: &[WriteItem<Customer>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let mut out = Vec::with_capacity(items.len());
        let creates: Vec<&WriteItem<Customer>> =
            items.iter().filter(|i| i.target_id.is_none()).collect();
        let parties: Vec<_> = creates
            .iter()
            .map(|i| convert::new_party(&i.record))
            .collect();
        match self.client.create_parties(&parties).await {
            Ok(ids) => {
                for (item, id) in creates.iter().zip(ids) {
                    out.push(ItemOutcome {
                        key: item.key.clone(),
                        result: Ok(Written {
                            target_id: id.to_string(),
                            version: None,
                            created: true,
                            invoice: None,
                        }),
                    });
                }
            }
            Err(_) => {
                // one at a time, so the refused ones are told apart
                for (item, party) in creates.iter().zip(parties) {
                    let result = match self
                        .client
                        .create_parties(std::slice::from_ref(&party))
                        .await
                    {
                        Ok(ids) => Ok(Written {
                            target_id: ids[0].to_string(),
                            version: None,
                            created: true,
                            invoice: None,
                        }),
                        Err(e) => Err(ConnectorError::from(e)),
                    };
                    out.push(ItemOutcome {
                        key: item.key.clone(),
                        result,
                    });
                }
            }
        }
        for item in items.iter().filter(|i| i.target_id.is_some()) {
            let id = item.target_id.as_deref().unwrap_or_default();
            let result = match id.parse::<u64>() {
                Err(_) => Err(invalid(format!(
                    "customer id {id:?} is not a Tryton party id"
                ))),
                Ok(pid) => {
                    let c = &item.record;
                    self.client
                        .update_party(pid, &c.name, c.email.as_deref(), c.phone.as_deref())
                        .await
                        .map(|_| Written {
                            target_id: id.to_string(),
                            version: None,
                            created: false,
                            invoice: None,
                        })
                        .map_err(ConnectorError::from)
                }
            };
            out.push(ItemOutcome {
                key: item.key.clone(),
                result,
            });
        }
        let order: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        out.sort_by_key(|o| order.iter().position(|k| *k == o.key).unwrap_or(usize::MAX));
        Ok(out)
    }

    async fn upsert_invoices(
        &self,
        items: &[WriteItem<Invoice>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let l = self.lookups().await?;
        let party_ids: Vec<u64> = items
            .iter()
            .filter_map(|i| convert::party_id(&i.record.customer).ok())
            .collect();
        let parties = self.client.read_parties(&party_ids).await?;
        let mut out: Vec<ItemOutcome> = Vec::with_capacity(items.len());
        let mut batch = Vec::new();
        for item in items {
            if let Some(id) = &item.target_id {
                out.push(fail(&item.key, invalid(format!(
                    "Tryton invoice {id} exists; Tryton does not change an invoice once posted (void it and invoice again)"
                ))));
                continue;
            }
            let converted = convert::party_id(&item.record.customer).and_then(|pid| {
                let party = parties
                    .iter()
                    .find(|p| p.row.id == pid)
                    .ok_or(format!("Tryton party {pid} does not exist"))?;
                convert::new_invoice(&item.record, party, l)
            });
            match converted {
                Ok(inv) => batch.push((
                    item.key.clone(),
                    inv,
                    item.record.status != InvoiceStatus::Draft,
                )),
                Err(m) => out.push(fail(
                    &item.key,
                    invalid(format!("invoice {:?}: {m}", item.record.reference)),
                )),
            }
        }
        if !batch.is_empty() {
            out.extend(self.create_and_post(batch).await);
        }
        let order: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        out.sort_by_key(|o| order.iter().position(|k| *k == o.key).unwrap_or(usize::MAX));
        Ok(out)
    }

    async fn create_payments(
        &self,
        items: &[WriteItem<Payment>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let l = self.lookups().await?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let p = &item.record;
            let result = async {
                let invoice: u64 = p.invoice_id.parse().map_err(|_| {
                    invalid(format!("invoice id {:?} is not a Tryton id", p.invoice_id))
                })?;
                let method = *l
                    .payment_method_by_account
                    .get(&p.account_code)
                    .ok_or_else(|| {
                        invalid(format!(
                            "no Tryton invoice payment method receives on account {:?}",
                            p.account_code
                        ))
                    })?;
                self.client
                    .pay_invoice(invoice, p.amount, p.date, method, &p.reference)
                    .await?;
                let found = self
                    .client
                    .payments_by_reference(std::slice::from_ref(&p.reference))
                    .await?;
                let line = found
                    .iter()
                    .filter(|f| f.invoice_id == Some(invoice))
                    .map(|f| f.line_id)
                    .max();
                Ok(Written {
                    target_id: line.map(|l| l.to_string()).unwrap_or_default(),
                    version: None,
                    created: true,
                    invoice: None,
                })
            }
            .await;
            out.push(ItemOutcome {
                key: item.key.clone(),
                result,
            });
        }
        Ok(out)
    }

    async fn add_notes(
        &self,
        items: &[WriteItem<HistoryNote>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let result = match resource(&item.record.subject) {
                Err(e) => Err(e),
                Ok(r) => self
                    .client
                    .add_notes(&[(r, item.record.text.clone())])
                    .await
                    .map(|ids| Written {
                        target_id: ids[0].to_string(),
                        version: None,
                        created: true,
                        invoice: None,
                    })
                    .map_err(ConnectorError::from),
            };
            out.push(ItemOutcome {
                key: item.key.clone(),
                result,
            });
        }
        Ok(out)
    }

    async fn set_invoice_status(
        &self,
        item: &WriteItem<StatusChange>,
    ) -> ConnectorResult<ItemOutcome> {
        let id: u64 = item.record.invoice_id.parse().map_err(|_| {
            invalid(format!(
                "invoice id {:?} is not a Tryton id",
                item.record.invoice_id
            ))
        })?;
        let result = async {
            let Some(row) = self.client.read_invoices(&[id]).await?.pop() else {
                return Err(ConnectorError::new(
                    ErrorKind::NotFound,
                    format!("Tryton invoice {id} does not exist"),
                ));
            };
            match (item.record.status, row.state) {
                (InvoiceStatus::Voided, InvoiceState::Cancelled)
                | (InvoiceStatus::Authorised, InvoiceState::Posted) => {}
                (InvoiceStatus::Voided, InvoiceState::Paid) => {
                    return Err(invalid(format!(
                        "Tryton invoice {id} is paid: it is not cancelled"
                    )));
                }
                (InvoiceStatus::Voided, _) => self.client.cancel_invoices(&[id]).await?,
                (InvoiceStatus::Deleted, InvoiceState::Draft) => {
                    self.client.delete_invoices(&[id]).await?
                }
                (InvoiceStatus::Authorised, InvoiceState::Draft | InvoiceState::Validated) => {
                    self.client.post_invoices(&[id]).await?
                }
                (want, have) => {
                    return Err(invalid(format!(
                        "Tryton invoice {id} is {have:?}: it cannot become {}",
                        want.as_str()
                    )));
                }
            }
            Ok(Written {
                target_id: id.to_string(),
                version: None,
                created: false,
                invoice: None,
            })
        }
        .await;
        Ok(ItemOutcome {
            key: item.key.clone(),
            result,
        })
    }

    async fn find_invoices(&self, references: &[String]) -> ConnectorResult<Vec<TargetInvoice>> {
        let rows = self.client.invoices_by_reference(references).await?;
        self.invoices_with_lines(rows).await
    }

    async fn get_invoices(&self, ids: &[String]) -> ConnectorResult<Vec<TargetInvoice>> {
        let rows = self.client.read_invoices(&self::ids(ids)).await?;
        self.invoices_with_lines(rows).await
    }

    async fn find_customers(
        &self,
        matches: &[CustomerMatch],
    ) -> ConnectorResult<Vec<TargetCustomer>> {
        let pick = |f: fn(&CustomerMatch) -> Option<&String>| {
            matches.iter().filter_map(f).cloned().collect::<Vec<_>>()
        };
        let refs = pick(|m| {
            if let CustomerMatch::ExternalRef(r) = m {
                Some(r)
            } else {
                None
            }
        });
        let emails = pick(|m| {
            if let CustomerMatch::Email(r) = m {
                Some(r)
            } else {
                None
            }
        });
        let names = pick(|m| {
            if let CustomerMatch::Name(r) = m {
                Some(r)
            } else {
                None
            }
        });
        let mut found = Vec::new();
        if !refs.is_empty() {
            found.extend(self.client.find_parties_by_external_id(&refs).await?);
        }
        if !emails.is_empty() {
            found.extend(self.client.find_parties_by_email(&emails).await?);
        }
        if !names.is_empty() {
            found.extend(self.client.find_parties_by_name(&names).await?);
        }
        let mut out: Vec<TargetCustomer> = Vec::new();
        for p in &found {
            if !out.iter().any(|c| c.id == p.row.id.to_string()) {
                out.push(convert::target_customer(p));
            }
        }
        Ok(out)
    }

    async fn find_payments(&self, references: &[String]) -> ConnectorResult<Vec<TargetPayment>> {
        let rows = self.client.payments_by_reference(references).await?;
        Ok(rows.iter().map(convert::target_payment).collect())
    }

    async fn find_notes(&self, subject: &NoteSubject) -> ConnectorResult<Vec<TargetNote>> {
        let notes = self.client.notes(&resource(subject)?).await?;
        Ok(notes
            .into_iter()
            .map(|n| TargetNote {
                id: n.id.to_string(),
                subject: subject.clone(),
                text: n.message.unwrap_or_default(),
            })
            .collect())
    }

    fn list_invoices<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetInvoice> {
        self.list(since, move |from, offset, size| async move {
            let rows = self.client.invoices_changed(from, offset, size).await?;
            let last = rows.iter().filter_map(|r| r.write_date).max();
            Ok((self.invoices_with_lines(rows).await?, last))
        })
    }

    fn list_customers<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetCustomer> {
        self.list(since, move |from, offset, size| async move {
            let parties = self.client.parties_changed(from, offset, size).await?;
            let last = parties.iter().filter_map(|p| p.row.write_date).max();
            Ok((parties.iter().map(convert::target_customer).collect(), last))
        })
    }

    fn list_payments<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetPayment> {
        self.list(since, move |from, offset, size| async move {
            let rows = self.client.payments_changed(from, offset, size).await?;
            let last = rows.iter().filter_map(|r| r.write_date).max();
            Ok((rows.iter().map(convert::target_payment).collect(), last))
        })
    }

    async fn organisation(&self) -> ConnectorResult<Organisation> {
        let c = self.client.company();
        Ok(Organisation {
            name: c.name.clone(),
            base_currency: ledgerbridge_sdk::model::Currency::new(&c.currency_code)
                .map_err(|e| ConnectorError::malformed(format!("Tryton company currency: {e}")))?,
            lock_date: self.client.last_closed_period_end().await?,
        })
    }

    async fn accounts(&self) -> ConnectorResult<Vec<Account>> {
        Ok(self
            .client
            .accounts()
            .await?
            .into_iter()
            .filter_map(|a| {
                Some(Account {
                    id: a.id.to_string(),
                    kind: a.kind().to_uppercase(),
                    active: !a.closed,
                    code: a.code?,
                    name: a.name,
                })
            })
            .collect())
    }

    async fn tax_rates(&self) -> ConnectorResult<Vec<TaxRate>> {
        Ok(self
            .client
            .taxes()
            .await?
            .into_iter()
            .filter(|t| t.kind == "percentage")
            .map(|t| TaxRate {
                tax_type: t.name.clone(),
                name: t.description.unwrap_or(t.name),
                rate: t
                    .rate
                    .map(|r| (r.0 * rust_decimal::Decimal::ONE_HUNDRED).normalize())
                    .unwrap_or_default(),
                active: t.active,
            })
            .collect())
    }

    /// Tryton's analytic accounts would be the equivalent; not mapped yet.
    async fn tracking_categories(&self) -> ConnectorResult<Vec<TrackingCategory>> {
        Ok(Vec::new())
    }

    /// Budget lines per account and month, from Tryton's `account_budget`
    /// module; without the module, an error saying so.
    async fn budgets(&self, from: NaiveDate, to: NaiveDate) -> ConnectorResult<Vec<Budget>> {
        if !self.client.module_activated("account_budget").await? {
            return Err(ConnectorError::config(
                "Tryton budgets need the account_budget module, which this database has not activated",
            ));
        }
        let mut budgets: Vec<Budget> = Vec::new();
        for row in self.client.budget_periods(from, to).await? {
            let Some(code) = row.account_code else {
                continue;
            };
            let line = BudgetLine {
                account_code: code,
                period: row.period_start.format("%Y-%m").to_string(),
                amount: row.amount,
            };
            match budgets
                .iter_mut()
                .find(|b| b.id == row.budget_id.to_string())
            {
                Some(b) => b.lines.push(line),
                None => budgets.push(Budget {
                    id: row.budget_id.to_string(),
                    name: row.budget_name,
                    tracking: Vec::new(),
                    lines: vec![line],
                }),
            }
        }
        Ok(budgets)
    }

    async fn currency_rates(&self) -> ConnectorResult<CurrencyRates> {
        let mut rates = std::collections::BTreeMap::new();
        for (code, rate) in self.client.rates_against_company_currency().await? {
            if let Ok(c) = ledgerbridge_sdk::model::Currency::new(&code) {
                rates.insert(c, rate);
            }
        }
        Ok(CurrencyRates { rates })
    }
}

/// Tryton's reference to the record a note is on.
fn resource(s: &NoteSubject) -> ConnectorResult<String> {
    let id: u64 =
        s.id.parse()
            .map_err(|_| invalid(format!("{:?} is not a Tryton id", s.id)))?;
    match s.object {
        FinanceObject::Customer => Ok(format!("party.party,{id}")),
        FinanceObject::Invoice => Ok(format!("account.invoice,{id}")),
        other => Err(invalid(format!(
            "Tryton notes go on customers and invoices, not on a {}",
            other.as_str()
        ))),
    }
}
