//! The registration point for job handlers.
//!
//! The queue knows how to run *a* job (claim, span, retry, dead letter); what a kind does
//! is a [`JobHandler`] registered per [`JobKind`]. The pipeline, webhook and reconcile
//! issues plug their handlers in through [`Handlers::register`] (see [`Handlers::builtin`])
//! without touching queue internals. A kind with no handler fails permanently with a plain
//! "not implemented yet" dead letter — it never pretends to have worked.

use super::job::{Job, JobKind};
use crate::config::Config;
use crate::store::Db;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Everything a handler gets besides its payload.
#[derive(Clone)]
pub struct JobContext {
    /// The logical job id (stable across retries): use it in idempotency keys and logs.
    pub job_id: String,
    /// 1-based attempt number.
    pub attempt: u32,
    /// Last attempt the policy allows before this job becomes a dead letter.
    pub max_attempts: u32,
    pub worker: String,
    pub db: Db,
    pub config: Arc<Config>,
}

/// Why a job attempt failed, and so what happens next.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JobError {
    /// Transient (network, 5xx, 429, lock timeout): retried with backoff; a vendor's
    /// Retry-After is honoured as a lower bound. Dead letter when attempts run out.
    #[error("{message}")]
    Retryable {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Will not succeed by retrying (validation error, unknown account, missing mapping):
    /// dead letter at once, with `message` as the reason an admin reads.
    #[error("{message}")]
    Permanent { message: String },
    /// Not yet: what the job waits for (other jobs of its run) is still going. The job
    /// runs again after `after` without using up an attempt, so a long wait never
    /// turns it into a dead letter.
    #[error("{message}")]
    Wait { message: String, after: Duration },
}

impl JobError {
    pub fn retryable(message: impl Into<String>) -> Self {
        JobError::Retryable {
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn retry_after(message: impl Into<String>, after: Duration) -> Self {
        JobError::Retryable {
            message: message.into(),
            retry_after: Some(after),
        }
    }
    pub fn wait(message: impl Into<String>, after: Duration) -> Self {
        JobError::Wait {
            message: message.into(),
            after,
        }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        JobError::Permanent {
            message: message.into(),
        }
    }
    pub fn message(&self) -> &str {
        match self {
            JobError::Retryable { message, .. }
            | JobError::Permanent { message }
            | JobError::Wait { message, .. } => message,
        }
    }
    pub fn is_permanent(&self) -> bool {
        matches!(self, JobError::Permanent { .. })
    }
}

/// A database failure while doing `operation`, as a retryable job error whose message
/// says what failed: `database (keys::mark_sent): <error>`. Use as
/// `.map_err(db_err("keys::mark_sent"))`.
pub fn db_err<E: std::fmt::Display>(operation: &'static str) -> impl FnOnce(E) -> JobError {
    move |e| JobError::retryable(format!("database ({operation}): {e}"))
}

/// Runs one kind of job. Implementations must be idempotent: delivery is at least once
/// (a worker killed mid-job has that job run again).
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobError>;
}

/// Handlers by kind.
#[derive(Clone, Default)]
pub struct Handlers {
    map: HashMap<JobKind, Arc<dyn JobHandler>>,
}

impl Handlers {
    /// No handlers at all (every job becomes a "not implemented yet" dead letter).
    pub fn empty() -> Self {
        Self::default()
    }

    /// The handlers this build ships. Later issues add theirs here, e.g.
    /// `crate::pipeline::register(&mut h);`.
    pub fn builtin() -> Self {
        Self::builtin_with(Default::default())
    }

    /// The built-in handlers, whose pairs' runtimes come from `runtimes` (where a
    /// caller may have put its own, see [`crate::sync::runtime::Runtimes::insert`]).
    pub fn builtin_with(runtimes: std::sync::Arc<crate::sync::runtime::Runtimes>) -> Self {
        let mut h = Self::empty();
        crate::sync::register_with(&mut h, runtimes.clone());
        crate::reconcile::register_with(&mut h, runtimes);
        crate::alerts::register(&mut h);
        #[cfg(feature = "test-jobs")]
        h.register(JobKind::Test, super::test_job::TestHandler);
        h
    }

    /// Register (or replace) the handler for `kind`.
    pub fn register(&mut self, kind: JobKind, handler: impl JobHandler) -> &mut Self {
        self.map.insert(kind, Arc::new(handler));
        self
    }

    pub fn get(&self, kind: JobKind) -> Option<Arc<dyn JobHandler>> {
        self.map.get(&kind).cloned()
    }
}

/// The dead-letter reason for a kind with no handler in this build.
pub fn not_implemented(kind: JobKind) -> String {
    format!("no {kind} handler is registered in this build")
}
