//! Delivering alerts before a one-off command exits.
//!
//! `sync`, `reconcile`, `audit verify` and `alerts test` run without a worker; their
//! alerts still go through the queue (retried, visible in `jobs`), and the command works
//! the queue in-process until each delivery has had its first attempt — a bounded wait
//! after the command's own work is done, so it never holds up a sync. Retries left
//! over are for the next `ledgerbridge worker`.

use super::{Alerter, sweep};
use crate::config::Config;
use crate::queue::{Handlers, WorkerOptions};
use crate::store::{Db, jobs};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest a command waits for its alerts' first delivery attempts.
pub const WAIT: Duration = Duration::from_secs(30);

/// The states of the jobs `ids`, once each has left pending/running (or at `timeout`).
pub async fn deliver(
    config: Arc<Config>,
    db: &Db,
    ids: &[String],
    timeout: Duration,
) -> Result<Vec<jobs::JobRow>, crate::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut opts = WorkerOptions::from_config(&config.worker);
    opts.shutdown_timeout = opts.shutdown_timeout.min(Duration::from_secs(5));
    let wait_ids = ids.to_vec();
    let wait_db = db.clone();
    crate::queue::run_worker(db.clone(), config, Handlers::builtin(), opts, async move {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if settled(&wait_db, &wait_ids).await.unwrap_or(false) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await?;
    let mut out = Vec::new();
    let mut c = db.conn().await?;
    for id in ids {
        if let Some(row) = jobs::get(c.exec(), id).await? {
            out.push(row);
        }
    }
    Ok(out)
}

async fn settled(db: &Db, ids: &[String]) -> Result<bool, crate::Error> {
    let mut c = db.conn().await?;
    for id in ids {
        match jobs::get(c.exec(), id).await? {
            Some(r) if r.state == "pending" || r.state == "running" => return Ok(false),
            _ => {}
        }
    }
    Ok(true)
}

/// After a one-off command: sweep once and deliver what the sweep raised. Problems
/// are logged, never the command's failure.
pub async fn after_command(config: Arc<Config>, db: &Db) {
    let alerter = Alerter::new(&config, db);
    if alerter.settings().channels().is_empty() {
        return;
    }
    if let Err(e) = sweep::sweep(&alerter, db).await {
        tracing::warn!(error = %e, "alert sweep failed");
    }
    // the sweep's alerts and those the command's own work raised (refused credentials)
    match pending_alerts(db).await {
        Ok(ids) => deliver_quietly(config, db, &ids).await,
        Err(e) => tracing::warn!(error = %e, "pending alerts not read"),
    }
}

async fn pending_alerts(db: &Db) -> Result<Vec<String>, crate::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: String,
    }
    let mut c = db.conn().await?;
    Ok(crate::store::fetch_all!(
        c.exec(),
        Row,
        "SELECT id FROM job_log WHERE kind = 'alert' AND state = 'pending' ORDER BY created_at"
    )?
    .into_iter()
    .map(|r| r.id)
    .collect())
}

/// [`deliver`], logging instead of failing.
pub async fn deliver_quietly(config: Arc<Config>, db: &Db, ids: &[String]) {
    if let Err(e) = deliver(config, db, ids, WAIT).await {
        tracing::warn!(error = %e, "alerts not delivered yet; a worker retries them");
    }
}

/// `audit verify` found the chain broken: raise and deliver.
pub async fn audit_broken(config: Arc<Config>, db: &Db, why: &str) {
    let alerter = Alerter::new(&config, db);
    let alert = super::Alert::new(
        super::AlertKind::AuditVerifyFailed,
        "audit verify failed: the audit log of finance writes was altered",
    )
    .detail(why)
    .detail(
        "compare with a head kept elsewhere (`audit verify --anchor SEQ:HASH`) and restore \
         the database from a backup taken before the break",
    );
    if let Some(ids) = alerter.raise_quietly(alert, super::Page::Audit).await {
        deliver_quietly(config, db, &ids).await;
    }
}
