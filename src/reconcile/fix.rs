//! `--fix`: enqueue the pushes that close `missing_in_finance`, `currency_mismatch`
//! and `amount_mismatch` — CRM state not yet in the books — through the pipeline's own
//! Push jobs (idempotency keys, crash recovery, links), batched to the target's limit
//! like a sync. Never deletes, never touches conflicts, duplicates or orphans: those
//! are an accountant's call.

use super::model::{Fix, FixOutcome, Item};
use crate::queue::job::PushJob;
use crate::queue::{Job, enqueue_in_tx};
use crate::store::Db;
use ledgerbridge_sdk::Capabilities;
use std::collections::BTreeMap;

/// Push jobs never carry fewer records than this (as the pipeline's planner).
const MIN_JOB_BATCH: usize = 25;

/// The pushes that close the fixable items.
pub fn plan(items: &[Item]) -> Vec<Fix> {
    items
        .iter()
        .filter(|i| i.class.fixable())
        .filter_map(|i| {
            Some(Fix {
                class: i.class,
                source_key: i.source_key.clone(),
                mapping: i.mapping.clone()?,
            })
        })
        .collect()
}

/// Enqueues the fixes as Push jobs in one transaction (nothing on a dry run).
pub async fn apply(
    db: &Db,
    pair: &str,
    caps: &Capabilities,
    fixes: Vec<Fix>,
    dry_run: bool,
) -> Result<FixOutcome, crate::Error> {
    let mut out = FixOutcome {
        dry_run,
        pushes: fixes,
        jobs: 0,
    };
    if dry_run || out.pushes.is_empty() {
        return Ok(out);
    }
    let mut by_mapping: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for f in &out.pushes {
        by_mapping
            .entry(&f.mapping)
            .or_default()
            .push(f.source_key.clone());
    }
    let size = caps.write_batch_for("invoice").max(MIN_JOB_BATCH);
    let mut tx = db.begin().await?;
    let mut jobs = 0;
    for (mapping, keys) in by_mapping {
        for chunk in keys.chunks(size) {
            let job = Job::Push(PushJob {
                pair: pair.to_string(),
                mapping: mapping.to_string(),
                record_keys: chunk.to_vec(),
                run_id: None,
            });
            enqueue_in_tx(&mut tx, &job).await?;
            jobs += 1;
        }
    }
    tx.commit().await?;
    out.jobs = jobs;
    Ok(out)
}
