//! Budgets: Tryton's `account_budget` module (installs with 8.0; activated by
//! `scripts/tryton.sh` unless `TRYTON_BUDGET=0`). A budget belongs to a fiscal
//! year and has lines per account; each line is spread over periods by ratio,
//! and a period's `total_amount` is its share of the line.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::client::TrytonClient;
use crate::error::TrytonResult;
use crate::wire::{WireDate, WireDecimal};

/// One account's budget for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetPeriodRow {
    pub budget_id: u64,
    pub budget_name: String,
    pub account_code: Option<String>,
    pub period_start: NaiveDate,
    pub amount: rust_decimal::Decimal,
}

#[derive(Debug, Deserialize)]
struct Row {
    total_amount: Option<WireDecimal>,
    #[serde(rename = "period.")]
    period: PeriodRel,
    #[serde(rename = "budget_line.")]
    line: LineRel,
}

#[derive(Debug, Deserialize)]
struct PeriodRel {
    start_date: WireDate,
}

#[derive(Debug, Deserialize)]
struct LineRel {
    #[serde(rename = "account.", default)]
    account: Option<crate::rows::Related>,
    #[serde(rename = "budget.")]
    budget: crate::rows::Related,
}

impl TrytonClient {
    /// Budget amounts per account and period for the periods starting
    /// within `from..=to`.
    pub async fn budget_periods(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> TrytonResult<Vec<BudgetPeriodRow>> {
        let rows: Vec<Row> = self
            .search_read(
                "account.budget.line.period",
                json!([
                    ["period.start_date", ">=", WireDate(from)],
                    ["period.start_date", "<=", WireDate(to)],
                    ["budget_line.budget.company", "=", self.company().id],
                ]),
                0,
                None,
                json!([["id", "ASC"]]),
                &[
                    "total_amount",
                    "period.start_date",
                    "budget_line.account.code",
                    "budget_line.budget.name",
                ],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| BudgetPeriodRow {
                budget_id: r.line.budget.id.unwrap_or_default(),
                budget_name: r.line.budget.name.unwrap_or_default(),
                account_code: r.line.account.and_then(|a| a.code),
                period_start: r.period.start_date.0,
                amount: r.total_amount.map(|a| a.0).unwrap_or_default(),
            })
            .collect())
    }
}
