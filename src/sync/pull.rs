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
use crate::queue::db_err;
use crate::queue::job::{PullJob, PushJob, WriteBackJob};
use crate::queue::{Job, JobContext, JobError, JobHandler, enqueue_in_tx};
use futures::StreamExt;
use ledgerbridge_sdk::Cursor;
use ledgerbridge_sdk::model::CrmObject;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Push jobs never carry fewer records than this, whatever the target's batch size
/// (a target without batch writes still gets a few records per job).
const MIN_JOB_BATCH: usize = 25;

/// A pull that brings at least this many records refreshes the planner statistics
/// (PostgreSQL) before it plans: see `Db::analyze`.
const BULK_ANALYZE: i64 = 1_000;

pub struct PullHandler {
    runtimes: Arc<Runtimes>,
}

impl PullHandler {
    pub fn new(runtimes: Arc<Runtimes>) -> Self {
        PullHandler { runtimes }
    }
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
            if counters.pulled >= BULK_ANALYZE {
                ctx.db
                    .analyze(&["records", "links", "idempotency_keys", "invoice_state"])
                    .await
                    .map_err(db_err("analyze"))?;
            }
            poll_invoices(&rt, &ctx.db, p.run_id.is_some()).await?;
            plan_and_enqueue(&rt, ctx, p, &mut counters).await
        }
        .await;
        counters.api_calls = rt.take_calls() as i64;
        rt.record_api_stats(&ctx.db).await;
        if let Some(run) = &p.run_id {
            let mut c = ctx.db.conn().await.map_err(db_err("run: connect"))?;
            runs::add(c.exec(), run, &counters)
                .await
                .map_err(db_err("runs::add"))?;
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
        let mut c = db.conn().await.map_err(db_err("pull_object: connect"))?;
        mirror::cursor(c.exec(), &rt.source_connection, object)
            .await
            .map_err(db_err("mirror::cursor"))?
            .map(Cursor::new)
    };
    // A full listing also tells what is gone: records it no longer returns were
    // deleted (a CRM's search, which incremental pulls use, may never return them).
    let listing_all = since.is_none();
    let mut seen: HashSet<String> = HashSet::new();
    let mut pages = rt.source.list_changed(object, since.as_ref());
    let mut n = 0i64;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| job_error(&format!("pull {}", object.as_str()), e))?;
        if listing_all {
            seen.extend(page.records.iter().map(|r| r.key()));
        }
        let mut tx = db
            .begin()
            .await
            .map_err(db_err("pull_object: begin transaction"))?;
        mirror::upsert(tx.exec(), &rt.source_connection, &page.records)
            .await
            .map_err(db_err("mirror::upsert"))?;
        mirror::set_cursor(
            tx.exec(),
            &rt.source_connection,
            object,
            page.cursor.as_str(),
        )
        .await
        .map_err(db_err("mirror::set_cursor"))?;
        tx.commit().await.map_err(db_err("pull_object: commit"))?;
        n += page.records.len() as i64;
    }
    drop(pages);
    if listing_all {
        let mut c = db.conn().await.map_err(db_err("pull_object: connect"))?;
        let gone: Vec<String> = mirror::live_keys(c.exec(), &rt.source_connection, object)
            .await
            .map_err(db_err("mirror::live_keys"))?
            .into_iter()
            .filter(|k| !seen.contains(k))
            .collect();
        if !gone.is_empty() {
            mirror::mark_deleted(c.exec(), &rt.source_connection, &gone)
                .await
                .map_err(db_err("mirror::mark_deleted"))?;
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
    let mut work = PlannedWork::default();
    plan::plan(rt, &ctx.db, Scope::All, false, &mut |i| work.add(i)).await?;
    work.enqueue(rt, ctx, p.run_id.clone(), counters).await
}

/// Turns plan items into Push jobs (and dead letters), committed together.
pub async fn enqueue_plan(
    rt: &PairRuntime,
    ctx: &JobContext,
    items: Vec<PlanItem>,
    run_id: Option<String>,
    counters: &mut Counters,
) -> Result<(), JobError> {
    let mut work = PlannedWork::default();
    for i in items {
        work.add(i);
    }
    work.enqueue(rt, ctx, run_id, counters).await
}

/// A record to push: its customer group (see `PlanItem::group`) and its key.
type GroupedKey = (Option<String>, String);

/// What a plan leaves to do, kept small: a full plan of 100,000 deals emits ~275,000
/// items, most of them skips or unchanged records, and only the keys to push (with
/// their customer group) and the failures are kept until the enqueue.
#[derive(Default)]
struct PlannedWork {
    /// (rank of the target, mapping) → (customer group, record key) to push;
    /// ordered customers first.
    pushes: BTreeMap<(u8, String), Vec<GroupedKey>>,
    failures: Vec<PlanItem>,
    planned: i64,
    unchanged: i64,
    skipped: i64,
}

impl PlannedWork {
    fn add(&mut self, i: PlanItem) {
        match i.action {
            a if plan::pushes(a) => {
                self.planned += 1;
                self.pushes
                    .entry((target_rank(i.target_object), i.mapping))
                    .or_default()
                    .push((i.group, i.key));
            }
            Action::Unchanged => self.unchanged += 1,
            Action::Skip => self.skipped += 1,
            Action::Fail => self.failures.push(i),
            _ => {}
        }
    }

    /// Enqueues the Push jobs and records the dead letters in one transaction.
    async fn enqueue(
        self,
        rt: &PairRuntime,
        ctx: &JobContext,
        run_id: Option<String>,
        counters: &mut Counters,
    ) -> Result<(), JobError> {
        counters.planned += self.planned;
        counters.unchanged += self.unchanged;
        counters.skipped += self.skipped;
        let mut tx = ctx
            .db
            .begin()
            .await
            .map_err(db_err("enqueue: begin transaction"))?;
        for f in &self.failures {
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
            .map_err(db_err("deadletters::record"))?
            {
                counters.dead_lettered += 1;
            }
        }
        // The run's closing write-back: it writes what the pushes (and the poll) leave
        // pending, in full batches while they run and the rest after the last. First
        // in the queue, so it starts (and then waits) while the pushes run.
        if let Some(run) = &run_id
            && super::writeback::enabled(rt)
        {
            let job = Job::WriteBack(WriteBackJob {
                pair: rt.pair.name.clone(),
                target_id: String::new(),
                source_key: None,
                run_id: Some(run.clone()),
            });
            enqueue_in_tx(&mut tx, &job)
                .await
                .map_err(|e| JobError::retryable(format!("enqueue: {e}")))?;
        }
        let caps = rt.target.capabilities();
        let set = rt.mappings()?;
        let mut jobs = 0;
        for ((_, mapping), mut keys) in self.pushes {
            let target = set
                .get(&mapping)
                .map(|m| m.target.as_str())
                .unwrap_or("invoice");
            let size = caps.write_batch_for(target).max(MIN_JOB_BATCH);
            // Records of one customer side by side (stable: key order within it).
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            let chunks = if target == "note" {
                // one History call per subject and job: keep a subject in one job
                group_aligned(keys, size)
            } else {
                keys.chunks(size)
                    .map(|c| c.iter().map(|(_, k)| k.clone()).collect())
                    .collect()
            };
            for record_keys in chunks {
                let job = Job::Push(PushJob {
                    pair: rt.pair.name.clone(),
                    mapping: mapping.clone(),
                    record_keys,
                    run_id: run_id.clone(),
                });
                enqueue_in_tx(&mut tx, &job)
                    .await
                    .map_err(|e| JobError::retryable(format!("enqueue: {e}")))?;
                jobs += 1;
            }
        }
        tx.commit().await.map_err(db_err("enqueue: commit"))?;
        tracing::info!(pair = %rt.pair.name, planned = counters.planned, push_jobs = jobs, dead_letters = counters.dead_lettered, "planned");
        Ok(())
    }
}

/// Cuts keys sorted by group into jobs of at most `size` that never split a group
/// across two jobs unless the group alone is larger than a job.
fn group_aligned(keys: Vec<GroupedKey>, size: usize) -> Vec<Vec<String>> {
    let mut jobs = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut keys = keys.into_iter().peekable();
    while let Some((group, first)) = keys.next() {
        let mut members = vec![first];
        while let Some((_, k)) = keys.next_if(|(g, _)| *g == group && group.is_some()) {
            members.push(k);
        }
        if !current.is_empty() && current.len() + members.len() > size {
            jobs.push(std::mem::take(&mut current));
        }
        for k in members {
            current.push(k);
            if current.len() == size {
                jobs.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        jobs.push(current);
    }
    jobs
}

/// The finance side of a pull: invoices changed since the last poll (paid, part-paid,
/// voided by an accountant) have their status written back to the CRM.
///
/// In a run, what changed is only marked pending: the run's closing write-back job
/// writes it together with what its pushes add.
pub async fn poll_invoices(
    rt: &PairRuntime,
    db: &crate::store::Db,
    in_run: bool,
) -> Result<(), JobError> {
    if !super::writeback::enabled(rt) {
        return Ok(());
    }
    let since = {
        let mut c = db.conn().await.map_err(db_err("poll_invoices: connect"))?;
        mirror::cursor_of(c.exec(), &rt.target_connection, "invoice")
            .await
            .map_err(db_err("mirror::cursor_of"))?
            .map(Cursor::new)
    };
    let mut pages = rt.target.list_invoices(since.as_ref());
    let mut last = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| job_error("poll invoices", e))?;
        let ids: Vec<String> = page.records.iter().map(|i| i.id.clone()).collect();
        let keys = {
            let mut c = db.conn().await.map_err(db_err("poll_invoices: connect"))?;
            super::writeback::linked(c.exec(), &rt.pair.name, &ids)
                .await
                .map_err(db_err("writeback::linked"))?
        };
        let ours: Vec<_> = page
            .records
            .into_iter()
            .filter_map(|i| keys.get(&i.id).map(|k| (k.clone(), i)))
            .collect();
        if in_run {
            let mut tx = db
                .begin()
                .await
                .map_err(db_err("poll_invoices: begin transaction"))?;
            super::writeback::remember(tx.exec(), rt, &ours)
                .await
                .map_err(db_err("writeback::remember"))?;
            tx.commit().await.map_err(db_err("poll_invoices: commit"))?;
        } else {
            super::writeback::apply(rt, db, ours).await?;
        }
        last = Some(page.cursor);
    }
    drop(pages);
    if let Some(c) = last {
        let mut conn = db.conn().await.map_err(db_err("poll_invoices: connect"))?;
        mirror::set_cursor_of(conn.exec(), &rt.target_connection, "invoice", c.as_str())
            .await
            .map_err(db_err("mirror::set_cursor_of"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::group_aligned;

    fn keys(groups: &[(&str, usize)]) -> Vec<(Option<String>, String)> {
        let mut out = Vec::new();
        for (g, n) in groups {
            for i in 0..*n {
                out.push((Some(g.to_string()), format!("{g}-{i}")));
            }
        }
        out
    }

    #[test]
    fn groups_stay_in_one_job_unless_larger_than_a_job() {
        let jobs = group_aligned(keys(&[("a", 3), ("b", 4), ("c", 2), ("d", 7)]), 5);
        let sizes: Vec<usize> = jobs.iter().map(Vec::len).collect();
        // a(3) | b(4) | c(2) + d's first 3 would split d: c alone, then d as 5 + 2
        assert_eq!(sizes, vec![3, 4, 2, 5, 2]);
        assert_eq!(jobs[3][0], "d-0");
        assert_eq!(jobs.concat().len(), 16);
    }

    #[test]
    fn records_without_a_group_fill_jobs_in_order() {
        let k: Vec<(Option<String>, String)> = (0..7).map(|i| (None, format!("k{i}"))).collect();
        let sizes: Vec<usize> = group_aligned(k, 3).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![3, 3, 1]);
    }
}
