//! `reconcile_runs`: every reconciliation, with its counts, for `--history`.
//!
//! A run is written when it starts (`running`) and updated when it ends: `clean`
//! (everything matched), `discrepancies`, or `error` (the message in `summary`). The
//! stored report leaves out the `matched` items, so a 100,000-deal ledger stores its
//! discrepancies, not a copy of itself.

use super::model::{Class, Report};
use crate::store::{Db, StoreError, execute, fetch_all};
use crate::time::now_ms;
use serde::Serialize;
use std::collections::BTreeMap;

/// One stored run.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub id: String,
    pub pair: String,
    /// RFC 3339.
    pub started_at: String,
    pub finished_at: Option<String>,
    /// `running`, `clean`, `discrepancies` or `error`.
    pub status: String,
    /// Class → count (empty for a run that failed).
    pub summary: BTreeMap<String, usize>,
    pub error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    pair: String,
    started_at: i64,
    finished_at: Option<i64>,
    status: String,
    summary: Option<String>,
}

/// Records the start of a run; returns its id.
pub async fn start(db: &Db, pair: &str) -> Result<String, StoreError> {
    let id = format!("rec-{}", uuid::Uuid::new_v4().simple());
    let mut c = db.conn().await?;
    execute!(
        c.exec(),
        "INSERT INTO reconcile_runs (id, pair, started_at, status) VALUES ($1, $2, $3, 'running')",
        &id,
        pair,
        now_ms()
    )?;
    Ok(id)
}

/// Stores a finished run's counts and report.
pub async fn finish(db: &Db, report: &Report) -> Result<(), StoreError> {
    let status = if report.is_clean() {
        "clean"
    } else {
        "discrepancies"
    };
    let mut stored = report.clone();
    stored.items.retain(|i| i.class != Class::Matched);
    let summary = serde_json::to_string(&report.summary).expect("summary serializes");
    let body = serde_json::to_string(&stored).expect("report serializes");
    let mut c = db.conn().await?;
    execute!(
        c.exec(),
        "UPDATE reconcile_runs SET finished_at = $2, status = $3, summary = $4, report = $5 \
         WHERE id = $1",
        &report.run_id,
        now_ms(),
        status,
        &summary,
        &body
    )?;
    Ok(())
}

/// Marks a run failed, with the reason.
pub async fn fail(db: &Db, id: &str, error: &str) -> Result<(), StoreError> {
    let summary = serde_json::json!({ "error": error }).to_string();
    let mut c = db.conn().await?;
    execute!(
        c.exec(),
        "UPDATE reconcile_runs SET finished_at = $2, status = 'error', summary = $3 WHERE id = $1",
        id,
        now_ms(),
        &summary
    )?;
    Ok(())
}

/// The newest runs first, of one pair or all.
pub async fn list(db: &Db, pair: Option<&str>, limit: i64) -> Result<Vec<RunInfo>, StoreError> {
    let mut c = db.conn().await?;
    let rows = fetch_all!(
        c.exec(),
        Row,
        "SELECT id, pair, started_at, finished_at, status, summary FROM reconcile_runs \
         WHERE ($1 IS NULL OR pair = $1) ORDER BY started_at DESC, id DESC LIMIT $2",
        pair,
        limit
    )?;
    Ok(rows.into_iter().map(info).collect())
}

fn info(r: Row) -> RunInfo {
    let v: serde_json::Value = r
        .summary
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let error = v.get("error").and_then(|e| e.as_str()).map(str::to_string);
    let summary = if error.is_some() {
        BTreeMap::new()
    } else {
        serde_json::from_value(v).unwrap_or_default()
    };
    RunInfo {
        id: r.id,
        pair: r.pair,
        started_at: crate::time::rfc3339(r.started_at),
        finished_at: r.finished_at.map(crate::time::rfc3339),
        status: r.status,
        summary,
        error,
    }
}
