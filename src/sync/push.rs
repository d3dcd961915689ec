//! The Push job: write one batch of planned records to the target, exactly once.
//!
//! For each record the batch re-maps the mirror's current version (a retried job works
//! on the current state, and a corrected mapping takes effect), derives the
//! idempotency key, and then:
//! 1. `done` keys are skipped (an earlier attempt wrote them);
//! 2. `sent` keys whose owner is gone are recovered: the record is looked up by its
//!    external reference and only resent (with the same vendor key) if absent;
//! 3. the rest are claimed (`started` → `sent`, committed) and written in one call;
//! 4. per-item results go into keys, links, dead letters and counters in one
//!    transaction.
//!
//! A key still owned by a running job makes this job retry shortly instead of
//! writing the same record in parallel.

use super::deadletters;
use super::keys::{self, KeyRow};
use super::links::{self, LinkRow, LinkWrite};
use super::plan::{LIFECYCLE, payload_of};
use super::related::{RelatedSet, source_record};
use super::runs::{self, Counters};
use super::runtime::{PairRuntime, Runtimes, job_error};
use crate::config::OnConflict;
use crate::queue::db_err;
use crate::queue::job::PushJob;
use crate::queue::{Job, JobContext, JobError, JobHandler};
use crate::store::DbTx;
use ledgerbridge_mapping::{CustomerPlan, Mapped, MappingSet, Outcome, ResolveStep};
use ledgerbridge_sdk::model::{CrmObject, CrmRecord, CustomerRef, FinanceObject, InvoiceStatus};
use ledgerbridge_sdk::{ConnectorError, ItemOutcome, WriteItem};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub struct PushHandler {
    runtimes: Arc<Runtimes>,
}

impl PushHandler {
    pub fn new(runtimes: Arc<Runtimes>) -> Self {
        PushHandler { runtimes }
    }
}

#[async_trait::async_trait]
impl JobHandler for PushHandler {
    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobError> {
        let Job::Push(p) = job else {
            return Err(JobError::permanent("push handler got another kind of job"));
        };
        let rt = self.runtimes.get(&ctx.config, &ctx.db, &p.pair).await?;
        let mut counters = Counters::default();
        let result = push(&rt, ctx, p, &mut counters).await;
        counters.api_calls = rt.take_calls() as i64;
        rt.record_api_stats(&ctx.db).await;
        if let Some(run) = &p.run_id {
            let mut c = ctx
                .db
                .conn()
                .await
                .map_err(|e| JobError::retryable(e.to_string()))?;
            runs::add(c.exec(), run, &counters)
                .await
                .map_err(db_err("runs::add"))?;
        }
        result
    }
}

/// One record of the batch, mapped and keyed.
struct Item {
    source_key: String,
    mapped: Mapped,
    payload: String,
    hash: String,
    key: String,
    /// The target record this source record already became (update), if any.
    target_id: Option<String>,
    /// What we pushed last time (conflict detection on updates).
    old_payload: Option<String>,
}

/// Pushes one batch.
async fn push(
    rt: &PairRuntime,
    ctx: &JobContext,
    p: &PushJob,
    counters: &mut Counters,
) -> Result<(), JobError> {
    let set = rt.mappings()?;
    let Some(mapping) = set.get(&p.mapping) else {
        return Err(JobError::permanent(format!(
            "pair {}: mapping {:?} no longer exists in {}",
            p.pair, p.mapping, rt.pair.mappings
        )));
    };
    let version = mapping.id.version.clone();
    let target_object = mapping.target;
    let (items, gone) = map_records(rt, ctx, &set, &p.mapping, &p.record_keys, counters).await?;
    super::lifecycle::handle(rt, ctx, &p.mapping, &version, gone, counters).await?;
    if items.is_empty() {
        return Ok(());
    }
    write(
        rt,
        ctx,
        &set,
        &p.mapping,
        &version,
        target_object,
        items,
        p.run_id.as_deref(),
        counters,
    )
    .await?;
    Ok(())
}

/// Loads records from the mirror and maps them; failures become dead letters.
async fn map_records(
    rt: &PairRuntime,
    ctx: &JobContext,
    set: &MappingSet,
    mapping: &str,
    record_keys: &[String],
    counters: &mut Counters,
) -> Result<(Vec<Item>, Vec<super::lifecycle::Gone>), JobError> {
    let m = set.get(mapping).expect("checked by the caller");
    let mut c = ctx
        .db
        .conn()
        .await
        .map_err(db_err("map_records: connect"))?;
    let rows = super::mirror::load(c.exec(), &rt.source_connection, record_keys)
        .await
        .map_err(db_err("mirror::load"))?;
    let mut records = Vec::with_capacity(rows.len());
    let mut deleted = Vec::new();
    for r in &rows {
        let rec = r.record().map_err(JobError::permanent)?;
        if r.deleted {
            deleted.push(rec.key());
        } else {
            records.push(rec);
        }
    }
    let related = RelatedSet::load(c.exec(), &rt.source_connection, &records)
        .await
        .map_err(db_err("RelatedSet::load"))?;
    let mut source_keys: Vec<String> = records.iter().map(CrmRecord::key).collect();
    source_keys.extend(deleted.iter().cloned());
    let own_links = links::get_many(c.exec(), &rt.pair.name, mapping, &source_keys)
        .await
        .map_err(db_err("links::get_many"))?;
    let mut items = Vec::with_capacity(records.len());
    let mut gone = Vec::new();
    // A linked invoice whose deal went away (once: handled links are marked).
    let went_away = |key: &str, reason: String| -> Option<super::lifecycle::Gone> {
        let l = own_links.get(key)?;
        let id = l.target_id.clone()?;
        let handled = l
            .pushed_hash
            .as_deref()
            .is_some_and(|h| h.starts_with(LIFECYCLE));
        (m.target == FinanceObject::Invoice && !handled).then(|| super::lifecycle::Gone {
            source_key: key.to_string(),
            invoice_id: id,
            reason,
        })
    };
    for key in &deleted {
        gone.extend(went_away(key, "the deal was deleted in the CRM".into()));
    }
    for r in &records {
        let contacts = related.contacts_of(r);
        let rel = related.related(r, &contacts);
        let source_key = r.key();
        match set.evaluate_one(mapping, source_record(r), &rel, &rt.settings) {
            None => {}
            Some(Ok(Outcome::Skip { reason, .. })) => {
                match went_away(
                    &source_key,
                    format!("the deal no longer qualifies ({reason})"),
                ) {
                    Some(g) => gone.push(g),
                    None => counters.skipped += 1,
                }
            }
            Some(Ok(Outcome::Record { mapped, .. })) => {
                let (payload, hash) = payload_of(&mapped);
                let link = own_links.get(&source_key);
                if link.is_some_and(|l| {
                    l.pushed_hash.as_deref() == Some(hash.as_str())
                        && l.mapping_version.as_deref() == Some(m.id.version.as_str())
                }) {
                    counters.unchanged += 1;
                    continue;
                }
                // An invoice voided when its deal went away is not updated: the
                // deal that came back gets a new one.
                let voided = link.is_some_and(|l: &LinkRow| {
                    l.pushed_hash
                        .as_deref()
                        .is_some_and(|h| h.starts_with(LIFECYCLE))
                });
                items.push(Item {
                    key: keys::derive(&rt.pair.name, &m.id.version, &source_key, &hash),
                    target_id: link.and_then(|l| l.target_id.clone()).filter(|_| !voided),
                    old_payload: link
                        .and_then(|l| l.pushed_payload.clone())
                        .filter(|_| !voided),
                    source_key,
                    mapped,
                    payload,
                    hash,
                });
            }
            Some(Err(e)) => {
                let wrote = deadletters::record(
                    c.exec(),
                    &rt.pair.name,
                    &rt.target_connection,
                    mapping,
                    &source_key,
                    &e.dead_letter_reason(),
                )
                .await
                .map_err(db_err("deadletters::record"))?;
                counters.failed += 1;
                if wrote {
                    counters.dead_lettered += 1;
                }
                tracing::warn!(record_key = %source_key, mapping, reason = %e, "record cannot be mapped");
            }
        }
    }
    Ok((items, gone))
}

/// A write ready to send: the item and its finished target record.
enum Ready {
    Customer(WriteItem<ledgerbridge_sdk::model::Customer>),
    Invoice(WriteItem<ledgerbridge_sdk::model::Invoice>),
    Payment(WriteItem<ledgerbridge_sdk::model::Payment>),
    Note(WriteItem<ledgerbridge_sdk::model::HistoryNote>),
}

impl Ready {
    /// The key the write is sent with (see [`vendor_key`]); its outcome carries it.
    fn key(&self) -> &str {
        match self {
            Ready::Customer(w) => &w.key,
            Ready::Invoice(w) => &w.key,
            Ready::Payment(w) => &w.key,
            Ready::Note(w) => &w.key,
        }
    }
}

/// The key a write goes to the vendor with (a vendor may derive its idempotency key from
/// the batch's keys): our idempotency key for a create, so a create resent after a
/// crash is replayed, not repeated; for an update, the key together with the target
/// record. A create that turns into an update on a retry (its customer found by name
/// meanwhile) is a different request, and a vendor refuses a reused key with a
/// different request (409), which would kill the job for good.
fn vendor_key(key: &str, target_id: Option<&str>) -> String {
    match target_id {
        None => key.to_string(),
        Some(id) => super::digest(format!("{key}\n{id}").as_bytes()),
    }
}

/// Writes items of one mapping; returns source key → target id for what is written
/// (or was already). Boxed because customer resolution may recurse into it once.
///
/// Customers named like another one the same batch creates wait for it (`Later`) and
/// are written in a second pass of the same job, where they find it by name: no retry
/// of the whole job, no waiting out a backoff.
#[allow(clippy::too_many_arguments)]
fn write<'a>(
    rt: &'a PairRuntime,
    ctx: &'a JobContext,
    set: &'a MappingSet,
    mapping: &'a str,
    version: &'a str,
    target_object: FinanceObject,
    items: Vec<Item>,
    run: Option<&'a str>,
    counters: &'a mut Counters,
) -> futures::future::BoxFuture<'a, Result<HashMap<String, String>, JobError>> {
    Box::pin(async move {
        let mut items = items;
        let mut done = HashMap::new();
        loop {
            let mut later = Vec::new();
            done.extend(
                write_pass(
                    rt,
                    ctx,
                    set,
                    mapping,
                    version,
                    target_object,
                    items,
                    run,
                    counters,
                    &mut later,
                )
                .await?,
            );
            if later.is_empty() {
                return Ok(done);
            }
            items = later;
        }
    })
}

/// One pass of [`write`]; items that must wait for this pass go to `later`.
#[allow(clippy::too_many_arguments)]
fn write_pass<'a>(
    rt: &'a PairRuntime,
    ctx: &'a JobContext,
    set: &'a MappingSet,
    mapping: &'a str,
    version: &'a str,
    target_object: FinanceObject,
    items: Vec<Item>,
    run: Option<&'a str>,
    counters: &'a mut Counters,
    later: &'a mut Vec<Item>,
) -> futures::future::BoxFuture<'a, Result<HashMap<String, String>, JobError>> {
    Box::pin(async move {
        // Customers are resolved (by name among others) and created under one lock per
        // process: two jobs creating same-named customers at once would both miss the
        // other's and the second create would be refused (targets that keep names unique).
        let _customer_writes = match target_object {
            FinanceObject::Customer => Some(rt.resolver.customer_writes().await),
            _ => None,
        };
        let mut done: HashMap<String, String> = HashMap::new();
        let key_list: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
        let existing: HashMap<String, KeyRow> = {
            let mut c = ctx.db.conn().await.map_err(db_err("write_pass: connect"))?;
            keys::get_many(c.exec(), &key_list)
                .await
                .map_err(db_err("keys::get_many"))?
        };
        let mut busy = Vec::new();
        let mut to_recover = Vec::new();
        let mut to_send = Vec::new();
        for it in items {
            match existing.get(&it.key) {
                Some(k) if k.state == "done" => {
                    // An earlier attempt wrote it; make sure the link says so.
                    let id = k.target_id.clone().unwrap_or_default();
                    let mut tx = ctx
                        .db
                        .begin()
                        .await
                        .map_err(db_err("write_pass: begin transaction"))?;
                    link(&mut tx, rt, mapping, version, target_object, &it, &id).await?;
                    tx.commit().await.map_err(db_err("write_pass: commit"))?;
                    counters.unchanged += 1;
                    done.insert(it.source_key.clone(), id);
                }
                Some(k)
                    if matches!(k.state.as_str(), "started" | "sent")
                        && k.job_id.as_deref() != Some(ctx.job_id.as_str())
                        && matches!(k.job_state.as_deref(), Some("pending" | "running")) =>
                {
                    busy.push(it.source_key.clone());
                }
                Some(k) if k.state == "sent" => to_recover.push(it),
                _ => to_send.push(it),
            }
        }

        // Finish the drafts first (customer ids, invoice ids, adoption): recovery of a
        // note needs its customer, and an invoice already there is adopted either way.
        let was_sent: std::collections::HashSet<String> =
            to_recover.iter().map(|it| it.key.clone()).collect();
        to_send.extend(to_recover);
        let mut ready = Vec::with_capacity(to_send.len());
        let prepared = prepare(rt, ctx, set, target_object, to_send, run, counters).await?;
        for (it, r) in prepared {
            match r {
                Prepared::Ready(w) if was_sent.contains(&it.key) => {
                    // A write that may have happened is looked up before it is resent.
                    match recover(rt, &w).await? {
                        Some(id) => {
                            let mut tx = ctx
                                .db
                                .begin()
                                .await
                                .map_err(db_err("write_pass: begin transaction"))?;
                            keys::mark_done(tx.exec(), &it.key, &id, None)
                                .await
                                .map_err(db_err("keys::mark_done"))?;
                            link(&mut tx, rt, mapping, version, target_object, &it, &id).await?;
                            tx.commit().await.map_err(db_err("write_pass: commit"))?;
                            if it.target_id.is_some() {
                                counters.updated += 1;
                            } else {
                                counters.created += 1;
                            }
                            tracing::info!(record_key = %it.source_key, target_id = %id, "recovered a write made before a crash");
                            done.insert(it.source_key.clone(), id);
                        }
                        None => ready.push((it, *w)),
                    }
                }
                Prepared::Ready(w) => ready.push((it, *w)),
                Prepared::Adopt(id) => {
                    let mut tx = ctx
                        .db
                        .begin()
                        .await
                        .map_err(db_err("write_pass: begin transaction"))?;
                    if !keys::claim(
                        tx.exec(),
                        &it.key,
                        &rt.pair.name,
                        mapping,
                        &it.source_key,
                        &it.hash,
                        &ctx.job_id,
                    )
                    .await
                    .map_err(db_err("keys::claim"))?
                    {
                        busy.push(it.source_key.clone());
                        continue;
                    }
                    keys::mark_done(tx.exec(), &it.key, &id, None)
                        .await
                        .map_err(db_err("keys::mark_done"))?;
                    link(&mut tx, rt, mapping, version, target_object, &it, &id).await?;
                    tx.commit().await.map_err(db_err("write_pass: commit"))?;
                    if was_sent.contains(&it.key) {
                        counters.created += 1;
                    } else {
                        counters.adopted += 1;
                    }
                    done.insert(it.source_key.clone(), id);
                }
                Prepared::Nothing => counters.unchanged += 1,
                Prepared::Later => later.push(it),
                Prepared::Flag(why) => {
                    let mut c = ctx.db.conn().await.map_err(db_err("write_pass: connect"))?;
                    if super::lifecycle::flag(
                        c.exec(),
                        &rt.pair.name,
                        mapping,
                        &it.source_key,
                        &why,
                    )
                    .await
                    .map_err(db_err("lifecycle::flag"))?
                    {
                        counters.flagged += 1;
                        tracing::warn!(record_key = %it.source_key, "{why}");
                    } else {
                        counters.unchanged += 1;
                    }
                }
                Prepared::Accept(why) => {
                    let mut tx = ctx
                        .db
                        .begin()
                        .await
                        .map_err(db_err("write_pass: begin transaction"))?;
                    let id = it.target_id.clone().unwrap_or_default();
                    link(&mut tx, rt, mapping, version, target_object, &it, &id).await?;
                    super::lifecycle::flag(tx.exec(), &rt.pair.name, mapping, &it.source_key, &why)
                        .await
                        .map_err(db_err("lifecycle::flag"))?;
                    tx.commit().await.map_err(db_err("write_pass: commit"))?;
                    counters.flagged += 1;
                }
                Prepared::Fail(reason) => {
                    let mut c = ctx.db.conn().await.map_err(db_err("write_pass: connect"))?;
                    if deadletters::record(
                        c.exec(),
                        &rt.pair.name,
                        &rt.target_connection,
                        mapping,
                        &it.source_key,
                        &reason,
                    )
                    .await
                    .map_err(db_err("deadletters::record"))?
                    {
                        counters.dead_lettered += 1;
                    }
                    counters.failed += 1;
                }
            }
        }
        if ready.is_empty() {
            return finish(busy, done);
        }

        // Claim: → sent, committed before the call. A key another live job claimed
        // first (it is writing the same record now) is left to that job.
        {
            let mut tx = ctx
                .db
                .begin()
                .await
                .map_err(db_err("write_pass: begin transaction"))?;
            let claims: Vec<keys::Claim> = ready
                .iter()
                .map(|(it, _)| keys::Claim {
                    key: &it.key,
                    pair: &rt.pair.name,
                    mapping,
                    source_key: &it.source_key,
                    payload_digest: &it.hash,
                })
                .collect();
            let claimed = keys::claim_sent_many(tx.exec(), &claims, &ctx.job_id)
                .await
                .map_err(db_err("keys::claim_sent_many"))?;
            drop(claims);
            tx.commit().await.map_err(db_err("write_pass: commit"))?;
            let (mine, theirs): (Vec<_>, Vec<_>) = ready
                .into_iter()
                .partition(|(it, _)| claimed.contains(&it.key));
            busy.extend(theirs.into_iter().map(|(it, _)| it.source_key));
            ready = mine;
        }
        if ready.is_empty() {
            return finish(busy, done);
        }

        let outcomes = send(rt, &ready).await?;
        let by_key: HashMap<&str, &ItemOutcome> =
            outcomes.iter().map(|o| (o.key.as_str(), o)).collect();

        // Results, one transaction (with their audit entries); the successes as a few
        // multi-row statements, not one per record.
        let mut retry: Option<ConnectorError> = None;
        let mut audit = Vec::new();
        let mut written_invoices = Vec::new();
        let mut written: Vec<(&Item, &ledgerbridge_sdk::Written)> = Vec::new();
        let mut tx = ctx
            .db
            .begin()
            .await
            .map_err(db_err("write_pass: begin transaction"))?;
        for (it, r) in &ready {
            let Some(o) = by_key.get(r.key()) else {
                retry.get_or_insert(ConnectorError::retryable(format!(
                    "the target returned no result for {}",
                    it.source_key
                )));
                continue;
            };
            match &o.result {
                Ok(w) => {
                    let verb = if it.target_id.is_some() && target_object != FinanceObject::Note {
                        counters.updated += 1;
                        "update"
                    } else {
                        counters.created += 1;
                        "create"
                    };
                    audit.push(crate::audit::AuditEntry {
                        connection: rt.target_connection.clone(),
                        action: format!("{}.{verb}", target_object.as_str()),
                        source_key: Some(it.source_key.clone()),
                        target_id: Some(w.target_id.clone()),
                        payload_digest: Some(it.hash.clone()),
                    });
                    if let Some(inv) = &w.invoice {
                        written_invoices.push((it.source_key.clone(), (**inv).clone()));
                    }
                    done.insert(it.source_key.clone(), w.target_id.clone());
                    written.push((it, w));
                }
                Err(e) if e.is_retryable() => {
                    // Still `sent`: the retry recovers it by reference.
                    retry.get_or_insert(e.clone());
                }
                Err(e) => {
                    let reason = format!(
                        "{} refused {} {}: {e}",
                        rt.target_connection,
                        target_object.as_str(),
                        it.source_key
                    );
                    keys::mark_failed(tx.exec(), &it.key, &reason)
                        .await
                        .map_err(db_err("keys::mark_failed"))?;
                    if deadletters::record(
                        tx.exec(),
                        &rt.pair.name,
                        &rt.target_connection,
                        mapping,
                        &it.source_key,
                        &reason,
                    )
                    .await
                    .map_err(db_err("deadletters::record"))?
                    {
                        counters.dead_lettered += 1;
                    }
                    counters.failed += 1;
                    tracing::warn!(record_key = %it.source_key, mapping, error = %e, "target refused a record");
                }
            }
        }
        if !written.is_empty() {
            let ids: Vec<(&str, &str)> = written
                .iter()
                .map(|(it, w)| (it.key.as_str(), w.target_id.as_str()))
                .collect();
            keys::mark_done_many(tx.exec(), &ids)
                .await
                .map_err(db_err("keys::mark_done_many"))?;
            let link_rows: Vec<LinkWrite> = written
                .iter()
                .map(|(it, w)| LinkWrite {
                    pair: &rt.pair.name,
                    mapping,
                    source_key: &it.source_key,
                    target_object: target_object.as_str(),
                    target_id: &w.target_id,
                    mapping_version: version,
                    pushed_hash: &it.hash,
                    pushed_payload: &it.payload,
                    target_version: w.version.as_deref(),
                })
                .collect();
            links::upsert_many(tx.exec(), &link_rows)
                .await
                .map_err(db_err("links::upsert_many"))?;
            let sources: Vec<&str> = written
                .iter()
                .map(|(it, _)| it.source_key.as_str())
                .collect();
            deadletters::resolve_many(tx.exec(), &rt.pair.name, mapping, &sources)
                .await
                .map_err(db_err("deadletters::resolve_many"))?;
        }
        crate::audit::append_many(&mut tx, &audit)
            .await
            .map_err(db_err("audit::append_many"))?;
        // What finance now knows goes back to the CRM deals (payments_source = finance):
        // pending with the links, written by the run's closing write-back job in full
        // batches, or at once for a push of no run (a webhook's).
        super::writeback::remember(tx.exec(), rt, &written_invoices)
            .await
            .map_err(db_err("writeback::remember"))?;
        tx.commit().await.map_err(db_err("write_pass: commit"))?;
        if run.is_none() && !written_invoices.is_empty() {
            // A failure here does not fail the push: the marks stay pending for the
            // next flush (the next push, webhook or sync).
            if let Err(e) = super::writeback::flush(rt, &ctx.db, super::writeback::Flush::All).await
            {
                tracing::warn!(error = %e, "write-back after push failed; it stays pending");
            }
        }
        if let Some(e) = retry {
            return Err(job_error(&format!("push to {}", rt.target_connection), e));
        }
        finish(busy, done)
    })
}

fn finish(
    busy: Vec<String>,
    done: HashMap<String, String>,
) -> Result<HashMap<String, String>, JobError> {
    if busy.is_empty() {
        Ok(done)
    } else {
        Err(JobError::retry_after(
            format!(
                "{} record(s) wait for another write to finish (e.g. {}); trying again shortly",
                busy.len(),
                busy[0]
            ),
            Duration::from_millis(500),
        ))
    }
}

/// Records the link of an item the target has: the target record it became and what
/// was pushed. No audit entry is written here (the batch's results append theirs).
#[allow(clippy::too_many_arguments)]
async fn link(
    tx: &mut DbTx,
    rt: &PairRuntime,
    mapping: &str,
    version: &str,
    target_object: FinanceObject,
    it: &Item,
    target_id: &str,
) -> Result<(), JobError> {
    links::upsert(
        tx.exec(),
        &LinkWrite {
            pair: &rt.pair.name,
            mapping,
            source_key: &it.source_key,
            target_object: target_object.as_str(),
            target_id,
            mapping_version: version,
            pushed_hash: &it.hash,
            pushed_payload: &it.payload,
            target_version: None,
        },
    )
    .await
    .map_err(db_err("links::upsert"))
}

/// Looks up a write that may have happened, by its external reference.
async fn recover(rt: &PairRuntime, w: &Ready) -> Result<Option<String>, JobError> {
    let t = rt.target.as_ref();
    let lookup = |e: ConnectorError| job_error("recovery lookup", e);
    Ok(match w {
        Ready::Customer(w) => {
            let r = &w.record.external_ref;
            t.find_customers(&[ledgerbridge_sdk::CustomerMatch::ExternalRef(r.clone())])
                .await
                .map_err(lookup)?
                .into_iter()
                .find(|c| c.external_ref.as_deref() == Some(r.as_str()))
                .map(|c| c.id)
        }
        Ready::Invoice(w) => {
            let r = &w.record.reference;
            t.find_invoices(std::slice::from_ref(r))
                .await
                .map_err(lookup)?
                .into_iter()
                .find(|i| i.reference.as_deref() == Some(r.as_str()) && i.status.is_live())
                .map(|i| i.id)
        }
        Ready::Payment(w) => {
            let r = &w.record.reference;
            t.find_payments(std::slice::from_ref(r))
                .await
                .map_err(lookup)?
                .into_iter()
                .find(|p| p.live && p.reference.as_deref() == Some(r.as_str()))
                .map(|p| p.id)
        }
        // no notes, nothing was sent: `prepare` dead-letters notes for such a target
        Ready::Note(w) => match t.notes() {
            None => None,
            Some(n) => n
                .find_notes(&w.record.subject)
                .await
                .map_err(lookup)?
                .into_iter()
                .find(|n| n.text.contains(&w.record.marker))
                .map(|n| n.id),
        },
    })
}

enum Prepared {
    /// Not written: recorded for reconciliation (conflict, paid invoice).
    Flag(String),
    /// Not written, and the target's version is taken as the pushed one.
    Accept(String),
    Ready(Box<Ready>),
    /// Already in the target (cut-over): link, don't write.
    Adopt(String),
    /// Nothing to write (a payment already recorded in full).
    Nothing,
    /// Not in this pass: a customer named like another one the same batch creates,
    /// written in the job's second pass, where it finds that one by name.
    Later,
    Fail(String),
}

/// Resolves what the drafts need (customer ids, invoice ids) and builds write items.
async fn prepare(
    rt: &PairRuntime,
    ctx: &JobContext,
    set: &MappingSet,
    target_object: FinanceObject,
    items: Vec<Item>,
    run: Option<&str>,
    counters: &mut Counters,
) -> Result<Vec<(Item, Prepared)>, JobError> {
    let mut out = Vec::with_capacity(items.len());
    // A record needing an ability the target lacks is a dead letter, before any lookup.
    let abilities = ledgerbridge_sdk::ability::Abilities::of(rt.target.as_ref());
    let (items, unable): (Vec<Item>, Vec<Item>) = items
        .into_iter()
        .partition(|it| super::abilities::lacking(&abilities, &it.mapped).is_none());
    for it in unable {
        if let Some(a) = super::abilities::lacking(&abilities, &it.mapped) {
            let why = super::abilities::reason(rt, a, &it.source_key);
            out.push((it, Prepared::Fail(why)));
        }
    }
    if items.is_empty() {
        return Ok(out);
    }
    match target_object {
        FinanceObject::Customer => {
            // Own link first; else an existing target customer by the plan's matches.
            let wanted: Vec<Vec<ledgerbridge_sdk::CustomerMatch>> = items
                .iter()
                .map(|it| match (&it.target_id, &it.mapped) {
                    (None, Mapped::Customer { plan, .. }) => plan.matches(),
                    _ => Vec::new(),
                })
                .collect();
            let found = rt
                .resolver
                .customers(rt.target.as_ref(), run, &wanted)
                .await
                .map_err(|e| job_error("customer lookup", e))?;
            // A found customer that another record of ours already became (two CRM
            // contacts of one name where names are unique) is linked, not overwritten
            // with this record's fields: the first record keeps its customer as written.
            let found_ids: Vec<String> = found.iter().flatten().cloned().collect();
            let owners = {
                let mut c = ctx.db.conn().await.map_err(db_err("prepare: connect"))?;
                links::owners_of(c.exec(), &rt.pair.name, "customer", &found_ids)
                    .await
                    .map_err(db_err("links::owners_of"))?
            };
            // Names of the customers this batch creates: a second create of the same
            // name waits for the first (then resolves to it by name, or is refused alone).
            let mut creating: std::collections::HashSet<String> = Default::default();
            for (mut it, existing) in items.into_iter().zip(found) {
                if it.target_id.is_none()
                    && let Some(id) = existing
                {
                    if owners.get(&id).is_some_and(|owner| *owner != it.source_key) {
                        out.push((it, Prepared::Adopt(id)));
                        continue;
                    }
                    it.target_id = Some(id);
                }
                let Mapped::Customer { customer, .. } = it.mapped.clone() else {
                    out.push((it, Prepared::Fail("not a customer mapping".into())));
                    continue;
                };
                if it.target_id.is_none() && !creating.insert(customer.name.trim().to_lowercase()) {
                    out.push((it, Prepared::Later));
                    continue;
                }
                let w = WriteItem {
                    key: vendor_key(&it.key, it.target_id.as_deref()),
                    target_id: it.target_id.clone(),
                    target_version: None,
                    record: customer,
                };
                out.push((it, Prepared::Ready(Box::new(Ready::Customer(w)))));
            }
        }
        FinanceObject::Invoice => {
            let customers = resolve_customers(rt, ctx, set, &items, run, counters).await?;
            // Cut-over adoption: an invoice that already carries our reference.
            let refs: Vec<String> = items
                .iter()
                .filter(|it| it.target_id.is_none())
                .filter_map(|it| match &it.mapped {
                    Mapped::Invoice(d) => Some(d.reference.clone()),
                    _ => None,
                })
                .collect();
            let existing = rt
                .resolver
                .invoices(rt.target.as_ref(), run, &refs)
                .await
                .map_err(|e| job_error("invoice lookup", e))?;
            // Updates: was the invoice edited in the finance system since our push?
            let update_ids: Vec<String> =
                items.iter().filter_map(|it| it.target_id.clone()).collect();
            let current = invoices_by_id(rt, &update_ids).await?;
            for it in items {
                let Mapped::Invoice(d) = it.mapped.clone() else {
                    out.push((it, Prepared::Fail("not an invoice mapping".into())));
                    continue;
                };
                if let (Some(id), Some(old)) = (&it.target_id, &it.old_payload) {
                    match current.get(id) {
                        Some(inv) if !inv.status.is_live() => {
                            let why = format!(
                                "invoice {} is {} in {}: not updated",
                                inv.number.as_deref().unwrap_or(id),
                                inv.status.as_str(),
                                rt.target_connection
                            );
                            out.push((it, Prepared::Flag(why)));
                            continue;
                        }
                        Some(inv)
                            if inv.status == InvoiceStatus::Paid || !inv.amount_paid.is_zero() =>
                        {
                            let why = format!(
                                "invoice {} is paid or part-paid: not changed (a credit note is the accountant's call)",
                                inv.number.as_deref().unwrap_or(id)
                            );
                            out.push((it, Prepared::Flag(why)));
                            continue;
                        }
                        Some(inv) => {
                            let edited = super::conflict::edited_fields(old, inv);
                            if !edited.is_empty() {
                                let why = format!(
                                    "invoice {} was edited in {} after our last push ({})",
                                    inv.number.as_deref().unwrap_or(id),
                                    rt.target_connection,
                                    edited.join(", ")
                                );
                                match rt.pair.on_conflict {
                                    OnConflict::SourceWins => {
                                        tracing::info!(record_key = %it.source_key, "{why}; on_conflict = source_wins: overwriting");
                                    }
                                    OnConflict::Flag => {
                                        out.push((it, Prepared::Flag(why)));
                                        continue;
                                    }
                                    OnConflict::TargetWins => {
                                        out.push((
                                            it,
                                            Prepared::Accept(format!(
                                                "{why}; on_conflict = target_wins: kept"
                                            )),
                                        ));
                                        continue;
                                    }
                                }
                            }
                        }
                        None => {}
                    }
                }
                if it.target_id.is_none()
                    && let Some(inv) = existing.get(&d.reference)
                {
                    let id = inv.id.clone();
                    out.push((it, Prepared::Adopt(id)));
                    continue;
                }
                let customer = match customers.get(&it.source_key) {
                    Some(Ok(c)) => c.clone(),
                    Some(Err(reason)) => {
                        let r = reason.clone();
                        out.push((it, Prepared::Fail(r)));
                        continue;
                    }
                    None => {
                        out.push((it, Prepared::Fail("no customer could be resolved".into())));
                        continue;
                    }
                };
                let w = WriteItem {
                    key: vendor_key(&it.key, it.target_id.as_deref()),
                    target_id: it.target_id.clone(),
                    target_version: None,
                    record: d.into_invoice(customer),
                };
                out.push((it, Prepared::Ready(Box::new(Ready::Invoice(w)))));
            }
        }
        FinanceObject::Payment => {
            // The invoice this payment pays: the link of the invoice mapping.
            let inv_mapping = set
                .mappings()
                .iter()
                .find(|m| {
                    m.enabled && m.source == CrmObject::Deal && m.target == FinanceObject::Invoice
                })
                .map(|m| m.id.name.clone());
            let keys_: Vec<String> = items.iter().map(|i| i.source_key.clone()).collect();
            let inv_links = match &inv_mapping {
                Some(m) => {
                    let mut c = ctx.db.conn().await.map_err(db_err("prepare: connect"))?;
                    links::get_many(c.exec(), &rt.pair.name, m, &keys_)
                        .await
                        .map_err(db_err("links::get_many"))?
                }
                None => HashMap::new(),
            };
            let ids: Vec<String> = inv_links
                .values()
                .filter_map(|l| l.target_id.clone())
                .collect();
            let invoices = invoices_by_id(rt, &ids).await?;
            for it in items {
                let Mapped::Payment(d) = it.mapped.clone() else {
                    out.push((it, Prepared::Fail("not a payment mapping".into())));
                    continue;
                };
                let Some(inv_id) = inv_links
                    .get(&it.source_key)
                    .and_then(|l| l.target_id.clone())
                else {
                    // The invoice is not written yet: the next sync pays it.
                    out.push((it, Prepared::Nothing));
                    continue;
                };
                let Some(inv) = invoices.get(&inv_id) else {
                    out.push((
                        it,
                        Prepared::Fail(format!("invoice {inv_id} is not in the target any more")),
                    ));
                    continue;
                };
                if matches!(
                    inv.status,
                    InvoiceStatus::Draft | InvoiceStatus::Voided | InvoiceStatus::Deleted
                ) {
                    out.push((it, Prepared::Fail(format!(
                        "invoice {inv_id} is {}: a payment can only be recorded on an authorised invoice",
                        inv.status.as_str()
                    ))));
                    continue;
                }
                match d.into_payment(&inv_id, inv.amount_paid) {
                    Some(pay) => {
                        let w = WriteItem::create(it.key.clone(), pay);
                        out.push((it, Prepared::Ready(Box::new(Ready::Payment(w)))));
                    }
                    None => out.push((it, Prepared::Nothing)),
                }
            }
        }
        FinanceObject::Note => {
            let customers = resolve_customers(rt, ctx, set, &items, run, counters).await?;
            for mut it in items {
                let Mapped::Note(d) = it.mapped.clone() else {
                    out.push((it, Prepared::Fail("not a note mapping".into())));
                    continue;
                };
                match customers.get(&it.source_key) {
                    Some(Ok(CustomerRef::TargetId(id))) => {
                        // For notes, target_id carries the customer (recovery looks there).
                        it.target_id = Some(id.clone());
                        let w = WriteItem::create(it.key.clone(), d.into_note(id));
                        out.push((it, Prepared::Ready(Box::new(Ready::Note(w)))));
                    }
                    Some(Ok(CustomerRef::Name(_))) => out.push((it, Prepared::Nothing)),
                    Some(Err(reason)) => {
                        let r = reason.clone();
                        out.push((it, Prepared::Fail(r)))
                    }
                    None => out.push((it, Prepared::Fail("no customer could be resolved".into()))),
                }
            }
        }
    }
    Ok(out)
}

/// The customer of each invoice or note: our links first, then existing target
/// customers, else the customer is created now through its own mapping (same
/// idempotency key as its own push, so it is never written twice).
async fn resolve_customers(
    rt: &PairRuntime,
    ctx: &JobContext,
    set: &MappingSet,
    items: &[Item],
    run: Option<&str>,
    counters: &mut Counters,
) -> Result<HashMap<String, Result<CustomerRef, String>>, JobError> {
    let mut out = HashMap::new();
    // customer source key (company:1) → items needing it
    let mut wanted: HashMap<String, Vec<ResolveStep>> = HashMap::new();
    let mut plan_of: HashMap<String, String> = HashMap::new();
    for it in items {
        let plan = match &it.mapped {
            Mapped::Invoice(d) => &d.customer,
            Mapped::Note(d) => &d.customer,
            _ => continue,
        };
        match plan {
            CustomerPlan::Fallback { name } => {
                out.insert(it.source_key.clone(), Ok(CustomerRef::Name(name.clone())));
            }
            CustomerPlan::Resolve { source_key, steps } => {
                wanted
                    .entry(source_key.clone())
                    .or_insert_with(|| steps.clone());
                plan_of.insert(it.source_key.clone(), source_key.clone());
            }
        }
    }
    if wanted.is_empty() {
        return Ok(out);
    }
    // 1. our links, per customer mapping (company / contact)
    let mut resolved: HashMap<String, String> = HashMap::new();
    for m in set
        .mappings()
        .iter()
        .filter(|m| m.enabled && m.target == FinanceObject::Customer)
    {
        let prefix = format!("{}:", m.source.as_str());
        let ks: Vec<String> = wanted
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        if ks.is_empty() {
            continue;
        }
        let mut c = ctx
            .db
            .conn()
            .await
            .map_err(db_err("resolve_customers: connect"))?;
        for (k, l) in links::get_many(c.exec(), &rt.pair.name, &m.id.name, &ks)
            .await
            .map_err(db_err("links::get_many"))?
        {
            if let Some(id) = l.target_id {
                resolved.insert(k, id);
            }
        }
    }
    // 2. not linked yet: create through the customer mapping (it resolves existing
    //    target customers by its own matches first, so nothing is duplicated)
    let missing: Vec<String> = wanted
        .keys()
        .filter(|k| !resolved.contains_key(*k))
        .cloned()
        .collect();
    let mut failures: HashMap<String, String> = HashMap::new();
    for m in set
        .mappings()
        .iter()
        .filter(|m| m.enabled && m.target == FinanceObject::Customer)
    {
        let prefix = format!("{}:", m.source.as_str());
        let ks: Vec<String> = missing
            .iter()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        if ks.is_empty() {
            continue;
        }
        // The customers' own push job may be writing them right now: wait for it a
        // little (it takes a moment) rather than failing this whole batch.
        let mut waited = 0;
        loop {
            let mut sub = Counters::default();
            let (citems, _) = map_records(rt, ctx, set, &m.id.name, &ks, &mut sub).await?;
            let res = write(
                rt,
                ctx,
                set,
                &m.id.name,
                &m.id.version,
                FinanceObject::Customer,
                citems,
                run,
                &mut sub,
            )
            .await;
            counters.add(&Counters {
                api_calls: 0,
                ..sub
            });
            match res {
                Ok(got) => {
                    resolved.extend(got);
                    break;
                }
                Err(JobError::Retryable { .. }) if waited < 50 => {
                    waited += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e),
            }
        }
        // Written meanwhile by the customers' own job (so unchanged for us): its link.
        let still: Vec<String> = ks
            .iter()
            .filter(|k| !resolved.contains_key(*k))
            .cloned()
            .collect();
        if !still.is_empty() {
            let mut c = ctx
                .db
                .conn()
                .await
                .map_err(db_err("resolve_customers: connect"))?;
            for (k, l) in links::get_many(c.exec(), &rt.pair.name, &m.id.name, &still)
                .await
                .map_err(db_err("links::get_many"))?
            {
                if let Some(id) = l.target_id {
                    resolved.insert(k, id);
                }
            }
        }
        for k in ks {
            if !resolved.contains_key(&k) {
                failures.insert(
                    k.clone(),
                    format!(
                        "its customer {k} could not be written (see that record's dead letter)"
                    ),
                );
            }
        }
    }
    for (item_key, cust_key) in plan_of {
        let r = match resolved.get(&cust_key) {
            Some(id) => Ok(CustomerRef::TargetId(id.clone())),
            None => Err(failures
                .get(&cust_key)
                .cloned()
                .unwrap_or_else(|| format!("no customer mapping can create {cust_key}"))),
        };
        out.insert(item_key, r);
    }
    Ok(out)
}

/// Sends the ready items in one call per kind (the connector chunks to its batch size).
async fn send(rt: &PairRuntime, ready: &[(Item, Ready)]) -> Result<Vec<ItemOutcome>, JobError> {
    let t = rt.target.as_ref();
    let ctx = |e: ConnectorError| job_error(&format!("push to {}", rt.target_connection), e);
    let mut customers = Vec::new();
    let mut invoices = Vec::new();
    let mut payments = Vec::new();
    let mut notes = Vec::new();
    for (_, r) in ready {
        match r {
            Ready::Customer(w) => customers.push(w.clone()),
            Ready::Invoice(w) => invoices.push(w.clone()),
            Ready::Payment(w) => payments.push(w.clone()),
            Ready::Note(w) => notes.push(w.clone()),
        }
    }
    let mut out = Vec::with_capacity(ready.len());
    if !customers.is_empty() {
        let o = t.upsert_customers(&customers).await.map_err(ctx)?;
        for (w, res) in customers.iter().zip(&o) {
            if let Ok(wr) = &res.result {
                rt.resolver
                    .customer_created(ledgerbridge_sdk::model::TargetCustomer {
                        id: wr.target_id.clone(),
                        external_ref: Some(w.record.external_ref.clone()),
                        name: w.record.name.clone(),
                        email: w.record.email.clone(),
                        domain: None,
                        archived: false,
                        updated_at: None,
                    })
                    .await;
            }
        }
        out.extend(o);
    }
    if !invoices.is_empty() {
        out.extend(t.upsert_invoices(&invoices).await.map_err(ctx)?);
    }
    if !payments.is_empty() {
        out.extend(t.create_payments(&payments).await.map_err(ctx)?);
    }
    if !notes.is_empty() {
        match t.notes() {
            Some(n) => out.extend(n.add_notes(&notes).await.map_err(ctx)?),
            None => out.extend(notes.iter().map(|w| ItemOutcome {
                key: w.key.clone(),
                result: Err(ConnectorError::not_supported(
                    ledgerbridge_sdk::ability::Ability::Notes,
                    &rt.target_connection,
                )),
            })),
        }
    }
    Ok(out)
}

/// The target's current invoices by id (one batch read; none asked, no call).
async fn invoices_by_id(
    rt: &PairRuntime,
    ids: &[String],
) -> Result<HashMap<String, ledgerbridge_sdk::model::TargetInvoice>, JobError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(rt
        .target
        .get_invoices(ids)
        .await
        .map_err(|e| job_error("invoice read", e))?
        .into_iter()
        .map(|i| (i.id.clone(), i))
        .collect())
}
