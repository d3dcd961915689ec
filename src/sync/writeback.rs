//! Write-back (`payments_source = "finance"`): what the finance system knows about an
//! invoice — number, status, amounts paid and outstanding, paid date — goes onto the
//! CRM deal, and the company gets its outstanding and overdue totals: the credit-risk
//! view sales needs. Property names come from the pair's `[pairs.writeback]`.
//!
//! Invoices arrive here from our own writes (the write response carries them), from
//! Xero's invoice webhooks and from each sync's poll of changed invoices. Their state
//! is kept in `invoice_state`, so a company's totals need no re-read, and what was
//! last written to each CRM record is hashed in `writebacks`: an unchanged status is
//! never written twice, and our own write-back echoing back as a CRM webhook changes
//! no mapped field, so it never becomes a push (loop prevention).

use super::runtime::{PairRuntime, job_error};
use crate::config::PaymentsSource;
use crate::queue::JobError;
use crate::store::{Db, Exec, execute, fetch_all};
use crate::time::now_ms;
use chrono::NaiveDate;
use ledgerbridge_sdk::model::{CrmObject, CrmRecord, InvoiceStatus, PropertyUpdate, TargetInvoice};
use rust_decimal::Decimal;
use sqlx::QueryBuilder;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

fn db_err(e: impl std::fmt::Display) -> JobError {
    JobError::retryable(format!("database: {e}"))
}

/// What write-back did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub written: usize,
    pub unchanged: usize,
    pub failed: usize,
}

/// Whether the pair writes finance status back to the CRM.
pub fn enabled(rt: &PairRuntime) -> bool {
    rt.pair.payments_source == PaymentsSource::Finance
}

/// Source keys (`deal:1`) of our invoices among these target ids.
pub async fn linked(
    mut exec: Exec<'_>,
    pair: &str,
    invoice_ids: &[String],
) -> Result<HashMap<String, String>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        source_key: String,
        target_id: Option<String>,
    }
    let mut out = HashMap::new();
    for chunk in invoice_ids.chunks(500) {
        macro_rules! run {
            ($db:ty, $c:expr) => {{
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT source_key, target_id FROM links WHERE target_object = 'invoice' AND pair = ",
                );
                qb.push_bind(pair);
                qb.push(" AND target_id IN (");
                let mut sep = qb.separated(", ");
                for k in chunk {
                    sep.push_bind(k);
                }
                qb.push(")");
                qb.build_query_as::<Row>().fetch_all(&mut **$c).await?
            }};
        }
        let rows = match &mut exec {
            Exec::Sqlite(c) => run!(sqlx::Sqlite, c),
            Exec::Postgres(c) => run!(sqlx::Postgres, c),
        };
        out.extend(
            rows.into_iter()
                .filter_map(|r| r.target_id.map(|t| (t, r.source_key))),
        );
    }
    Ok(out)
}

/// Writes the state of these invoices (with the source key each came from) back to
/// the CRM deals and their companies.
pub async fn apply(
    rt: &PairRuntime,
    db: &Db,
    invoices: Vec<(String, TargetInvoice)>,
) -> Result<Outcome, JobError> {
    if !enabled(rt) || invoices.is_empty() {
        return Ok(Outcome::default());
    }
    // Concurrent push jobs of one company would otherwise write its totals in any
    // order, leaving an older total last (and the next sync correcting it).
    let _serial = rt.writeback_lock.lock().await;
    let wb = &rt.pair.writeback;
    let today = chrono::Utc::now().date_naive();
    let mut c = db.conn().await.map_err(db_err)?;
    // the deals, for their companies
    let keys: Vec<String> = invoices.iter().map(|(k, _)| k.clone()).collect();
    let mut company_of: HashMap<String, String> = HashMap::new();
    // deals deleted in the CRM (their invoice was voided for it): nothing to write to
    let mut gone: HashSet<String> = HashSet::new();
    for row in super::mirror::load(c.exec(), &rt.source_connection, &keys)
        .await
        .map_err(db_err)?
    {
        if row.deleted {
            gone.insert(row.record_key.clone());
        }
        if let Ok(CrmRecord::Deal(d)) = row.record()
            && let Some(co) = d.company_id
        {
            company_of.insert(row.record_key.clone(), format!("company:{co}"));
        }
    }
    let mut updates: Vec<(String, PropertyUpdate)> = Vec::new();
    let mut companies: Vec<String> = Vec::new();
    for (source_key, inv) in &invoices {
        remember(c.exec(), rt, source_key, company_of.get(source_key), inv)
            .await
            .map_err(db_err)?;
        if let Some(co) = company_of.get(source_key)
            && !companies.contains(co)
        {
            companies.push(co.clone());
        }
        let Some(id) = source_key.strip_prefix("deal:") else {
            continue;
        };
        if gone.contains(source_key) {
            continue;
        }
        let mut p = BTreeMap::new();
        p.insert(
            wb.deal_invoice_number.clone(),
            inv.number.clone().unwrap_or_default(),
        );
        p.insert(
            wb.deal_invoice_status.clone(),
            status_label(inv).to_string(),
        );
        p.insert(wb.deal_amount_paid.clone(), inv.amount_paid.to_string());
        let outstanding = if inv.status.is_live() {
            inv.amount_due
        } else {
            Decimal::ZERO
        };
        p.insert(wb.deal_amount_outstanding.clone(), outstanding.to_string());
        p.insert(
            wb.deal_paid_date.clone(),
            inv.fully_paid_on.map(|d| d.to_string()).unwrap_or_default(),
        );
        updates.push((
            source_key.clone(),
            PropertyUpdate {
                object: CrmObject::Deal,
                id: id.to_string(),
                properties: p,
            },
        ));
    }
    for co in companies {
        let (outstanding, overdue) = company_totals(c.exec(), &rt.pair.name, &co, today)
            .await
            .map_err(db_err)?;
        let mut p = BTreeMap::new();
        p.insert(wb.company_outstanding.clone(), outstanding);
        p.insert(wb.company_overdue.clone(), overdue);
        let id = co.trim_start_matches("company:").to_string();
        updates.push((
            co,
            PropertyUpdate {
                object: CrmObject::Company,
                id,
                properties: p,
            },
        ));
    }
    // only what changed since the last write-back
    let mut out = Outcome::default();
    let mut todo = Vec::new();
    let last = last_hashes(
        c.exec(),
        &rt.pair.name,
        &updates.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
    )
    .await
    .map_err(db_err)?;
    for (key, u) in updates {
        let h = super::digest(
            serde_json::to_string(&u.properties)
                .unwrap_or_default()
                .as_bytes(),
        );
        if last.get(&key) == Some(&h) {
            out.unchanged += 1;
        } else {
            todo.push((key, h, u));
        }
    }
    drop(c);
    if todo.is_empty() {
        return Ok(out);
    }
    let list: Vec<PropertyUpdate> = todo.iter().map(|(_, _, u)| u.clone()).collect();
    let results = rt
        .source
        .write_back(&list)
        .await
        .map_err(|e| job_error(&format!("write-back to {}", rt.source_connection), e))?;
    let mut tx = db.begin().await.map_err(db_err)?;
    let mut audit = Vec::new();
    for ((key, h, u), r) in todo.iter().zip(&results) {
        match &r.result {
            Ok(_) => {
                execute!(
                    tx.exec(),
                    "INSERT INTO writebacks (pair, record_key, props_hash, written_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (pair, record_key) DO UPDATE SET props_hash = excluded.props_hash, \
                     written_at = excluded.written_at",
                    &rt.pair.name,
                    key,
                    h,
                    now_ms()
                )
                .map_err(db_err)?;
                audit.push(crate::audit::AuditEntry {
                    connection: rt.source_connection.clone(),
                    action: format!("{}.writeback", u.object.as_str()),
                    source_key: Some(key.clone()),
                    target_id: Some(u.id.clone()),
                    payload_digest: Some(h.clone()),
                });
                out.written += 1;
            }
            Err(e) => {
                out.failed += 1;
                let reason = format!(
                    "write-back to {} refused for {key}: {e}",
                    rt.source_connection
                );
                super::deadletters::record(
                    tx.exec(),
                    &rt.pair.name,
                    &rt.source_connection,
                    "writeback",
                    key,
                    &reason,
                )
                .await
                .map_err(db_err)?;
                tracing::warn!(record_key = %key, error = %e, "write-back refused");
            }
        }
    }
    crate::audit::append_many(&mut tx, &audit)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(out)
}

/// The deal's view of an invoice's status.
fn status_label(inv: &TargetInvoice) -> &'static str {
    match inv.status {
        InvoiceStatus::Authorised | InvoiceStatus::Submitted if !inv.amount_paid.is_zero() => {
            "PARTIALLY_PAID"
        }
        s => s.as_str(),
    }
}

async fn remember(
    exec: Exec<'_>,
    rt: &PairRuntime,
    source_key: &str,
    company_key: Option<&String>,
    inv: &TargetInvoice,
) -> Result<(), sqlx::Error> {
    execute!(
        exec,
        "INSERT INTO invoice_state (pair, invoice_id, source_key, company_key, number, status, currency, \
         total, amount_paid, amount_due, due_date, fully_paid_on, updated_at, currency_rate) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (pair, invoice_id) DO UPDATE SET source_key = excluded.source_key, \
         company_key = excluded.company_key, number = excluded.number, status = excluded.status, \
         currency = excluded.currency, total = excluded.total, amount_paid = excluded.amount_paid, \
         amount_due = excluded.amount_due, due_date = excluded.due_date, \
         fully_paid_on = excluded.fully_paid_on, updated_at = excluded.updated_at, \
         currency_rate = excluded.currency_rate",
        &rt.pair.name,
        &inv.id,
        source_key,
        company_key,
        inv.number.as_deref(),
        inv.status.as_str(),
        inv.currency.code(),
        inv.total.to_string(),
        inv.amount_paid.to_string(),
        inv.amount_due.to_string(),
        inv.due_date.map(|d| d.to_string()),
        inv.fully_paid_on.map(|d| d.to_string()),
        now_ms(),
        inv.currency_rate.map(|r| r.to_string())
    )
    .map(|_| ())
}

/// A company's outstanding and overdue amounts over its live invoices, in the finance
/// system's base currency (each invoice converted with its own `CurrencyRate`, the
/// rate the books use), rounded to cents: CRM number properties take one number.
async fn company_totals(
    exec: Exec<'_>,
    pair: &str,
    company_key: &str,
    today: NaiveDate,
) -> Result<(String, String), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        amount_due: String,
        currency_rate: Option<String>,
        due_date: Option<String>,
        status: String,
    }
    let rows = fetch_all!(
        exec,
        Row,
        "SELECT amount_due, currency_rate, due_date, status FROM invoice_state \
         WHERE pair = $1 AND company_key = $2",
        pair,
        company_key
    )?;
    let mut outstanding = Decimal::ZERO;
    let mut overdue = Decimal::ZERO;
    for r in rows {
        if !matches!(r.status.as_str(), "AUTHORISED" | "SUBMITTED" | "PAID") {
            continue;
        }
        let due = Decimal::from_str(&r.amount_due).unwrap_or_default();
        let rate = r
            .currency_rate
            .and_then(|x| Decimal::from_str(&x).ok())
            .filter(|x| !x.is_zero())
            .unwrap_or(Decimal::ONE);
        let base = due / rate;
        outstanding += base;
        let late = r
            .due_date
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            .is_some_and(|d| d < today);
        if late {
            overdue += base;
        }
    }
    let cents = |d: Decimal| ledgerbridge_sdk::model::round_money(d, 2).to_string();
    Ok((cents(outstanding), cents(overdue)))
}

async fn last_hashes(
    mut exec: Exec<'_>,
    pair: &str,
    keys: &[String],
) -> Result<HashMap<String, String>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        record_key: String,
        props_hash: String,
    }
    let mut out = HashMap::new();
    for chunk in keys.chunks(500) {
        macro_rules! run {
            ($db:ty, $c:expr) => {{
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT record_key, props_hash FROM writebacks WHERE pair = ",
                );
                qb.push_bind(pair);
                qb.push(" AND record_key IN (");
                let mut sep = qb.separated(", ");
                for k in chunk {
                    sep.push_bind(k);
                }
                qb.push(")");
                qb.build_query_as::<Row>().fetch_all(&mut **$c).await?
            }};
        }
        let rows = match &mut exec {
            Exec::Sqlite(c) => run!(sqlx::Sqlite, c),
            Exec::Postgres(c) => run!(sqlx::Postgres, c),
        };
        out.extend(rows.into_iter().map(|r| (r.record_key, r.props_hash)));
    }
    Ok(out)
}

/// Re-reads these invoices from the target and writes their state back.
pub async fn refresh(
    rt: &PairRuntime,
    db: &Db,
    invoice_ids: &[String],
) -> Result<Outcome, JobError> {
    if !enabled(rt) || invoice_ids.is_empty() {
        return Ok(Outcome::default());
    }
    let keys = {
        let mut c = db.conn().await.map_err(db_err)?;
        linked(c.exec(), &rt.pair.name, invoice_ids)
            .await
            .map_err(db_err)?
    };
    if keys.is_empty() {
        return Ok(Outcome::default());
    }
    let ids: Vec<String> = keys.keys().cloned().collect();
    let invoices = rt
        .target
        .get_invoices(&ids)
        .await
        .map_err(|e| job_error("invoice read", e))?;
    let pairs = invoices
        .into_iter()
        .filter_map(|i| keys.get(&i.id).map(|k| (k.clone(), i)))
        .collect();
    apply(rt, db, pairs).await
}
