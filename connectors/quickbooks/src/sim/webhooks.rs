//! Webhooks on every change (`--webhook-url`): QuickBooks' legacy
//! `eventNotifications` body or the CloudEvents array new apps get
//! (`--webhook-format legacy|cloudevents`, default cloudevents), signed in the
//! `intuit-signature` header with base64 HMAC-SHA256 of the body, keyed by the
//! app's verifier token (`--webhook-secret`). One delivery per API request
//! that changed something; a failed delivery is retried with growing pauses.

use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use hmac::{KeyInit, Mac};
use ledgerbridge_sdk::sim::SimOptions;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::write::Change;
use crate::wire::time::format_time;

/// Delivery attempts per notification before it is dropped (and logged).
pub const ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Legacy,
    CloudEvents,
}

impl Format {
    pub fn parse(s: Option<&str>) -> Result<Format, String> {
        match s.map(str::to_ascii_lowercase).as_deref() {
            None | Some("cloudevents") => Ok(Format::CloudEvents),
            Some("legacy") => Ok(Format::Legacy),
            Some(other) => Err(format!(
                "--webhook-format {other:?}: expected legacy or cloudevents"
            )),
        }
    }
}

/// `intuit-signature`: base64 of HMAC-SHA256 over the raw body.
pub fn sign(verifier_token: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(verifier_token.as_bytes())
        .expect("any key length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The notification body for some changes.
pub fn body(format: Format, realm: &str, changes: &[Change]) -> Value {
    match format {
        Format::Legacy => json!({"eventNotifications": [{
            "realmId": realm,
            "dataChangeEvent": {"entities": changes.iter().map(|c| json!({
                "name": c.entity, "id": c.id, "operation": c.operation,
                "lastUpdated": c.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            })).collect::<Vec<_>>()},
        }]}),
        Format::CloudEvents => Value::Array(
            changes
                .iter()
                .map(|c| {
                    json!({
                        "specversion": "1.0",
                        "id": uuid::Uuid::new_v4().to_string(),
                        "source": format!("intuit.{realm}"),
                        "type": format!("qbo.{}.{}.v1", c.entity.to_lowercase(), past_tense(c.operation)),
                        "datacontenttype": "application/json",
                        "time": format_time(c.at),
                        "intuitentityid": c.id,
                        "intuitaccountid": realm,
                        "data": {},
                    })
                })
                .collect(),
        ),
    }
}

fn past_tense(op: &str) -> String {
    match op {
        "Create" => "created".into(),
        "Update" => "updated".into(),
        "Delete" => "deleted".into(),
        "Void" => "voided".into(),
        "Merge" => "merged".into(),
        "Emailed" => "emailed".into(),
        other => other.to_lowercase(),
    }
}

struct Target {
    url: String,
    secret: String,
    format: Format,
    pause: Duration,
}

pub struct Webhooks {
    target: Option<Target>,
    realm: String,
    tx: mpsc::UnboundedSender<Vec<Change>>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Vec<Change>>>>,
}

impl Webhooks {
    pub fn new(opts: &SimOptions, realm: &str) -> Webhooks {
        let (tx, rx) = mpsc::unbounded_channel();
        let target = opts.webhook_url.clone().map(|url| Target {
            url,
            secret: opts.webhook_secret.clone().unwrap_or_default(),
            format: Format::parse(opts.webhook_format.as_deref()).unwrap_or(Format::CloudEvents),
            pause: opts.scaled(Duration::from_secs(1)),
        });
        Webhooks {
            target,
            realm: realm.to_string(),
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }

    /// Queues one notification for the changes of one request (never blocks).
    pub fn send(&self, changes: Vec<Change>) {
        let Some(t) = &self.target else { return };
        if changes.is_empty() {
            return;
        }
        if let Some(rx) = self.rx.lock().unwrap().take() {
            tokio::spawn(deliver(
                rx,
                t.url.clone(),
                t.secret.clone(),
                t.format,
                t.pause,
                self.realm.clone(),
            ));
        }
        let _ = self.tx.send(changes);
    }
}

async fn deliver(
    mut rx: mpsc::UnboundedReceiver<Vec<Change>>,
    url: String,
    secret: String,
    format: Format,
    pause: Duration,
    realm: String,
) {
    let client = reqwest::Client::new();
    while let Some(changes) = rx.recv().await {
        let bytes = serde_json::to_vec(&body(format, &realm, &changes)).unwrap_or_default();
        let signature = sign(&secret, &bytes);
        for attempt in 1..=ATTEMPTS {
            let sent = client
                .post(&url)
                .header("content-type", "application/json")
                .header("intuit-signature", &signature)
                .body(bytes.clone())
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => break,
                other => {
                    tracing::warn!(attempt, status = ?other.as_ref().map(|r| r.status()).ok(), "QuickBooks webhook delivery failed");
                    tokio::time::sleep(pause * attempt).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_intuit() {
        // base64(HMAC-SHA256("body", "secret")), computed independently
        assert_eq!(
            sign("secret", b"body"),
            "3EaYNVf+oSe0OvchRn65s/3iM4/j4U9RlSqoR4wT01U="
        );
    }
}
