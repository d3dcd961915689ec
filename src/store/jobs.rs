//! `job_log` and `job_attempts`: logical jobs and each of their runs.
//!
//! apalis sees one task per attempt; these tables see the job an admin cares about, with
//! one id across delayed retries. State machine (the states `jobs list` shows):
//! `pending` (queued, or waiting for a delayed retry) → `running` → `done`, or
//! `failed` (the last attempt failed and another will run) → `running` …, or `dead`
//! (no more attempts; a dead letter holds the reason).

use super::{Exec, execute, fetch_all, fetch_optional};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub max_attempts: Option<i64>,
    pub last_error: Option<String>,
    pub connection: Option<String>,
    pub record_key: Option<String>,
    pub worker: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub run_after: Option<i64>,
    pub finished_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AttemptRow {
    pub id: String,
    pub job_id: String,
    pub attempt: i64,
    pub worker: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub outcome: String,
    pub error: Option<String>,
}

/// One field of every row, as an array to bind (PostgreSQL).
fn column<'r, T, U>(rows: &'r [T], f: impl Fn(&'r T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

/// A job row to insert (serialized: the JSON rows of [`insert_many`] on SQLite).
#[derive(Serialize)]
pub struct NewJob<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub payload: &'a str,
    pub max_attempts: Option<i64>,
    pub connection: Option<&'a str>,
    pub record_key: Option<&'a str>,
    pub run_after: Option<i64>,
    /// The `sync` run the job belongs to.
    pub run_id: Option<&'a str>,
    pub now: i64,
}

/// The columns of [`JobRow`], as a literal so statements stay `&'static str`.
macro_rules! job_cols {
    () => {
        "id, kind, payload, state, attempts, max_attempts, last_error, connection, \
         record_key, worker, created_at, updated_at, run_after, finished_at"
    };
}

pub async fn insert(e: Exec<'_>, j: &NewJob<'_>) -> Result<(), sqlx::Error> {
    execute!(
        e,
        "INSERT INTO job_log (id, kind, payload, state, attempts, max_attempts, connection, \
         record_key, created_at, updated_at, run_after, run_id) \
         VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6, $7, $7, $8, $9)",
        j.id,
        j.kind,
        j.payload,
        j.max_attempts,
        j.connection,
        j.record_key,
        j.now,
        j.run_after,
        j.run_id
    )
    .map(|_| ())
}

/// Insert several job rows with one statement (the same rows [`insert`] writes).
/// Enqueueing the jobs of a webhook group commit one by one costs a round trip each on
/// PostgreSQL; this keeps the batch at one, whatever its size. PostgreSQL takes arrays
/// (no JSON to parse), SQLite a JSON array it expands with `json_each`.
pub async fn insert_many(e: Exec<'_>, jobs: &[NewJob<'_>]) -> Result<(), sqlx::Error> {
    if jobs.is_empty() {
        return Ok(());
    }
    match e {
        Exec::Sqlite(c) => {
            let rows =
                serde_json::to_string(jobs).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
            sqlx::query(
                "INSERT INTO job_log (id, kind, payload, state, attempts, max_attempts, \
                 connection, record_key, created_at, updated_at, run_after, run_id) \
                 SELECT json_extract(value, '$.id'), json_extract(value, '$.kind'), \
                        json_extract(value, '$.payload'), 'pending', 0, \
                        json_extract(value, '$.max_attempts'), \
                        json_extract(value, '$.connection'), \
                        json_extract(value, '$.record_key'), json_extract(value, '$.now'), \
                        json_extract(value, '$.now'), json_extract(value, '$.run_after'), \
                        json_extract(value, '$.run_id') \
                 FROM json_each($1)",
            )
            .bind(rows)
            .execute(&mut *c)
            .await?;
        }
        Exec::Postgres(c) => {
            sqlx::query(
                "INSERT INTO job_log (id, kind, payload, state, attempts, max_attempts, \
                 connection, record_key, created_at, updated_at, run_after, run_id) \
                 SELECT id, kind, payload, 'pending', 0, max_attempts, connection, \
                        record_key, at, at, run_after, run_id \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], \
                             $6::text[], $7::bigint[], $8::text[], $9::bigint[]) \
                      AS j(id, kind, payload, max_attempts, connection, record_key, \
                           run_after, run_id, at)",
            )
            .bind(column(jobs, |j| j.id))
            .bind(column(jobs, |j| j.kind))
            .bind(column(jobs, |j| j.payload))
            .bind(column(jobs, |j| j.max_attempts))
            .bind(column(jobs, |j| j.connection))
            .bind(column(jobs, |j| j.record_key))
            .bind(column(jobs, |j| j.run_after))
            .bind(column(jobs, |j| j.run_id))
            .bind(column(jobs, |j| j.now))
            .execute(&mut *c)
            .await?;
        }
    }
    Ok(())
}

pub async fn get(e: Exec<'_>, id: &str) -> Result<Option<JobRow>, sqlx::Error> {
    fetch_optional!(
        e,
        JobRow,
        concat!("SELECT ", job_cols!(), " FROM job_log WHERE id = $1"),
        id
    )
}

/// Newest first. `state` filters; `limit` bounds the output.
pub async fn list(
    e: Exec<'_>,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<JobRow>, sqlx::Error> {
    // Postgres cannot infer the type of a bare `$1 IS NULL`; the cast works on both.
    fetch_all!(
        e,
        JobRow,
        concat!(
            "SELECT ",
            job_cols!(),
            " FROM job_log WHERE (CAST($1 AS TEXT) IS NULL OR state = $1) \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ),
        state,
        limit
    )
}

/// Take attempt `attempt` of job `id` for this worker. Succeeds for the attempt that is
/// due (state pending/failed with `attempt - 1` done) and for a re-run of the attempt a
/// dead worker left `running`; refuses stale or duplicate tasks (the job moved on).
pub async fn claim(
    e: Exec<'_>,
    id: &str,
    attempt: i64,
    worker: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    execute!(
        e,
        "UPDATE job_log SET state = 'running', attempts = $2, worker = $3, updated_at = $4, \
         run_after = NULL \
         WHERE id = $1 AND ((state IN ('pending', 'failed') AND attempts = $2 - 1) \
                            OR (state = 'running' AND attempts = $2))",
        id,
        attempt,
        worker,
        now
    )
    .map(|n| n == 1)
}

/// Record the start of a run; a run of the same job still marked `running` was cut off by
/// a crash and is marked `interrupted`.
pub async fn start_attempt(
    mut e: Exec<'_>,
    attempt_id: &str,
    job_id: &str,
    attempt: i64,
    worker: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        reborrow(&mut e),
        "UPDATE job_attempts SET outcome = 'interrupted', finished_at = $2, \
         error = 'the worker stopped during this run (crash or kill); the job ran again' \
         WHERE job_id = $1 AND outcome = 'running'",
        job_id,
        now
    )?;
    execute!(
        e,
        "INSERT INTO job_attempts (id, job_id, attempt, worker, started_at, outcome) \
         VALUES ($1, $2, $3, $4, $5, 'running')",
        attempt_id,
        job_id,
        attempt,
        worker,
        now
    )
    .map(|_| ())
}

pub async fn finish_attempt(
    e: Exec<'_>,
    attempt_id: &str,
    outcome: &str,
    error: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        e,
        "UPDATE job_attempts SET outcome = $2, error = $3, finished_at = $4 WHERE id = $1",
        attempt_id,
        outcome,
        error,
        now
    )
    .map(|_| ())
}

/// Final or intermediate outcome of the running attempt `attempt`. Returns false when the
/// job is no longer in that attempt (another run owns it).
pub async fn set_outcome(
    e: Exec<'_>,
    id: &str,
    attempt: i64,
    state: &str,
    error: Option<&str>,
    run_after: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let finished = matches!(state, "done" | "dead").then_some(now);
    execute!(
        e,
        "UPDATE job_log SET state = $3, last_error = COALESCE($4, last_error), run_after = $5, \
         updated_at = $6, finished_at = $7 \
         WHERE id = $1 AND attempts = $2 AND state = 'running'",
        id,
        attempt,
        state,
        error,
        run_after,
        now,
        finished
    )
    .map(|n| n == 1)
}

/// Puts the running attempt `attempt` back to pending without counting it (a job
/// that waits, see `JobError::Wait`): the next claim is `attempt` again.
pub async fn defer(
    e: Exec<'_>,
    id: &str,
    attempt: i64,
    run_after: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    execute!(
        e,
        "UPDATE job_log SET state = 'pending', attempts = attempts - 1, run_after = $3, \
         updated_at = $4 WHERE id = $1 AND attempts = $2 AND state = 'running'",
        id,
        attempt,
        run_after,
        now
    )
    .map(|n| n == 1)
}

/// Forgets an attempt row (a wait is not an attempt).
pub async fn delete_attempt(e: Exec<'_>, attempt_id: &str) -> Result<(), sqlx::Error> {
    execute!(e, "DELETE FROM job_attempts WHERE id = $1", attempt_id).map(|_| ())
}

/// Make a dead (or failed) job runnable again with `extra` more attempts.
pub async fn reset_for_retry(
    e: Exec<'_>,
    id: &str,
    extra: i64,
    run_after: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    execute!(
        e,
        "UPDATE job_log SET state = 'pending', max_attempts = attempts + $2, run_after = $3, \
         updated_at = $4, finished_at = NULL \
         WHERE id = $1 AND state IN ('dead', 'failed')",
        id,
        extra,
        run_after,
        now
    )
    .map(|n| n == 1)
}

pub async fn attempts(e: Exec<'_>, job_id: &str) -> Result<Vec<AttemptRow>, sqlx::Error> {
    fetch_all!(
        e,
        AttemptRow,
        "SELECT id, job_id, attempt, worker, started_at, finished_at, outcome, error \
         FROM job_attempts WHERE job_id = $1 ORDER BY started_at, attempt",
        job_id
    )
}

/// Reborrow an `Exec` for one more statement.
pub(crate) fn reborrow<'b>(e: &'b mut Exec<'_>) -> Exec<'b> {
    match e {
        Exec::Sqlite(c) => Exec::Sqlite(c),
        Exec::Postgres(c) => Exec::Postgres(c),
    }
}
