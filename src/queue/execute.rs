//! Running one apalis task = one attempt of a logical job: claim it, run the handler in a
//! span, then record the outcome and schedule the retry or write the dead letter — the
//! outcome and the retry task in one transaction.

use super::handler::{Handlers, JobContext, JobError, not_implemented};
use super::{Envelope, RetryPolicy, push_task, push_task_with};

/// The apalis priority of a task re-queued after a wait (`JobError::Wait`).
const WAIT_PRIORITY: usize = 10;
use crate::config::Config;
use crate::store::{Db, dead_letters, jobs};
use crate::time::now_ms;
use apalis_core::error::{AbortError, BoxDynError};
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// Shared by every task a worker runs.
pub(crate) struct WorkerState {
    pub db: Db,
    pub config: Arc<Config>,
    pub handlers: Handlers,
    pub retry: RetryPolicy,
}

/// What the apalis task itself reports. `Ok` also for a handled failure (the retry is
/// already scheduled as a new task); `AbortError` for a dead job so apalis never re-runs
/// it; a plain error only when our own bookkeeping failed.
pub(crate) async fn execute(
    env: Envelope,
    state: &WorkerState,
    worker: &str,
) -> Result<(), BoxDynError> {
    let kind = env.job.kind();
    let record_key = env.job.record_key();
    let span = tracing::info_span!(
        "job",
        job.id = %env.job_id,
        job.kind = %kind,
        job.attempt = env.attempt,
        connection = env.job.connection().unwrap_or(""),
        record_key = record_key.as_deref().unwrap_or(""),
    );
    async move {
        let attempt = i64::from(env.attempt);
        let attempt_id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        let mut tx = state.db.begin().await?;
        if !jobs::claim(tx.exec(), &env.job_id, attempt, worker, now).await? {
            tx.rollback().await?;
            tracing::debug!("stale or duplicate task: the job has moved on; skipped");
            return Ok(());
        }
        jobs::start_attempt(tx.exec(), &attempt_id, &env.job_id, attempt, worker, now).await?;
        let row = jobs::get(tx.exec(), &env.job_id).await?;
        tx.commit().await?;
        let max_attempts = row
            .and_then(|r| r.max_attempts)
            .map(|m| m.max(1) as u32)
            .unwrap_or(state.retry.max_attempts);

        let ctx = JobContext {
            job_id: env.job_id.clone(),
            attempt: env.attempt,
            max_attempts,
            worker: worker.to_string(),
            db: state.db.clone(),
            config: state.config.clone(),
        };
        let started = std::time::Instant::now();
        let result = match state.handlers.get(kind) {
            Some(h) => AssertUnwindSafe(h.run(&env.job, &ctx))
                .catch_unwind()
                .await
                .unwrap_or_else(|p| {
                    Err(JobError::retryable(format!(
                        "handler panicked: {}",
                        panic_text(&p)
                    )))
                }),
            None => Err(JobError::permanent(not_implemented(kind))),
        };
        let took_ms = started.elapsed().as_millis() as u64;
        record(state, &env, &attempt_id, max_attempts, result, took_ms).await
    }
    .instrument(span)
    .await
}

async fn record(
    state: &WorkerState,
    env: &Envelope,
    attempt_id: &str,
    max_attempts: u32,
    result: Result<(), JobError>,
    took_ms: u64,
) -> Result<(), BoxDynError> {
    let attempt = i64::from(env.attempt);
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    match result {
        Ok(()) => {
            if !jobs::set_outcome(tx.exec(), &env.job_id, attempt, "done", None, None, now).await? {
                tx.rollback().await?;
                tracing::warn!("job was taken over by another run; result dropped");
                return Ok(());
            }
            jobs::finish_attempt(tx.exec(), attempt_id, "ok", None, now).await?;
            tx.commit().await?;
            tracing::info!(took_ms, "job done");
            Ok(())
        }
        Err(JobError::Wait { message, after }) => {
            // Pending again with the same attempt number: a wait is not an attempt.
            let run_after = now + after.as_millis() as i64;
            if !jobs::defer(tx.exec(), &env.job_id, attempt, run_after, now).await? {
                tx.rollback().await?;
                return Ok(());
            }
            jobs::delete_attempt(tx.exec(), attempt_id).await?;
            // Due tasks are fetched oldest first: a waiting job would otherwise queue
            // behind every task enqueued before its wait ended (a run's whole backlog).
            push_task_with(tx.exec(), env, Some(after), Some(WAIT_PRIORITY)).await?;
            tx.commit().await?;
            tracing::debug!(took_ms, reason = %message, wait_ms = after.as_millis() as u64, "job waits");
            Ok(())
        }
        Err(err) if err.is_permanent() || env.attempt >= max_attempts => {
            let reason = if err.is_permanent() {
                err.message().to_string()
            } else {
                format!("gave up after {} attempts: {}", env.attempt, err.message())
            };
            if !jobs::set_outcome(
                tx.exec(),
                &env.job_id,
                attempt,
                "dead",
                Some(&reason),
                None,
                now,
            )
            .await?
            {
                tx.rollback().await?;
                return Ok(());
            }
            jobs::finish_attempt(tx.exec(), attempt_id, "error", Some(err.message()), now).await?;
            let record_key = env.job.record_key();
            let dl = dead_letters::insert(
                tx.exec(),
                &dead_letters::NewDeadLetter {
                    job_id: Some(&env.job_id),
                    kind: env.job.kind().as_str(),
                    connection: env.job.connection(),
                    record_key: record_key.as_deref(),
                    reason: &reason,
                    ..Default::default()
                },
                now,
            )
            .await?;
            tx.commit().await?;
            if env.job.kind().logs_own_failures() {
                tracing::debug!(dead_letter = %dl, took_ms, reason = %reason, "job is a dead letter");
            } else {
                tracing::warn!(dead_letter = %dl, took_ms, reason = %reason, "job is a dead letter");
            }
            Err(Box::new(AbortError::new(reason)))
        }
        Err(err) => {
            let retry_after = match &err {
                JobError::Retryable { retry_after, .. } => *retry_after,
                JobError::Permanent { .. } | JobError::Wait { .. } => None,
            };
            let delay: Duration = state.retry.delay(env.attempt, retry_after);
            let run_after = now + delay.as_millis() as i64;
            if !jobs::set_outcome(
                tx.exec(),
                &env.job_id,
                attempt,
                "failed",
                Some(err.message()),
                Some(run_after),
                now,
            )
            .await?
            {
                tx.rollback().await?;
                return Ok(());
            }
            jobs::finish_attempt(tx.exec(), attempt_id, "error", Some(err.message()), now).await?;
            let next = Envelope {
                job_id: env.job_id.clone(),
                attempt: env.attempt + 1,
                job: env.job.clone(),
            };
            push_task(tx.exec(), &next, Some(delay)).await?;
            tx.commit().await?;
            if env.job.kind().logs_own_failures() {
                tracing::debug!(
                    took_ms,
                    error = %err.message(),
                    retry_in_ms = delay.as_millis() as u64,
                    next_attempt = env.attempt + 1,
                    "job attempt failed; retry scheduled"
                );
            } else {
                tracing::warn!(
                    took_ms,
                    error = %err.message(),
                    retry_in_ms = delay.as_millis() as u64,
                    next_attempt = env.attempt + 1,
                    max_attempts,
                    "job attempt failed; retry scheduled"
                );
            }
            Ok(())
        }
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}
