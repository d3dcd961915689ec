//! The command line. One file per subcommand so each capability's issue owns its file;
//! this module only holds the global options and the dispatch.
//!
//! Exit codes, one rule for every subcommand ([`EXIT_CODES`], shown under each
//! `--help`): 0 success; 1 a failure (a vendor, the database or the file system failed
//! us) or a finding (discrepancies, a broken audit chain, records that did not sync);
//! 2 invalid input or configuration (a bad flag, config file, pair name or database
//! URL). A database that cannot be opened is 1: the environment failed, not the input;
//! only a malformed database URL is 2.

mod alerts;
mod audit;
mod budget;
mod check;
mod connect;
mod connectors;
mod demo;
mod init;
mod jobs;
mod reconcile;
mod serve;
mod sim;
mod sync;
mod worker;

use crate::config::{self, Config, LogFormat};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// The exit-code rule, printed under every `--help`.
pub const EXIT_CODES: &str = "Exit codes: 0 success; 1 a failure (vendor, database, files) or \
a finding (discrepancies, a broken audit chain, records that did not sync); 2 invalid input or \
configuration (flags, config file, pair or connection names, a malformed database URL).";

/// Exit code 2: invalid input or configuration.
pub fn invalid() -> ExitCode {
    ExitCode::from(2)
}

#[derive(Debug, Parser)]
#[command(
    name = "ledgerbridge",
    version,
    about = "Keeps CRMs and accounting systems in step, exactly once.",
    long_about = "ledgerbridge syncs CRM records (customers, deals, payments, interactions) into \
accounting systems through a durable job queue with idempotency keys, writes finance status \
back to the CRM and proves both sides agree.\n\nConfiguration: ./ledgerbridge.toml (or \
--config FILE), overridable by LEDGERBRIDGE__SECTION__KEY environment variables; see \
config.example.toml, or start with `ledgerbridge init --mappings hubspot-xero`. Logs go to stderr, filtered by RUST_LOG (default info)."
)]
pub struct Cli {
    /// Config file [default: ./ledgerbridge.toml; when missing, defaults + environment apply]
    #[arg(
        long,
        short = 'c',
        global = true,
        value_name = "FILE",
        env = "LEDGERBRIDGE_CONFIG"
    )]
    pub config: Option<PathBuf>,

    /// Log format (overrides `[log] format`)
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormatArg>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormatArg {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented config and a shipped mapping folder to start from
    Init(init::InitArgs),
    /// Validate the config (and mappings) without touching the network
    Check(check::CheckArgs),
    /// Sync a pair now: pull, plan and push through the queue
    Sync(sync::SyncArgs),
    /// Run jobs from the queue until SIGTERM/SIGINT
    Worker(worker::WorkerArgs),
    /// Serve webhooks, health checks and metrics
    Serve(serve::ServeArgs),
    /// Run the bundled simulators and a full sync end to end
    Demo(demo::DemoArgs),
    /// Run a connector's simulator on loopback
    Sim(sim::SimArgs),
    /// List the connectors compiled into this build and what each can do
    Connectors(connectors::ConnectorsArgs),
    /// Compare CRM, links and the finance system; report discrepancies
    Reconcile(reconcile::ReconcileArgs),
    /// Budget vs actuals from the finance system and the CRM pipeline
    Budget(budget::BudgetArgs),
    /// Inspect and replay jobs and dead letters
    Jobs(jobs::JobsArgs),
    /// Authorize a connection with OAuth (browser or pasted redirect URL)
    Connect(connect::ConnectArgs),
    /// Verify and list the hash-chained audit log of writes
    Audit(audit::AuditArgs),
    /// Send a test alert to the configured webhook and email
    Alerts(alerts::AlertsArgs),
}

/// The command line with [`EXIT_CODES`] under the help of every (sub)command.
pub fn command() -> clap::Command {
    fn with_exit_codes(c: clap::Command) -> clap::Command {
        c.after_help(EXIT_CODES).mut_subcommands(with_exit_codes)
    }
    with_exit_codes(Cli::command())
}

/// Parse the command line and run. Used by `src/main.rs`.
pub fn main() -> ExitCode {
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(run(cli))
}

pub async fn run(cli: Cli) -> ExitCode {
    let ctx = Ctx {
        config_path: cli.config.clone(),
        log_format: cli.log_format,
    };
    match cli.command {
        Command::Init(a) => init::run(&ctx, a).await,
        Command::Check(a) => check::run(&ctx, a).await,
        Command::Sync(a) => sync::run(&ctx, a).await,
        Command::Worker(a) => worker::run(&ctx, a).await,
        Command::Serve(a) => serve::run(&ctx, a).await,
        Command::Demo(a) => demo::run(&ctx, a).await,
        Command::Sim(a) => sim::run(&ctx, a).await,
        Command::Connectors(a) => connectors::run(&ctx, a).await,
        Command::Reconcile(a) => reconcile::run(&ctx, a).await,
        Command::Budget(a) => budget::run(&ctx, a).await,
        Command::Jobs(a) => jobs::run(&ctx, a).await,
        Command::Connect(a) => connect::run(&ctx, a).await,
        Command::Audit(a) => audit::run(&ctx, a).await,
        Command::Alerts(a) => alerts::run(&ctx, a).await,
    }
}

/// What every subcommand gets from the global options.
pub struct Ctx {
    pub config_path: Option<PathBuf>,
    pub log_format: Option<LogFormatArg>,
}

impl Ctx {
    /// Load the config and start logging; on a bad config print why and return exit 2.
    pub fn load(&self) -> Result<Config, ExitCode> {
        match config::load(self.config_path.as_deref()) {
            Ok(c) => {
                self.init_logging(Some(&c));
                Ok(c)
            }
            Err(e) => {
                self.init_logging(None);
                eprintln!("error: {e}");
                eprintln!("hint: `ledgerbridge check` lists every problem with its line");
                Err(invalid())
            }
        }
    }

    pub fn init_logging(&self, config: Option<&Config>) {
        let format = match self.log_format {
            Some(LogFormatArg::Json) => LogFormat::Json,
            Some(LogFormatArg::Text) => LogFormat::Text,
            None => config.map(|c| c.log.format).unwrap_or_default(),
        };
        crate::logging::init(format);
    }

    /// Load the config and open the database (running migrations).
    pub async fn open(&self) -> Result<(Config, crate::store::Db), ExitCode> {
        let config = self.load()?;
        let db = open_db(&config).await?;
        Ok((config, db))
    }
}

/// Open the config's database (running migrations): exit 2 when its URL is malformed,
/// 1 when a well-formed database cannot be reached, created or migrated.
pub async fn open_db(config: &Config) -> Result<crate::store::Db, ExitCode> {
    match crate::store::open(config).await {
        Ok(db) => Ok(db),
        Err(e @ crate::store::StoreError::BadUrl(_)) => {
            eprintln!("error: [database] url: {e}");
            Err(invalid())
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
        _ = term => tracing::info!("SIGTERM received"),
    }
}
