//! `ledgerbridge connect <connection>` — arrives with the SDK's OAuth (issue 3).

use super::Ctx;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Authorize an `auth = \"oauth\"` connection: opens the vendor's consent page \
(authorization code with PKCE), receives the redirect on a loopback port and stores the tokens \
encrypted in the vault. On a server without a browser use --paste. Arrives with issue 3."
)]
pub struct ConnectArgs {
    /// Connection name from the config ([connections.<name>])
    pub connection: String,
    /// Print the authorization URL and read the redirect URL from stdin
    #[arg(long)]
    pub paste: bool,
}

pub async fn run(_ctx: &Ctx, _args: ConnectArgs) -> ExitCode {
    super::not_available("OAuth `connect` arrives with the connector SDK", "issue 3")
}
