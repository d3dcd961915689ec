//! Reading a report's inputs: the finance system afresh, the CRM through the mirror.
//!
//! The mirror is refreshed first (an incremental pull, as `sync` does), then read
//! page by page; each open or won deal runs through the pair's invoice mapping
//! (`budget_entries`) with its company and contact, and only the entries in the
//! period are kept.

use super::model::{DealInput, Inputs};
use super::period::Period;
use crate::store::Db;
use crate::sync::related::RelatedSet;
use crate::sync::runtime::PairRuntime;
use crate::sync::{mirror, pull};
use futures::StreamExt;
use ledgerbridge_sdk::ability::Ability;
use ledgerbridge_sdk::model::{
    CrmObject, CrmRecord, CurrencyRates, DealStatus, InvoiceStatus, TargetInvoice,
};

/// Mirror rows read per page.
const SCAN_CHUNK: i64 = 500;

/// What to read.
#[derive(Debug, Clone)]
pub struct GatherOptions {
    pub period: Period,
    /// `--tracking`: the category that splits the report (`None`: chosen from the data).
    pub tracking_category: Option<String>,
    /// Pull the CRM's changes into the mirror first.
    pub refresh: bool,
}

/// Reads everything [`super::compute`] needs for one pair.
pub async fn gather(
    rt: &PairRuntime,
    db: &Db,
    opts: &GatherOptions,
) -> Result<(Inputs, Vec<String>), crate::Error> {
    if opts.refresh {
        pull::pull_all(rt, db, false).await?;
    }
    let target = &rt.target;
    let org = target.organisation().await?;
    let mut not_supported = Vec::new();
    // Without rates only the base currency converts (1:1); the rest is warned about.
    let rates = match target.exchange_rates() {
        Some(r) => r.currency_rates().await?,
        None => {
            not_supported.push(Ability::CurrencyRates);
            CurrencyRates {
                rates: [(org.base_currency.clone(), rust_decimal::Decimal::ONE)].into(),
            }
        }
    };
    let budgets = match target.budgeting() {
        Some(b) => {
            b.budgets(opts.period.from.first_day(), opts.period.to.last_day())
                .await?
        }
        None => {
            not_supported.push(Ability::Budgets);
            Vec::new()
        }
    };
    if target.tracking().is_none() {
        not_supported.push(Ability::TrackingCategories);
    }
    let invoices = posted_invoices(rt, opts.period).await?;
    let pipelines = rt.source.pipelines().await?;
    let (deals, warnings) = deals(rt, db, opts.period).await?;
    Ok((
        Inputs {
            base_currency: org.base_currency,
            period: opts.period,
            tracking_category: opts.tracking_category.clone(),
            budgets,
            invoices,
            deals,
            pipelines,
            rates,
            not_supported,
        },
        warnings,
    ))
}

/// Every posted invoice dated in the period (the listing streams; only these are kept).
async fn posted_invoices(
    rt: &PairRuntime,
    period: Period,
) -> Result<Vec<TargetInvoice>, crate::Error> {
    let mut out = Vec::new();
    let mut pages = rt.target.list_invoices(None);
    while let Some(page) = pages.next().await {
        out.extend(page?.records.into_iter().filter(|i| {
            matches!(i.status, InvoiceStatus::Authorised | InvoiceStatus::Paid)
                && i.date.is_some_and(|d| period.contains_date(d))
        }));
    }
    Ok(out)
}

/// Open and won deals of the mirror with their entries in the period; warnings for
/// the deals the mapping could not place.
async fn deals(
    rt: &PairRuntime,
    db: &Db,
    period: Period,
) -> Result<(Vec<DealInput>, Vec<String>), crate::Error> {
    let set = rt.mappings()?;
    let status_property = rt.pair.budget_status_property.as_deref();
    let mut out = Vec::new();
    let (mut failed, mut first_error) = (0usize, None::<String>);
    let mut after = String::new();
    loop {
        let mut c = db.conn().await?;
        let rows = mirror::scan(
            c.exec(),
            &rt.source_connection,
            CrmObject::Deal,
            &after,
            SCAN_CHUNK,
        )
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.record_key.clone();
        let n = rows.len();
        let mut records = Vec::with_capacity(n);
        for row in rows.iter().filter(|r| !r.deleted) {
            match row.record()? {
                CrmRecord::Deal(d) if d.status != DealStatus::Lost => {
                    records.push(CrmRecord::Deal(d))
                }
                _ => {}
            }
        }
        let related = RelatedSet::load(c.exec(), &rt.source_connection, &records).await?;
        drop(c);
        for r in &records {
            let CrmRecord::Deal(d) = r else { continue };
            match set.budget_entries(d, &related.related(r, &[]), &rt.settings) {
                Ok(entries) => {
                    let entries: Vec<_> = entries
                        .into_iter()
                        .filter(|e| {
                            super::period::Month::parse(&e.month).is_ok_and(|m| period.contains(m))
                        })
                        .collect();
                    if !entries.is_empty() {
                        out.push(DealInput {
                            id: d.meta.id.clone(),
                            status: d.status,
                            pipeline: d.pipeline.clone(),
                            stage: d.stage.clone(),
                            entries,
                            budget_status: status_property
                                .and_then(|p| d.properties.get(p).cloned()),
                        });
                    }
                }
                Err(e) => {
                    failed += 1;
                    first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        if (n as i64) < SCAN_CHUNK {
            break;
        }
    }
    let mut warnings = Vec::new();
    if let Some(e) = first_error {
        warnings.push(format!(
            "{failed} deal(s) left out of the CRM figures: the mapping could not place them \
             (first: {e})"
        ));
    }
    Ok((out, warnings))
}
