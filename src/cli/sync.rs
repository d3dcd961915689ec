//! `ledgerbridge sync` — arrives with the pipeline (issue 7).

use super::Ctx;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Sync a pair now: pull changed CRM records, plan the changes through the \
mappings and push them to the finance system, through the job queue. Arrives with the \
pipeline (issue 7)."
)]
pub struct SyncArgs {
    /// Only this pair [default: every pair]
    #[arg(long, value_name = "PAIR")]
    pub pair: Option<String>,
    /// Ignore cursors and pull everything
    #[arg(long)]
    pub full: bool,
    /// Pull and plan, but write nothing anywhere; print the plan
    #[arg(long)]
    pub dry_run: bool,
    /// Enqueue and return at once; running workers do the work
    #[arg(long)]
    pub enqueue_only: bool,
    /// Print a JSON summary
    #[arg(long)]
    pub json: bool,
}

pub async fn run(_ctx: &Ctx, _args: SyncArgs) -> ExitCode {
    super::not_available("sync arrives with the sync pipeline", "issue 7")
}
