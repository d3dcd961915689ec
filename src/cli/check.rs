//! `ledgerbridge check [--online]`

use super::Ctx;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Validate the config file and the mapping files of every pair without \
touching the network. Prints a one-line summary and exits 0, or prints every \
problem as `file:line: message` and exits 2."
)]
pub struct CheckArgs {
    /// Also try each connection's credentials against its API
    #[arg(long)]
    pub online: bool,
}

pub async fn run(ctx: &Ctx, args: CheckArgs) -> ExitCode {
    ctx.init_logging(None);
    let report = crate::check::check(ctx.config_path.as_deref());
    if !report.ok() {
        for p in &report.problems {
            println!("{p}");
        }
        println!("{} problem(s) found", report.problems.len());
        return ExitCode::from(2);
    }
    println!("{}", report.summary());
    if args.online
        && let Some(c) = &report.config
    {
        if c.connections.is_empty() {
            println!("online: no connections to try");
        }
        for (name, conn) in &c.connections {
            let issue = match conn.kind {
                crate::config::ConnectorKind::Hubspot => "issue 4",
                crate::config::ConnectorKind::Xero => "issue 5",
            };
            println!(
                "online: cannot try connection `{name}` ({}) yet: its connector arrives with {issue}",
                conn.kind.as_str()
            );
        }
    }
    ExitCode::SUCCESS
}
