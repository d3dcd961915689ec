//! The durable job queue: logical jobs (`job_log`) on top of apalis tasks, in the same
//! database as everything else.
//!
//! - [`enqueue`] / [`enqueue_in_tx`]: a `job_log` row plus an apalis task, atomically
//!   (the webhook inbox stores its event and enqueues in one transaction).
//! - [`handler`]: the `JobHandler` trait and the registry later issues plug into.
//! - [`worker`]: `ledgerbridge worker` — apalis workers under a Monitor with restart.
//! - [`admin`]: what `ledgerbridge jobs …` shows and does.
//!
//! Each apalis task is *one attempt*. Retries are new tasks with `run_after`, scheduled
//! by [`retry::RetryPolicy`]; the task says which attempt it is for, so a duplicate or
//! stale task (a crash between our commit and apalis's ack) is recognised and skipped.

pub mod admin;
mod execute;
pub mod handler;
pub mod job;
pub mod retry;
#[cfg(feature = "test-jobs")]
pub mod test_job;
mod ticker;
pub mod worker;

pub use handler::{Handlers, JobContext, JobError, JobHandler, db_err};
pub use job::{Envelope, Job, JobKind};
pub use retry::RetryPolicy;
pub use worker::{WorkerOptions, run_worker};

use crate::store::{Db, DbTx, DbTxOn, Exec, StoreError, jobs};
use crate::time::now_ms;
use apalis_core::task::builder::TaskBuilder;
use std::time::Duration;

/// The one apalis queue (its `job_type`) all kinds travel on.
pub const QUEUE: &str = "ledgerbridge";

/// apalis-level attempts per task. Our retries are separate tasks, so this only covers
/// a task whose *bookkeeping* failed (database blip): it is fetched again and the claim
/// lets it re-run the same attempt.
const TASK_MAX_ATTEMPTS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("enqueue: {0}")]
    Push(String),
    #[error("{0}")]
    Invalid(String),
}

/// Options for [`enqueue_with`].
#[derive(Debug, Clone, Default)]
pub struct EnqueueOptions {
    /// Do not run before this delay has passed.
    pub run_after: Option<Duration>,
    /// Override the worker's attempt limit for this job.
    pub max_attempts: Option<u32>,
}

/// Enqueue `job` in its own transaction; returns the logical job id.
pub async fn enqueue(db: &Db, job: &Job) -> Result<String, QueueError> {
    let mut tx = db.begin().await?;
    let id = enqueue_in_tx(&mut tx, job).await?;
    tx.commit().await?;
    Ok(id)
}

/// Enqueue `job` inside `tx`: nothing runs unless the caller commits, and a rollback
/// leaves no job behind.
pub async fn enqueue_in_tx(tx: &mut DbTx, job: &Job) -> Result<String, QueueError> {
    enqueue_with(tx, job, &EnqueueOptions::default()).await
}

pub async fn enqueue_with(
    tx: &mut DbTx,
    job: &Job,
    opts: &EnqueueOptions,
) -> Result<String, QueueError> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_ms();
    let payload = serde_json::to_string(job).map_err(|e| QueueError::Invalid(e.to_string()))?;
    let record_key = job.record_key();
    jobs::insert(
        tx.exec(),
        &jobs::NewJob {
            id: &id,
            kind: job.kind().as_str(),
            payload: &payload,
            max_attempts: opts.max_attempts.map(i64::from),
            connection: job.connection(),
            record_key: record_key.as_deref(),
            run_after: opts.run_after.map(|d| now + d.as_millis() as i64),
            run_id: job.run_id(),
            now,
        },
    )
    .await?;
    let env = Envelope {
        job_id: id.clone(),
        attempt: 1,
        job: job.clone(),
    };
    push_task(tx.exec(), &env, opts.run_after).await?;
    Ok(id)
}

/// A new logical job id, for callers that must write it elsewhere before the job is
/// enqueued (the webhook inbox links its events to their job in the same INSERT).
pub fn new_job_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Enqueue several jobs inside `tx`, with ids from [`new_job_id`] and default options:
/// one `job_log` INSERT and one apalis INSERT for all of them. [`enqueue_in_tx`] costs
/// two statements per job, and on PostgreSQL each statement is a round trip; a webhook
/// group commit enqueues a job per delivery, so it would grow with the batch.
pub async fn enqueue_many_in_tx(
    tx: &mut DbTxOn<'_>,
    batch: &[(String, Job)],
) -> Result<(), QueueError> {
    if batch.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let mut payloads = Vec::with_capacity(batch.len());
    let mut record_keys = Vec::with_capacity(batch.len());
    for (_, job) in batch {
        payloads.push(serde_json::to_string(job).map_err(|e| QueueError::Invalid(e.to_string()))?);
        record_keys.push(job.record_key());
    }
    let rows: Vec<jobs::NewJob<'_>> = batch
        .iter()
        .zip(&payloads)
        .zip(&record_keys)
        .map(|(((id, job), payload), record_key)| jobs::NewJob {
            id,
            kind: job.kind().as_str(),
            payload,
            max_attempts: None,
            connection: job.connection(),
            record_key: record_key.as_deref(),
            run_after: None,
            run_id: job.run_id(),
            now,
        })
        .collect();
    jobs::insert_many(tx.exec(), &rows).await?;
    let tasks = batch
        .iter()
        .map(|(id, job)| {
            task_for(
                &Envelope {
                    job_id: id.clone(),
                    attempt: 1,
                    job: job.clone(),
                },
                None,
                None,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    push_tasks(tx.exec(), tasks).await
}

/// Push one apalis task for `env` through `exec` (a transaction's connection when the
/// caller needs atomicity).
pub(crate) async fn push_task(
    exec: Exec<'_>,
    env: &Envelope,
    run_after: Option<Duration>,
) -> Result<(), QueueError> {
    push_task_with(exec, env, run_after, None).await
}

/// [`push_task`] with an apalis priority (higher is fetched first among due tasks).
pub(crate) async fn push_task_with(
    exec: Exec<'_>,
    env: &Envelope,
    run_after: Option<Duration>,
    priority: Option<usize>,
) -> Result<(), QueueError> {
    push_tasks(exec, vec![task_for(env, run_after, priority)?]).await
}

/// An apalis task as both backends store it (`SqliteTask` and `PgTask` are this type).
type QueueTask = apalis_core::task::Task<Vec<u8>>;

/// The apalis task for one attempt.
fn task_for(
    env: &Envelope,
    run_after: Option<Duration>,
    priority: Option<usize>,
) -> Result<QueueTask, QueueError> {
    let args = serde_json::to_vec(env).map_err(|e| QueueError::Invalid(e.to_string()))?;
    let mut b = TaskBuilder::new(args).max_attempts(TASK_MAX_ATTEMPTS);
    if let Some(p) = priority {
        b = b.priority(p);
    }
    if let Some(d) = run_after {
        // apalis stores whole seconds; round *up* so a task never runs before its delay.
        let due_ms = now_ms() + d.as_millis() as i64;
        b = b.run_at_timestamp(((due_ms + 999) / 1000) as u64);
    }
    Ok(b.build())
}

/// Push apalis tasks through `exec`: one statement on PostgreSQL, whatever their number.
async fn push_tasks(exec: Exec<'_>, tasks: Vec<QueueTask>) -> Result<(), QueueError> {
    match exec {
        Exec::Sqlite(c) => apalis_sqlite::queries::push_tasks(c, QUEUE, &tasks)
            .await
            .map_err(|e| QueueError::Push(e.to_string())),
        Exec::Postgres(c) => apalis_postgres::queries::push_tasks(c, QUEUE, tasks)
            .await
            .map_err(|e| QueueError::Push(e.to_string())),
    }
}
