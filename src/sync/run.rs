//! Running a sync to completion: enqueue a Pull per pair, work the queue in-process
//! until every job of those runs has finished, and read the counters.
//!
//! The CLI's `sync` and `demo`, the worker's schedules and the tests all go through
//! here, so there is one way a sync runs.

use super::runs::{self, Counters};
use crate::config::Config;
use crate::queue::job::PullJob;
use crate::queue::{Handlers, Job, WorkerOptions};
use crate::store::Db;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one pair's run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub pair: String,
    pub run_id: String,
    pub counters: Counters,
    /// Jobs of the run that ended dead (their dead letters say why).
    pub dead_jobs: i64,
    pub elapsed: Duration,
}

impl RunSummary {
    /// Everything synced: no record failed, no job died.
    pub fn clean(&self) -> bool {
        self.counters.failed == 0 && self.dead_jobs == 0
    }
}

/// Enqueues one run per pair (a Pull of every object, which plans and enqueues the
/// pushes); returns `(pair, run id)`.
pub async fn enqueue_runs(
    config: &Config,
    db: &Db,
    pairs: &[String],
    full: bool,
    trigger: &str,
) -> Result<Vec<(String, String)>, crate::Error> {
    let mut out = Vec::new();
    for pair in pairs {
        let pc = config
            .pair(pair)
            .ok_or_else(|| format!("no pair named {pair:?} in the config"))?;
        let run_id = runs::start(db, pair, trigger, full).await?;
        let job = Job::Pull(PullJob {
            connection: pc.source.clone(),
            object: "all".into(),
            pair: Some(pair.clone()),
            full,
            run_id: Some(run_id.clone()),
        });
        crate::queue::enqueue(db, &job).await?;
        out.push((pair.clone(), run_id));
    }
    Ok(out)
}

/// Works the queue in this process until every job of `runs_` has finished.
pub async fn run_to_completion(
    config: Arc<Config>,
    db: &Db,
    runs_: &[(String, String)],
    progress: bool,
) -> Result<Vec<RunSummary>, crate::Error> {
    run_to_completion_with(config, db, runs_, progress, Handlers::builtin()).await
}

/// [`run_to_completion`] with these handlers (see [`Handlers::builtin_with`]).
pub async fn run_to_completion_with(
    config: Arc<Config>,
    db: &Db,
    runs_: &[(String, String)],
    progress: bool,
    handlers: Handlers,
) -> Result<Vec<RunSummary>, crate::Error> {
    let started = Instant::now();
    let ids: Vec<String> = runs_.iter().map(|(_, r)| r.clone()).collect();
    crate::queue::run_worker(
        db.clone(),
        config.clone(),
        handlers,
        WorkerOptions::from_config(&config.worker),
        wait_for_runs(db.clone(), ids, progress),
    )
    .await?;
    super::runtime::release_leases().await;
    summaries(db, runs_, started.elapsed()).await
}

/// Counters and dead jobs of finished runs.
pub async fn summaries(
    db: &Db,
    runs_: &[(String, String)],
    elapsed: Duration,
) -> Result<Vec<RunSummary>, crate::Error> {
    let mut out = Vec::new();
    for (pair, run) in runs_ {
        runs::finish(db, run).await?;
        let counters = runs::counters(db, run).await?;
        let (_, dead_jobs, _) = runs::progress(db, run).await?;
        out.push(RunSummary {
            pair: pair.clone(),
            run_id: run.clone(),
            counters,
            dead_jobs,
            elapsed,
        });
    }
    Ok(out)
}

/// Enqueue and run to completion: the whole `sync`.
pub async fn sync(
    config: Arc<Config>,
    db: &Db,
    pairs: &[String],
    full: bool,
) -> Result<Vec<RunSummary>, crate::Error> {
    let runs_ = enqueue_runs(&config, db, pairs, full, "cli").await?;
    run_to_completion(config, db, &runs_, false).await
}

/// Resolves once every job of the runs is finished; draws progress on a terminal.
async fn wait_for_runs(db: Db, runs_: Vec<String>, progress: bool) {
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut open = 0;
        let mut total = 0;
        for r in &runs_ {
            if let Ok((o, _, t)) = runs::progress(&db, r).await {
                open += o;
                total += t;
            }
        }
        if progress {
            eprint!("\r\x1b[2Ksync: {}/{} jobs done", total - open, total);
        }
        if open == 0 && total > 0 {
            if progress {
                eprintln!();
            }
            return;
        }
    }
}
