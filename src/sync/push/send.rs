//! Sending: the ready writes in one call per kind, and the lookups that tell whether a
//! write sent before a crash reached the target.

use super::Item;
use crate::queue::JobError;
use crate::sync::runtime::{PairRuntime, job_error};
use ledgerbridge_sdk::{ConnectorError, ItemOutcome, WriteItem};
use std::collections::HashMap;

/// A write ready to send: the item and its finished target record.
#[derive(Debug)]
pub(super) enum Ready {
    Customer(WriteItem<ledgerbridge_sdk::model::Customer>),
    Invoice(WriteItem<ledgerbridge_sdk::model::Invoice>),
    Payment(WriteItem<ledgerbridge_sdk::model::Payment>),
    Note(WriteItem<ledgerbridge_sdk::model::HistoryNote>),
}

impl Ready {
    /// The key the write is sent with (see [`vendor_key`]); its outcome carries it.
    pub(super) fn key(&self) -> &str {
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
pub(super) fn vendor_key(key: &str, target_id: Option<&str>) -> String {
    match target_id {
        None => key.to_string(),
        Some(id) => crate::sync::digest(format!("{key}\n{id}").as_bytes()),
    }
}

/// Looks up a write that may have happened, by its external reference.
pub(super) async fn recover(rt: &PairRuntime, w: &Ready) -> Result<Option<String>, JobError> {
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

/// Sends the ready items in one call per kind (the connector chunks to its batch size).
pub(super) async fn send(
    rt: &PairRuntime,
    ready: &[(Item, Ready)],
) -> Result<Vec<ItemOutcome>, JobError> {
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
pub(super) async fn invoices_by_id(
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
