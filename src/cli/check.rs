//! `ledgerbridge check [--online]`

use super::Ctx;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Validate the config file and the mapping files without touching the \
network. Prints a one-line summary and exits 0, or prints every problem as \
`file:line: message` and exits 2. A connection's keys are checked against its connector: a \
key its kind does not know, or one it needs, is a problem too.\n\n--online then tries each \
connection's credentials with one cheap authenticated read (never a write) and prints \
`online: NAME (KIND): ok: …` or `…: FAILED: <the vendor's error>`; any failure exits 2."
)]
pub struct CheckArgs {
    /// Also try each connection's credentials with one read from its API (never a write)
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
    let Some(config) = report.config.as_ref().filter(|_| args.online) else {
        return ExitCode::SUCCESS;
    };
    if config.connections.is_empty() {
        println!("online: no connections to try");
        return ExitCode::SUCCESS;
    }
    let mut failed = 0;
    for p in crate::check::online::probe_all(config).await {
        match &p.outcome {
            Ok(saw) => println!("online: {} ({}): ok: {saw}", p.connection, p.kind),
            Err(why) => {
                failed += 1;
                println!("online: {} ({}): FAILED: {why}", p.connection, p.kind);
            }
        }
    }
    if failed > 0 {
        println!("{failed} connection(s) failed");
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
