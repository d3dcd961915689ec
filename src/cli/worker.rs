//! `ledgerbridge worker [--concurrency N]`

use super::Ctx;
use crate::queue::{Handlers, WorkerOptions};
use clap::Args;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Args)]
#[command(
    long_about = "Run jobs from the queue until SIGTERM or SIGINT. Any number of workers \
may run against one PostgreSQL database; on SQLite run one. A stop lets running jobs finish \
(up to [worker] shutdown_timeout_secs); a worker that is killed has its jobs run again by the \
next worker after three missed heartbeats."
)]
pub struct WorkerArgs {
    /// Jobs run at the same time [default: [worker] concurrency]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: Option<u32>,
}

pub async fn run(ctx: &Ctx, args: WorkerArgs) -> ExitCode {
    let (config, db) = match ctx.open().await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut opts = WorkerOptions::from_config(&config.worker);
    if let Some(n) = args.concurrency {
        opts.concurrency = n as usize;
    }
    let config = Arc::new(config);
    // Each pair's `schedule` / `reconcile_schedule` fires here (once per tick fleet-wide).
    let scheduler = tokio::spawn(crate::sync::schedule::run(
        config.clone(),
        db.clone(),
        format!("worker-{}", std::process::id()),
    ));
    // Alerts read off the database: finished runs, reconciliations, the queue's age.
    let alerts = tokio::spawn(crate::alerts::sweep::watch(
        crate::alerts::Alerter::new(&config, &db),
        db.clone(),
    ));
    let result = crate::queue::run_worker(
        db.clone(),
        config,
        Handlers::builtin(),
        opts,
        super::shutdown_signal(),
    )
    .await;
    scheduler.abort();
    alerts.abort();
    crate::sync::runtime::release_leases().await;
    db.close().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
