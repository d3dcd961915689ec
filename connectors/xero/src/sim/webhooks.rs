//! Xero's webhooks: after every change to a contact or an invoice, a signed
//! POST to `--webhook-url` with `{"events":[…],"firstEventSequence",
//! "lastEventSequence","entropy"}` and `x-xero-signature` =
//! base64(HMAC-SHA256(raw body, webhook key)). Delivery is asynchronous (a
//! background task batches what happened within a few milliseconds) and
//! retried with backoff, as Xero retries failed deliveries.
//!
//! `POST /_sim/webhooks/intent` runs Xero's intent-to-receive check: it sends
//! empty event lists, some correctly and some wrongly signed, and reports
//! whether the receiver answered 200 (empty body) to the good ones and 401 to
//! the bad ones.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{KeyInit, Mac};
use ledgerbridge_sdk::sim::SimOptions;
use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use uuid::Uuid;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// One change, before it is put into a delivery.
#[derive(Debug, Clone)]
pub struct Event {
    pub category: &'static str,
    pub event_type: &'static str,
    pub resource_id: Uuid,
    pub at: DateTime<Utc>,
}

pub struct Webhooks {
    url: Option<String>,
    secret: Option<String>,
    tx: OnceLock<mpsc::UnboundedSender<Event>>,
    sequence: Arc<AtomicU64>,
    pub sent: Arc<AtomicU64>,
    pub failed: Arc<AtomicU64>,
    retry_base: Duration,
}

/// `x-xero-signature` of a body.
pub fn sign(body: &[u8], key: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn entropy() -> String {
    let mut rng = rand::rng();
    (0..20)
        .map(|_| rng.random_range(b'A'..=b'Z') as char)
        .collect()
}

impl Webhooks {
    pub fn new(opts: &SimOptions) -> Self {
        Webhooks {
            url: opts.webhook_url.clone(),
            secret: opts.webhook_secret.clone(),
            tx: OnceLock::new(),
            sequence: Arc::new(AtomicU64::new(0)),
            sent: Arc::new(AtomicU64::new(0)),
            failed: Arc::new(AtomicU64::new(0)),
            retry_base: opts.scaled(Duration::from_secs(5)),
        }
    }

    pub fn enabled(&self) -> bool {
        self.url.is_some() && self.secret.is_some()
    }

    /// Queues events for delivery (a no-op without `--webhook-url`/`--webhook-secret`).
    pub fn emit(&self, events: Vec<Event>, tenant: Uuid, api_base: &str) {
        if !self.enabled() || events.is_empty() {
            return;
        }
        let tx = self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(deliver_loop(
                rx,
                self.url.clone().expect("enabled"),
                self.secret.clone().expect("enabled"),
                tenant,
                api_base.to_string(),
                self.sequence.clone(),
                self.sent.clone(),
                self.failed.clone(),
                self.retry_base,
            ));
            tx
        });
        for e in events {
            let _ = tx.send(e);
        }
    }

    /// Intent to receive: good and bad signatures, and what the receiver said.
    pub async fn intent(&self) -> Value {
        let (Some(url), Some(secret)) = (&self.url, &self.secret) else {
            return json!({"error": "start the simulator with --webhook-url and --webhook-secret"});
        };
        let client = reqwest::Client::new();
        let mut results = Vec::new();
        let mut passed = true;
        for correctly_signed in [true, false, true, false] {
            let body = serde_json::to_vec(&json!({
                "events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": entropy()
            }))
            .expect("json");
            let key = if correctly_signed {
                secret.clone()
            } else {
                format!("{secret}-wrong")
            };
            let started = Instant::now();
            let r = client
                .post(url)
                .header("content-type", "application/json")
                .header("x-xero-signature", sign(&body, &key))
                .timeout(Duration::from_secs(5))
                .body(body)
                .send()
                .await;
            let (status, empty) = match r {
                Ok(r) => {
                    let s = r.status().as_u16();
                    (
                        Some(s),
                        r.bytes().await.map(|b| b.is_empty()).unwrap_or(false),
                    )
                }
                Err(_) => (None, false),
            };
            let ok = if correctly_signed {
                status == Some(200) && empty
            } else {
                status == Some(401)
            };
            passed &= ok;
            results.push(json!({
                "correctly_signed": correctly_signed, "status": status, "empty_body": empty,
                "ms": started.elapsed().as_millis() as u64, "ok": ok,
            }));
        }
        json!({"url": url, "passed": passed, "results": results})
    }
}

#[allow(clippy::too_many_arguments)]
async fn deliver_loop(
    mut rx: mpsc::UnboundedReceiver<Event>,
    url: String,
    secret: String,
    tenant: Uuid,
    api_base: String,
    sequence: Arc<AtomicU64>,
    sent: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    retry_base: Duration,
) {
    let client = reqwest::Client::new();
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        // gather what happened in the same few milliseconds into one delivery
        let deadline = tokio::time::Instant::now() + Duration::from_millis(10);
        while batch.len() < 100 {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(e)) => batch.push(e),
                _ => break,
            }
        }
        let first_seq = sequence.fetch_add(batch.len() as u64, Ordering::SeqCst) + 1;
        let events: Vec<Value> = batch
            .iter()
            .map(|e| {
                let plural = if e.category == "INVOICE" {
                    "Invoices"
                } else {
                    "Contacts"
                };
                json!({
                    "resourceUrl": format!("{api_base}/api.xro/2.0/{plural}/{}", e.resource_id),
                    "resourceId": e.resource_id,
                    // Xero writes this without a zone designator; it is UTC
                    "eventDateUtc": e.at.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
                    "eventType": e.event_type,
                    "eventCategory": e.category,
                    "tenantId": tenant,
                    "tenantType": "ORGANISATION",
                })
            })
            .collect();
        let body = serde_json::to_vec(&json!({
            "events": events,
            "firstEventSequence": first_seq,
            "lastEventSequence": first_seq + batch.len() as u64 - 1,
            "entropy": entropy(),
        }))
        .expect("json");
        let signature = sign(&body, &secret);
        let (url, client, sent, failed) =
            (url.clone(), client.clone(), sent.clone(), failed.clone());
        // each delivery retries on its own, so one slow receiver answer does not hold the next events
        tokio::spawn(async move {
            for attempt in 0..6u32 {
                let r = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-xero-signature", &signature)
                    .timeout(Duration::from_secs(5))
                    .body(body.clone())
                    .send()
                    .await;
                if matches!(&r, Ok(r) if r.status().is_success()) {
                    sent.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                tokio::time::sleep(retry_base * 2u32.pow(attempt)).await;
            }
            failed.fetch_add(1, Ordering::Relaxed);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_base64_hmac_sha256_of_the_body() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), base64
        assert_eq!(
            sign(b"The quick brown fox jumps over the lazy dog", "key"),
            "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="
        );
    }
}
