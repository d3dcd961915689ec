//! Per object, what a draft needs before it can be sent (customer ids, the invoice a
//! payment pays, the conflict policy on updates), and the write item it becomes.
//!
//! This file does the lookups, one batch read per kind; the decisions per record are
//! pure functions, one file per object, each with its tests.

mod customer;
#[cfg(test)]
mod fixtures;
mod invoice;
mod note;
mod payment;

use super::customers::resolve_customers;
use super::send::{Ready, invoices_by_id};
use super::{Batch, Item};
use crate::queue::{JobError, db_err};
use crate::sync::links;
use crate::sync::runs::Counters;
use crate::sync::runtime::job_error;
use ledgerbridge_mapping::Mapped;
use ledgerbridge_sdk::model::{CrmObject, FinanceObject};
use std::collections::HashMap;

/// What one item of a pass comes to before anything is sent.
#[derive(Debug)]
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
            let found_ids: Vec<String> = found.iter().flatten().cloned().collect();
            let owners = {
                let mut c = ctx.db.conn().await.map_err(db_err("prepare: connect"))?;
                links::owners_of(c.exec(), &rt.pair.name, "customer", &found_ids)
                    .await
                    .map_err(db_err("links::owners_of"))?
            };
            let mut creating = std::collections::HashSet::new();
            for (mut it, found) in items.into_iter().zip(found) {
                let owner = found
                    .as_ref()
                    .and_then(|id| owners.get(id))
                    .map(String::as_str);
                let p = customer::customer(&mut it, found, owner, &mut creating);
                out.push((it, p));
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
            let by_reference = rt
                .resolver
                .invoices(rt.target.as_ref(), run, &refs)
                .await
                .map_err(|e| job_error("invoice lookup", e))?;
            // Updates: was the invoice edited in the finance system since our push?
            let update_ids: Vec<String> =
                items.iter().filter_map(|it| it.target_id.clone()).collect();
            let current = invoices_by_id(rt, &update_ids).await?;
            let facts = invoice::InvoiceFacts {
                current: &current,
                by_reference: &by_reference,
                customers: &customers,
                on_conflict: rt.pair.on_conflict,
                connection: &rt.target_connection,
            };
            for it in items {
                let p = invoice::invoice(&it, &facts);
                out.push((it, p));
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
                let inv_id = inv_links
                    .get(&it.source_key)
                    .and_then(|l| l.target_id.as_deref());
                let inv = inv_id.and_then(|id| invoices.get(id));
                let p = payment::payment(&it, inv_id, inv);
                out.push((it, p));
            }
        }
        FinanceObject::Note => {
            let customers = resolve_customers(b, &items, counters).await?;
            for mut it in items {
                let customer = customers.get(&it.source_key);
                let p = note::note(&mut it, customer);
                out.push((it, p));
            }
        }
    }
    Ok(out)
}
