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

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ledgerbridge_sdk::sim::{
    Batch, DeliveryPlan, SimOptions, WebhookCounters, WebhookQueue, WebhookWire, hmac_sha256_base64,
};
use rand::Rng;
use serde_json::{Value, json};
use uuid::Uuid;

/// One change, before it is put into a delivery.
#[derive(Debug, Clone)]
pub struct Event {
    pub category: &'static str,
    pub event_type: &'static str,
    pub resource_id: Uuid,
    pub at: DateTime<Utc>,
}

/// Xero's wire: `{"events", "firstEventSequence", "lastEventSequence",
/// "entropy"}`, signed with the webhook key.
pub struct Wire {
    secret: String,
}

impl WebhookWire for Wire {
    type Event = Value;

    fn body(&self, batch: &Batch<'_, Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "events": batch.events,
            "firstEventSequence": batch.first_sequence,
            "lastEventSequence": batch.first_sequence + batch.events.len() as u64 - 1,
            "entropy": entropy(),
        }))
        .expect("json")
    }

    fn headers(&self, _url: &str, body: &[u8]) -> Vec<(String, String)> {
        vec![
            ("content-type".into(), "application/json".into()),
            ("x-xero-signature".into(), sign(body, &self.secret)),
        ]
    }
}

pub struct Webhooks {
    url: Option<String>,
    secret: Option<String>,
    queue: Option<WebhookQueue<Wire>>,
}

/// `x-xero-signature` of a body.
pub fn sign(body: &[u8], key: &str) -> String {
    hmac_sha256_base64(key.as_bytes(), &[body])
}

fn entropy() -> String {
    let mut rng = rand::rng();
    (0..20)
        .map(|_| rng.random_range(b'A'..=b'Z') as char)
        .collect()
}

impl Webhooks {
    /// What happened within 10 ms goes out as one delivery of up to 100
    /// events; a failed one is retried 6 times, 5 s apart and doubling
    /// (scaled).
    pub fn new(opts: &SimOptions) -> Self {
        let queue = match (&opts.webhook_url, &opts.webhook_secret) {
            (Some(url), Some(secret)) => {
                let mut plan = DeliveryPlan::new(url.clone());
                plan.max_events = 100;
                plan.gather = Duration::from_millis(10);
                plan.concurrency = 64;
                plan.max_attempts = 6;
                plan.first_retry = opts.scaled(Duration::from_secs(5));
                Some(WebhookQueue::new(
                    Wire {
                        secret: secret.clone(),
                    },
                    plan,
                ))
            }
            _ => None,
        };
        Webhooks {
            url: opts.webhook_url.clone(),
            secret: opts.webhook_secret.clone(),
            queue,
        }
    }

    /// Deliveries acknowledged and given up.
    pub fn sent_and_failed(&self) -> (u64, u64) {
        self.queue.as_ref().map_or((0, 0), |q| {
            let c = q.counters();
            (
                WebhookCounters::get(&c.posts_acknowledged),
                WebhookCounters::get(&c.posts_given_up),
            )
        })
    }

    /// Queues events for delivery (a no-op without `--webhook-url`/`--webhook-secret`).
    pub fn emit(&self, events: Vec<Event>, tenant: Uuid, api_base: &str) {
        let Some(queue) = &self.queue else { return };
        queue.send(events.into_iter().map(|e| {
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
        }));
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
