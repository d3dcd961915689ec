//! `ledgerbridge audit verify|list` — arrives with issue 8.

use super::Ctx;
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "The hash-chained audit log of every write to a finance system and every \
write-back to a CRM. Arrives with issue 8."
)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub cmd: AuditCmd,
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Walk the chain; name the first row edited, deleted or out of order (exit 1)
    Verify,
    /// List entries
    List {
        #[arg(long)]
        json: bool,
        /// Only entries for this source key
        #[arg(long, value_name = "K")]
        key: Option<String>,
        /// Only entries since this time (RFC 3339 or YYYY-MM-DD)
        #[arg(long, value_name = "T")]
        since: Option<String>,
    },
}

pub async fn run(_ctx: &Ctx, _args: AuditArgs) -> ExitCode {
    super::not_available("the audit log arrives with", "issue 8")
}
