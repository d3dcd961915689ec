//! Idempotency keys: one row per intended target write, `started → sent → done | failed`.
//!
//! The key is derived from (pair, mapping version, source record key, payload hash), so
//! the same intended effect always has the same key, whichever job, retry or process
//! performs it. The row moves to `sent` (committed) *before* the vendor call and to
//! `done` in the same transaction that records the link, so after any crash the state
//! says exactly what is known:
//! - `started`: never sent — safe to send;
//! - `sent`: maybe written — look the record up by its external reference first and
//!   only resend (with the same vendor idempotency key) if it is not there;
//! - `done`: written — nothing to do;
//! - `failed`: refused by the vendor — a retry after a fix supersedes it.

use crate::store::{Exec, IN_LIST_CHUNK, Statement, execute, fetch_all};
use crate::time::now_ms;
use std::collections::HashMap;

/// The key of one intended write.
pub fn derive(pair: &str, mapping_version: &str, source_key: &str, payload_hash: &str) -> String {
    super::digest(format!("{pair}\n{mapping_version}\n{source_key}\n{payload_hash}").as_bytes())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub key: String,
    pub state: String,
    pub payload_digest: String,
    pub target_id: Option<String>,
    pub job_id: Option<String>,
    /// State of the job that owns the key (`None`: no such job any more).
    pub job_state: Option<String>,
}

/// Key rows with the state of their owning job.
pub async fn get_many(
    mut exec: Exec<'_>,
    keys: &[String],
) -> Result<HashMap<String, KeyRow>, sqlx::Error> {
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(IN_LIST_CHUNK) {
        let mut s = Statement::new(
            "SELECT k.key, k.state, k.payload_digest, k.target_id, k.job_id, \
             j.state AS job_state FROM idempotency_keys k \
             LEFT JOIN job_log j ON j.id = k.job_id WHERE k.key IN ",
        );
        s.bind_list(chunk);
        let rows: Vec<KeyRow> = s.fetch_all(exec.reborrow()).await?;
        out.extend(rows.into_iter().map(|r| (r.key.clone(), r)));
    }
    Ok(out)
}

/// Claims a key for this job in state `started`. Atomic: a new key is inserted; an
/// existing one is taken over only when it failed, is this job's own, or belongs to a
/// job that is no longer pending or running. Returns false when another live job
/// owns it — that job is writing the same record right now.
pub async fn claim(
    exec: Exec<'_>,
    key: &str,
    pair: &str,
    mapping: &str,
    source_key: &str,
    payload_digest: &str,
    job_id: &str,
) -> Result<bool, sqlx::Error> {
    let now = now_ms();
    let n = execute!(
        exec,
        "INSERT INTO idempotency_keys (key, pair, source_key, state, payload_digest, job_id, \
         mapping, created_at, updated_at) VALUES ($1, $2, $3, 'started', $4, $5, $6, $7, $7) \
         ON CONFLICT (key) DO UPDATE SET state = 'started', job_id = excluded.job_id, \
         error = NULL, updated_at = excluded.updated_at \
         WHERE idempotency_keys.state <> 'done' AND (idempotency_keys.state = 'failed' \
         OR idempotency_keys.job_id = excluded.job_id OR idempotency_keys.job_id IS NULL \
         OR NOT EXISTS (SELECT 1 FROM job_log j WHERE j.id = idempotency_keys.job_id \
         AND j.state IN ('pending', 'running')))",
        key,
        pair,
        source_key,
        payload_digest,
        job_id,
        mapping,
        now
    )?;
    Ok(n > 0)
}

/// Marks keys `sent`: committed before the vendor call. One statement per 500 keys
/// (a statement per key made this a hot spot of large syncs on SQLite).
pub async fn mark_sent(
    mut exec: Exec<'_>,
    keys: &[String],
    job_id: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for chunk in keys.chunks(IN_LIST_CHUNK) {
        let mut s = Statement::new("UPDATE idempotency_keys SET state = 'sent', job_id = ");
        s.bind(job_id)
            .push(", updated_at = ")
            .bind(now)
            .push(" WHERE state <> 'done' AND key IN ")
            .bind_list(chunk);
        s.execute(exec.reborrow()).await?;
    }
    Ok(())
}

/// A key to claim for this job (see [`claim_sent_many`]).
pub struct Claim<'a> {
    pub key: &'a str,
    pub pair: &'a str,
    pub mapping: &'a str,
    pub source_key: &'a str,
    pub payload_digest: &'a str,
}

/// Claims many keys for `job_id` and marks them `sent` in one statement per chunk;
/// returns the keys claimed. The same rule as [`claim`]: a key is taken unless it is
/// `done` or owned by another job that is still pending or running. Call it in the
/// transaction that commits before the write, as with `claim` + `mark_sent`.
pub async fn claim_sent_many(
    mut exec: Exec<'_>,
    claims: &[Claim<'_>],
    job_id: &str,
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        key: String,
    }
    let now = now_ms();
    // PostgreSQL refuses an upsert that touches one row twice: one claim per key.
    let mut seen = std::collections::HashSet::new();
    let claims: Vec<&Claim> = claims.iter().filter(|c| seen.insert(c.key)).collect();
    let mut out = std::collections::HashSet::with_capacity(claims.len());
    for chunk in claims.chunks(200) {
        let mut s = Statement::new(
            "INSERT INTO idempotency_keys (key, pair, source_key, state, payload_digest, \
             job_id, mapping, created_at, updated_at) ",
        );
        s.values(chunk, |row, c| {
            row.bind(c.key)
                .bind(c.pair)
                .bind(c.source_key)
                .constant("'sent'")
                .bind(c.payload_digest)
                .bind(job_id)
                .bind(c.mapping)
                .bind(now)
                .bind(now);
        })
        .push(
            " ON CONFLICT (key) DO UPDATE SET state = 'sent', job_id = excluded.job_id, \
             error = NULL, updated_at = excluded.updated_at \
             WHERE idempotency_keys.state <> 'done' AND (idempotency_keys.state = 'failed' \
             OR idempotency_keys.job_id = excluded.job_id OR idempotency_keys.job_id IS NULL \
             OR NOT EXISTS (SELECT 1 FROM job_log j WHERE j.id = idempotency_keys.job_id \
             AND j.state IN ('pending', 'running'))) RETURNING key",
        );
        let rows: Vec<Row> = s.fetch_all(exec.reborrow()).await?;
        out.extend(rows.into_iter().map(|r| r.key));
    }
    Ok(out)
}

/// [`mark_done`] for many keys: `(key, target id)`, one statement per chunk.
pub async fn mark_done_many(mut exec: Exec<'_>, done: &[(&str, &str)]) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for chunk in done.chunks(300) {
        // `WITH v AS (VALUES …)` and a correlated lookup: UPDATE … FROM differs
        // between SQLite and PostgreSQL, this form reads the same on both.
        let mut s = Statement::new("WITH v (k, t) AS (");
        s.values(chunk, |row, (k, t)| {
            row.bind(*k).bind(*t);
        })
        .push(
            ") UPDATE idempotency_keys SET state = 'done', \
             target_id = (SELECT t FROM v WHERE v.k = idempotency_keys.key), \
             response_digest = NULL, error = NULL, updated_at = ",
        )
        .bind(now)
        .push(" WHERE key IN (SELECT k FROM v)");
        s.execute(exec.reborrow()).await?;
    }
    Ok(())
}

pub async fn mark_done(
    exec: Exec<'_>,
    key: &str,
    target_id: &str,
    response_digest: Option<&str>,
) -> Result<(), sqlx::Error> {
    execute!(
        exec,
        "UPDATE idempotency_keys SET state = 'done', target_id = $2, response_digest = $3, \
         error = NULL, updated_at = $4 WHERE key = $1",
        key,
        target_id,
        response_digest,
        now_ms()
    )
    .map(|_| ())
}

pub async fn mark_failed(exec: Exec<'_>, key: &str, error: &str) -> Result<(), sqlx::Error> {
    execute!(
        exec,
        "UPDATE idempotency_keys SET state = 'failed', error = $2, updated_at = $3 WHERE key = $1",
        key,
        error,
        now_ms()
    )
    .map(|_| ())
}

/// Keys of a pair still in flight (`started`/`sent`) for these source keys: the plan
/// leaves such records to the job that owns them instead of pushing them twice.
pub async fn in_flight(exec: Exec<'_>, pair: &str) -> Result<Vec<String>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        key: String,
    }
    Ok(fetch_all!(
        exec,
        Row,
        "SELECT k.key FROM idempotency_keys k JOIN job_log j ON j.id = k.job_id \
         WHERE k.pair = $1 AND k.state IN ('started', 'sent') \
         AND j.state IN ('pending', 'running', 'failed')",
        pair
    )?
    .into_iter()
    .map(|r| r.key)
    .collect())
}
