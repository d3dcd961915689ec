//! `ledgerbridge budget` — arrives with issue 10.

use super::Ctx;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Budget vs actuals: budgets from the finance system, actuals from posted \
invoices, closed-won and weighted forecast from the CRM pipeline, per account, tracking \
option and month. Arrives with issue 10."
)]
pub struct BudgetArgs {
    /// Only this pair
    #[arg(long, value_name = "PAIR")]
    pub pair: Option<String>,
    /// Months, e.g. 2026-01..2026-06
    #[arg(long, value_name = "YYYY-MM..YYYY-MM")]
    pub period: Option<String>,
    /// Output format
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv", "html"])]
    pub format: String,
    /// Write the report here instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

pub async fn run(_ctx: &Ctx, _args: BudgetArgs) -> ExitCode {
    super::not_available("budget vs actuals arrives with", "issue 10")
}
