//! The sync pipeline: pull → plan → push on the job queue.
//!
//! - [`runtime`]: a pair's connectors and mappings, built once per process.
//! - [`mirror`]: the local copy of source records, with content hashes and cursors.
//! - [`pull`]: the Pull job — pull every object into the mirror, then plan.
//! - [`plan`]: map mirror records and compare with what was last pushed; only real
//!   changes become Push jobs. The dry run is the same plan, printed.
//! - [`push`]: the Push job — idempotency keys, crash recovery, the write, links.
//! - [`keys`], [`links`]: the tables that make a write exactly-once.
//! - [`runs`]: one `sync` run and its counters.
//!
//! Why planning reads the whole mirror rather than only the changed records: a
//! deal's invoice depends on its company (tax by country) and on the mapping files;
//! re-mapping everything is cheap (tens of thousands of records per second) and
//! catches every dependency, while the comparison with `links.pushed_hash` keeps
//! a no-op sync from writing anything.

pub mod abilities;
pub mod conflict;
pub mod deadletters;
pub mod keys;
pub mod lifecycle;
pub mod links;
pub mod mirror;
pub mod plan;
pub mod pull;
pub mod push;
pub mod related;
pub mod resolve;
pub mod run;
pub mod runs;
pub mod runtime;
pub mod schedule;
pub mod webhook;
pub mod writeback;

use crate::queue::{Handlers, JobKind};
use std::sync::Arc;

/// Registers the pipeline's job handlers.
pub fn register(h: &mut Handlers) {
    register_with(h, Arc::new(runtime::Runtimes::default()));
}

/// Registers the pipeline's job handlers, sharing `runtimes`.
pub fn register_with(h: &mut Handlers, runtimes: Arc<runtime::Runtimes>) {
    h.register(JobKind::Pull, pull::PullHandler::new(runtimes.clone()));
    h.register(JobKind::Push, push::PushHandler::new(runtimes.clone()));
    h.register(
        JobKind::Webhook,
        webhook::WebhookHandler::new(runtimes.clone()),
    );
    h.register(JobKind::WriteBack, webhook::WriteBackHandler::new(runtimes));
}

/// SHA-256 of `bytes`, lowercase hex.
pub use ledgerbridge_sdk::sha256_hex as digest;
