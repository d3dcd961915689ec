//! Verified events → `webhook_inbox` rows and `webhook` jobs, in the caller's transaction.
//!
//! - Each event is keyed by the vendor's event id, or `sha256:<hex of the event JSON>`
//!   where the vendor has none. The insert is `ON CONFLICT DO NOTHING … RETURNING`,
//!   so the statement itself says which events are new: a replayed delivery inserts
//!   nothing and enqueues nothing.
//! - New events about objects we sync are grouped **per object**: one `Job::Webhook`
//!   carries the distinct record ids of that object (a batch read for the handler), and
//!   its id is written to those events' `job_id`. Events about anything else are stored
//!   with status `ignored` and no job.
//! - A batch of deliveries (see `ingest`) is stored with one INSERT for all their events
//!   (their job ids chosen beforehand), one `job_log` INSERT and one apalis INSERT for
//!   all their jobs: three statements whatever the number of events or deliveries, which
//!   is what makes ingestion fast on PostgreSQL, where each statement is a round trip.

use crate::queue::{self, Job, QueueError, job::WebhookJob};
use crate::store::{DbTxOn, Exec};
use ledgerbridge_sdk::{ChangeKind, EventSubject, WebhookBatch};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

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
    let mut seen = HashSet::with_capacity(batch.events.len());
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
    job: Option<&'a str>,
    status: &'a str,
}

#[derive(sqlx::FromRow)]
struct Key {
    connection: String,
    event_id: String,
}

// `WHERE true` lets SQLite parse ON CONFLICT after INSERT … SELECT.
const SQLITE_INSERT: &str = "INSERT INTO webhook_inbox \
     (connection, event_id, event_type, payload_hash, payload, received_at, job_id, status) \
     SELECT json_extract(value, '$.c'), json_extract(value, '$.id'), \
            json_extract(value, '$.ty'), json_extract(value, '$.hash'), \
            json_extract(value, '$.payload'), $1, json_extract(value, '$.job'), \
            json_extract(value, '$.status') \
     FROM json_each($2) WHERE true \
     ON CONFLICT (connection, event_id) DO NOTHING RETURNING connection, event_id";

// Arrays rather than a JSON document (as on SQLite): bound as text[], the values need no
// parsing on the server, where a document would be parsed first, every payload escaped.
const PG_INSERT: &str = "INSERT INTO webhook_inbox \
     (connection, event_id, event_type, payload_hash, payload, received_at, job_id, status) \
     SELECT e.c, e.id, e.ty, e.hash, e.payload, $1, e.job, e.status \
     FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
                 $8::text[]) AS e(c, id, ty, hash, payload, job, status) \
     ON CONFLICT (connection, event_id) DO NOTHING RETURNING connection, event_id";

/// One field of every row, as an array to bind (PostgreSQL).
fn column<'r, T, U>(rows: &'r [T], f: impl Fn(&'r T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

fn to_json<T: Serialize>(v: &T) -> Result<String, QueueError> {
    serde_json::to_string(v).map_err(|e| QueueError::Invalid(e.to_string()))
}

/// Store one delivery and enqueue its jobs inside `tx` (the caller commits).
pub async fn store_delivery(
    tx: &mut DbTxOn<'_>,
    d: &Delivery,
    now: i64,
) -> Result<Stored, QueueError> {
    Ok(store_deliveries(tx, &[d], now).await?.remove(0))
}

/// Store several deliveries (a group commit) inside `tx` with three statements whatever
/// their number: one INSERT for every event, one `job_log` INSERT and one apalis INSERT
/// for every job. On PostgreSQL each statement is a round trip, and a statement per job
/// (plus an UPDATE linking events to jobs) made a batch's cost grow with its size.
///
/// Each event's job id is chosen before the INSERT — one per (delivery, object), the
/// grouping [`jobs_for`] makes — and written with the row, so no UPDATE is needed. A
/// row that turns out to be a replay is not inserted and keeps its original job; a
/// chosen id that no new event uses is simply never enqueued.
///
/// An event in two deliveries of the batch (a replay racing its original) belongs to
/// the first: it goes into the INSERT once, and the second counts it as a duplicate.
pub async fn store_deliveries(
    tx: &mut DbTxOn<'_>,
    deliveries: &[&Delivery],
    now: i64,
) -> Result<Vec<Stored>, QueueError> {
    // job ids per delivery, one per object, in order of first appearance
    let mut job_ids: Vec<Vec<(&str, String)>> = Vec::with_capacity(deliveries.len());
    // (delivery, event, index into that delivery's job ids)
    let mut picked: Vec<(usize, usize, Option<usize>)> = Vec::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    for (di, d) in deliveries.iter().enumerate() {
        let mut ids: Vec<(&str, String)> = Vec::new();
        for (ei, e) in d.events.iter().enumerate() {
            if !seen.insert((&d.connection, &e.event_id)) {
                continue;
            }
            let job = e.object.as_deref().map(|o| {
                ids.iter()
                    .position(|(obj, _)| *obj == o)
                    .unwrap_or_else(|| {
                        ids.push((o, queue::new_job_id()));
                        ids.len() - 1
                    })
            });
            picked.push((di, ei, job));
        }
        job_ids.push(ids);
    }
    if picked.is_empty() {
        return Ok(deliveries.iter().map(|_| Stored::default()).collect());
    }
    let rows: Vec<Row<'_>> = picked
        .iter()
        .map(|&(di, ei, job)| {
            let (d, e) = (deliveries[di], &deliveries[di].events[ei]);
            Row {
                c: &d.connection,
                id: &e.event_id,
                ty: &e.event_type,
                hash: &e.payload_hash,
                payload: &e.payload,
                job: job.map(|j| job_ids[di][j].1.as_str()),
                status: if e.object.is_some() {
                    STATUS_QUEUED
                } else {
                    STATUS_IGNORED
                },
            }
        })
        .collect();
    let inserted: Vec<Key> = match tx.exec() {
        Exec::Sqlite(c) => {
            sqlx::query_as(SQLITE_INSERT)
                .bind(now)
                .bind(to_json(&rows)?)
                .fetch_all(&mut *c)
                .await?
        }
        Exec::Postgres(c) => {
            sqlx::query_as(PG_INSERT)
                .bind(now)
                .bind(column(&rows, |r| r.c))
                .bind(column(&rows, |r| r.id))
                .bind(column(&rows, |r| r.ty))
                .bind(column(&rows, |r| r.hash))
                .bind(column(&rows, |r| r.payload))
                .bind(column(&rows, |r| r.job))
                .bind(column(&rows, |r| r.status))
                .fetch_all(&mut *c)
                .await?
        }
    };
    let mut unclaimed: HashSet<(String, String)> = inserted
        .into_iter()
        .map(|k| (k.connection, k.event_id))
        .collect();

    let mut out = Vec::with_capacity(deliveries.len());
    let mut enqueue: Vec<(String, Job)> = Vec::new();
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
            let Job::Webhook(w) = &plan.job else {
                unreachable!("jobs_for plans webhook jobs")
            };
            // the id its events were inserted with (every new event with an object got one)
            let Some((_, id)) = job_ids[di].iter().find(|(o, _)| *o == w.object) else {
                unreachable!("each object of a delivery's events has a job id")
            };
            stored.jobs.push(id.clone());
            enqueue.push((id.clone(), plan.job));
        }
        out.push(stored);
    }
    queue::enqueue_many_in_tx(tx, &enqueue).await?;
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
