//! Signed webhook deliveries (`--webhook-url`, `--webhook-secret`).
//!
//! Changes are queued by the API handlers and posted by a background task, so
//! an API call never waits for a webhook. Events go out as HubSpot's JSON
//! array, up to 100 per POST, signed with v3 (`X-HubSpot-Signature-v3` =
//! base64 HMAC-SHA256 of method + URL + body + timestamp) and v1; a POST that
//! fails with 5xx, 429 or a network error is retried with backoff (scaled by
//! `rate_scale`) and a higher `attemptNumber`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use ledgerbridge_sdk::sim::{
    Batch, DeliveryPlan, SimOptions, WebhookQueue, WebhookWire, hmac_sha256_base64,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::store::Change;
use super::{APP_ID, PORTAL_ID};

pub const MAX_EVENTS_PER_POST: usize = 100;
pub const MAX_ATTEMPTS: u32 = 10;

/// Who made a change, as the webhook reports it.
#[derive(Debug, Clone)]
pub struct Source {
    pub change_source: String,
    pub source_id: String,
}

impl Source {
    /// API writes are an integration's (this app's) unless the caller says
    /// `X-Sim-Change-Source: CRM_UI` (or another HubSpot change source) to
    /// play a person editing in HubSpot.
    pub fn from_headers(h: &HeaderMap) -> Source {
        match h.get("x-sim-change-source").and_then(|v| v.to_str().ok()) {
            Some(s) if !s.eq_ignore_ascii_case("INTEGRATION") => Source {
                change_source: s.to_ascii_uppercase(),
                source_id: "userId:9100001".to_string(),
            },
            _ => Source {
                change_source: "INTEGRATION".to_string(),
                source_id: APP_ID.to_string(),
            },
        }
    }
}

/// `X-HubSpot-Signature-v3` for a request.
pub fn sign_v3(secret: &str, method: &str, uri: &str, body: &[u8], timestamp: &str) -> String {
    hmac_sha256_base64(
        secret.as_bytes(),
        &[
            method.as_bytes(),
            uri.as_bytes(),
            body,
            timestamp.as_bytes(),
        ],
    )
}

/// Legacy v1 signature: hex SHA-256 of secret + body.
fn sign_v1(secret: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(secret.as_bytes());
    h.update(body);
    hex::encode(h.finalize())
}

fn subscription_id(kind: &str) -> u64 {
    // stable per subscription type, like a configured subscription's id
    let mut h: u64 = 1_000_003;
    for b in kind.bytes() {
        h = h.wrapping_mul(31).wrapping_add(b as u64);
    }
    100_000 + h % 900_000
}

/// HubSpot's wire: a JSON array of events, each with the attempt number,
/// signed with v3 and v1.
pub struct Wire {
    secret: String,
}

impl WebhookWire for Wire {
    type Event = Value;

    fn body(&self, batch: &Batch<'_, Value>) -> Vec<u8> {
        let events: Vec<Value> = batch
            .events
            .iter()
            .map(|ev| {
                let mut ev = ev.clone();
                ev["attemptNumber"] = json!(batch.attempt);
                ev
            })
            .collect();
        serde_json::to_vec(&events).expect("events serialise")
    }

    fn headers(&self, url: &str, body: &[u8]) -> Vec<(String, String)> {
        let ts = chrono::Utc::now().timestamp_millis().to_string();
        vec![
            ("content-type".into(), "application/json".into()),
            (
                "X-HubSpot-Signature-v3".into(),
                sign_v3(&self.secret, "POST", url, body, &ts),
            ),
            ("X-HubSpot-Request-Timestamp".into(), ts),
            ("X-HubSpot-Signature".into(), sign_v1(&self.secret, body)),
            ("X-HubSpot-Signature-Version".into(), "v1".into()),
        ]
    }

    /// HubSpot retries server errors, 429s and network errors; another 4xx
    /// is final.
    fn retry_after_refusal(&self, status: StatusCode) -> bool {
        status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
    }
}

/// Turns changes into HubSpot events and queues them.
pub struct Sender {
    queue: WebhookQueue<Wire>,
    next_event: AtomicU64,
}

impl Sender {
    /// Up to 100 events per POST, 8 POSTs at once, 10 attempts with backoff
    /// from 1 s (scaled, at least 10 ms).
    pub fn new(url: String, secret: String, opts: &SimOptions) -> Sender {
        let mut plan = DeliveryPlan::new(url);
        plan.max_events = MAX_EVENTS_PER_POST;
        plan.concurrency = 8;
        plan.max_attempts = MAX_ATTEMPTS;
        plan.first_retry = opts.scaled(Duration::from_secs(1));
        plan.min_retry = Duration::from_millis(10);
        Sender {
            queue: WebhookQueue::new(Wire { secret }, plan),
            next_event: AtomicU64::new(1),
        }
    }

    /// Events acknowledged so far.
    pub fn delivered(&self) -> u64 {
        self.queue
            .counters()
            .events_acknowledged
            .load(Ordering::Relaxed)
    }

    pub fn send(&self, changes: Vec<Change>, source: &Source, now: i64) {
        let mut events = Vec::new();
        for c in changes {
            let (t, id, kind, extra) = match c {
                Change::Created(t, id) => (t, id, "creation", json!({"changeFlag": "CREATED"})),
                Change::Deleted(t, id) => (t, id, "deletion", json!({"changeFlag": "DELETED"})),
                Change::Property(t, id, name, value) => (
                    t,
                    id,
                    "propertyChange",
                    json!({"propertyName": name, "propertyValue": value}),
                ),
                // associationChange events carry from/to ids HubSpot-side;
                // the changed records' own events already name them
                Change::Association(..) => continue,
            };
            if !t.has_webhooks() {
                continue;
            }
            let sub = format!("{}.{kind}", t.singular());
            let mut ev = json!({
                "eventId": self.next_event.fetch_add(1, Ordering::Relaxed),
                "subscriptionId": subscription_id(&sub),
                "portalId": PORTAL_ID,
                "appId": APP_ID,
                "occurredAt": now,
                "subscriptionType": sub,
                "attemptNumber": 0,
                "objectId": id,
                "changeSource": source.change_source,
                "sourceId": source.source_id,
            });
            if let (Some(m), Value::Object(x)) = (ev.as_object_mut(), extra) {
                m.extend(x);
            }
            events.push(ev);
        }
        if !events.is_empty() {
            self.queue.send(events);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_signature_is_base64_hmac_of_method_uri_body_timestamp() {
        let s = sign_v3(
            "secret",
            "POST",
            "https://example.com/hook",
            b"[]",
            "1700000000000",
        );
        use base64::Engine;
        use hmac::{Hmac, KeyInit, Mac};
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(b"POSThttps://example.com/hook[]1700000000000");
        assert_eq!(
            s,
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        );
    }

    #[test]
    fn change_source_defaults_to_integration() {
        let s = Source::from_headers(&HeaderMap::new());
        assert_eq!(
            (s.change_source.as_str(), s.source_id),
            ("INTEGRATION", APP_ID.to_string())
        );
        let mut h = HeaderMap::new();
        h.insert("x-sim-change-source", "crm_ui".parse().unwrap());
        assert_eq!(Source::from_headers(&h).change_source, "CRM_UI");
    }
}
