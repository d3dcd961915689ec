//! The CRM side of a reconciliation: every mirror record of an invoice mapping,
//! mapped now, with its link and its open dead letters.
//!
//! "Expected" is what the pair's mappings make of the mirror today — the same
//! evaluation a sync would push — so a CRM change not yet pushed shows up as a
//! mismatch rather than hiding behind what was pushed last.

use crate::config::{PairConfig, PaymentsSource};
use crate::queue::db_err;
use crate::queue::{Job, JobError};
use crate::store::{Db, Exec, dead_letters, fetch_all, jobs};
use crate::sync::links::{self, LinkRow};
use crate::sync::mirror;
use crate::sync::related::{RelatedSet, source_record};
use crate::sync::runtime::PairRuntime;
use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_mapping::{Mapped, Mapping, MappingSet, Outcome};
use ledgerbridge_sdk::model::{CrmRecord, Currency, FinanceObject, InvoiceStatus};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Mirror rows read per round.
const CHUNK: i64 = 1000;

/// What the CRM record maps to now.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub reference: String,
    pub currency: Currency,
    /// `InvoiceDraft::total()`: the lines, before tax added on top.
    pub total: Decimal,
    /// Invoice date (the chart's month).
    pub date: NaiveDate,
    pub status: InvoiceStatus,
    /// `payments_source = "crm"`: what the CRM says is paid to date.
    pub crm_paid: Option<Decimal>,
}

/// The verdict of the invoice mapping on one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Archived or deleted in the CRM.
    Gone(String),
    /// The mapping's `when` or the cut-over excludes it.
    NotQualifying(String),
    /// The mapping fails on it (a dead letter on the next sync).
    Failed(String),
    Qualifies(Expected),
}

/// One source record as reconciliation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub key: String,
    pub updated_at: Option<DateTime<Utc>>,
    pub verdict: Verdict,
    /// Write-back properties on the deal (`[pairs.writeback]` names).
    pub writeback_status: Option<String>,
    pub writeback_paid: Option<String>,
}

/// Everything the CRM side and our own tables say about one invoice mapping.
#[derive(Debug, Default)]
pub struct SourceSide {
    pub mapping: String,
    pub records: Vec<Record>,
    /// Source key → link of this mapping.
    pub links: HashMap<String, LinkRow>,
    /// Customer source key (`company:1`) → target customer id.
    pub customer_links: HashMap<String, String>,
    /// Source key → reason of an open dead letter of this mapping.
    pub dead_letters: HashMap<String, String>,
}

/// The mappings whose target is an invoice.
pub fn invoice_mappings(set: &MappingSet) -> Vec<&Mapping> {
    set.mappings()
        .iter()
        .filter(|m| m.enabled && m.target == FinanceObject::Invoice)
        .collect()
}

/// Reads the mirror and our tables for one invoice mapping.
pub async fn source_side(
    rt: &PairRuntime,
    db: &Db,
    set: &MappingSet,
    mapping: &Mapping,
) -> Result<SourceSide, JobError> {
    let records = evaluate_all(rt, db, set, mapping).await?;
    let keys: Vec<String> = records.iter().map(|r| r.key.clone()).collect();
    let mut c = db.conn().await.map_err(db_err("source_side: connect"))?;
    let links = links::get_many(c.exec(), &rt.pair.name, &mapping.id.name, &keys)
        .await
        .map_err(db_err("links::get_many"))?;
    let customer_links = customer_links(c.exec(), &rt.pair.name)
        .await
        .map_err(db_err("customer_links"))?;
    drop(c);
    let dead_letters = open_dead_letters(db, &rt.pair.name, &mapping.id.name).await?;
    Ok(SourceSide {
        mapping: mapping.id.name.clone(),
        records,
        links,
        customer_links,
        dead_letters,
    })
}

/// Maps every mirror record of the mapping's source object.
async fn evaluate_all(
    rt: &PairRuntime,
    db: &Db,
    set: &MappingSet,
    mapping: &Mapping,
) -> Result<Vec<Record>, JobError> {
    let payment = (rt.pair.payments_source == PaymentsSource::Crm)
        .then(|| {
            set.mappings().iter().find(|m| {
                m.enabled && m.source == mapping.source && m.target == FinanceObject::Payment
            })
        })
        .flatten();
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let rows = {
            let mut c = db.conn().await.map_err(db_err("evaluate_all: connect"))?;
            mirror::scan(
                c.exec(),
                &rt.source_connection,
                mapping.source,
                &after,
                CHUNK,
            )
            .await
            .map_err(db_err("mirror::scan"))?
        };
        let Some(last) = rows.last() else { break };
        after = last.record_key.clone();
        let n = rows.len() as i64;
        let mut live = Vec::with_capacity(rows.len());
        for row in &rows {
            let r = row.record().map_err(JobError::permanent)?;
            if row.deleted {
                out.push(record(
                    &rt.pair,
                    &r,
                    Verdict::Gone("archived in the CRM".into()),
                ));
            } else {
                live.push(r);
            }
        }
        let related = {
            let mut c = db.conn().await.map_err(db_err("evaluate_all: connect"))?;
            RelatedSet::load(c.exec(), &rt.source_connection, &live)
                .await
                .map_err(db_err("RelatedSet::load"))?
        };
        for r in &live {
            let contacts = related.contacts_of(r);
            let rel = related.related(r, &contacts);
            let verdict =
                match set.evaluate_one(&mapping.id.name, source_record(r), &rel, &rt.settings) {
                    None => continue,
                    Some(Ok(Outcome::Skip { reason, .. })) => Verdict::NotQualifying(reason),
                    Some(Ok(Outcome::Record {
                        mapped: Mapped::Invoice(d),
                        ..
                    })) => {
                        let crm_paid = payment.and_then(|p| {
                            match set.evaluate_one(&p.id.name, source_record(r), &rel, &rt.settings)
                            {
                                Some(Ok(Outcome::Record {
                                    mapped: Mapped::Payment(pd),
                                    ..
                                })) => Some(pd.amount_paid_to_date),
                                _ => None,
                            }
                        });
                        Verdict::Qualifies(Expected {
                            total: d.total(),
                            reference: d.reference,
                            currency: d.currency,
                            date: d.date,
                            status: d.status,
                            crm_paid,
                        })
                    }
                    Some(Ok(Outcome::Record { .. })) => {
                        Verdict::Failed("the invoice mapping did not produce an invoice".into())
                    }
                    Some(Err(e)) => Verdict::Failed(e.dead_letter_reason()),
                };
            out.push(record(&rt.pair, r, verdict));
        }
        if n < CHUNK {
            break;
        }
    }
    Ok(out)
}

fn record(pair: &PairConfig, r: &CrmRecord, verdict: Verdict) -> Record {
    let props = match r {
        CrmRecord::Deal(d) => Some(&d.properties),
        _ => None,
    };
    let prop = |name: &str| {
        props
            .and_then(|p| p.get(name))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    Record {
        key: r.key(),
        updated_at: Some(r.meta().updated_at),
        verdict,
        writeback_status: prop(&pair.writeback.deal_invoice_status),
        writeback_paid: prop(&pair.writeback.deal_amount_paid),
    }
}

/// Customer links of the pair: customer source key → target id.
async fn customer_links(
    exec: Exec<'_>,
    pair: &str,
) -> Result<HashMap<String, String>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        source_key: String,
        target_id: Option<String>,
    }
    let rows = fetch_all!(
        exec,
        Row,
        "SELECT source_key, target_id FROM links WHERE pair = $1 AND target_object = 'customer'",
        pair
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.target_id.map(|t| (r.source_key, t)))
        .collect())
}

/// Open dead letters of one mapping: record-level ones, and dead Push jobs (every
/// record of the batch).
async fn open_dead_letters(
    db: &Db,
    pair: &str,
    mapping: &str,
) -> Result<HashMap<String, String>, JobError> {
    let mut c = db
        .conn()
        .await
        .map_err(db_err("open_dead_letters: connect"))?;
    let rows = dead_letters::list(c.exec(), false)
        .await
        .map_err(db_err("dead_letters::list"))?;
    let mut out = HashMap::new();
    for d in rows.into_iter().filter(|d| d.state == "open") {
        match &d.job_id {
            None => {
                if d.pair.as_deref() == Some(pair)
                    && d.mapping.as_deref() == Some(mapping)
                    && let Some(k) = d.record_key
                {
                    out.entry(k).or_insert(d.reason);
                }
            }
            Some(job_id) if d.kind == "push" && d.connection.as_deref() == Some(pair) => {
                let Some(job) = jobs::get(c.exec(), job_id)
                    .await
                    .map_err(db_err("jobs::get"))?
                else {
                    continue;
                };
                if let Ok(Job::Push(p)) = serde_json::from_str::<Job>(&job.payload)
                    && p.pair == pair
                    && p.mapping == mapping
                {
                    for k in p.record_keys {
                        out.entry(k).or_insert_with(|| d.reason.clone());
                    }
                }
            }
            Some(_) => {}
        }
    }
    Ok(out)
}
