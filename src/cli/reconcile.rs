//! `ledgerbridge reconcile` — arrives with issue 9.

use super::Ctx;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Refresh the CRM mirror, read the finance system afresh and classify every \
record (matched, missing, duplicate, orphan, conflict, mismatches…), with totals and ageing \
per currency. Exit 0 when everything matches, 1 on discrepancies, 2 on errors. Arrives with \
issue 9."
)]
pub struct ReconcileArgs {
    /// Only this pair
    #[arg(long, value_name = "PAIR")]
    pub pair: Option<String>,
    /// Only records changed since this date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Output format
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv", "html"])]
    pub format: String,
    /// Write the report here instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Enqueue the pushes that close fixable discrepancies
    #[arg(long)]
    pub fix: bool,
    /// With --fix: list the fixes without enqueuing them
    #[arg(long)]
    pub dry_run: bool,
    /// List past runs with their counts
    #[arg(long)]
    pub history: bool,
}

pub async fn run(_ctx: &Ctx, _args: ReconcileArgs) -> ExitCode {
    super::not_available("reconciliation reports arrive with", "issue 9")
}
