//! Signed webhook deliveries (`--webhook-url`, `--webhook-secret`).
//!
//! Changes are queued by the API handlers and posted by a background task, so
//! an API call never waits for a webhook. Events go out as HubSpot's JSON
//! array, up to 100 per POST, signed with v3 (`X-HubSpot-Signature-v3` =
//! base64 HMAC-SHA256 of method + URL + body + timestamp) and v1; a POST that
//! fails with 5xx, 429 or a network error is retried with backoff (scaled by
//! `rate_scale`) and a higher `attemptNumber`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, mpsc};

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
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(method.as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
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

pub struct Sender {
    tx: mpsc::UnboundedSender<Value>,
    next_event: AtomicU64,
    delivered: Arc<AtomicU64>,
}

impl Sender {
    /// Starts the delivery task; needs a tokio runtime.
    pub fn start(url: String, secret: String, rate_scale: f64) -> Sender {
        let (tx, rx) = mpsc::unbounded_channel();
        let delivered = Arc::new(AtomicU64::new(0));
        tokio::spawn(deliver_loop(url, secret, rate_scale, rx, delivered.clone()));
        Sender {
            tx,
            next_event: AtomicU64::new(1),
            delivered,
        }
    }

    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    pub fn send(&self, changes: Vec<Change>, source: &Source, now: i64) {
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
            let _ = self.tx.send(ev);
        }
    }
}

async fn deliver_loop(
    url: String,
    secret: String,
    rate_scale: f64,
    mut rx: mpsc::UnboundedReceiver<Value>,
    delivered: Arc<AtomicU64>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a default reqwest client builds");
    let gate = Arc::new(Semaphore::new(8));
    let scale = if rate_scale > 0.0 { rate_scale } else { 1.0 };
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_EVENTS_PER_POST {
            match rx.try_recv() {
                Ok(ev) => batch.push(ev),
                Err(_) => break,
            }
        }
        let Ok(permit) = gate.clone().acquire_owned().await else {
            return;
        };
        let (client, url, secret, delivered) = (
            client.clone(),
            url.clone(),
            secret.clone(),
            delivered.clone(),
        );
        tokio::spawn(async move {
            let _permit = permit;
            for attempt in 0..MAX_ATTEMPTS {
                for ev in batch.iter_mut() {
                    ev["attemptNumber"] = json!(attempt);
                }
                let body = serde_json::to_vec(&batch).expect("events serialise");
                let ts = chrono::Utc::now().timestamp_millis().to_string();
                let res = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header(
                        "X-HubSpot-Signature-v3",
                        sign_v3(&secret, "POST", &url, &body, &ts),
                    )
                    .header("X-HubSpot-Request-Timestamp", &ts)
                    .header("X-HubSpot-Signature", sign_v1(&secret, &body))
                    .header("X-HubSpot-Signature-Version", "v1")
                    .body(body)
                    .send()
                    .await;
                let retry = match res {
                    Ok(r) if r.status().is_success() => {
                        delivered.fetch_add(batch.len() as u64, Ordering::Relaxed);
                        return;
                    }
                    Ok(r) => r.status().is_server_error() || r.status().as_u16() == 429,
                    Err(_) => true,
                };
                if !retry {
                    tracing::warn!(url = %url, "webhook refused; not retried");
                    return;
                }
                let delay = Duration::from_secs_f64((2f64.powi(attempt as i32) / scale).max(0.01));
                tokio::time::sleep(delay).await;
            }
            tracing::warn!(url = %url, events = batch.len(), "webhook given up after {MAX_ATTEMPTS} attempts");
        });
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
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(b"POSThttps://example.com/hook[]1700000000000");
        assert_eq!(s, STANDARD.encode(mac.finalize().into_bytes()));
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
