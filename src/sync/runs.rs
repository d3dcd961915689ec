//! One `sync` run: its row in `sync_runs`, the counters jobs add to, and waiting for
//! every job of the run to finish.

use crate::store::{Db, Exec, StoreError, execute, fetch_optional};
use crate::time::now_ms;
use serde::Serialize;

/// The counters of a run; `sync --json` prints exactly these keys (plus lifecycle ones).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Counters {
    pub pulled: i64,
    pub planned: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
    pub dead_lettered: i64,
    pub adopted: i64,
    pub voided: i64,
    pub flagged: i64,
    pub api_calls: i64,
}

impl Counters {
    pub fn add(&mut self, o: &Counters) {
        self.pulled += o.pulled;
        self.planned += o.planned;
        self.created += o.created;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.skipped += o.skipped;
        self.failed += o.failed;
        self.dead_lettered += o.dead_lettered;
        self.adopted += o.adopted;
        self.voided += o.voided;
        self.flagged += o.flagged;
        self.api_calls += o.api_calls;
    }

    pub fn is_zero(&self) -> bool {
        *self == Counters::default()
    }
}

/// Starts a run; returns its id.
pub async fn start(db: &Db, pair: &str, trigger: &str, full: bool) -> Result<String, StoreError> {
    let id = format!("run-{}", uuid::Uuid::new_v4().simple());
    let mut c = db.conn().await?;
    execute!(
        c.exec(),
        "INSERT INTO sync_runs (id, pair, trigger, full_sync, started_at) VALUES ($1, $2, $3, $4, $5)",
        &id,
        pair,
        trigger,
        full,
        now_ms()
    )?;
    Ok(id)
}

/// Adds a job's counts to its run (inside the job's own transaction when it has one).
pub async fn add(exec: Exec<'_>, run_id: &str, c: &Counters) -> Result<(), sqlx::Error> {
    if c.is_zero() {
        return Ok(());
    }
    execute!(
        exec,
        "UPDATE sync_runs SET pulled = pulled + $2, planned = planned + $3, \
         created = created + $4, updated = updated + $5, unchanged = unchanged + $6, \
         skipped = skipped + $7, failed = failed + $8, dead_lettered = dead_lettered + $9, \
         adopted = adopted + $10, voided = voided + $11, flagged = flagged + $12, \
         api_calls = api_calls + $13 WHERE id = $1",
        run_id,
        c.pulled,
        c.planned,
        c.created,
        c.updated,
        c.unchanged,
        c.skipped,
        c.failed,
        c.dead_lettered,
        c.adopted,
        c.voided,
        c.flagged,
        c.api_calls
    )
    .map(|_| ())
}

pub async fn counters(db: &Db, run_id: &str) -> Result<Counters, StoreError> {
    let mut c = db.conn().await?;
    Ok(fetch_optional!(
        c.exec(),
        Counters,
        "SELECT pulled, planned, created, updated, unchanged, skipped, failed, dead_lettered, \
         adopted, voided, flagged, api_calls FROM sync_runs WHERE id = $1",
        run_id
    )?
    .unwrap_or_default())
}

pub async fn finish(db: &Db, run_id: &str) -> Result<(), StoreError> {
    let mut c = db.conn().await?;
    execute!(
        c.exec(),
        "UPDATE sync_runs SET finished_at = $2 WHERE id = $1",
        run_id,
        now_ms()
    )?;
    Ok(())
}

/// Jobs of the run by state: (unfinished, dead).
pub async fn progress(db: &Db, run_id: &str) -> Result<(i64, i64, i64), StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        open: i64,
        dead: i64,
        total: i64,
    }
    let mut c = db.conn().await?;
    let r = fetch_optional!(
        c.exec(),
        Row,
        "SELECT COALESCE(SUM(CASE WHEN state IN ('pending', 'running', 'failed') THEN 1 ELSE 0 END), 0) AS open, \
         COALESCE(SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0) AS dead, \
         COUNT(*) AS total FROM job_log WHERE run_id = $1",
        run_id
    )?;
    Ok(r.map(|r| (r.open, r.dead, r.total)).unwrap_or((0, 0, 0)))
}

/// Open (pending, running or failed-and-retrying) jobs of the run other than `job_id`.
pub async fn open_jobs_except(db: &Db, run_id: &str, job_id: &str) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        open: i64,
    }
    let mut c = db.conn().await?;
    let r = fetch_optional!(
        c.exec(),
        Row,
        "SELECT COUNT(*) AS open FROM job_log WHERE run_id = $1 AND id <> $2 \
         AND state IN ('pending', 'running', 'failed')",
        run_id,
        job_id
    )?;
    Ok(r.map(|r| r.open).unwrap_or(0))
}
