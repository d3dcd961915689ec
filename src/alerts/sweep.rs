//! Alerts read off the database: what the engine already records says when a run
//! failed, left dead letters, or a reconciliation found discrepancies, and how long the
//! oldest due job has waited. The worker sweeps every few seconds; `sync` and
//! `reconcile` sweep once when they finish. Each finished run is claimed in
//! `alert_seen` before it is looked at, so a fleet of workers alerts it once.
//!
//! Only runs that finished within the last day are looked at: a database from before
//! alerts were configured does not replay its history.

use super::{Alert, AlertKind, Alerter, Page};
use crate::store::{Db, StoreError, execute, fetch_all, fetch_optional};
use crate::time::now_ms;
use std::time::Duration;

/// How far back a finished run is still news.
const LOOKBACK: Duration = Duration::from_secs(24 * 3600);
/// Reasons quoted in one alert.
const FIRST_REASONS: i64 = 5;
/// How often the worker sweeps.
pub const EVERY: Duration = Duration::from_secs(5);

/// One sweep; returns the delivery jobs it enqueued.
pub async fn sweep(alerter: &Alerter, db: &Db) -> Result<Vec<String>, StoreError> {
    let mut jobs = Vec::new();
    if alerter.settings().channels().is_empty() {
        return Ok(jobs);
    }
    let since = now_ms() - LOOKBACK.as_millis() as i64;
    for run in finished_sync_runs(db, since).await? {
        if !claim(db, &run.id, &run.pair).await? {
            continue;
        }
        jobs.extend(sync_run(alerter, db, &run).await?);
    }
    for run in finished_reconcile_runs(db, since).await? {
        if !claim(db, &run.id, &run.pair).await? {
            continue;
        }
        jobs.extend(reconcile_run(alerter, &run).await);
    }
    jobs.extend(queue_age(alerter, db).await?);
    Ok(jobs)
}

/// Sweeps every [`EVERY`] until the task is dropped (the worker's companion task).
pub async fn watch(alerter: Alerter, db: Db) {
    loop {
        if let Err(e) = sweep(&alerter, &db).await {
            tracing::warn!(error = %e, "alert sweep failed; trying again");
        }
        tokio::time::sleep(EVERY).await;
    }
}

#[derive(sqlx::FromRow)]
struct SyncRun {
    id: String,
    pair: String,
    started_at: i64,
}

/// Sync runs with jobs, none of them open, not yet looked at.
async fn finished_sync_runs(db: &Db, since: i64) -> Result<Vec<SyncRun>, StoreError> {
    let mut c = db.conn().await?;
    Ok(fetch_all!(
        c.exec(),
        SyncRun,
        "SELECT r.id, r.pair, r.started_at FROM sync_runs r \
         WHERE r.started_at >= $1 \
         AND NOT EXISTS (SELECT 1 FROM alert_seen s WHERE s.subject = r.id) \
         AND EXISTS (SELECT 1 FROM job_log j WHERE j.run_id = r.id) \
         AND NOT EXISTS (SELECT 1 FROM job_log j WHERE j.run_id = r.id \
                         AND j.state IN ('pending', 'running', 'failed')) \
         ORDER BY r.started_at",
        since
    )?)
}

/// Takes `subject` for this process; false when another sweep already has it.
async fn claim(db: &Db, subject: &str, pair: &str) -> Result<bool, StoreError> {
    let mut c = db.conn().await?;
    let n = execute!(
        c.exec(),
        "INSERT INTO alert_seen (subject, pair, seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (subject) DO NOTHING",
        subject,
        pair,
        now_ms()
    )?;
    Ok(n == 1)
}

#[derive(sqlx::FromRow)]
struct Reason {
    what: Option<String>,
    reason: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

async fn sync_run(alerter: &Alerter, db: &Db, run: &SyncRun) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    let mut c = db.conn().await?;
    let dead = fetch_optional!(
        c.exec(),
        Count,
        "SELECT COUNT(*) AS n FROM job_log WHERE run_id = $1 AND state = 'dead'",
        &run.id
    )?
    .map_or(0, |r| r.n);
    if dead > 0 {
        let reasons = fetch_all!(
            c.exec(),
            Reason,
            "SELECT kind AS what, last_error AS reason FROM job_log \
             WHERE run_id = $1 AND state = 'dead' ORDER BY updated_at LIMIT $2",
            &run.id,
            FIRST_REASONS
        )?;
        let mut alert = Alert::new(
            AlertKind::RunFailed,
            format!(
                "sync run of pair {} failed: {dead} job(s) gave up",
                run.pair
            ),
        )
        .pair(&run.pair)
        .detail(format!("run {}", run.id));
        for r in reasons {
            alert = alert.detail(format!(
                "{} job: {}",
                r.what.unwrap_or_default(),
                r.reason.unwrap_or_default()
            ));
        }
        alert = alert.detail(
            "`ledgerbridge jobs list --state dead` lists them; `jobs retry ID` runs one again",
        );
        out.extend(
            alerter
                .raise_quietly(alert, Page::Run(run.id.clone()))
                .await
                .unwrap_or_default(),
        );
    }
    // Record-level dead letters written while the run went on, and not counted by an
    // earlier run of the pair that overlapped it.
    let from = fetch_optional!(
        c.exec(),
        Count,
        "SELECT COALESCE(MAX(seen_at), 0) AS n FROM alert_seen WHERE pair = $1 AND subject <> $2",
        &run.pair,
        &run.id
    )?
    .map_or(0, |r| r.n)
    .max(run.started_at);
    let letters = fetch_optional!(
        c.exec(),
        Count,
        "SELECT COUNT(*) AS n FROM dead_letters WHERE pair = $1 AND job_id IS NULL \
         AND state = 'open' AND created_at >= $2",
        &run.pair,
        from
    )?
    .map_or(0, |r| r.n);
    if letters > 0 {
        let reasons = fetch_all!(
            c.exec(),
            Reason,
            "SELECT record_key AS what, reason FROM dead_letters WHERE pair = $1 \
             AND job_id IS NULL AND state = 'open' AND created_at >= $2 \
             ORDER BY created_at, id LIMIT $3",
            &run.pair,
            from,
            FIRST_REASONS
        )?;
        let mut alert = Alert::new(
            AlertKind::DeadLetters,
            format!(
                "pair {}: {letters} record(s) could not sync and are dead letters",
                run.pair
            ),
        )
        .pair(&run.pair)
        .detail(format!("run {}", run.id));
        for r in reasons {
            alert = alert.detail(format!(
                "{}: {}",
                r.what.unwrap_or_default(),
                r.reason.unwrap_or_default()
            ));
        }
        if letters > FIRST_REASONS {
            alert = alert.detail(format!("… and {} more", letters - FIRST_REASONS));
        }
        alert = alert
            .detail("fix the mapping or the record, then `ledgerbridge jobs retry ID` replays it");
        out.extend(
            alerter
                .raise_quietly(alert, Page::DeadLetters)
                .await
                .unwrap_or_default(),
        );
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct ReconcileRun {
    id: String,
    pair: String,
    status: String,
    summary: Option<String>,
    report: Option<String>,
}

async fn finished_reconcile_runs(db: &Db, since: i64) -> Result<Vec<ReconcileRun>, StoreError> {
    let mut c = db.conn().await?;
    Ok(fetch_all!(
        c.exec(),
        ReconcileRun,
        "SELECT r.id, r.pair, r.status, r.summary, r.report FROM reconcile_runs r \
         WHERE r.started_at >= $1 AND r.status IN ('discrepancies', 'error') \
         AND NOT EXISTS (SELECT 1 FROM alert_seen s WHERE s.subject = r.id) \
         ORDER BY r.started_at",
        since
    )?)
}

async fn reconcile_run(alerter: &Alerter, run: &ReconcileRun) -> Vec<String> {
    if run.status == "error" {
        // a failed reconciliation stores `{"error": …}` as its summary
        let why = run
            .summary
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| "no reason recorded".into());
        let alert = Alert::new(
            AlertKind::RunFailed,
            format!("reconciliation of pair {} failed", run.pair),
        )
        .pair(&run.pair)
        .detail(format!("run {}", run.id))
        .detail(why);
        return alerter
            .raise_quietly(alert, Page::Reconcile(run.pair.clone()))
            .await
            .unwrap_or_default();
    }
    let counts: std::collections::BTreeMap<String, i64> = run
        .summary
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let total: i64 = counts
        .iter()
        .filter(|(class, _)| class.as_str() != "matched")
        .map(|(_, n)| n)
        .sum();
    let mut alert = Alert::new(
        AlertKind::ReconcileDiscrepancies,
        format!(
            "reconciliation of pair {} found {total} record(s) not in step",
            run.pair
        ),
    )
    .pair(&run.pair)
    .detail(format!("run {}", run.id));
    for (class, n) in counts
        .iter()
        .filter(|(c, n)| c.as_str() != "matched" && **n > 0)
    {
        alert = alert.detail(format!("{class}: {n}"));
    }
    let items: Vec<(String, String)> = run
        .report
        .as_deref()
        .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
        .and_then(|v| v["items"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .take(FIRST_REASONS as usize)
        .map(|i| {
            (
                i["source_key"].as_str().unwrap_or("").to_string(),
                i["class"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    if !items.is_empty() {
        let keys: Vec<String> = items.iter().map(|(k, c)| format!("{k} ({c})")).collect();
        alert = alert.detail(format!("first records: {}", keys.join(", ")));
    }
    alert = alert.detail("`ledgerbridge reconcile --fix` closes the fixable classes");
    alerter
        .raise_quietly(alert, Page::Reconcile(run.pair.clone()))
        .await
        .unwrap_or_default()
}

/// The queue is not draining when a job has been due for longer than `queue_max_age`
/// (due: pending, and past its `run_after` if it has one).
async fn queue_age(alerter: &Alerter, db: &Db) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Oldest {
        due_since: Option<i64>,
        n: i64,
    }
    let now = now_ms();
    let max_age = alerter.settings().queue_max_age.as_millis() as i64;
    let mut c = db.conn().await?;
    let Some(o) = fetch_optional!(
        c.exec(),
        Oldest,
        "SELECT MIN(COALESCE(run_after, created_at)) AS due_since, COUNT(*) AS n FROM job_log \
         WHERE state = 'pending' AND COALESCE(run_after, created_at) <= $1",
        now - max_age
    )?
    else {
        return Ok(Vec::new());
    };
    let Some(due_since) = o.due_since else {
        return Ok(Vec::new());
    };
    let waited = Duration::from_millis((now - due_since).max(0) as u64);
    let alert = Alert::new(
        AlertKind::QueueNotDraining,
        format!(
            "the job queue is not draining: {} job(s) due for longer than {}",
            o.n,
            humantime::format_duration(alerter.settings().queue_max_age)
        ),
    )
    .detail(format!(
        "the oldest has waited {}",
        humantime::format_duration(Duration::from_secs(waited.as_secs()))
    ))
    .detail(
        "is a `ledgerbridge worker` running? `ledgerbridge jobs list --state pending` shows them",
    );
    Ok(alerter
        .raise_quietly(alert, Page::Overview)
        .await
        .unwrap_or_default())
}
