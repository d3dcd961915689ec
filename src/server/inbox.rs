//! Verified events → `webhook_inbox` rows and `webhook` jobs, in the caller's transaction.
//!
//! - Each event is keyed by the vendor's event id, or `sha256:<hex of the event JSON>`
//!   where the vendor has none (Xero). The insert is `ON CONFLICT DO NOTHING … RETURNING`,
//!   so the statement itself says which events are new: a replayed delivery inserts
//!   nothing and enqueues nothing.
//! - New events about objects we sync are grouped **per object**: one `Job::Webhook`
//!   carries the distinct record ids of that object (a batch read for the handler), and
//!   its id is written to those events' `job_id`. Events about anything else are stored
//!   with status `ignored` and no job.
//! - A batch of deliveries (see `ingest`) is stored with one INSERT for all their events
//!   (a JSON array the database expands), the queue's enqueue per job, and one UPDATE
//!   linking events to jobs: a few statements whatever the number of events, which is
//!   what makes ingestion fast on PostgreSQL, where each statement is a round trip.

use crate::queue::{self, Job, QueueError, job::WebhookJob};
use crate::store::{DbTx, Exec};
use ledgerbridge_sdk::{ChangeKind, EventSubject, WebhookBatch};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Inbox status of an event whose job is enqueued. The job's handler moves it on.
pub const STATUS_QUEUED: &str = "queued";
/// Inbox status of an event type we do not act on.
pub const STATUS_IGNORED: &str = "ignored";

/// One event, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxEvent {
    pub event_id: String,
    /// `<object>.<change>`, e.g. `deal.updated`, `invoice.created`, `ticket.other`.
    pub event_type: String,
    /// sha256 (hex) of `payload`.
    pub payload_hash: String,
    /// The vendor's event JSON as received.
    pub payload: String,
    /// The object to pull (`deal`, `company`, `invoice`, …); `None`: stored, ignored.
    pub object: Option<String>,
    pub record_id: String,
}

/// The events of one verified delivery to one connection.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub connection: String,
    pub events: Vec<InboxEvent>,
}

/// What storing a delivery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// New events now in a job.
    pub queued: usize,
    /// Events already in the inbox.
    pub duplicate: usize,
    /// New events of types we do not act on.
    pub ignored: usize,
    /// Logical ids (`job_log.id`) of the jobs enqueued.
    pub jobs: Vec<String>,
}

fn change_name(c: ChangeKind) -> &'static str {
    match c {
        ChangeKind::Created => "created",
        ChangeKind::Updated => "updated",
        ChangeKind::Deleted => "deleted",
        ChangeKind::Other => "other",
    }
}

/// The inbox rows of a verified batch, de-duplicated within the delivery (first wins).
pub fn plan(batch: &WebhookBatch) -> Vec<InboxEvent> {
    let mut out: Vec<InboxEvent> = Vec::with_capacity(batch.events.len());
    let mut seen = std::collections::HashSet::with_capacity(batch.events.len());
    for e in &batch.events {
        let payload = e.raw.to_string();
        let payload_hash = hex::encode(Sha256::digest(payload.as_bytes()));
        let event_id = e
            .event_id
            .clone()
            .unwrap_or_else(|| format!("sha256:{payload_hash}"));
        if !seen.insert(event_id.clone()) {
            continue;
        }
        let (object, name) = match &e.subject {
            EventSubject::Crm(o) => (Some(o.as_str().to_string()), o.as_str().to_string()),
            EventSubject::Finance(o) => (Some(o.as_str().to_string()), o.as_str().to_string()),
            EventSubject::Other(s) => (None, s.clone()),
        };
        out.push(InboxEvent {
            event_id,
            event_type: format!("{name}.{}", change_name(e.change)),
            payload_hash,
            payload,
            object,
            record_id: e.record_id.clone(),
        });
    }
    out
}

/// One job to enqueue and the events it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPlan {
    pub job: Job,
    pub event_ids: Vec<String>,
}

/// Group new events into one job per object, with distinct record ids in event order.
/// The job's `event_id` is the group's first event; all of them get its `job_id`.
pub fn jobs_for(connection: &str, new_events: &[&InboxEvent]) -> Vec<JobPlan> {
    let mut groups: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for e in new_events {
        let Some(object) = &e.object else { continue };
        let i = match groups.iter().position(|g| &g.0 == object) {
            Some(i) => i,
            None => {
                groups.push((object.clone(), Vec::new(), Vec::new()));
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        if !g.1.contains(&e.record_id) {
            g.1.push(e.record_id.clone());
        }
        g.2.push(e.event_id.clone());
    }
    groups
        .into_iter()
        .map(|(object, record_ids, event_ids)| JobPlan {
            job: Job::Webhook(WebhookJob {
                connection: connection.to_string(),
                event_id: event_ids[0].clone(),
                object,
                record_ids,
            }),
            event_ids,
        })
        .collect()
}

#[derive(Serialize)]
struct Row<'a> {
    c: &'a str,
    id: &'a str,
    ty: &'a str,
    hash: &'a str,
    payload: &'a str,
    status: &'a str,
}

#[derive(Serialize)]
struct Assign<'a> {
    c: &'a str,
    id: &'a str,
    job: &'a str,
}

#[derive(sqlx::FromRow)]
struct Key {
    connection: String,
    event_id: String,
}

// `WHERE true` lets SQLite parse ON CONFLICT after INSERT … SELECT.
const SQLITE_INSERT: &str = "INSERT INTO webhook_inbox \
     (connection, event_id, event_type, payload_hash, payload, received_at, status) \
     SELECT json_extract(value, '$.c'), json_extract(value, '$.id'), \
            json_extract(value, '$.ty'), json_extract(value, '$.hash'), \
            json_extract(value, '$.payload'), $1, json_extract(value, '$.status') \
     FROM json_each($2) WHERE true \
     ON CONFLICT (connection, event_id) DO NOTHING RETURNING connection, event_id";

const PG_INSERT: &str = "INSERT INTO webhook_inbox \
     (connection, event_id, event_type, payload_hash, payload, received_at, status) \
     SELECT e.c, e.id, e.ty, e.hash, e.payload, $1, e.status \
     FROM jsonb_to_recordset($2::jsonb) \
          AS e(c text, id text, ty text, hash text, payload text, status text) \
     ON CONFLICT (connection, event_id) DO NOTHING RETURNING connection, event_id";

const SQLITE_SET_JOBS: &str = "UPDATE webhook_inbox SET job_id = m.job \
     FROM (SELECT json_extract(value, '$.c') AS c, json_extract(value, '$.id') AS id, \
                  json_extract(value, '$.job') AS job FROM json_each($1)) AS m \
     WHERE webhook_inbox.connection = m.c AND webhook_inbox.event_id = m.id";

const PG_SET_JOBS: &str = "UPDATE webhook_inbox SET job_id = m.job \
     FROM jsonb_to_recordset($1::jsonb) AS m(c text, id text, job text) \
     WHERE webhook_inbox.connection = m.c AND webhook_inbox.event_id = m.id";

fn to_json<T: Serialize>(v: &T) -> Result<String, QueueError> {
    serde_json::to_string(v).map_err(|e| QueueError::Invalid(e.to_string()))
}

/// Store one delivery and enqueue its jobs inside `tx` (the caller commits).
pub async fn store_delivery(tx: &mut DbTx, d: &Delivery, now: i64) -> Result<Stored, QueueError> {
    Ok(store_deliveries(tx, &[d], now).await?.remove(0))
}

/// Store several deliveries (a group commit) inside `tx`: one INSERT for every event,
/// two statements per job (the queue's enqueue), one UPDATE linking events to jobs.
/// An event in two deliveries of the batch (a replay racing its original) belongs to
/// the first; the second counts it as a duplicate.
pub async fn store_deliveries(
    tx: &mut DbTx,
    deliveries: &[&Delivery],
    now: i64,
) -> Result<Vec<Stored>, QueueError> {
    let rows: Vec<Row<'_>> = deliveries
        .iter()
        .flat_map(|d| {
            d.events.iter().map(|e| Row {
                c: &d.connection,
                id: &e.event_id,
                ty: &e.event_type,
                hash: &e.payload_hash,
                payload: &e.payload,
                status: if e.object.is_some() {
                    STATUS_QUEUED
                } else {
                    STATUS_IGNORED
                },
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(deliveries.iter().map(|_| Stored::default()).collect());
    }
    let rows = to_json(&rows)?;
    let inserted: Vec<Key> = match tx.exec() {
        Exec::Sqlite(c) => {
            sqlx::query_as(SQLITE_INSERT)
                .bind(now)
                .bind(&rows)
                .fetch_all(&mut *c)
                .await?
        }
        Exec::Postgres(c) => {
            sqlx::query_as(PG_INSERT)
                .bind(now)
                .bind(&rows)
                .fetch_all(&mut *c)
                .await?
        }
    };
    let mut unclaimed: std::collections::HashSet<(String, String)> = inserted
        .into_iter()
        .map(|k| (k.connection, k.event_id))
        .collect();

    let mut out = Vec::with_capacity(deliveries.len());
    let mut assigned: Vec<(usize, usize, String)> = Vec::new(); // (delivery, event, job)
    for (di, d) in deliveries.iter().enumerate() {
        // claim this delivery's new events (first delivery wins within the batch)
        let new: Vec<&InboxEvent> = d
            .events
            .iter()
            .filter(|e| unclaimed.remove(&(d.connection.clone(), e.event_id.clone())))
            .collect();
        let mut stored = Stored {
            queued: new.iter().filter(|e| e.object.is_some()).count(),
            duplicate: d.events.len() - new.len(),
            ignored: new.iter().filter(|e| e.object.is_none()).count(),
            jobs: Vec::new(),
        };
        for plan in jobs_for(&d.connection, &new) {
            let job_id = queue::enqueue_in_tx(tx, &plan.job).await?;
            for id in &plan.event_ids {
                if let Some(ei) = d.events.iter().position(|e| &e.event_id == id) {
                    assigned.push((di, ei, job_id.clone()));
                }
            }
            stored.jobs.push(job_id);
        }
        out.push(stored);
    }
    if !assigned.is_empty() {
        let assign: Vec<Assign<'_>> = assigned
            .iter()
            .map(|(di, ei, job)| Assign {
                c: &deliveries[*di].connection,
                id: &deliveries[*di].events[*ei].event_id,
                job,
            })
            .collect();
        let assign = to_json(&assign)?;
        match tx.exec() {
            Exec::Sqlite(c) => {
                sqlx::query(SQLITE_SET_JOBS)
                    .bind(&assign)
                    .execute(&mut *c)
                    .await?;
            }
            Exec::Postgres(c) => {
                sqlx::query(PG_SET_JOBS)
                    .bind(&assign)
                    .execute(&mut *c)
                    .await?;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerbridge_sdk::ChangeEvent;
    use ledgerbridge_sdk::model::{CrmObject, FinanceObject};

    fn ev(id: Option<&str>, subject: EventSubject, record: &str) -> ChangeEvent {
        ChangeEvent {
            event_id: id.map(str::to_string),
            subject,
            record_id: record.to_string(),
            change: ChangeKind::Updated,
            occurred_at: None,
            change_source: None,
            property: None,
            raw: serde_json::json!({"id": id, "record": record}),
        }
    }

    #[test]
    fn events_are_keyed_grouped_per_object_and_unknown_ones_ignored() {
        let batch = WebhookBatch {
            handshake: false,
            events: vec![
                ev(Some("1"), EventSubject::Crm(CrmObject::Deal), "10"),
                ev(Some("2"), EventSubject::Crm(CrmObject::Company), "20"),
                ev(Some("3"), EventSubject::Crm(CrmObject::Deal), "10"),
                ev(Some("1"), EventSubject::Crm(CrmObject::Deal), "10"),
                ev(Some("4"), EventSubject::Other("ticket".into()), "30"),
                ev(None, EventSubject::Finance(FinanceObject::Invoice), "abc"),
                ev(Some("5"), EventSubject::Crm(CrmObject::Deal), "11"),
            ],
        };
        let events = plan(&batch);
        assert_eq!(events.len(), 6, "the repeated event 1 is dropped");
        assert!(events[4].event_id.starts_with("sha256:"));
        assert_eq!(events[3].event_type, "ticket.updated");
        assert_eq!(events[3].object, None);
        let refs: Vec<&InboxEvent> = events.iter().collect();
        let jobs = jobs_for("crm", &refs);
        let summary: Vec<(String, Vec<String>, usize)> = jobs
            .iter()
            .map(|p| match &p.job {
                Job::Webhook(w) => (w.object.clone(), w.record_ids.clone(), p.event_ids.len()),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("deal".into(), vec!["10".into(), "11".into()], 3),
                ("company".into(), vec!["20".into()], 1),
                ("invoice".into(), vec!["abc".into()], 1),
            ]
        );
    }
}
