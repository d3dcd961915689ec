//! One reconciliation of one pair, start to finish: refresh the mirror, read the
//! finance system afresh, classify, total, optionally fix, store the run.

use super::classify::{self, Classified, Invoices, Rules};
use super::gather::{self, SourceSide, Verdict};
use super::model::{self, Report};
use super::{fix, runs, totals};
use crate::config::{Config, OnDelete, PaymentsSource};
use crate::store::Db;
use crate::sync::pull::pull_all;
use crate::sync::runtime::{self, PairRuntime};
use chrono::{NaiveDate, Utc};
use futures::StreamExt;
use ledgerbridge_sdk::ability::{Abilities, Ability};
use ledgerbridge_sdk::model::TargetInvoice;
use std::collections::HashSet;

/// How a reconciliation runs.
#[derive(Debug, Clone)]
pub struct ReconcileOptions {
    /// Only records changed (on either side) on or after this day.
    pub since: Option<NaiveDate>,
    /// Enqueue the pushes that close fixable discrepancies.
    pub fix: bool,
    /// With `fix`: list them, enqueue nothing.
    pub dry_run: bool,
    /// Re-list the whole CRM into the mirror (default) instead of pulling from the
    /// stored cursor: a reconciliation must not miss a change an incremental pull has
    /// not settled yet.
    pub full_refresh: bool,
    /// The day ageing counts from (default: today, UTC).
    pub as_of: Option<NaiveDate>,
}

impl Default for ReconcileOptions {
    fn default() -> Self {
        ReconcileOptions {
            since: None,
            fix: false,
            dry_run: false,
            full_refresh: true,
            as_of: None,
        }
    }
}

/// Reconciles `pair` with a runtime built for this call (the CLI, the scheduler).
pub async fn run_reconcile(
    config: &Config,
    db: &Db,
    pair: &str,
    opts: &ReconcileOptions,
) -> crate::Result<Report> {
    let rt = runtime::build(config, db, pair).await?;
    reconcile(&rt, db, opts).await
}

/// Reconciles the runtime's pair; every run is stored, failed ones too.
pub async fn reconcile(
    rt: &PairRuntime,
    db: &Db,
    opts: &ReconcileOptions,
) -> crate::Result<Report> {
    let run_id = runs::start(db, &rt.pair.name).await?;
    match build_report(rt, db, opts, &run_id).await {
        Ok(mut report) => {
            if opts.fix {
                let fixes = fix::plan(&report.items);
                report.fix = Some(
                    fix::apply(
                        db,
                        &rt.pair.name,
                        rt.target.capabilities(),
                        fixes,
                        opts.dry_run,
                    )
                    .await?,
                );
            }
            runs::finish(db, &report).await?;
            tracing::info!(pair = %rt.pair.name, run = %run_id, "{}", model::summary_line(&report));
            Ok(report)
        }
        Err(e) => {
            let _ = runs::fail(db, &run_id, &e.to_string()).await;
            Err(e)
        }
    }
}

async fn build_report(
    rt: &PairRuntime,
    db: &Db,
    opts: &ReconcileOptions,
    run_id: &str,
) -> crate::Result<Report> {
    pull_all(rt, db, opts.full_refresh).await?;
    let invoices = Invoices::new(list_invoices(rt).await?);
    let set = rt.mappings()?;
    let rules = Rules {
        payments_source: rt.pair.payments_source,
        status_prop: &rt.pair.writeback.deal_invoice_status,
        paid_prop: &rt.pair.writeback.deal_amount_paid,
    };
    let mut classified: Vec<Classified> = Vec::new();
    for m in gather::invoice_mappings(&set) {
        let mut side = gather::source_side(rt, db, &set, m).await?;
        if !opts.full_refresh {
            // a full pull marks what the source no longer lists; an incremental one
            // cannot, so ask the CRM about the records that matter
            mark_gone(rt, &mut side).await?;
        }
        classified.extend(classify::classify(&side, &invoices, rules));
    }
    if let Some(since) = opts.since {
        let from = since.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        classified.retain(|c| c.changed.is_none_or(|t| t >= from));
    }
    classified.sort_by(|a, b| {
        (a.item.class, &a.item.source_key).cmp(&(b.item.class, &b.item.source_key))
    });
    let as_of = opts.as_of.unwrap_or_else(|| Utc::now().date_naive());
    let t = totals::compute(&classified, as_of);
    let items: Vec<_> = classified.into_iter().map(|c| c.item).collect();
    Ok(Report {
        run_id: run_id.to_string(),
        pair: rt.pair.name.clone(),
        generated_at: crate::time::rfc3339(crate::time::now_ms()),
        as_of: as_of.to_string(),
        since: opts.since.map(|d| d.to_string()),
        payments_source: match rt.pair.payments_source {
            PaymentsSource::Finance => "finance".into(),
            PaymentsSource::Crm => "crm".into(),
        },
        summary: model::summarize(&items),
        totals_by_currency: t.by_currency,
        ageing: t.ageing,
        by_month: t.by_month,
        items,
        fix: None,
        not_supported: not_supported(rt, &set),
    })
}

/// What the pair's enabled mappings and settings ask of the target that it lacks.
fn not_supported(rt: &PairRuntime, set: &ledgerbridge_mapping::MappingSet) -> Vec<Ability> {
    let has = Abilities::of(rt.target.as_ref());
    let mut out: Vec<Ability> = set
        .mappings()
        .iter()
        .filter(|m| m.enabled)
        .flat_map(|m| m.ability_needs().iter().map(|n| n.ability))
        .collect();
    if rt.pair.on_delete == OnDelete::Void {
        out.push(Ability::StatusChanges);
    }
    out.retain(|a| !has.has(*a));
    out.sort();
    out.dedup();
    out
}

/// Every invoice of the finance system, page by page.
async fn list_invoices(rt: &PairRuntime) -> crate::Result<Vec<TargetInvoice>> {
    let mut out = Vec::new();
    let mut pages = rt.target.list_invoices(None);
    while let Some(page) = pages.next().await {
        out.extend(page?.records);
    }
    Ok(out)
}

/// Asks the CRM which records still exist (after an incremental pull, which never
/// sees deletions): a record that comes back archived or not at all is gone.
async fn mark_gone(rt: &PairRuntime, side: &mut SourceSide) -> crate::Result<()> {
    let wanted: Vec<usize> = side
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| match &r.verdict {
            Verdict::Gone(_) => false,
            Verdict::Qualifies(_) | Verdict::Failed(_) => true,
            Verdict::NotQualifying(_) => side
                .links
                .get(&r.key)
                .is_some_and(|l| l.target_id.is_some()),
        })
        .map(|(i, _)| i)
        .collect();
    let Some(first) = wanted.first() else {
        return Ok(());
    };
    let object = side.records[*first]
        .key
        .split_once(':')
        .and_then(|(o, _)| ledgerbridge_sdk::model::CrmObject::parse(o))
        .ok_or("unreadable record key in the mirror")?;
    let batch = rt.source.capabilities().read_batch.max(1);
    let mut alive: HashSet<String> = HashSet::new();
    for chunk in wanted.chunks(batch) {
        let ids: Vec<String> = chunk
            .iter()
            .filter_map(|i| {
                side.records[*i]
                    .key
                    .split_once(':')
                    .map(|(_, id)| id.to_string())
            })
            .collect();
        for r in rt.source.read_by_ids(object, &ids).await? {
            if !r.meta().archived {
                alive.insert(r.key());
            }
        }
    }
    for i in wanted {
        let r = &mut side.records[i];
        if !alive.contains(&r.key) {
            r.verdict = Verdict::Gone("deleted or archived in the CRM".into());
        }
    }
    Ok(())
}
