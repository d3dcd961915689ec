//! Record-level dead letters: a record that cannot sync is never skipped silently.
//! One open dead letter per (pair, mapping, record); `jobs retry` re-plans the record
//! from the mirror with the current mapping files.

use crate::queue::{Job, job::PushJob};
use crate::store::{Exec, IN_LIST_CHUNK, Statement, dead_letters, execute, fetch_optional};
use crate::time::now_ms;

/// Records a dead letter unless one is already open for the same record and mapping.
/// Returns true when a new one was written.
pub async fn record(
    mut exec: Exec<'_>,
    pair: &str,
    connection: &str,
    mapping: &str,
    record_key: &str,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: String,
    }
    let open = fetch_optional!(
        exec.reborrow(),
        Row,
        "SELECT id FROM dead_letters WHERE pair = $1 AND mapping = $2 AND record_key = $3 \
         AND state = 'open' AND job_id IS NULL",
        pair,
        mapping,
        record_key
    )?;
    if let Some(r) = open {
        // keep the newest reason: the vendor's message may have changed
        execute!(
            exec,
            "UPDATE dead_letters SET reason = $2 WHERE id = $1",
            &r.id,
            reason
        )?;
        return Ok(false);
    }
    let retry = Job::Push(PushJob {
        pair: pair.to_string(),
        mapping: mapping.to_string(),
        record_keys: vec![record_key.to_string()],
        run_id: None,
    });
    let retry = serde_json::to_string(&retry).expect("jobs serialize");
    dead_letters::insert(
        exec,
        &dead_letters::NewDeadLetter {
            job_id: None,
            kind: "record",
            pair: Some(pair),
            connection: Some(connection),
            record_key: Some(record_key),
            mapping: Some(mapping),
            reason,
            retry_job: Some(&retry),
        },
        now_ms(),
    )
    .await?;
    Ok(true)
}

/// Closes the open dead letters of records (of one mapping) that have now synced,
/// one statement per chunk.
pub async fn resolve_many(
    mut exec: Exec<'_>,
    pair: &str,
    mapping: &str,
    record_keys: &[&str],
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for chunk in record_keys.chunks(IN_LIST_CHUNK) {
        let mut s = Statement::new("UPDATE dead_letters SET state = 'retried', retried_at = ");
        s.bind(now)
            .push(" WHERE pair = ")
            .bind(pair)
            .push(" AND mapping = ")
            .bind(mapping)
            .push(" AND state = 'open' AND job_id IS NULL AND record_key IN ")
            .bind_list(chunk.iter().copied());
        s.execute(exec.reborrow()).await?;
    }
    Ok(())
}
