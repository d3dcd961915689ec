//! The Pull job: bring the source's changes into the mirror, then plan the pair and
//! enqueue its pushes.
//!
//! Each page is committed to the mirror together with the cursor that follows it, so
//! a crash replays at most one page, and the overlapping window of the next pull is
//! absorbed by the content hashes. Planning then runs over the mirror and enqueues
//! Push jobs, customers first, in one transaction with the dead letters of records
//! that cannot be mapped.

use super::deadletters;
use super::mirror;
use super::plan::{self, Action, PlanItem, Scope, target_rank};
use super::runs::{self, Counters};
use super::runtime::{PairRuntime, Runtimes, job_error};
use crate::queue::job::{PullJob, PushJob};
use crate::queue::{Job, JobContext, JobError, JobHandler, enqueue_in_tx};
use futures::StreamExt;
use ledgerbridge_sdk::Cursor;
use ledgerbridge_sdk::model::CrmObject;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Push jobs never carry fewer records than this, whatever the target's batch size
/// (a target without batch writes still gets a few records per job).
const MIN_JOB_BATCH: usize = 25;

pub struct PullHandler {
    runtimes: Arc<Runtimes>,
}

impl PullHandler {
    pub fn new(runtimes: Arc<Runtimes>) -> Self {
        PullHandler { runtimes }
    }
}

fn db_err(e: impl std::fmt::Display) -> JobError {
    JobError::retryable(format!("database: {e}"))
}

#[async_trait::async_trait]
impl JobHandler for PullHandler {
    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobError> {
        let Job::Pull(p) = job else {
            return Err(JobError::permanent("pull handler got another kind of job"));
        };
        let pair = match &p.pair {
            Some(pair) => pair.clone(),
            None => ctx
                .config
                .pairs
                .iter()
                .find(|x| x.source == p.connection)
                .map(|x| x.name.clone())
                .ok_or_else(|| {
                    JobError::permanent(format!("no pair has {} as its source", p.connection))
                })?,
        };
        let rt = self.runtimes.get(&ctx.config, &ctx.db, &pair).await?;
        let mut counters = Counters::default();
        let result = async {
            let objects = objects_of(&rt, &p.object)?;
            for object in objects {
                counters.pulled += pull_object(&rt, &ctx.db, object, p.full).await?;
            }
            poll_invoices(&rt, &ctx.db).await?;
            plan_and_enqueue(&rt, ctx, p, &mut counters).await
        }
        .await;
        counters.api_calls = rt.take_calls() as i64;
        rt.record_api_stats(&ctx.db).await;
        if let Some(run) = &p.run_id {
            let mut c = ctx.db.conn().await.map_err(db_err)?;
            runs::add(c.exec(), run, &counters).await.map_err(db_err)?;
        }
        result
    }
}

/// The objects a pull covers: one, or every object the pair's mappings read
/// (companies and contacts too, since invoices need their customers).
fn objects_of(rt: &PairRuntime, object: &str) -> Result<Vec<CrmObject>, JobError> {
    if object == "all" || object == "*" {
        return Ok(CrmObject::ALL.to_vec());
    }
    CrmObject::parse(object).map(|o| vec![o]).ok_or_else(|| {
        JobError::permanent(format!(
            "pair {}: unknown object {object:?} (company, contact, deal, interaction or all)",
            rt.pair.name
        ))
    })
}

/// Pulls every object of the pair's source into the mirror (the dry run uses this).
pub async fn pull_all(
    rt: &PairRuntime,
    db: &crate::store::Db,
    full: bool,
) -> Result<i64, JobError> {
    let mut n = 0;
    for object in CrmObject::ALL {
        n += pull_object(rt, db, object, full).await?;
    }
    Ok(n)
}

/// Pulls one object page by page; returns the number of records received.
async fn pull_object(
    rt: &PairRuntime,
    db: &crate::store::Db,
    object: CrmObject,
    full: bool,
) -> Result<i64, JobError> {
    let since = if full {
        None
    } else {
        let mut c = db.conn().await.map_err(db_err)?;
        mirror::cursor(c.exec(), &rt.source_connection, object)
            .await
            .map_err(db_err)?
            .map(Cursor::new)
    };
    // A full listing also tells what is gone: records it no longer returns were
    // deleted (HubSpot's search, which incremental pulls use, never returns them).
    let listing_all = since.is_none();
    let mut seen: HashSet<String> = HashSet::new();
    let mut pages = rt.source.list_changed(object, since.as_ref());
    let mut n = 0i64;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| job_error(&format!("pull {}", object.as_str()), e))?;
        if listing_all {
            seen.extend(page.records.iter().map(|r| r.key()));
        }
        let mut tx = db.begin().await.map_err(db_err)?;
        mirror::upsert(tx.exec(), &rt.source_connection, &page.records)
            .await
            .map_err(db_err)?;
        mirror::set_cursor(
            tx.exec(),
            &rt.source_connection,
            object,
            page.cursor.as_str(),
        )
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        n += page.records.len() as i64;
    }
    drop(pages);
    if listing_all {
        let mut c = db.conn().await.map_err(db_err)?;
        let gone: Vec<String> = mirror::live_keys(c.exec(), &rt.source_connection, object)
            .await
            .map_err(db_err)?
            .into_iter()
            .filter(|k| !seen.contains(k))
            .collect();
        if !gone.is_empty() {
            mirror::mark_deleted(c.exec(), &rt.source_connection, &gone)
                .await
                .map_err(db_err)?;
            tracing::info!(connection = %rt.source_connection, object = object.as_str(), records = gone.len(), "no longer in the source: marked deleted");
        }
    }
    tracing::info!(connection = %rt.source_connection, object = object.as_str(), records = n, "pulled");
    Ok(n)
}

/// Plans the pair over the mirror and enqueues Push jobs for every real change.
async fn plan_and_enqueue(
    rt: &PairRuntime,
    ctx: &JobContext,
    p: &PullJob,
    counters: &mut Counters,
) -> Result<(), JobError> {
    let mut items: Vec<PlanItem> = Vec::new();
    plan::plan(rt, &ctx.db, Scope::All, false, &mut |i| items.push(i)).await?;
    enqueue_plan(rt, ctx, items, p.run_id.clone(), counters).await
}

/// Turns plan items into Push jobs (and dead letters), committed together.
pub async fn enqueue_plan(
    rt: &PairRuntime,
    ctx: &JobContext,
    items: Vec<PlanItem>,
    run_id: Option<String>,
    counters: &mut Counters,
) -> Result<(), JobError> {
    // mapping → record keys to push, mappings ordered customers first
    let mut work: BTreeMap<(u8, String), Vec<String>> = BTreeMap::new();
    let mut failures = Vec::new();
    for i in items {
        match i.action {
            a if plan::pushes(a) => {
                counters.planned += 1;
                work.entry((target_rank(i.target_object), i.mapping.clone()))
                    .or_default()
                    .push(i.key);
            }
            Action::Unchanged => counters.unchanged += 1,
            Action::Skip => counters.skipped += 1,
            Action::Fail => failures.push(i),
            _ => {}
        }
    }
    let mut tx = ctx.db.begin().await.map_err(db_err)?;
    for f in &failures {
        let reason = f
            .error
            .as_ref()
            .map(|e| e.dead_letter_reason())
            .or_else(|| f.reason.clone())
            .unwrap_or_default();
        counters.failed += 1;
        if deadletters::record(
            tx.exec(),
            &rt.pair.name,
            &rt.target_connection,
            &f.mapping,
            &f.key,
            &reason,
        )
        .await
        .map_err(db_err)?
        {
            counters.dead_lettered += 1;
        }
    }
    let caps = rt.target.capabilities();
    let mut jobs = 0;
    for ((_, mapping), keys) in work {
        let target = rt
            .mappings()?
            .get(&mapping)
            .map(|m| m.target.as_str())
            .unwrap_or("invoice");
        let size = caps.write_batch_for(target).max(MIN_JOB_BATCH);
        for chunk in keys.chunks(size) {
            let job = Job::Push(PushJob {
                pair: rt.pair.name.clone(),
                mapping: mapping.clone(),
                record_keys: chunk.to_vec(),
                run_id: run_id.clone(),
            });
            enqueue_in_tx(&mut tx, &job)
                .await
                .map_err(|e| JobError::retryable(format!("enqueue: {e}")))?;
            jobs += 1;
        }
    }
    tx.commit().await.map_err(db_err)?;
    tracing::info!(pair = %rt.pair.name, planned = counters.planned, push_jobs = jobs, dead_letters = counters.dead_lettered, "planned");
    Ok(())
}

/// The finance side of a pull: invoices changed since the last poll (paid, part-paid,
/// voided by an accountant) have their status written back to the CRM.
pub async fn poll_invoices(rt: &PairRuntime, db: &crate::store::Db) -> Result<(), JobError> {
    if !super::writeback::enabled(rt) {
        return Ok(());
    }
    let since = {
        let mut c = db.conn().await.map_err(db_err)?;
        mirror::cursor_of(c.exec(), &rt.target_connection, "invoice")
            .await
            .map_err(db_err)?
            .map(Cursor::new)
    };
    let mut pages = rt.target.list_invoices(since.as_ref());
    let mut last = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| job_error("poll invoices", e))?;
        let ids: Vec<String> = page.records.iter().map(|i| i.id.clone()).collect();
        let keys = {
            let mut c = db.conn().await.map_err(db_err)?;
            super::writeback::linked(c.exec(), &rt.pair.name, &ids)
                .await
                .map_err(db_err)?
        };
        let ours = page
            .records
            .into_iter()
            .filter_map(|i| keys.get(&i.id).map(|k| (k.clone(), i)))
            .collect();
        super::writeback::apply(rt, db, ours).await?;
        last = Some(page.cursor);
    }
    drop(pages);
    if let Some(c) = last {
        let mut conn = db.conn().await.map_err(db_err)?;
        mirror::set_cursor_of(conn.exec(), &rt.target_connection, "invoice", c.as_str())
            .await
            .map_err(db_err)?;
    }
    Ok(())
}
