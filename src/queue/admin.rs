//! What `ledgerbridge jobs list|show|retry|dead` shows and does. The JSON field names are
//! a contract scripts rely on: `id` (string), `kind` (lower case), `state`, `attempts`,
//! `last_error`.

use super::{Envelope, QueueError, RetryPolicy, push_task};
use crate::store::{Db, dead_letters, jobs};
use crate::time::{now_ms, rfc3339};
use serde::Serialize;

/// A job's state as `jobs list --state` names it (and as the `jobs` table stores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JobState {
    /// Queued, or waiting for a delayed retry
    Pending,
    Running,
    Done,
    /// The last attempt failed and another will run
    Failed,
    /// No more attempts (see `jobs dead`)
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Dead => "dead",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct JobSummary {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub connection: Option<String>,
    pub record_key: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// When the next attempt may run (a delayed retry).
    pub run_after: Option<String>,
}

impl From<jobs::JobRow> for JobSummary {
    fn from(r: jobs::JobRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            state: r.state,
            attempts: r.attempts,
            last_error: r.last_error,
            connection: r.connection,
            record_key: r.record_key,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            run_after: r.run_after.map(rfc3339),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AttemptInfo {
    pub attempt: i64,
    pub outcome: String,
    pub error: Option<String>,
    pub worker: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobDetail {
    #[serde(flatten)]
    pub summary: JobSummary,
    pub max_attempts: Option<i64>,
    pub payload: serde_json::Value,
    /// Every run of the job, oldest first, with its error.
    pub history: Vec<AttemptInfo>,
    /// The open dead letter, when the job is dead.
    pub dead_letter: Option<DeadLetterInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadLetterInfo {
    pub id: String,
    pub job_id: Option<String>,
    pub kind: String,
    pub pair: Option<String>,
    pub connection: Option<String>,
    pub record_key: Option<String>,
    pub mapping: Option<String>,
    pub reason: String,
    pub state: String,
    pub created_at: String,
    pub retried_at: Option<String>,
}

impl From<dead_letters::DeadLetterRow> for DeadLetterInfo {
    fn from(d: dead_letters::DeadLetterRow) -> Self {
        Self {
            id: d.id,
            job_id: d.job_id,
            kind: d.kind,
            pair: d.pair,
            connection: d.connection,
            record_key: d.record_key,
            mapping: d.mapping,
            reason: d.reason,
            state: d.state,
            created_at: rfc3339(d.created_at),
            retried_at: d.retried_at.map(rfc3339),
        }
    }
}

pub async fn list(
    db: &Db,
    state: Option<JobState>,
    limit: i64,
) -> Result<Vec<JobSummary>, QueueError> {
    let mut c = db.conn().await?;
    Ok(jobs::list(c.exec(), state.map(JobState::as_str), limit)
        .await?
        .into_iter()
        .map(JobSummary::from)
        .collect())
}

pub async fn show(db: &Db, id: &str) -> Result<Option<JobDetail>, QueueError> {
    let mut c = db.conn().await?;
    let Some(row) = jobs::get(c.exec(), id).await? else {
        return Ok(None);
    };
    let history = jobs::attempts(c.exec(), id)
        .await?
        .into_iter()
        .map(|a| AttemptInfo {
            attempt: a.attempt,
            outcome: a.outcome,
            error: a.error,
            worker: a.worker,
            started_at: rfc3339(a.started_at),
            finished_at: a.finished_at.map(rfc3339),
        })
        .collect();
    let dead_letter = dead_letters::open_for_job(c.exec(), id)
        .await?
        .map(DeadLetterInfo::from);
    let payload = serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null);
    let max_attempts = row.max_attempts;
    Ok(Some(JobDetail {
        summary: row.into(),
        max_attempts,
        payload,
        history,
        dead_letter,
    }))
}

pub async fn dead(db: &Db, include_retried: bool) -> Result<Vec<DeadLetterInfo>, QueueError> {
    let mut c = db.conn().await?;
    Ok(dead_letters::list(c.exec(), include_retried)
        .await?
        .into_iter()
        .map(DeadLetterInfo::from)
        .collect())
}

/// What `jobs retry` did.
#[derive(Debug, Clone, Serialize)]
pub struct Retried {
    /// The job that will run (the same id for a job-level retry).
    pub job_id: String,
    /// The dead letter closed by this retry, if any.
    pub dead_letter: Option<String>,
}

/// Retry a dead job (by job id or dead-letter id) or a record-level dead letter (its
/// `retry_job` is enqueued as a new job). A retried job gets a fresh set of attempts.
pub async fn retry(db: &Db, id: &str, policy: &RetryPolicy) -> Result<Retried, QueueError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    // A dead-letter id?
    if let Some(dl) = dead_letters::get(tx.exec(), id).await? {
        if dl.state != "open" {
            return Err(QueueError::Invalid(format!(
                "dead letter {id} was already retried at {}",
                dl.retried_at.map(rfc3339).unwrap_or_default()
            )));
        }
        let job_id = match (&dl.job_id, &dl.retry_job) {
            (Some(job_id), _) => {
                retry_job_in_tx(&mut tx, job_id, policy, now).await?;
                job_id.clone()
            }
            (None, Some(job)) => {
                let job: super::Job = serde_json::from_str(job).map_err(|e| {
                    QueueError::Invalid(format!("dead letter {id}: unreadable retry job: {e}"))
                })?;
                super::enqueue_in_tx(&mut tx, &job).await?
            }
            (None, None) => {
                return Err(QueueError::Invalid(format!(
                    "dead letter {id} records no job to retry"
                )));
            }
        };
        dead_letters::mark_retried(tx.exec(), id, now).await?;
        tx.commit().await?;
        return Ok(Retried {
            job_id,
            dead_letter: Some(id.to_string()),
        });
    }
    // A job id.
    let Some(row) = jobs::get(tx.exec(), id).await? else {
        return Err(QueueError::Invalid(format!(
            "no job or dead letter with id {id}"
        )));
    };
    if row.state != "dead" {
        return Err(QueueError::Invalid(format!(
            "job {id} is {}; only dead jobs (and dead letters) can be retried{}",
            row.state,
            if row.state == "failed" {
                " — a failed job already has its next attempt scheduled"
            } else {
                ""
            }
        )));
    }
    retry_job_in_tx(&mut tx, id, policy, now).await?;
    let dl = dead_letters::open_for_job(tx.exec(), id).await?;
    if let Some(dl) = &dl {
        dead_letters::mark_retried(tx.exec(), &dl.id, now).await?;
    }
    tx.commit().await?;
    Ok(Retried {
        job_id: id.to_string(),
        dead_letter: dl.map(|d| d.id),
    })
}

async fn retry_job_in_tx(
    tx: &mut crate::store::DbTx,
    id: &str,
    policy: &RetryPolicy,
    now: i64,
) -> Result<(), QueueError> {
    let Some(row) = jobs::get(tx.exec(), id).await? else {
        return Err(QueueError::Invalid(format!("job {id} no longer exists")));
    };
    let job: super::Job = serde_json::from_str(&row.payload)
        .map_err(|e| QueueError::Invalid(format!("job {id}: unreadable payload: {e}")))?;
    if !jobs::reset_for_retry(tx.exec(), id, i64::from(policy.max_attempts), None, now).await? {
        return Err(QueueError::Invalid(format!(
            "job {id} is {}; only dead jobs can be retried",
            row.state
        )));
    }
    let env = Envelope {
        job_id: id.to_string(),
        attempt: row.attempts as u32 + 1,
        job,
    };
    push_task(tx.exec(), &env, None).await
}
