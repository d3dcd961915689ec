//! Tryton's optional abilities: notes, budgets (with the `account_budget` module),
//! currency rates and invoice status changes.

use super::*;

#[async_trait]
impl HistoryNotes for TrytonTarget {
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
}

#[async_trait]
impl StatusChanges for TrytonTarget {
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
}

#[async_trait]
impl Budgets for TrytonTarget {
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
}

#[async_trait]
impl ExchangeRates for TrytonTarget {
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
