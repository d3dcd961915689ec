//! The optional budget status written back to the CRM (pair key
//! `budget_status_property`).
//!
//! **Which records.** CRMs have no writable record for a pipeline or a team through
//! the source contract (deals, companies, contacts), and the people who act on a
//! budget status are the owners of the deals still open. So the status goes on every
//! **open deal with amounts in the report's period**, and it is the status of the
//! deal's **tracking option** (the option its largest entry maps to — with the
//! shipped mapping, the option of its pipeline) over the whole period, all accounts
//! together. A deal already showing its status (as the mirror knows it) is not
//! written again. Each write is appended to the audit log (`deal.budget_status`).
//!
//! **Which status**, from the option's totals:
//! - `over`: actual already above budget;
//! - `on track`: not over, and projected (actual + weighted forecast) reaches the budget;
//! - `at risk`: projected below budget.

use super::model::{DealInput, Figures, Report};
use super::tracking::option_of;
use crate::audit::{self, AuditEntry};
use crate::store::Db;
use crate::sync::runtime::PairRuntime;
use ledgerbridge_sdk::model::{CrmObject, DealStatus, PropertyUpdate};
use std::collections::BTreeMap;

/// A slice's standing against its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetStatus {
    OnTrack,
    AtRisk,
    Over,
}

impl BudgetStatus {
    /// The value written to the CRM.
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetStatus::OnTrack => "on track",
            BudgetStatus::AtRisk => "at risk",
            BudgetStatus::Over => "over",
        }
    }

    /// The status of figures (see the module documentation).
    pub fn of(f: &Figures) -> BudgetStatus {
        if f.actual > f.budget {
            BudgetStatus::Over
        } else if f.projected >= f.budget {
            BudgetStatus::OnTrack
        } else {
            BudgetStatus::AtRisk
        }
    }
}

/// The status of each tracking option over the report (all accounts and months).
pub fn by_option(report: &Report) -> BTreeMap<String, BudgetStatus> {
    let mut sums: BTreeMap<&str, Figures> = BTreeMap::new();
    for l in &report.lines {
        let s = sums.entry(&l.tracking).or_default();
        s.budget += l.figures.budget;
        s.actual += l.figures.actual;
        s.projected += l.figures.projected;
    }
    sums.into_iter()
        .map(|(o, f)| (o.to_string(), BudgetStatus::of(&f)))
        .collect()
}

/// The write-backs due: open deals of the report whose status changed.
pub fn updates(report: &Report, deals: &[DealInput], property: &str) -> Vec<PropertyUpdate> {
    let statuses = by_option(report);
    let category = report.tracking_category.as_deref();
    let mut out = Vec::new();
    for d in deals.iter().filter(|d| d.status == DealStatus::Open) {
        let Some(biggest) = d.entries.iter().max_by_key(|e| e.amount.abs()) else {
            continue;
        };
        let Some(status) = statuses.get(&option_of(&biggest.tracking, category)) else {
            continue;
        };
        if d.budget_status.as_deref() == Some(status.as_str()) {
            continue;
        }
        out.push(PropertyUpdate {
            object: CrmObject::Deal,
            id: d.id.clone(),
            properties: BTreeMap::from([(property.to_string(), status.as_str().to_string())]),
        });
    }
    out
}

/// What a write-back did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub failed: usize,
    pub first_error: Option<String>,
}

/// Writes the updates through the CRM connector and audits each one written.
pub async fn write(
    rt: &PairRuntime,
    db: &Db,
    updates: &[PropertyUpdate],
) -> Result<Written, crate::Error> {
    let mut done = Written::default();
    if updates.is_empty() {
        return Ok(done);
    }
    let outcomes = rt.source.write_back(updates).await?;
    let mut entries = Vec::new();
    for (u, o) in updates.iter().zip(&outcomes) {
        match &o.result {
            Ok(w) => {
                done.written += 1;
                let payload = serde_json::to_vec(&u.properties).expect("maps serialize");
                entries.push(
                    AuditEntry::new(&rt.source_connection, "deal.budget_status")
                        .source_key(format!("deal:{}", u.id))
                        .target_id(w.target_id.clone())
                        .payload(&payload),
                );
            }
            Err(e) => {
                done.failed += 1;
                done.first_error
                    .get_or_insert_with(|| format!("deal {}: {e}", u.id));
            }
        }
    }
    let mut tx = db.begin().await?;
    audit::append_many(&mut tx, &entries).await?;
    tx.commit().await?;
    Ok(done)
}
