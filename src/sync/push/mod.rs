//! The Push job: write one batch of planned records to the target, exactly once.
//!
//! For each record the batch re-maps the mirror's current version (a retried job works
//! on the current state, and a corrected mapping takes effect), derives the
//! idempotency key, and then:
//! 1. `done` keys are skipped (an earlier attempt wrote them);
//! 2. `sent` keys whose owner is gone are recovered: the record is looked up by its
//!    external reference and only resent (with the same vendor key) if absent;
//! 3. the rest are claimed (`started` → `sent`, committed) and written in one call;
//! 4. per-item results go into keys, links, dead letters and counters in one
//!    transaction.
//!
//! A key still owned by a running job makes this job retry shortly instead of
//! writing the same record in parallel.
//!
//! The parts, in the order a batch meets them:
//! - [`records`]: mirror records mapped into [`Item`]s (or dead letters, or gone deals);
//! - [`write`]: the passes over the items — key states, claims, results;
//! - [`key_state`]: the idempotency key's decisions, as pure functions with their table;
//! - [`prepare`]: per object, what a draft needs before it can be sent;
//! - [`customers`]: the customer an invoice or note belongs to, created if need be;
//! - [`send`]: the vendor calls, and the recovery lookups of writes that may have happened.

mod customers;
mod key_state;
mod prepare;
mod records;
mod send;
mod write;

use super::runs::{self, Counters};
use super::runtime::{PairRuntime, Runtimes};
use crate::queue::db_err;
use crate::queue::job::PushJob;
use crate::queue::{Job, JobContext, JobError, JobHandler};
use ledgerbridge_mapping::{Mapped, Mapping, MappingSet};
use ledgerbridge_sdk::model::FinanceObject;
use std::sync::Arc;

pub struct PushHandler {
    runtimes: Arc<Runtimes>,
}

impl PushHandler {
    pub fn new(runtimes: Arc<Runtimes>) -> Self {
        PushHandler { runtimes }
    }
}

#[async_trait::async_trait]
impl JobHandler for PushHandler {
    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobError> {
        let Job::Push(p) = job else {
            return Err(JobError::permanent("push handler got another kind of job"));
        };
        let rt = self.runtimes.get(&ctx.config, &ctx.db, &p.pair).await?;
        let mut counters = Counters::default();
        let result = push(&rt, ctx, p, &mut counters).await;
        counters.api_calls = rt.take_calls() as i64;
        rt.record_api_stats(&ctx.db).await;
        if let Some(run) = &p.run_id {
            let mut c = ctx
                .db
                .conn()
                .await
                .map_err(|e| JobError::retryable(e.to_string()))?;
            runs::add(c.exec(), run, &counters)
                .await
                .map_err(db_err("runs::add"))?;
        }
        result
    }
}

/// What every step of one mapping's batch works with: the pair, the job, the mapping
/// set and the mapping whose records are written, and the run the job belongs to.
#[derive(Clone, Copy)]
struct Batch<'a> {
    rt: &'a PairRuntime,
    ctx: &'a JobContext,
    set: &'a MappingSet,
    mapping: &'a Mapping,
    /// The `sync` run of the job (`None`: a webhook's push).
    run: Option<&'a str>,
}

impl<'a> Batch<'a> {
    /// The mapping's name (the `mapping` column of keys, links and dead letters).
    fn mapping_name(&self) -> &'a str {
        &self.mapping.id.name
    }

    fn version(&self) -> &'a str {
        &self.mapping.id.version
    }

    fn target_object(&self) -> FinanceObject {
        self.mapping.target
    }

    /// The same job and run, writing another mapping's records (a dependent customer).
    fn with_mapping(&self, mapping: &'a Mapping) -> Batch<'a> {
        Batch { mapping, ..*self }
    }
}

/// One record of the batch, mapped and keyed.
struct Item {
    source_key: String,
    mapped: Mapped,
    payload: String,
    hash: String,
    key: String,
    /// The target record this source record already became (update), if any.
    target_id: Option<String>,
    /// What we pushed last time (conflict detection on updates).
    old_payload: Option<String>,
}

/// Pushes one batch.
async fn push(
    rt: &PairRuntime,
    ctx: &JobContext,
    p: &PushJob,
    counters: &mut Counters,
) -> Result<(), JobError> {
    let set = rt.mappings()?;
    let Some(mapping) = set.get(&p.mapping) else {
        return Err(JobError::permanent(format!(
            "pair {}: mapping {:?} no longer exists in {}",
            p.pair, p.mapping, rt.pair.mappings
        )));
    };
    let batch = Batch {
        rt,
        ctx,
        set: &set,
        mapping,
        run: p.run_id.as_deref(),
    };
    let (items, gone) = records::map_records(batch, &p.record_keys, counters).await?;
    super::lifecycle::handle(rt, ctx, &p.mapping, batch.version(), gone, counters).await?;
    if items.is_empty() {
        return Ok(());
    }
    write::write(batch, items, counters).await?.or_retry()?;
    Ok(())
}
