//! Dead letters: work that will not succeed by itself, with a reason an admin can read,
//! and a way to replay it (`ledgerbridge jobs retry ID`).
//!
//! Two kinds share the table: a whole job that exhausted its attempts or failed
//! permanently (`job_id` set: retry re-runs that job under the same id), and a single
//! record the pipeline could not sync (`job_id` empty, `retry_job` holds the job to
//! enqueue — e.g. re-plan that record from the mirror).

use super::{Exec, execute, fetch_all, fetch_optional};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct DeadLetterRow {
    pub id: String,
    pub job_id: Option<String>,
    pub kind: String,
    pub pair: Option<String>,
    pub connection: Option<String>,
    pub record_key: Option<String>,
    pub mapping: Option<String>,
    pub reason: String,
    pub retry_job: Option<String>,
    pub state: String,
    pub created_at: i64,
    pub retried_at: Option<i64>,
}

#[derive(Debug, Default)]
pub struct NewDeadLetter<'a> {
    pub job_id: Option<&'a str>,
    pub kind: &'a str,
    pub pair: Option<&'a str>,
    pub connection: Option<&'a str>,
    pub record_key: Option<&'a str>,
    pub mapping: Option<&'a str>,
    pub reason: &'a str,
    /// JSON of a `queue::Job` to enqueue on retry (record-level dead letters).
    pub retry_job: Option<&'a str>,
}

macro_rules! dl_cols {
    () => {
        "id, job_id, kind, pair, connection, record_key, mapping, reason, retry_job, state, \
         created_at, retried_at"
    };
}

/// Insert a dead letter; returns its id.
pub async fn insert(e: Exec<'_>, d: &NewDeadLetter<'_>, now: i64) -> Result<String, sqlx::Error> {
    let id = format!("dl-{}", uuid::Uuid::new_v4().simple());
    execute!(
        e,
        "INSERT INTO dead_letters (id, job_id, kind, pair, connection, record_key, mapping, \
         reason, retry_job, state, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10)",
        &id,
        d.job_id,
        d.kind,
        d.pair,
        d.connection,
        d.record_key,
        d.mapping,
        d.reason,
        d.retry_job,
        now
    )?;
    Ok(id)
}

/// Open dead letters (or all with `include_retried`), newest first.
pub async fn list(e: Exec<'_>, include_retried: bool) -> Result<Vec<DeadLetterRow>, sqlx::Error> {
    fetch_all!(
        e,
        DeadLetterRow,
        concat!(
            "SELECT ",
            dl_cols!(),
            " FROM dead_letters WHERE state = 'open' OR $1 ORDER BY created_at DESC, id DESC"
        ),
        include_retried
    )
}

pub async fn get(e: Exec<'_>, id: &str) -> Result<Option<DeadLetterRow>, sqlx::Error> {
    fetch_optional!(
        e,
        DeadLetterRow,
        concat!("SELECT ", dl_cols!(), " FROM dead_letters WHERE id = $1"),
        id
    )
}

/// The open dead letter of a job, if any.
pub async fn open_for_job(e: Exec<'_>, job_id: &str) -> Result<Option<DeadLetterRow>, sqlx::Error> {
    fetch_optional!(
        e,
        DeadLetterRow,
        concat!(
            "SELECT ",
            dl_cols!(),
            " FROM dead_letters WHERE job_id = $1 AND state = 'open' \
             ORDER BY created_at DESC LIMIT 1"
        ),
        job_id
    )
}

pub async fn mark_retried(e: Exec<'_>, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    execute!(
        e,
        "UPDATE dead_letters SET state = 'retried', retried_at = $2 WHERE id = $1 AND state = 'open'",
        id,
        now
    )
    .map(|n| n == 1)
}
