//! Mirror records into push items: each record of the batch re-mapped in its current
//! version, with its idempotency key and the link it already has.
//!
//! A record that maps to nothing new is counted unchanged; one that cannot be mapped
//! becomes a dead letter; a linked invoice whose deal was deleted or no longer
//! qualifies goes to the lifecycle (voided or flagged, once).

use super::{Batch, Item};
use crate::queue::{JobError, db_err};
use crate::sync::deadletters;
use crate::sync::keys;
use crate::sync::lifecycle::Gone;
use crate::sync::links::{self, LinkRow};
use crate::sync::plan::{LIFECYCLE, payload_of};
use crate::sync::related::{RelatedSet, source_record};
use crate::sync::runs::Counters;
use ledgerbridge_mapping::Outcome;
use ledgerbridge_sdk::model::{CrmRecord, FinanceObject};

/// Loads records from the mirror and maps them; failures become dead letters.
pub(super) async fn map_records(
    b: Batch<'_>,
    record_keys: &[String],
    counters: &mut Counters,
) -> Result<(Vec<Item>, Vec<Gone>), JobError> {
    let (rt, m, mapping) = (b.rt, b.mapping, b.mapping_name());
    let mut c = b
        .ctx
        .db
        .conn()
        .await
        .map_err(db_err("map_records: connect"))?;
    let rows = crate::sync::mirror::load(c.exec(), &rt.source_connection, record_keys)
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
    let went_away = |key: &str, reason: String| -> Option<Gone> {
        let l = own_links.get(key)?;
        let id = l.target_id.clone()?;
        let handled = l
            .pushed_hash
            .as_deref()
            .is_some_and(|h| h.starts_with(LIFECYCLE));
        (m.target == FinanceObject::Invoice && !handled).then(|| Gone {
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
        match b
            .set
            .evaluate_one(mapping, source_record(r), &rel, &rt.settings)
        {
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
