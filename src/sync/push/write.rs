//! The passes over a batch's items: each key's state decides skip, recover or send;
//! claims are committed before the vendor call; results land in one transaction.

use super::key_state::{self, AfterSend, Recovery, Seen, Start, VendorOutcome};
use super::prepare::{Prepared, prepare};
use super::send::{recover, send};
use super::{Batch, Item};
use crate::queue::{JobError, db_err};
use crate::store::DbTx;
use crate::sync::deadletters;
use crate::sync::keys::{self, KeyRow};
use crate::sync::links::{self, LinkWrite};
use crate::sync::runs::Counters;
use crate::sync::runtime::job_error;
use ledgerbridge_sdk::model::FinanceObject;
use ledgerbridge_sdk::{ConnectorError, ItemOutcome};
use std::collections::HashMap;
use std::time::Duration;

/// What a write did with its items.
#[derive(Default)]
pub(super) struct Writes {
    /// Source key → target id of what is written (or was already).
    pub done: HashMap<String, String>,
    /// Source keys whose key another live job holds: left to that job.
    pub busy: Vec<String>,
}

impl Writes {
    /// The push job's reading: records another job is writing make it try again shortly
    /// (its keys are claimed then, or done and only linked).
    pub(super) fn or_retry(self) -> Result<HashMap<String, String>, JobError> {
        match self.busy.first() {
            None => Ok(self.done),
            Some(first) => Err(JobError::retry_after(
                format!(
                    "{} record(s) wait for another write to finish (e.g. {first}); trying again shortly",
                    self.busy.len(),
                ),
                Duration::from_millis(500),
            )),
        }
    }
}

/// Writes items of one mapping. Boxed because customer resolution may recurse into it
/// once.
///
/// Customers named like another one the same batch creates wait for it (`Later`) and
/// are written in a second pass of the same job, where they find it by name: no retry
/// of the whole job, no waiting out a backoff.
pub(super) fn write<'a>(
    b: Batch<'a>,
    items: Vec<Item>,
    counters: &'a mut Counters,
) -> futures::future::BoxFuture<'a, Result<Writes, JobError>> {
    Box::pin(async move {
        let mut items = items;
        let mut out = Writes::default();
        loop {
            let mut later = Vec::new();
            let pass = write_pass(b, items, counters, &mut later).await?;
            out.done.extend(pass.done);
            out.busy.extend(pass.busy);
            // Records left to another job end the write: the job comes back for them
            // and for the second pass together.
            if later.is_empty() || !out.busy.is_empty() {
                return Ok(out);
            }
            items = later;
        }
    })
}

/// One pass of [`write`]; items that must wait for this pass go to `later`.
fn write_pass<'a>(
    b: Batch<'a>,
    items: Vec<Item>,
    counters: &'a mut Counters,
    later: &'a mut Vec<Item>,
) -> futures::future::BoxFuture<'a, Result<Writes, JobError>> {
    Box::pin(async move {
        let (rt, ctx, mapping, target_object) = (b.rt, b.ctx, b.mapping_name(), b.target_object());
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
            let row = existing.get(&it.key);
            let seen = row.map(|k| {
                Seen::of(
                    &k.state,
                    k.job_id.as_deref(),
                    k.job_state.as_deref(),
                    &ctx.job_id,
                )
            });
            match key_state::start(seen) {
                Start::AlreadyDone => {
                    // An earlier attempt wrote it; make sure the link says so.
                    let id = row.and_then(|k| k.target_id.clone()).unwrap_or_default();
                    let mut tx = ctx
                        .db
                        .begin()
                        .await
                        .map_err(db_err("write_pass: begin transaction"))?;
                    link(&mut tx, b, &it, &id).await?;
                    tx.commit().await.map_err(db_err("write_pass: commit"))?;
                    counters.unchanged += 1;
                    done.insert(it.source_key.clone(), id);
                }
                Start::Busy => busy.push(it.source_key.clone()),
                Start::Recover => to_recover.push(it),
                Start::Send => to_send.push(it),
            }
        }

        // Finish the drafts first (customer ids, invoice ids, adoption): recovery of a
        // note needs its customer, and an invoice already there is adopted either way.
        let was_sent: std::collections::HashSet<String> =
            to_recover.iter().map(|it| it.key.clone()).collect();
        to_send.extend(to_recover);
        let mut ready = Vec::with_capacity(to_send.len());
        let prepared = prepare(b, to_send, counters).await?;
        for (it, r) in prepared {
            match r {
                Prepared::Ready(w) if was_sent.contains(&it.key) => {
                    // A write that may have happened is looked up before it is resent.
                    match key_state::recovery(recover(rt, &w).await?) {
                        Recovery::Found(id) => {
                            let mut tx = ctx
                                .db
                                .begin()
                                .await
                                .map_err(db_err("write_pass: begin transaction"))?;
                            keys::mark_done(tx.exec(), &it.key, &id, None)
                                .await
                                .map_err(db_err("keys::mark_done"))?;
                            link(&mut tx, b, &it, &id).await?;
                            tx.commit().await.map_err(db_err("write_pass: commit"))?;
                            if it.target_id.is_some() {
                                counters.updated += 1;
                            } else {
                                counters.created += 1;
                            }
                            tracing::info!(record_key = %it.source_key, target_id = %id, "recovered a write made before a crash");
                            done.insert(it.source_key.clone(), id);
                        }
                        Recovery::Resend => ready.push((it, *w)),
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
                    link(&mut tx, b, &it, &id).await?;
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
                    if crate::sync::lifecycle::flag(
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
                    link(&mut tx, b, &it, &id).await?;
                    crate::sync::lifecycle::flag(
                        tx.exec(),
                        &rt.pair.name,
                        mapping,
                        &it.source_key,
                        &why,
                    )
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
            return Ok(Writes { done, busy });
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
            return Ok(Writes { done, busy });
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
            let result = by_key.get(r.key()).map(|o| &o.result);
            let outcome = outcome_of(result);
            match (key_state::after_send(outcome), result) {
                (AfterSend::Done, Some(Ok(w))) => {
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
                (AfterSend::StaysSent, result) => {
                    // Still `sent`: the retry recovers it by reference.
                    retry.get_or_insert(match result {
                        Some(Err(e)) => e.clone(),
                        _ => ConnectorError::retryable(format!(
                            "the target returned no result for {}",
                            it.source_key
                        )),
                    });
                }
                (AfterSend::Failed, Some(Err(e))) => {
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
                (after, _) => unreachable!("{after:?} does not follow from {outcome:?}"),
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
                    mapping_version: b.version(),
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
        crate::sync::writeback::remember(tx.exec(), rt, &written_invoices)
            .await
            .map_err(db_err("writeback::remember"))?;
        tx.commit().await.map_err(db_err("write_pass: commit"))?;
        if b.run.is_none() && !written_invoices.is_empty() {
            // A failure here does not fail the push: the marks stay pending for the
            // next flush (the next push, webhook or sync).
            if let Err(e) =
                crate::sync::writeback::flush(rt, &ctx.db, crate::sync::writeback::Flush::All).await
            {
                tracing::warn!(error = %e, "write-back after push failed; it stays pending");
            }
        }
        if let Some(e) = retry {
            return Err(job_error(&format!("push to {}", rt.target_connection), e));
        }
        Ok(Writes { done, busy })
    })
}

/// What the vendor's answer for one item says, as the key's state machine reads it.
fn outcome_of(result: Option<&Result<ledgerbridge_sdk::Written, ConnectorError>>) -> VendorOutcome {
    match result {
        None => VendorOutcome::NoResult,
        Some(Ok(_)) => VendorOutcome::Written,
        Some(Err(e)) if e.is_retryable() => VendorOutcome::Retryable,
        Some(Err(_)) => VendorOutcome::Refused,
    }
}

/// Records the link of an item the target has: the target record it became and what
/// was pushed. No audit entry is written here (the batch's results append theirs).
async fn link(tx: &mut DbTx, b: Batch<'_>, it: &Item, target_id: &str) -> Result<(), JobError> {
    links::upsert(
        tx.exec(),
        &LinkWrite {
            pair: &b.rt.pair.name,
            mapping: b.mapping_name(),
            source_key: &it.source_key,
            target_object: b.target_object().as_str(),
            target_id,
            mapping_version: b.version(),
            pushed_hash: &it.hash,
            pushed_payload: &it.payload,
            target_version: None,
        },
    )
    .await
    .map_err(db_err("links::upsert"))
}
