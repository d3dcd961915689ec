//! The `reconcile` job: what the pair's `reconcile_schedule` enqueues in the worker.

use super::run::{ReconcileOptions, reconcile};
use crate::queue::{Job, JobContext, JobError, JobHandler};
use crate::sync::runtime::Runtimes;
use std::sync::Arc;

pub struct ReconcileHandler {
    runtimes: Arc<Runtimes>,
}

impl ReconcileHandler {
    pub fn new(runtimes: Arc<Runtimes>) -> Self {
        ReconcileHandler { runtimes }
    }
}

#[async_trait::async_trait]
impl JobHandler for ReconcileHandler {
    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobError> {
        let Job::Reconcile(r) = job else {
            return Err(JobError::permanent(
                "reconcile handler got another kind of job",
            ));
        };
        let rt = self.runtimes.get(&ctx.config, &ctx.db, &r.pair).await?;
        let opts = ReconcileOptions {
            fix: r.fix,
            ..Default::default()
        };
        // Discrepancies are the report's business, not a job failure: the run is
        // stored and `reconcile --history` shows it. Errors (a vendor down) retry.
        match reconcile(&rt, &ctx.db, &opts).await {
            Ok(_) => Ok(()),
            Err(e) => match e.downcast::<JobError>() {
                Ok(j) => Err(*j),
                Err(e) => Err(JobError::retryable(format!("reconcile {}: {e}", r.pair))),
            },
        }
    }
}
