//! The customer an invoice or note belongs to: our links first, then the target's
//! existing customers, else the customer is written now through its own mapping.

use super::{Batch, Item, records, write};
use crate::queue::{JobError, db_err};
use crate::sync::links;
use crate::sync::runs::Counters;
use ledgerbridge_mapping::{CustomerPlan, Mapped, ResolveStep};
use ledgerbridge_sdk::model::{CustomerRef, FinanceObject};
use std::collections::HashMap;
use std::time::Duration;

/// How long a batch waits before looking again for a customer another job is writing
/// (one vendor call's time, about).
const CUSTOMER_WAIT: Duration = Duration::from_millis(500);

/// The customer of each invoice or note: our links first, then existing target
/// customers, else the customer is created now through its own mapping (same
/// idempotency key as its own push, so it is never written twice).
pub(super) async fn resolve_customers(
    b: Batch<'_>,
    items: &[Item],
    counters: &mut Counters,
) -> Result<HashMap<String, Result<CustomerRef, String>>, JobError> {
    let (rt, ctx, set) = (b.rt, b.ctx, b.set);
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
        let mut sub = Counters::default();
        let customers = b.with_mapping(m);
        let (citems, _) = records::map_records(customers, &ks, &mut sub).await?;
        let written = write::write(customers, citems, &mut sub).await;
        counters.add(&Counters {
            api_calls: 0,
            ..sub
        });
        let written = written?;
        // The customers' own push job (or another batch needing them) is writing them
        // right now: this job comes back once that write has had time to finish,
        // without using up an attempt, and then finds them linked.
        if let Some(first) = written.busy.first() {
            return Err(JobError::wait(
                format!("its customer {first} is being written by another job; waiting for it"),
                CUSTOMER_WAIT,
            ));
        }
        resolved.extend(written.done);
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
