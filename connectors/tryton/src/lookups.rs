//! The codes a mapping writes (account `4.1.2`, tax `VAT 20%`, currency
//! `EUR`, bank account `1.1.1`) and the Tryton ids they stand for, read once
//! per connection.

use std::collections::HashMap;

use crate::client::TrytonClient;
use crate::error::{TrytonError, TrytonResult};

#[derive(Debug, Clone, Default)]
pub struct Lookups {
    pub account_by_code: HashMap<String, u64>,
    pub account_code: HashMap<u64, String>,
    /// Taxes by name (what a mapping's `tax_type` names).
    pub tax_by_name: HashMap<String, u64>,
    pub tax_name: HashMap<u64, String>,
    pub currency_by_code: HashMap<String, u64>,
    pub currency_code: HashMap<u64, String>,
    /// Invoice payment methods by the code of the account they receive on.
    pub payment_method_by_account: HashMap<String, u64>,
    pub revenue_journal: u64,
    pub default_receivable: Option<u64>,
}

impl Lookups {
    pub async fn load(c: &TrytonClient) -> TrytonResult<Lookups> {
        let mut l = Lookups::default();
        for a in c.accounts().await? {
            if let Some(code) = a.code {
                l.account_by_code.insert(code.clone(), a.id);
                l.account_code.insert(a.id, code);
            }
        }
        for t in c.taxes().await? {
            l.tax_by_name.insert(t.name.clone(), t.id);
            l.tax_name.insert(t.id, t.name);
        }
        for cur in c.currencies().await? {
            l.currency_by_code.insert(cur.code.clone(), cur.id);
            l.currency_code.insert(cur.id, cur.code);
        }
        for m in c.payment_methods().await? {
            if let Some(code) = m.account_code() {
                l.payment_method_by_account
                    .entry(code.to_string())
                    .or_insert(m.id);
            }
        }
        l.revenue_journal = c
            .journals()
            .await?
            .into_iter()
            .find(|j| j.kind == "revenue")
            .map(|j| j.id)
            .ok_or_else(|| {
                TrytonError::Transport(ledgerbridge_sdk::ConnectorError::config(
                    "Tryton has no revenue journal for customer invoices",
                ))
            })?;
        l.default_receivable = c.default_receivable_account().await?;
        Ok(l)
    }
}
