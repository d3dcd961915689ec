//! Per object, what a draft needs before it can be sent (customer ids, the invoice a
//! payment pays, the conflict policy on updates), and the write item it becomes.

use super::customers::resolve_customers;
use super::send::{Ready, invoices_by_id, vendor_key};
use super::{Batch, Item};
use crate::config::OnConflict;
use crate::queue::{JobError, db_err};
use crate::sync::links;
use crate::sync::runs::Counters;
use crate::sync::runtime::job_error;
use ledgerbridge_mapping::Mapped;
use ledgerbridge_sdk::WriteItem;
use ledgerbridge_sdk::model::{CrmObject, CustomerRef, FinanceObject, InvoiceStatus};
use std::collections::HashMap;

pub(super) enum Prepared {
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
pub(super) async fn prepare(
    b: Batch<'_>,
    items: Vec<Item>,
    counters: &mut Counters,
) -> Result<Vec<(Item, Prepared)>, JobError> {
    let (rt, ctx, set, run) = (b.rt, b.ctx, b.set, b.run);
    let mut out = Vec::with_capacity(items.len());
    // A record needing an ability the target lacks is a dead letter, before any lookup.
    let abilities = ledgerbridge_sdk::ability::Abilities::of(rt.target.as_ref());
    let (items, unable): (Vec<Item>, Vec<Item>) = items
        .into_iter()
        .partition(|it| crate::sync::abilities::lacking(&abilities, &it.mapped).is_none());
    for it in unable {
        if let Some(a) = crate::sync::abilities::lacking(&abilities, &it.mapped) {
            let why = crate::sync::abilities::reason(rt, a, &it.source_key);
            out.push((it, Prepared::Fail(why)));
        }
    }
    if items.is_empty() {
        return Ok(out);
    }
    match b.target_object() {
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
            let customers = resolve_customers(b, &items, counters).await?;
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
                            let edited = crate::sync::conflict::edited_fields(old, inv);
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
            let customers = resolve_customers(b, &items, counters).await?;
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
