//! Planning: map mirror records and compare with what was last pushed.
//!
//! The plan never writes to a target. It yields one [`PlanItem`] per (record,
//! mapping): `create`/`update` when the mapped payload differs from the link's
//! `pushed_hash` (or the mapping file changed), `unchanged`, `skip` (the mapping's
//! `when` or the cut-over excludes it) or `fail` (the record cannot be mapped; the
//! caller dead-letters it). The dry run prints the same items.

use super::related::{RelatedSet, source_record};
use super::runtime::PairRuntime;
use super::{keys, links, mirror};
use crate::queue::{JobError, db_err};
use crate::store::Db;
use ledgerbridge_mapping::{MapError, MappingSet, Outcome};
use ledgerbridge_sdk::model::{CrmObject, CrmRecord, FinanceObject};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashSet;

/// Records read from the mirror per round.
const SCAN_CHUNK: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Skip,
    Fail,
    /// Dry run: an invoice already carrying our reference will be linked, not created.
    Adopt,
    /// The deal was deleted or no longer qualifies, and `on_delete = "void"`.
    Void,
    /// The same, recorded for reconciliation without touching the invoice.
    Flag,
}

/// Marks a link whose invoice was voided or flagged because its deal went away.
pub const LIFECYCLE: &str = "lifecycle:";

/// Whether an action writes (or may write) to the target: it becomes a Push job.
pub fn pushes(a: Action) -> bool {
    matches!(
        a,
        Action::Create | Action::Update | Action::Void | Action::Flag
    )
}

/// The plan for one record under one mapping.
#[derive(Debug, Clone, Serialize)]
pub struct PlanItem {
    pub key: String,
    pub mapping: String,
    pub target_object: FinanceObject,
    pub action: Action,
    /// Changed fields of an update (`{"path": {"from": …, "to": …}}`); all fields of a create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The mapping error of a `fail`, for the dead letter.
    #[serde(skip)]
    pub error: Option<MapError>,
    /// The external reference the record maps to (`HS-123`).
    #[serde(skip)]
    pub reference: Option<String>,
    /// The CRM record of the target customer (`company:7`): Push jobs are cut from
    /// items sorted by it, so a job's notes share subjects (one History call each) and
    /// a company's invoices land in few jobs (few write-backs of its totals).
    #[serde(skip)]
    pub group: Option<String>,
}

/// Which mirror records to plan.
pub enum Scope {
    /// Every record of the pair's source.
    All,
    /// Only these record keys (`deal:123`): webhook-triggered pulls, retries.
    Keys(Vec<String>),
}

/// The order targets are written in: customers before what refers to them.
pub fn target_rank(o: FinanceObject) -> u8 {
    match o {
        FinanceObject::Customer => 0,
        FinanceObject::Invoice => 1,
        FinanceObject::Payment => 2,
        FinanceObject::Note => 3,
    }
}

/// A mapped payload and its hash (the content part of the idempotency key).
pub fn payload_of<T: Serialize>(mapped: &T) -> (String, String) {
    let json = serde_json::to_string(mapped).expect("mapped records serialize");
    let hash = super::digest(json.as_bytes());
    (json, hash)
}

/// The CRM record standing for the target customer of a mapped record, if any.
fn customer_group(mapped: &ledgerbridge_mapping::Mapped) -> Option<String> {
    use ledgerbridge_mapping::{CustomerPlan, Mapped};
    let plan = match mapped {
        Mapped::Customer { .. } => return None,
        Mapped::Invoice(d) => &d.customer,
        Mapped::Payment(_) => return None,
        Mapped::Note(d) => &d.customer,
    };
    Some(match plan {
        CustomerPlan::Resolve { source_key, .. } => source_key.clone(),
        CustomerPlan::Fallback { name } => format!("fallback:{name}"),
    })
}

/// Plans `scope`, calling `emit` for every item. `want_changes` adds field diffs
/// (the dry run); the Pull job does without them.
pub async fn plan(
    rt: &PairRuntime,
    db: &Db,
    scope: Scope,
    want_changes: bool,
    emit: &mut (dyn FnMut(PlanItem) + Send),
) -> Result<(), JobError> {
    let set = rt.mappings()?;
    let in_flight: HashSet<String> = {
        let mut c = db.conn().await.map_err(db_err("plan: connect"))?;
        keys::in_flight(c.exec(), &rt.pair.name)
            .await
            .map_err(db_err("keys::in_flight"))?
            .into_iter()
            .collect()
    };
    let objects: Vec<CrmObject> = CrmObject::ALL
        .into_iter()
        .filter(|o| set.mappings().iter().any(|m| m.enabled && m.source == *o))
        .collect();
    match scope {
        Scope::All => {
            for object in objects {
                let mut after = String::new();
                loop {
                    let rows = {
                        let mut c = db.conn().await.map_err(db_err("plan: connect"))?;
                        mirror::scan(c.exec(), &rt.source_connection, object, &after, SCAN_CHUNK)
                            .await
                            .map_err(db_err("mirror::scan"))?
                    };
                    let Some(last) = rows.last() else { break };
                    after = last.record_key.clone();
                    let n = rows.len();
                    plan_rows(rt, db, &set, rows, &in_flight, want_changes, emit).await?;
                    if (n as i64) < SCAN_CHUNK {
                        break;
                    }
                }
            }
        }
        Scope::Keys(keys) => {
            let rows = {
                let mut c = db.conn().await.map_err(db_err("plan: connect"))?;
                mirror::load(c.exec(), &rt.source_connection, &keys)
                    .await
                    .map_err(db_err("mirror::load"))?
            };
            plan_rows(rt, db, &set, rows, &in_flight, want_changes, emit).await?;
        }
    }
    Ok(())
}

/// Maps one chunk of mirror rows.
async fn plan_rows(
    rt: &PairRuntime,
    db: &Db,
    set: &MappingSet,
    rows: Vec<mirror::MirrorRow>,
    in_flight: &HashSet<String>,
    want_changes: bool,
    emit: &mut (dyn FnMut(PlanItem) + Send),
) -> Result<(), JobError> {
    let mut records = Vec::with_capacity(rows.len());
    let mut deleted = Vec::new();
    for row in &rows {
        match row.record() {
            Ok(r) if row.deleted => deleted.push(r),
            Ok(r) => records.push(r),
            Err(e) => return Err(JobError::permanent(e)),
        }
    }
    let mut c = db.conn().await.map_err(db_err("plan_rows: connect"))?;
    let related = RelatedSet::load(c.exec(), &rt.source_connection, &records)
        .await
        .map_err(db_err("RelatedSet::load"))?;
    // Links of every mapping that applies to these records, one query per mapping.
    let mut link_maps = std::collections::HashMap::new();
    for m in set.mappings().iter().filter(|m| m.enabled) {
        let source_keys: Vec<String> = records
            .iter()
            .chain(&deleted)
            .filter(|r| r.object() == m.source)
            .map(CrmRecord::key)
            .collect();
        if !source_keys.is_empty() {
            let l = links::get_many(c.exec(), &rt.pair.name, &m.id.name, &source_keys)
                .await
                .map_err(db_err("links::get_many"))?;
            link_maps.insert(m.id.name.clone(), l);
        }
    }
    drop(c);
    for r in &records {
        let contacts = related.contacts_of(r);
        let rel = related.related(r, &contacts);
        let key = r.key();
        for outcome in set.evaluate(source_record(r), &rel, &rt.settings) {
            let item = match outcome {
                Ok(Outcome::Skip { mapping, reason }) => {
                    let target_object = set
                        .get(&mapping.name)
                        .map(|m| m.target)
                        .unwrap_or(FinanceObject::Invoice);
                    let link = link_maps.get(&mapping.name).and_then(|l| l.get(&key));
                    match lifecycle(rt, target_object, link) {
                        Some(action) => PlanItem {
                            key: key.clone(),
                            mapping: mapping.name,
                            target_object,
                            action,
                            changes: None,
                            reason: Some(format!("the deal no longer qualifies ({reason})")),
                            error: None,
                            reference: None,
                            group: None,
                        },
                        None => PlanItem {
                            key: key.clone(),
                            mapping: mapping.name,
                            target_object,
                            action: Action::Skip,
                            changes: None,
                            reason: Some(reason),
                            error: None,
                            reference: None,
                            group: None,
                        },
                    }
                }
                Ok(Outcome::Record {
                    mapping,
                    mapped,
                    key: reference,
                }) => {
                    let target_object = set
                        .get(&mapping.name)
                        .map(|m| m.target)
                        .unwrap_or(FinanceObject::Invoice);
                    let (json, hash) = payload_of(&mapped);
                    let group = customer_group(&mapped);
                    let link = link_maps.get(&mapping.name).and_then(|l| l.get(&key));
                    let unchanged = link.is_some_and(|l| {
                        l.pushed_hash.as_deref() == Some(hash.as_str())
                            && l.mapping_version.as_deref() == Some(mapping.version.as_str())
                    });
                    let busy = in_flight.contains(&keys::derive(
                        &rt.pair.name,
                        &mapping.version,
                        &key,
                        &hash,
                    ));
                    let voided = link.is_some_and(|l| {
                        l.pushed_hash
                            .as_deref()
                            .is_some_and(|h| h.starts_with(LIFECYCLE))
                    });
                    let action = match (unchanged, link.and_then(|l| l.target_id.as_ref())) {
                        (true, _) => Action::Unchanged,
                        // its invoice was voided when the deal went away: a new one
                        (false, Some(_)) if voided => Action::Create,
                        (false, Some(_)) => Action::Update,
                        (false, None) => Action::Create,
                    };
                    let changes = (want_changes && action != Action::Unchanged).then(|| {
                        let new: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
                        let old: Value = link
                            .and_then(|l| l.pushed_payload.as_deref())
                            .and_then(|p| serde_json::from_str(p).ok())
                            .unwrap_or(Value::Null);
                        diff(&old, &new)
                    });
                    PlanItem {
                        key: key.clone(),
                        mapping: mapping.name,
                        target_object,
                        action: if busy { Action::Unchanged } else { action },
                        changes,
                        reason: busy.then(|| "a push of this version is already in flight".into()),
                        error: None,
                        reference: Some(reference),
                        group,
                    }
                }
                Err(e) => PlanItem {
                    key: key.clone(),
                    mapping: e.mapping.clone(),
                    target_object: set
                        .get(&e.mapping)
                        .map(|m| m.target)
                        .unwrap_or(FinanceObject::Invoice),
                    action: Action::Fail,
                    changes: None,
                    reason: Some(e.reason()),
                    error: Some(e),
                    reference: None,
                    group: None,
                },
            };
            emit(item);
        }
    }
    // Deleted in the source: their invoices are voided or flagged (`on_delete`).
    for r in &deleted {
        let key = r.key();
        for m in set
            .mappings()
            .iter()
            .filter(|m| m.enabled && m.source == r.object())
        {
            let link = link_maps.get(&m.id.name).and_then(|l| l.get(&key));
            if let Some(action) = lifecycle(rt, m.target, link) {
                emit(PlanItem {
                    key: key.clone(),
                    mapping: m.id.name.clone(),
                    target_object: m.target,
                    action,
                    changes: None,
                    reason: Some("the deal was deleted in the CRM".into()),
                    error: None,
                    reference: None,
                    group: None,
                });
            }
        }
    }
    Ok(())
}

/// What happens to an invoice whose deal went away: void or flag per the pair's
/// `on_delete`, once (a link already handled says so in its pushed hash). Only
/// invoices: customers and notes stay as they are.
fn lifecycle(
    rt: &PairRuntime,
    target: FinanceObject,
    link: Option<&links::LinkRow>,
) -> Option<Action> {
    let link = link?;
    link.target_id.as_ref()?;
    if target != FinanceObject::Invoice
        || link
            .pushed_hash
            .as_deref()
            .is_some_and(|h| h.starts_with(LIFECYCLE))
    {
        return None;
    }
    Some(match rt.pair.on_delete {
        crate::config::OnDelete::Void => Action::Void,
        crate::config::OnDelete::Flag => Action::Flag,
    })
}

/// Field-level differences between two JSON documents: `{"path": {"from", "to"}}`.
pub fn diff(old: &Value, new: &Value) -> Value {
    let mut out = serde_json::Map::new();
    walk("", old, new, &mut out);
    Value::Object(out)
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut serde_json::Map<String, Value>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                walk(
                    &join(k),
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                walk(
                    &join(&i.to_string()),
                    a.get(i).unwrap_or(&Value::Null),
                    b.get(i).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (a, b) if a != b => {
            out.insert(
                if path.is_empty() {
                    "value".into()
                } else {
                    path.to_string()
                },
                serde_json::json!({"from": a, "to": b}),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_names_changed_paths_only() {
        let old = json!({"a": 1, "lines": [{"q": "1"}, {"q": "2"}], "s": "x"});
        let new = json!({"a": 1, "lines": [{"q": "1"}, {"q": "3"}], "s": "y"});
        assert_eq!(
            diff(&old, &new),
            json!({"lines.1.q": {"from": "2", "to": "3"}, "s": {"from": "x", "to": "y"}})
        );
    }
}
