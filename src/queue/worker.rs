//! `ledgerbridge worker`: apalis workers under a Monitor.
//!
//! The apalis 1.0 traps we measured shape this file:
//! - a worker dies on any backend error (database restart, SQLITE_BUSY, failed heartbeat),
//!   so the Monitor restarts it, after a growing pause that waits for the database;
//! - every (re)start gets a fresh worker name — SQLite refuses a name whose heartbeat is
//!   still fresh, and reused names block the recovery of a dead worker's jobs;
//! - an idle worker only polls on its heartbeat, so SQLite polls on an interval and
//!   PostgreSQL listens for NOTIFY (with the interval as a fallback) — through our
//!   [`Ticker`], as apalis's own interval can lose its timer;
//! - the heartbeat is short (config, ~1 s in tests): a killed worker's jobs are re-run by
//!   the next worker after 3 missed beats;
//! - concurrency is bounded, and a graceful stop has a timeout (unfinished jobs stay
//!   `Running` and are re-run, never lost);
//! - tasks are fetched one at a time ([`FETCH_BATCH`]): apalis only beats (and re-enqueues
//!   dead workers' tasks, which happens inside a live worker's beat) while it holds no
//!   fetched-but-unstarted task, so a larger batch starves the heartbeat whenever every
//!   slot is busy.

use super::execute::{WorkerState, execute};
use super::handler::Handlers;
use super::ticker::Ticker;
use super::{Envelope, QUEUE, RetryPolicy};
use crate::config::{Config, WorkerConfig};
use crate::store::Db;
use apalis::prelude::*;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Tasks taken per fetch. apalis-core 1.0's `Persisted::poll_ready` checks the heartbeat
/// timer only in its `Ready` state; while part of a fetched batch waits for a free slot
/// (`Buffered`) it skips the beat. With batches of `concurrency`, a worker whose slots
/// were all busy with slow jobs (pushes paced at the vendor's limits, waiting for a fleet
/// lease) went silent for as long as those jobs ran: other workers then took its
/// buffered tasks for orphans and ran them a second time, and the re-enqueueing of a
/// really dead worker's tasks — a query run only inside a live worker's beat — waited
/// just as long (PostgreSQL crash test, 1 s beats: live workers silent for up to 7.8 s,
/// dead workers' jobs re-run after up to ~80 s). One task per fetch never leaves one
/// buffered: the worker fetches only when a slot is free and beats every
/// `heartbeat_secs` whatever its jobs do (after: dead workers' tasks re-enqueued 3.0–3.5 s
/// after their last beat, live workers never silent for more than ~2 s). The cost is one
/// fetch query per task.
const FETCH_BATCH: usize = 1;

/// How a worker process runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub concurrency: usize,
    pub heartbeat: Duration,
    pub poll_interval: Duration,
    pub retry: RetryPolicy,
    pub shutdown_timeout: Duration,
}

impl WorkerOptions {
    pub fn from_config(w: &WorkerConfig) -> Self {
        Self {
            concurrency: w.concurrency.max(1),
            heartbeat: Duration::from_secs(w.heartbeat_secs.max(1)),
            poll_interval: Duration::from_millis(w.poll_interval_ms.max(10)),
            retry: RetryPolicy::from_config(w),
            shutdown_timeout: Duration::from_secs(w.shutdown_timeout_secs),
        }
    }
}

/// A worker name unique per process start and per restart.
fn worker_name(run: usize) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into());
    let nonce: u32 = rand::random();
    format!("{host}-{}-{nonce:08x}-r{run}", std::process::id())
}

/// Pause before restart `run` (0 = first start: none): grows to 5 s, and waits for the
/// database to answer so a restart loop does not spin while it is down.
async fn restart_pause(db: Db, run: usize) {
    if run == 0 {
        return;
    }
    let pause = Duration::from_millis(200u64.saturating_mul(1 << run.min(5)).min(5_000));
    tracing::warn!(
        restart = run,
        pause_ms = pause.as_millis() as u64,
        "restarting worker"
    );
    tokio::time::sleep(pause).await;
    for _ in 0..60 {
        if db.ping().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn handle(
    env: Envelope,
    state: Data<Arc<WorkerState>>,
    worker: WorkerContext,
) -> Result<(), BoxDynError> {
    execute(env, &state, worker.name()).await
}

/// Run workers until `shutdown` resolves (SIGTERM/SIGINT in the CLI), then stop
/// gracefully: running jobs get `shutdown_timeout` to finish.
pub async fn run_worker(
    db: Db,
    config: Arc<Config>,
    handlers: Handlers,
    opts: WorkerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), crate::Error> {
    let state = Arc::new(WorkerState {
        db: db.clone(),
        config,
        handlers,
        retry: opts.retry,
    });
    tracing::info!(
        backend = ?db.backend(),
        concurrency = opts.concurrency,
        heartbeat_ms = opts.heartbeat.as_millis() as u64,
        poll_interval_ms = opts.poll_interval.as_millis() as u64,
        "worker starting"
    );
    let monitor = Monitor::new()
        .should_restart(|ctx, err| {
            if ctx.is_shutting_down() {
                return false;
            }
            tracing::warn!(worker = ctx.name(), error = %err, "worker stopped on an error");
            true
        })
        .shutdown_timeout(opts.shutdown_timeout);
    let o = opts.clone();
    let monitor = match &db {
        Db::Sqlite(pool) => {
            let pool = pool.clone();
            monitor.register(move |run| {
                let cfg = apalis_sqlite::Config::default()
                    .queue(QUEUE)
                    .heartbeat_interval(o.heartbeat)
                    .missed_heartbeats(3)
                    .batch_size(FETCH_BATCH);
                let db = Db::Sqlite(pool.clone());
                let backend = apalis_sqlite::SqliteStorage::<Envelope>::new(&pool)
                    .with_config(cfg)
                    .poll_with_strategy(Ticker::new(o.poll_interval))
                    .before_start(move |_| {
                        let db = db.clone();
                        async move {
                            restart_pause(db, run).await;
                            Ok(())
                        }
                    });
                WorkerBuilder::new(worker_name(run))
                    .backend(backend)
                    .data(state.clone())
                    .concurrency(o.concurrency)
                    .build(handle)
            })
        }
        Db::Postgres(pool) => {
            let pool = pool.clone();
            monitor.register(move |run| {
                let cfg = apalis_postgres::Config::default()
                    .queue(QUEUE)
                    .heartbeat_interval(o.heartbeat)
                    .missed_heartbeats(3)
                    .batch_size(FETCH_BATCH);
                let db = Db::Postgres(pool.clone());
                // NOTIFY wakes the worker within milliseconds; the interval covers a
                // notification lost while the listener reconnects.
                let strategy = Strategy::new()
                    .stream(apalis_postgres::Pubsub::new(
                        pool.clone(),
                        QUEUE.to_string(),
                    ))
                    .apply(Ticker::new(o.poll_interval.max(Duration::from_secs(1))));
                let backend = apalis_postgres::PostgresStorage::<Envelope>::new(&pool)
                    .with_config(cfg)
                    .poll_with_strategy(strategy)
                    .before_start(move |_| {
                        let db = db.clone();
                        async move {
                            restart_pause(db, run).await;
                            Ok(())
                        }
                    });
                WorkerBuilder::new(worker_name(run))
                    .backend(backend)
                    .data(state.clone())
                    .concurrency(o.concurrency)
                    .build(handle)
            })
        }
    };
    monitor
        .run_with_signal(async move {
            shutdown.await;
            tracing::info!("shutdown requested; finishing running jobs");
            Ok(())
        })
        .await
        .map_err(|e| -> crate::Error { format!("worker: {e}").into() })?;
    tracing::info!("worker stopped");
    Ok(())
}
