//! What the connector reads once about the company and keeps: its preferences
//! (home currency, multicurrency, custom transaction numbers, closing date), its
//! country (which tax model it uses), and the name lists lines point into
//! (accounts, tax codes, classes, departments). Items and customers change as we
//! write, so they live in [`super::names`].

use chrono::NaiveDate;
use ledgerbridge_sdk::{ConnectorError, ConnectorResult};
use serde_json::Value;

use crate::client::QuickBooksClient;
use crate::wire::objects::{CompanyInfo, Named, TaxCode};

/// The company's settings that change what the connector writes.
#[derive(Debug, Clone)]
pub struct Company {
    pub name: String,
    pub home_currency: String,
    pub multicurrency: bool,
    /// `SalesFormsPrefs.CustomTxnNumbers`: whether our `DocNumber` is kept.
    pub custom_txn_numbers: bool,
    pub close_date: Option<NaiveDate>,
    /// US companies tax lines with `TAX`/`NON`; elsewhere a line names a tax code.
    pub us: bool,
    pub accounts: Vec<Named>,
    pub tax_codes: Vec<TaxCode>,
    pub classes: Vec<Named>,
    pub departments: Vec<Named>,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Company {
    pub async fn read(client: &QuickBooksClient) -> ConnectorResult<Company> {
        let prefs: Value = client.read("preferences", "Preferences").await?;
        let info: Vec<CompanyInfo> = client.query_all("CompanyInfo", None).await?;
        let info = info.into_iter().next().unwrap_or_default();
        let accounts = client.query_all("Account", None).await?;
        let tax_codes = client.query_all("TaxCode", None).await?;
        let classes = client.query_all("Class", None).await?;
        let departments = client.query_all("Department", None).await?;
        let text = |v: &Value| v.as_str().map(str::to_string);
        Ok(Company {
            name: info.name.unwrap_or_default(),
            home_currency: text(&prefs["CurrencyPrefs"]["HomeCurrency"]["value"])
                .unwrap_or_else(|| "USD".into()),
            multicurrency: prefs["CurrencyPrefs"]["MultiCurrencyEnabled"]
                .as_bool()
                .unwrap_or(false),
            custom_txn_numbers: prefs["SalesFormsPrefs"]["CustomTxnNumbers"]
                .as_bool()
                .unwrap_or(false),
            close_date: text(&prefs["AccountingInfoPrefs"]["BookCloseDate"])
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            us: info.country.as_deref().is_none_or(|c| c == "US"),
            accounts,
            tax_codes,
            classes,
            departments,
        })
    }

    /// An account by number or name.
    pub fn account(&self, code: &str) -> Option<&Named> {
        self.accounts
            .iter()
            .find(|a| a.acct_num.as_deref().is_some_and(|n| same(n, code)))
            .or_else(|| self.accounts.iter().find(|a| same(&a.name, code)))
    }

    pub fn account_name(&self, id: &str) -> Option<String> {
        self.accounts
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.acct_num.clone().unwrap_or_else(|| a.name.clone()))
    }

    /// The `TaxCodeRef` value of a line's tax type: `TAX`/`NON` in the US, else a
    /// tax code by id or name.
    pub fn tax_code(&self, tax_type: &str) -> ConnectorResult<String> {
        if self.us {
            return match tax_type.to_ascii_uppercase().as_str() {
                t @ ("TAX" | "NON") => Ok(t.to_string()),
                _ => Err(ConnectorError::validation(format!(
                    "tax type {tax_type:?}: a US QuickBooks company taxes a line with TAX or NON"
                ))),
            };
        }
        self.tax_codes
            .iter()
            .find(|c| c.id == tax_type)
            .or_else(|| self.tax_codes.iter().find(|c| same(&c.name, tax_type)))
            .map(|c| c.id.clone())
            .ok_or_else(|| {
                ConnectorError::validation(format!(
                    "tax type {tax_type:?}: no QuickBooks tax code has that id or name ({})",
                    self.tax_codes
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// The tracking category a name stands for: `Class`, or `Department` (which
    /// QuickBooks also calls Location).
    pub fn tracking_list(&self, category: &str) -> Option<(&'static str, &[Named])> {
        if same(category, "Class") {
            Some(("Class", &self.classes))
        } else if same(category, "Department") || same(category, "Location") {
            Some(("Department", &self.departments))
        } else {
            None
        }
    }

    pub fn tracking_name(&self, category: &str, id: &str) -> Option<String> {
        let (_, list) = self.tracking_list(category)?;
        list.iter().find(|n| n.id == id).map(|n| n.name.clone())
    }
}
