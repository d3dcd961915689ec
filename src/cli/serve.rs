//! `ledgerbridge serve` — arrives with webhooks (issue 11).

use super::Ctx;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Serve vendor webhooks (signature-checked, stored durably before the \
200, with their job enqueued in the same transaction), /healthz, /readyz and /metrics on \
[server] listen. Arrives with issue 11."
)]
pub struct ServeArgs {
    /// Listen address [default: [server] listen]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

pub async fn run(_ctx: &Ctx, _args: ServeArgs) -> ExitCode {
    super::not_available("serve (webhooks, health, metrics) arrives with", "issue 11")
}
