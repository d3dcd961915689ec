//! `ledgerbridge demo` — arrives with the pipeline (issue 7).

use super::Ctx;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Start the HubSpot and Xero simulators on loopback, seed them, run a full \
sync through the real queue on a SQLite file in a temporary folder and print the summary. \
Arrives with the pipeline (issue 7)."
)]
pub struct DemoArgs {
    /// Deals to seed
    #[arg(long, default_value_t = 500)]
    pub deals: u32,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

pub async fn run(_ctx: &Ctx, _args: DemoArgs) -> ExitCode {
    super::not_available(
        "demo arrives with the sync pipeline; today `ledgerbridge check --config config.example.toml`, \
         `ledgerbridge worker` and `ledgerbridge jobs list` work",
        "issue 7",
    )
}
