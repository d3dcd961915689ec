//! The Webhook job: a targeted pull of exactly the records a webhook named.
//!
//! Payloads are thin (ids only), so the handler batch-reads the current state of
//! those records: event order does not matter, the latest state wins. A CRM record
//! is mirrored and planned like any pulled record (only real changes are pushed); a
//! finance invoice has its status written back to the CRM. Our own write-back
//! echoing back from the CRM changes no mapped field, so it plans nothing.

use super::plan::{self, PlanItem, Scope};
use super::runs::Counters;
use super::runtime::{PairRuntime, Runtimes, job_error};
use super::{mirror, pull, writeback};
use crate::queue::db_err;
use crate::queue::job::{WebhookJob, WriteBackJob};
use crate::queue::{Job, JobContext, JobError, JobHandler};
use crate::store::execute;
use ledgerbridge_sdk::model::CrmRecord;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

pub struct WebhookHandler {
    runtimes: Arc<Runtimes>,
}

impl WebhookHandler {
    pub fn new(runtimes: Arc<Runtimes>) -> Self {
        WebhookHandler { runtimes }
    }
}

#[async_trait::async_trait]
impl JobHandler for WebhookHandler {
    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobError> {
        let Job::Webhook(w) = job else {
            return Err(JobError::permanent(
                "webhook handler got another kind of job",
            ));
        };
        let mut acted = false;
        for pair in ctx.config.pairs.iter() {
            if pair.source == w.connection {
                acted = true;
                let rt = self.runtimes.get(&ctx.config, &ctx.db, &pair.name).await?;
                let r = crm_records(&rt, ctx, w).await;
                rt.record_api_stats(&ctx.db).await;
                r?;
            } else if pair.target == w.connection && w.object == "invoice" {
                acted = true;
                let rt = self.runtimes.get(&ctx.config, &ctx.db, &pair.name).await?;
                let r = writeback::refresh(&rt, &ctx.db, &w.record_ids).await;
                rt.record_api_stats(&ctx.db).await;
                r?;
            }
        }
        if !acted {
            tracing::info!(connection = %w.connection, object = %w.object, "no pair acts on this webhook");
        }
        let mut c = ctx.db.conn().await.map_err(db_err("run: connect"))?;
        execute!(
            c.exec(),
            "UPDATE webhook_inbox SET status = 'done' WHERE connection = $1 AND job_id = $2",
            &w.connection,
            &ctx.job_id
        )
        .map_err(db_err("run: mark inbox rows done"))?;
        Ok(())
    }
}

/// Reads the named CRM records, mirrors them and plans exactly those.
async fn crm_records(
    rt: &super::runtime::PairRuntime,
    ctx: &JobContext,
    w: &WebhookJob,
) -> Result<(), JobError> {
    // the source's connector knows its own object names (engagement types, say)
    let Some(object) = rt.source_kind.connector().webhook_object(&w.object) else {
        tracing::info!(object = %w.object, "webhook object not synced; stored and ignored");
        return Ok(());
    };
    let records = rt
        .source
        .read_by_ids(object, &w.record_ids)
        .await
        .map_err(|e| job_error(&format!("read {} by id", object.as_str()), e))?;
    let found: HashSet<String> = records.iter().map(|r| r.meta().id.clone()).collect();
    let gone: Vec<String> = w
        .record_ids
        .iter()
        .filter(|id| !found.contains(*id))
        .map(|id| format!("{}:{id}", object.as_str()))
        .collect();
    let mut keys: Vec<String> = records.iter().map(CrmRecord::key).collect();
    keys.extend(gone.iter().cloned());
    {
        let mut tx = ctx
            .db
            .begin()
            .await
            .map_err(db_err("crm_records: begin transaction"))?;
        mirror::upsert(tx.exec(), &rt.source_connection, &records)
            .await
            .map_err(db_err("mirror::upsert"))?;
        if !gone.is_empty() {
            mirror::mark_deleted(tx.exec(), &rt.source_connection, &gone)
                .await
                .map_err(db_err("mirror::mark_deleted"))?;
        }
        tx.commit().await.map_err(db_err("crm_records: commit"))?;
    }
    let mut items: Vec<PlanItem> = Vec::new();
    plan::plan(rt, &ctx.db, Scope::Keys(keys), false, &mut |i| {
        items.push(i)
    })
    .await?;
    let mut counters = Counters::default();
    pull::enqueue_plan(rt, ctx, items, None, &mut counters).await
}

/// The WriteBack job: re-read one invoice and write its status back to the CRM.
pub struct WriteBackHandler {
    runtimes: Arc<Runtimes>,
}

impl WriteBackHandler {
    pub fn new(runtimes: Arc<Runtimes>) -> Self {
        WriteBackHandler { runtimes }
    }
}

#[async_trait::async_trait]
impl JobHandler for WriteBackHandler {
    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobError> {
        let Job::WriteBack(WriteBackJob {
            pair,
            target_id,
            run_id,
            ..
        }) = job
        else {
            return Err(JobError::permanent(
                "write-back handler got another kind of job",
            ));
        };
        let rt = self.runtimes.get(&ctx.config, &ctx.db, pair).await?;
        if let Some(run) = run_id.as_deref().filter(|_| target_id.is_empty()) {
            return close_run(&rt, ctx, run).await;
        }
        writeback::refresh(&rt, &ctx.db, std::slice::from_ref(target_id)).await?;
        Ok(())
    }
}

/// How often a run's closing write-back looks again while the run's pushes go on.
const CLOSING_POLL: Duration = Duration::from_millis(250);

/// A run's closing write-back: while other jobs of the run are open it writes the
/// full batches pending and waits (without using attempts); once they are all
/// finished it writes the rest and is done, so the run ends with the CRM up to date.
async fn close_run(rt: &PairRuntime, ctx: &JobContext, run: &str) -> Result<(), JobError> {
    let others = crate::sync::runs::open_jobs_except(&ctx.db, run, &ctx.job_id)
        .await
        .map_err(db_err("runs::open_jobs_except"))?;
    if others > 0 {
        writeback::flush(rt, &ctx.db, writeback::Flush::FullBatches).await?;
        return Err(JobError::wait(
            format!("{others} job(s) of run {run} still open"),
            CLOSING_POLL,
        ));
    }
    let out = writeback::flush(rt, &ctx.db, writeback::Flush::All).await?;
    tracing::info!(pair = %rt.pair.name, run, written = out.written, unchanged = out.unchanged, failed = out.failed, "run write-back done");
    Ok(())
}
