//! Reconciliation reports: proof that the CRM and the books agree.
//!
//! A run refreshes the CRM mirror through the pipeline's pull, reads every invoice of
//! the finance system afresh, maps every mirror record with the pair's mappings as a
//! sync would, and puts each record — and each invoice carrying our reference — in
//! exactly one [`Class`], the first that applies in [`Class::ALL`] order. Totals and
//! ageing are per currency, in decimals.
//!
//! - [`gather`]: the CRM side — mirror records mapped now, links, dead letters.
//! - [`classify`]: the decision, pure; [`conflict`] and [`status`] are two of its rules.
//! - [`totals`]: money per currency, ageing buckets, the chart's months.
//! - [`fix`]: `--fix`, Push jobs through the pipeline.
//! - [`runs`]: `reconcile_runs`, `--history`.
//! - [`render`]: table, CSV and the self-contained HTML report (JSON is serde).
//! - [`run`]: one run, start to finish ([`run_reconcile`]); [`handler`]: the job.

pub mod classify;
pub mod conflict;
pub mod fix;
pub mod gather;
pub mod handler;
pub mod model;
pub mod render;
pub mod run;
pub mod runs;
pub mod status;
pub mod totals;

pub use model::{Class, Item, Report, Side, summary_line};
pub use run::{ReconcileOptions, reconcile, run_reconcile};

use crate::queue::{Handlers, JobKind};
use std::sync::Arc;

/// Registers the `reconcile` job handler (the pair's `reconcile_schedule`).
pub fn register(h: &mut Handlers) {
    let runtimes = Arc::new(crate::sync::runtime::Runtimes::default());
    h.register(JobKind::Reconcile, handler::ReconcileHandler::new(runtimes));
}
