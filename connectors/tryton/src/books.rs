//! The company's books as configured: accounts, taxes, currencies and their
//! rates, journals, payment methods, and the defaults an invoice needs.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

use crate::client::TrytonClient;
use crate::error::TrytonResult;
use crate::wire::{WireDate, WireDecimal};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccountRow {
    pub id: u64,
    pub code: Option<String>,
    pub name: String,
    #[serde(rename = "type.", default)]
    kind: Option<AccountKind>,
    #[serde(default, deserialize_with = "crate::rows::flag")]
    pub closed: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
struct AccountKind {
    name: Option<String>,
    #[serde(deserialize_with = "crate::rows::flag")]
    receivable: bool,
    #[serde(deserialize_with = "crate::rows::flag")]
    payable: bool,
    #[serde(deserialize_with = "crate::rows::flag")]
    revenue: bool,
    #[serde(deserialize_with = "crate::rows::flag")]
    expense: bool,
}

impl AccountRow {
    /// `receivable`, `payable`, `revenue`, `expense` or `other`.
    pub fn kind(&self) -> &'static str {
        match &self.kind {
            Some(k) if k.receivable => "receivable",
            Some(k) if k.payable => "payable",
            Some(k) if k.revenue => "revenue",
            Some(k) if k.expense => "expense",
            _ => "other",
        }
    }

    /// The account type's name (`Accounts Receivable`, …).
    pub fn type_name(&self) -> Option<&str> {
        self.kind.as_ref().and_then(|k| k.name.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaxRow {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    /// For `percentage` taxes: 0.20 is 20 %.
    pub rate: Option<WireDecimal>,
    /// For `fixed` taxes.
    pub amount: Option<WireDecimal>,
    #[serde(default, deserialize_with = "crate::rows::flag")]
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CurrencyRow {
    pub id: u64,
    pub code: String,
    pub name: String,
    pub digits: u32,
    pub rounding: WireDecimal,
    /// The rate on the context's date (today): units per unit of Tryton's
    /// common base; compare two currencies' rates, never one alone.
    pub rate: Option<WireDecimal>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RateRow {
    pub id: u64,
    pub currency: u64,
    pub date: WireDate,
    pub rate: WireDecimal,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JournalRow {
    pub id: u64,
    pub code: Option<String>,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PaymentMethodRow {
    pub id: u64,
    pub name: String,
    pub journal: u64,
    pub debit_account: u64,
    pub credit_account: u64,
    #[serde(rename = "debit_account.", default)]
    debit_rel: Option<crate::rows::Related>,
}

impl PaymentMethodRow {
    /// The code of the account payments are received on.
    pub fn account_code(&self) -> Option<&str> {
        self.debit_rel.as_ref().and_then(|r| r.code.as_deref())
    }
}

#[derive(Debug, Deserialize)]
struct ConfigurationRow {
    default_account_receivable: Option<u64>,
}

impl TrytonClient {
    /// Accounts that can take entries (those with a type), by code.
    pub async fn accounts(&self) -> TrytonResult<Vec<AccountRow>> {
        self.search_read(
            "account.account",
            json!([["type", "!=", null]]),
            0,
            None,
            json!([["code", "ASC"], ["id", "ASC"]]),
            &[
                "code",
                "name",
                "closed",
                "type.name",
                "type.receivable",
                "type.payable",
                "type.revenue",
                "type.expense",
            ],
        )
        .await
    }

    /// Top-level taxes (children of a tax are its components).
    pub async fn taxes(&self) -> TrytonResult<Vec<TaxRow>> {
        self.search_read(
            "account.tax",
            json!([["parent", "=", null]]),
            0,
            None,
            json!([["name", "ASC"], ["id", "ASC"]]),
            &["name", "description", "type", "rate", "amount", "active"],
        )
        .await
    }

    pub async fn currencies(&self) -> TrytonResult<Vec<CurrencyRow>> {
        self.search_read(
            "currency.currency",
            json!([]),
            0,
            None,
            json!([["code", "ASC"]]),
            &["code", "name", "digits", "rounding", "rate"],
        )
        .await
    }

    /// Every dated rate, oldest first.
    pub async fn currency_rate_history(&self) -> TrytonResult<Vec<RateRow>> {
        self.search_read(
            "currency.currency.rate",
            json!([]),
            0,
            None,
            json!([["date", "ASC"], ["id", "ASC"]]),
            &["currency", "date", "rate"],
        )
        .await
    }

    /// Units of each currency per unit of the company's currency, as of
    /// today (currencies without a rate are left out).
    pub async fn rates_against_company_currency(&self) -> TrytonResult<BTreeMap<String, Decimal>> {
        let currencies = self.currencies().await?;
        let base = currencies
            .iter()
            .find(|c| c.id == self.company().currency_id)
            .and_then(|c| c.rate)
            .map(|r| r.0)
            .filter(|r| !r.is_zero());
        let mut out = BTreeMap::new();
        if let Some(base) = base {
            for c in currencies {
                if let Some(r) = c.rate {
                    out.insert(c.code, (r.0 / base).round_dp(6).normalize());
                }
            }
        }
        Ok(out)
    }

    pub async fn journals(&self) -> TrytonResult<Vec<JournalRow>> {
        self.search_read(
            "account.journal",
            json!([]),
            0,
            None,
            json!([["id", "ASC"]]),
            &["code", "name", "type"],
        )
        .await
    }

    pub async fn payment_methods(&self) -> TrytonResult<Vec<PaymentMethodRow>> {
        self.search_read(
            "account.invoice.payment.method",
            json!([["company", "=", self.company().id]]),
            0,
            None,
            json!([["id", "ASC"]]),
            &[
                "name",
                "journal",
                "debit_account",
                "credit_account",
                "debit_account.code",
            ],
        )
        .await
    }

    /// The company's default receivable account (set when the chart was created).
    pub async fn default_receivable_account(&self) -> TrytonResult<Option<u64>> {
        let rows: Vec<ConfigurationRow> = self
            .model_as(
                "account.configuration",
                "read",
                vec![json!([1]), json!(["default_account_receivable"])],
            )
            .await?;
        Ok(rows.first().and_then(|r| r.default_account_receivable))
    }

    /// A record's notes (`ir.note`, part of Tryton's core): `resource` is
    /// `"<model>,<id>"`, e.g. `party.party,7`.
    pub async fn add_notes(&self, notes: &[(String, String)]) -> TrytonResult<Vec<u64>> {
        let values = notes
            .iter()
            .map(|(resource, message)| json!({"resource": resource, "message": message}))
            .collect();
        self.create("ir.note", values).await
    }

    pub async fn notes(&self, resource: &str) -> TrytonResult<Vec<NoteRow>> {
        self.search_read(
            "ir.note",
            json!([["resource", "=", resource]]),
            0,
            None,
            json!([["id", "ASC"]]),
            &["resource", "message", "create_date"],
        )
        .await
    }

    /// The end of the latest closed period: nothing can be posted on or
    /// before it (Tryton's equivalent of a lock date).
    pub async fn last_closed_period_end(&self) -> TrytonResult<Option<chrono::NaiveDate>> {
        #[derive(Deserialize)]
        struct Period {
            end_date: WireDate,
        }
        let rows: Vec<Period> = self
            .search_read(
                "account.period",
                json!([["state", "=", "closed"]]),
                0,
                Some(1),
                json!([["end_date", "DESC"]]),
                &["end_date"],
            )
            .await?;
        Ok(rows.first().map(|p| p.end_date.0))
    }

    /// Whether a module is activated in the database (e.g. `account_budget`).
    pub async fn module_activated(&self, name: &str) -> TrytonResult<bool> {
        let n: u64 = self
            .model_as(
                "ir.module",
                "search_count",
                vec![json!([["name", "=", name], ["state", "=", "activated"]])],
            )
            .await?;
        Ok(n > 0)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NoteRow {
    pub id: u64,
    pub resource: String,
    pub message: Option<String>,
    pub create_date: Option<crate::wire::WireDateTime>,
}
