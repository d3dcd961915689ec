//! Write-back (`payments_source = "finance"`): what the finance system knows about an
//! invoice — number, status, amounts paid and outstanding, paid date — goes onto the
//! CRM deal, and the company gets its outstanding and overdue totals: the credit-risk
//! view sales needs. Property names come from the pair's `[pairs.writeback]`.
//!
//! Invoices arrive here from our own writes (the write response carries them), from
//! the target's invoice webhooks and from each sync's poll of changed invoices. Their state
//! is kept in `invoice_state`, so a company's totals need no re-read, and what was
//! last written to each CRM record is hashed in `writebacks`: an unchanged status is
//! never written twice, and our own write-back echoing back as a CRM webhook changes
//! no mapped field, so it never becomes a push (loop prevention).

use super::runtime::{PairRuntime, job_error};
use crate::config::PaymentsSource;
use crate::queue::JobError;
use crate::queue::db_err;
use crate::store::{Db, Exec, IN_LIST_CHUNK, Statement, fetch_all};
use crate::time::now_ms;
use chrono::NaiveDate;
use ledgerbridge_sdk::model::{CrmObject, CrmRecord, PropertyUpdate, TargetInvoice};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

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
    exec: Exec<'_>,
    pair: &str,
    invoice_ids: &[String],
) -> Result<HashMap<String, String>, sqlx::Error> {
    super::links::owners_of(exec, pair, "invoice", invoice_ids).await
}

/// Writes the state of these invoices (with the source key each came from) back to
/// the CRM deals and their companies now: [`remember`], then [`flush`] everything
/// pending. Webhook-driven changes take this path (they should show in the CRM at
/// once); a run's pushes only remember, and its closing write-back job flushes.
pub async fn apply(
    rt: &PairRuntime,
    db: &Db,
    invoices: Vec<(String, TargetInvoice)>,
) -> Result<Outcome, JobError> {
    if !enabled(rt) || invoices.is_empty() {
        return Ok(Outcome::default());
    }
    let mut tx = db
        .begin()
        .await
        .map_err(db_err("apply: begin transaction"))?;
    remember(tx.exec(), rt, &invoices)
        .await
        .map_err(db_err("remember"))?;
    tx.commit().await.map_err(db_err("apply: commit"))?;
    flush(rt, db, Flush::All).await
}

/// Records these invoices in `invoice_state` and marks their deals and companies as
/// pending write-back. Called in the transaction that records the write (links,
/// keys), so a crash never loses a pending write-back.
pub async fn remember(
    mut exec: Exec<'_>,
    rt: &PairRuntime,
    invoices: &[(String, TargetInvoice)],
) -> Result<(), sqlx::Error> {
    if !enabled(rt) || invoices.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = invoices.iter().map(|(k, _)| k.clone()).collect();
    let mut company_of: HashMap<String, String> = HashMap::new();
    for row in super::mirror::load(exec.reborrow(), &rt.source_connection, &keys).await? {
        if let Ok(CrmRecord::Deal(d)) = row.record()
            && let Some(co) = d.company_id
        {
            company_of.insert(row.record_key.clone(), format!("company:{co}"));
        }
    }
    // One row per invoice id: an upsert may not touch a row twice (the last wins).
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, (_, inv)) in invoices.iter().enumerate() {
        last.insert(inv.id.as_str(), i);
    }
    let rows: Vec<&(String, TargetInvoice)> = invoices
        .iter()
        .enumerate()
        .filter(|(i, (_, inv))| last.get(inv.id.as_str()) == Some(i))
        .map(|(_, r)| r)
        .collect();
    let now = now_ms();
    for chunk in rows.chunks(50) {
        let mut s = Statement::new(
            "INSERT INTO invoice_state (pair, invoice_id, source_key, company_key, number, \
             status, currency, total, amount_paid, amount_due, due_date, fully_paid_on, \
             updated_at, currency_rate) ",
        );
        s.values(chunk, |row, (source_key, inv)| {
            row.bind(&rt.pair.name)
                .bind(&inv.id)
                .bind(source_key)
                .bind(company_of.get(source_key).cloned())
                .bind(&inv.number)
                .bind(inv.status.as_str())
                .bind(inv.currency.code().to_string())
                .bind(inv.total.to_string())
                .bind(inv.amount_paid.to_string())
                .bind(inv.amount_due.to_string())
                .bind(inv.due_date.map(|d| d.to_string()))
                .bind(inv.fully_paid_on.map(|d| d.to_string()))
                .bind(now)
                .bind(inv.currency_rate.map(|r| r.to_string()));
        })
        .push(
            " ON CONFLICT (pair, invoice_id) DO UPDATE SET source_key = excluded.source_key, \
             company_key = excluded.company_key, number = excluded.number, \
             status = excluded.status, currency = excluded.currency, total = excluded.total, \
             amount_paid = excluded.amount_paid, amount_due = excluded.amount_due, \
             due_date = excluded.due_date, fully_paid_on = excluded.fully_paid_on, \
             updated_at = excluded.updated_at, currency_rate = excluded.currency_rate",
        );
        s.execute(exec.reborrow()).await?;
    }
    let mut marks: Vec<&str> = invoices
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| k.starts_with("deal:"))
        .chain(company_of.values().map(String::as_str))
        .collect();
    marks.sort_unstable();
    marks.dedup();
    mark_pending(exec, &rt.pair.name, &marks).await
}

/// Marks CRM records (`deal:1`, `company:7`) as pending write-back.
async fn mark_pending(
    mut exec: Exec<'_>,
    pair: &str,
    record_keys: &[&str],
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for chunk in record_keys.chunks(200) {
        let mut s =
            Statement::new("INSERT INTO writeback_pending (pair, record_key, marks, marked_at) ");
        s.values(chunk, |row, k| {
            row.bind(pair).bind(*k).constant("1").bind(now);
        })
        .push(
            " ON CONFLICT (pair, record_key) DO UPDATE SET \
             marks = writeback_pending.marks + 1, marked_at = excluded.marked_at",
        );
        s.execute(exec.reborrow()).await?;
    }
    Ok(())
}

/// How much of the pending write-back a [`flush`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// Everything pending.
    All,
    /// Only full batches (the CRM's batch size): what a run writes while its pushes
    /// are still going, so no call is spent on a part batch that later ones fill.
    FullBatches,
}

#[derive(sqlx::FromRow)]
struct Pending {
    record_key: String,
    marks: i64,
}

/// Writes pending write-back to the CRM, batch by batch: deal properties from the
/// deal's invoice state, company totals over the company's invoices, each only when
/// it differs from what was last written. A batch the CRM refuses as a whole stays
/// pending (the error is returned); a record it refuses is a dead letter.
pub async fn flush(rt: &PairRuntime, db: &Db, how: Flush) -> Result<Outcome, JobError> {
    let mut out = Outcome::default();
    if !enabled(rt) {
        return Ok(out);
    }
    // One flush at a time per process: two would write one company's totals in any
    // order, and they would only split batches between them.
    let _serial = rt.writeback_lock.lock().await;
    let caps = rt.source.capabilities();
    let today = chrono::Utc::now().date_naive();
    loop {
        let mut c = db.conn().await.map_err(db_err("flush: connect"))?;
        let mut picked: Vec<Pending> = Vec::new();
        for object in [CrmObject::Deal, CrmObject::Company] {
            let batch = caps.write_batch_for(object.as_str()) as i64;
            let prefix = format!("{}:", object.as_str());
            // keys from "deal:" up to (not including) "deal;": the primary key's range
            let end = format!("{};", object.as_str());
            let rows = fetch_all!(
                c.exec(),
                Pending,
                "SELECT record_key, marks FROM writeback_pending WHERE pair = $1 \
                 AND record_key >= $2 AND record_key < $3 ORDER BY record_key LIMIT $4",
                &rt.pair.name,
                &prefix,
                &end,
                batch
            )
            .map_err(db_err("flush: read pending write-back"))?;
            if (how == Flush::All && !rows.is_empty()) || rows.len() as i64 == batch {
                picked.extend(rows);
            }
        }
        if picked.is_empty() {
            return Ok(out);
        }
        let keys: Vec<String> = picked.iter().map(|p| p.record_key.clone()).collect();
        let updates = build_updates(c.exec(), rt, &keys, today)
            .await
            .map_err(db_err("build_updates"))?;
        let last = last_hashes(c.exec(), &rt.pair.name, &keys)
            .await
            .map_err(db_err("last_hashes"))?;
        drop(c);
        let mut todo = Vec::new();
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
        let results = if todo.is_empty() {
            Vec::new()
        } else {
            let list: Vec<PropertyUpdate> = todo.iter().map(|(_, _, u)| u.clone()).collect();
            rt.source
                .write_back(&list)
                .await
                .map_err(|e| job_error(&format!("write-back to {}", rt.source_connection), e))?
        };
        let mut tx = db
            .begin()
            .await
            .map_err(db_err("flush: begin transaction"))?;
        let mut audit = Vec::new();
        let mut hashes: Vec<(&str, &str)> = Vec::new();
        for ((key, h, u), r) in todo.iter().zip(&results) {
            match &r.result {
                Ok(_) => {
                    hashes.push((key.as_str(), h.as_str()));
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
                    .map_err(db_err("deadletters::record"))?;
                    tracing::warn!(record_key = %key, error = %e, "write-back refused");
                }
            }
        }
        remember_written(tx.exec(), &rt.pair.name, &hashes)
            .await
            .map_err(db_err("remember_written"))?;
        crate::audit::append_many(&mut tx, &audit)
            .await
            .map_err(db_err("audit::append_many"))?;
        clear_pending(tx.exec(), &rt.pair.name, &picked)
            .await
            .map_err(db_err("clear_pending"))?;
        tx.commit().await.map_err(db_err("flush: commit"))?;
    }
}

/// What was written to each CRM record (`(record key, hash of its properties)`).
async fn remember_written(
    mut exec: Exec<'_>,
    pair: &str,
    hashes: &[(&str, &str)],
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for chunk in hashes.chunks(200) {
        let mut s =
            Statement::new("INSERT INTO writebacks (pair, record_key, props_hash, written_at) ");
        s.values(chunk, |row, (k, h)| {
            row.bind(pair).bind(*k).bind(*h).bind(now);
        })
        .push(
            " ON CONFLICT (pair, record_key) DO UPDATE SET \
             props_hash = excluded.props_hash, written_at = excluded.written_at",
        );
        s.execute(exec.reborrow()).await?;
    }
    Ok(())
}

/// Clears the marks a flush read (a record marked again since keeps its mark).
async fn clear_pending(
    mut exec: Exec<'_>,
    pair: &str,
    picked: &[Pending],
) -> Result<(), sqlx::Error> {
    for chunk in picked.chunks(200) {
        let mut s = Statement::new("DELETE FROM writeback_pending WHERE pair = ");
        s.bind(pair).push(" AND (");
        for (i, p) in chunk.iter().enumerate() {
            if i > 0 {
                s.push(" OR ");
            }
            s.push("(record_key = ")
                .bind(&p.record_key)
                .push(" AND marks = ")
                .bind(p.marks)
                .push(")");
        }
        s.push(")");
        s.execute(exec.reborrow()).await?;
    }
    Ok(())
}

/// The write-back properties of these records as `invoice_state` has them now.
async fn build_updates(
    mut exec: Exec<'_>,
    rt: &PairRuntime,
    keys: &[String],
    today: NaiveDate,
) -> Result<Vec<(String, PropertyUpdate)>, sqlx::Error> {
    let wb = &rt.pair.writeback;
    let deals: Vec<String> = keys
        .iter()
        .filter(|k| k.starts_with("deal:"))
        .cloned()
        .collect();
    let companies: Vec<String> = keys
        .iter()
        .filter(|k| k.starts_with("company:"))
        .cloned()
        .collect();
    let mut out = Vec::with_capacity(keys.len());
    if !deals.is_empty() {
        // deals deleted in the CRM (their invoice was voided for it): nothing to write to
        let gone: HashSet<String> =
            super::mirror::load(exec.reborrow(), &rt.source_connection, &deals)
                .await?
                .into_iter()
                .filter(|r| r.deleted)
                .map(|r| r.record_key)
                .collect();
        let states = invoice_states(exec.reborrow(), &rt.pair.name, "source_key", &deals).await?;
        // A deal's invoice: a live one before a voided one, then the latest.
        let mut best: HashMap<&str, &StateRow> = HashMap::new();
        for s in &states {
            let better = best
                .get(s.source_key.as_str())
                .is_none_or(|b| (s.is_live(), s.updated_at) > (b.is_live(), b.updated_at));
            if better {
                best.insert(s.source_key.as_str(), s);
            }
        }
        for key in &deals {
            let (Some(s), Some(id)) = (best.get(key.as_str()), key.strip_prefix("deal:")) else {
                continue;
            };
            if gone.contains(key) {
                continue;
            }
            let mut p = BTreeMap::new();
            p.insert(
                wb.deal_invoice_number.clone(),
                s.number.clone().unwrap_or_default(),
            );
            p.insert(wb.deal_invoice_status.clone(), s.status_label().to_string());
            p.insert(wb.deal_amount_paid.clone(), s.amount_paid.clone());
            let outstanding = if s.is_live() {
                s.amount_due.clone()
            } else {
                Decimal::ZERO.to_string()
            };
            p.insert(wb.deal_amount_outstanding.clone(), outstanding);
            p.insert(
                wb.deal_paid_date.clone(),
                s.fully_paid_on.clone().unwrap_or_default(),
            );
            out.push((
                key.clone(),
                PropertyUpdate {
                    object: CrmObject::Deal,
                    id: id.to_string(),
                    properties: p,
                },
            ));
        }
    }
    if !companies.is_empty() {
        let states = invoice_states(exec, &rt.pair.name, "company_key", &companies).await?;
        let mut by_company: HashMap<&str, Vec<&StateRow>> = HashMap::new();
        for s in &states {
            if let Some(co) = &s.company_key {
                by_company.entry(co.as_str()).or_default().push(s);
            }
        }
        for co in &companies {
            let rows = by_company
                .get(co.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let (outstanding, overdue) = company_totals(rows, today);
            let mut p = BTreeMap::new();
            p.insert(wb.company_outstanding.clone(), outstanding);
            p.insert(wb.company_overdue.clone(), overdue);
            out.push((
                co.clone(),
                PropertyUpdate {
                    object: CrmObject::Company,
                    id: co.trim_start_matches("company:").to_string(),
                    properties: p,
                },
            ));
        }
    }
    Ok(out)
}

/// One invoice as `invoice_state` keeps it.
#[derive(sqlx::FromRow)]
struct StateRow {
    source_key: String,
    company_key: Option<String>,
    number: Option<String>,
    status: String,
    amount_paid: String,
    amount_due: String,
    currency_rate: Option<String>,
    due_date: Option<String>,
    fully_paid_on: Option<String>,
    updated_at: i64,
}

impl StateRow {
    fn is_live(&self) -> bool {
        !matches!(self.status.as_str(), "VOIDED" | "DELETED")
    }

    /// The deal's view of the invoice's status: part-paid is its own label.
    fn status_label(&self) -> &str {
        let paid = Decimal::from_str(&self.amount_paid).unwrap_or_default();
        match self.status.as_str() {
            "AUTHORISED" | "SUBMITTED" if !paid.is_zero() => "PARTIALLY_PAID",
            s => s,
        }
    }
}

/// The invoice states whose `column` (`source_key` or `company_key`) is one of `keys`.
async fn invoice_states(
    mut exec: Exec<'_>,
    pair: &str,
    column: &'static str,
    keys: &[String],
) -> Result<Vec<StateRow>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in keys.chunks(IN_LIST_CHUNK) {
        let mut s = Statement::new(
            "SELECT source_key, company_key, number, status, amount_paid, amount_due, \
             currency_rate, due_date, fully_paid_on, updated_at FROM invoice_state \
             WHERE pair = ",
        );
        s.bind(pair)
            .push(&format!(" AND {column} IN "))
            .bind_list(chunk);
        out.extend(s.fetch_all::<StateRow>(exec.reborrow()).await?);
    }
    Ok(out)
}

/// A company's outstanding and overdue amounts over its live invoices, in the finance
/// system's base currency (each invoice converted with its own `CurrencyRate`, the
/// rate the books use), rounded to cents: CRM number properties take one number.
fn company_totals(rows: &[&StateRow], today: NaiveDate) -> (String, String) {
    let mut outstanding = Decimal::ZERO;
    let mut overdue = Decimal::ZERO;
    for r in rows {
        if !matches!(r.status.as_str(), "AUTHORISED" | "SUBMITTED" | "PAID") {
            continue;
        }
        let due = Decimal::from_str(&r.amount_due).unwrap_or_default();
        let rate = r
            .currency_rate
            .as_deref()
            .and_then(|x| Decimal::from_str(x).ok())
            .filter(|x| !x.is_zero())
            .unwrap_or(Decimal::ONE);
        let base = due / rate;
        outstanding += base;
        let late = r
            .due_date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .is_some_and(|d| d < today);
        if late {
            overdue += base;
        }
    }
    let cents = |d: Decimal| ledgerbridge_sdk::model::round_money(d, 2).to_string();
    (cents(outstanding), cents(overdue))
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
    for chunk in keys.chunks(IN_LIST_CHUNK) {
        let mut s = Statement::new("SELECT record_key, props_hash FROM writebacks WHERE pair = ");
        s.bind(pair).push(" AND record_key IN ").bind_list(chunk);
        let rows: Vec<Row> = s.fetch_all(exec.reborrow()).await?;
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
        let mut c = db.conn().await.map_err(db_err("refresh: connect"))?;
        linked(c.exec(), &rt.pair.name, invoice_ids)
            .await
            .map_err(db_err("linked"))?
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
