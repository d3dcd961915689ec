//! Webhook v2 deliveries on the SDK's webhook queue: one change → one POST
//! per matching webhook (each registered webhook has its own queue), with the
//! webhook's HTTP Basic credentials (Pipedrive signs nothing), body
//! `{"meta", "data", "previous"}`. A delivery answered with anything but 2xx
//! (or not answered) is sent again — the same event id, `meta.attempt` one
//! higher — three more times, the first retry after 3 seconds (scaled) and
//! each wait doubling; a receiver sees retries as duplicates.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use uuid::Uuid;

use ledgerbridge_sdk::sim::{
    Batch, DeliveryPlan, SimOptions, WebhookCounters, WebhookQueue, WebhookWire,
    basic_authorization,
};

use super::state::{COMPANY_ID, SimState, USER_ID, Violation};
use crate::wire::{Webhook, WebhookEvent, WebhookMeta};

/// One change of one record, as webhooks report it.
#[derive(Debug, Clone)]
pub struct Change {
    /// `deal`, `person`, `organization`, `activity`, `note`, `product`.
    pub entity: &'static str,
    /// `create`, `change`, `delete`.
    pub action: &'static str,
    pub id: i64,
    /// The record now (`None` after a delete).
    pub data: Option<Box<RawValue>>,
    /// The changed fields' old values (`None` on create).
    pub previous: Option<Box<RawValue>>,
}

impl Change {
    /// A change with the record serialized exactly (money keeps its text).
    pub fn new<T: Serialize>(
        entity: &'static str,
        action: &'static str,
        id: i64,
        data: Option<&T>,
        previous: Option<Box<RawValue>>,
    ) -> Change {
        Change {
            entity,
            action,
            id,
            data: data.map(to_raw),
            previous,
        }
    }
}

pub fn to_raw<T: Serialize>(v: &T) -> Box<RawValue> {
    serde_json::value::to_raw_value(v).expect("records serialize")
}

/// The old values of the fields that differ between two versions of a
/// record (one level into `custom_fields`), compared as exact JSON text.
/// `update_time` always changes and is left out.
pub fn previous<T: Serialize>(old: &T, new: &T) -> Option<Box<RawValue>> {
    type Fields = std::collections::BTreeMap<String, Box<RawValue>>;
    let fields =
        |v: &T| -> Fields { serde_json::from_str(to_raw(v).get()).expect("records are objects") };
    let (old, new) = (fields(old), fields(new));
    let mut out: std::collections::BTreeMap<String, Box<RawValue>> = Default::default();
    for (k, ov) in &old {
        if k == "update_time" {
            continue;
        }
        let nv = new.get(k).map(|v| v.get());
        if nv == Some(ov.get()) {
            continue;
        }
        if k == "custom_fields" {
            let o: Fields = serde_json::from_str(ov.get()).unwrap_or_default();
            let n: Fields = nv
                .and_then(|n| serde_json::from_str(n).ok())
                .unwrap_or_default();
            let mut changed: std::collections::BTreeMap<&str, &str> = Default::default();
            for key in o.keys().chain(n.keys()) {
                let before = o.get(key).map(|v| v.get());
                if before != n.get(key).map(|v| v.get()) {
                    changed.insert(key, before.unwrap_or("null"));
                }
            }
            let text = format!(
                "{{{}}}",
                changed
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            out.insert(k.clone(), RawValue::from_string(text).expect("json"));
        } else {
            out.insert(k.clone(), ov.clone());
        }
    }
    for k in new.keys() {
        if !old.contains_key(k) && k != "update_time" {
            out.insert(k.clone(), RawValue::from_string("null".into()).unwrap());
        }
    }
    (!out.is_empty()).then(|| to_raw(&out))
}

/// Delivery state of one webhook, for `GET /v1/webhooks`.
#[derive(Debug, Clone, Default)]
pub struct LastDelivery {
    pub time: Option<String>,
    pub status: Option<u16>,
}

fn millis_now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One registered webhook's side of the delivery: its credentials, and what
/// its last POST got.
pub struct Hook {
    authorization: Option<String>,
    last: Mutex<LastDelivery>,
}

impl WebhookWire for Hook {
    type Event = WebhookEvent;

    fn body(&self, batch: &Batch<'_, WebhookEvent>) -> Vec<u8> {
        // one event per POST; a retry is the same event with the next attempt number
        let mut event = batch.events[0].clone();
        event.meta.attempt = batch.attempt + 1;
        serde_json::to_vec(&event).expect("webhook bodies serialize")
    }

    fn headers(&self, _url: &str, _body: &[u8]) -> Vec<(String, String)> {
        let mut h = vec![("content-type".to_string(), "application/json".to_string())];
        if let Some(a) = &self.authorization {
            h.push(("authorization".to_string(), a.clone()));
        }
        h
    }

    fn acknowledged(&self, status: StatusCode, _body: &[u8]) -> bool {
        *self.last.lock().unwrap() = LastDelivery {
            time: Some(millis_now()),
            status: Some(status.as_u16()),
        };
        status.is_success()
    }
}

pub struct Deliveries {
    first_retry: Duration,
    queues: Mutex<HashMap<i64, Arc<WebhookQueue<Hook>>>>,
    /// Events queued (one per change and matching webhook), counted when the change is made.
    queued: AtomicU64,
}

impl Deliveries {
    pub fn new(opts: &SimOptions) -> Deliveries {
        Deliveries {
            first_retry: opts.scaled(Duration::from_secs(3)),
            queues: Mutex::default(),
            queued: AtomicU64::new(0),
        }
    }

    fn queue(&self, hook: &Webhook) -> Arc<WebhookQueue<Hook>> {
        self.queues
            .lock()
            .unwrap()
            .entry(hook.id)
            .or_insert_with(|| {
                let authorization = hook.http_auth_user.as_ref().map(|u| {
                    let p = hook.http_auth_password.clone().unwrap_or_default();
                    basic_authorization(&format!("{u}:{p}"))
                });
                let plan = DeliveryPlan {
                    max_events: 1,
                    concurrency: 4,
                    max_attempts: 4,
                    first_retry: self.first_retry,
                    timeout: Duration::from_secs(10),
                    ..DeliveryPlan::new(hook.subscription_url.clone())
                };
                Arc::new(WebhookQueue::new(
                    Hook {
                        authorization,
                        last: Mutex::default(),
                    },
                    plan,
                ))
            })
            .clone()
    }

    fn sum(&self, pick: fn(&WebhookCounters) -> &AtomicU64) -> u64 {
        self.queues
            .lock()
            .unwrap()
            .values()
            .map(|q| WebhookCounters::get(pick(q.counters())))
            .sum()
    }

    pub fn queued(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }

    /// POSTs made, retries included.
    pub fn attempts(&self) -> u64 {
        self.sum(|c| &c.attempts)
    }

    /// Events delivered with a 2xx.
    pub fn delivered(&self) -> u64 {
        self.sum(|c| &c.events_acknowledged)
    }

    pub fn last(&self, webhook_id: i64) -> LastDelivery {
        let queues = self.queues.lock().unwrap();
        queues
            .get(&webhook_id)
            .map(|q| q.wire().last.lock().unwrap().clone())
            .unwrap_or_default()
    }

    /// Queues every change for every active v2 webhook that subscribes to it.
    pub fn send(&self, hooks: &[Webhook], changes: Vec<Change>, host: &str, st: &SimState) {
        for change in changes {
            let correlation = Uuid::new_v4().to_string();
            if let Some(spec) = st.spec() {
                check_data(&spec, st, &change);
            }
            for hook in hooks.iter().filter(|h| matches(h, &change)) {
                let meta = WebhookMeta {
                    action: change.action.into(),
                    entity: change.entity.into(),
                    entity_id: change.id.to_string(),
                    id: Uuid::new_v4().to_string(),
                    attempt: 1,
                    company_id: COMPANY_ID.to_string(),
                    user_id: USER_ID.to_string(),
                    webhook_id: hook.id.to_string(),
                    webhook_owner_id: hook.owner_id.to_string(),
                    correlation_id: correlation.clone(),
                    is_bulk_edit: false,
                    timestamp: millis_now(),
                    kind: "general".into(),
                    version: "2.0".into(),
                    host: host
                        .trim_start_matches("http://")
                        .trim_start_matches("https://")
                        .into(),
                };
                self.queued.fetch_add(1, Ordering::Relaxed);
                self.queue(hook).send([WebhookEvent {
                    meta,
                    data: change.data.clone(),
                    previous: change.previous.clone(),
                }]);
            }
        }
    }
}

fn matches(hook: &Webhook, change: &Change) -> bool {
    hook.is_active == 1
        && hook.version == "2.0"
        && (hook.event_action == "*" || hook.event_action == change.action)
        && (hook.event_object == "*" || hook.event_object == change.entity)
}

/// Strict mode: a webhook's `data` is the record as the v2 (or v1) GET returns it.
fn check_data(spec: &crate::spec::PipedriveSpec, st: &SimState, change: &Change) {
    let Some(data) = &change.data else { return };
    let template = match change.entity {
        "deal" => "/api/v2/deals/{id}",
        "person" => "/api/v2/persons/{id}",
        "organization" => "/api/v2/organizations/{id}",
        "activity" => "/api/v2/activities/{id}",
        "product" => "/api/v2/products/{id}",
        "note" => "/v1/notes/{id}",
        _ => return,
    };
    let Some(schema) = spec.response_data_schema("GET", template) else {
        return;
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(data.get()) else {
        return;
    };
    if let Err(errors) = spec.validate_with(&format!("webhook {template}"), &schema, &value) {
        st.record_violation(Violation {
            method: "POST".into(),
            path: format!("webhook {}.{}", change.action, change.entity),
            direction: "webhook",
            status: 0,
            errors,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct T {
        title: &'static str,
        value: rust_decimal::Decimal,
        update_time: u32,
        custom_fields: std::collections::BTreeMap<&'static str, u32>,
    }

    #[test]
    fn previous_has_only_the_changed_fields() {
        let old = T {
            title: "a",
            value: rust_decimal::Decimal::new(1050, 2),
            update_time: 1,
            custom_fields: [("k1", 1), ("k2", 2)].into(),
        };
        let new = T {
            title: "a",
            value: rust_decimal::Decimal::new(2000, 2),
            update_time: 2,
            custom_fields: [("k1", 1), ("k2", 3)].into(),
        };
        let p = previous(&old, &new).unwrap();
        assert_eq!(p.get(), r#"{"custom_fields":{"k2":2},"value":"10.50"}"#);
        assert!(previous(&old, &old).is_none());
    }
}
