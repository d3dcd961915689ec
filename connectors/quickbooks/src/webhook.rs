//! Verifying QuickBooks' webhooks: `intuit-signature` is base64(HMAC-SHA256(raw
//! body, the app's verifier token)), compared in constant time before the body is
//! read. Two bodies arrive: the legacy `{"eventNotifications": [...]}` and the
//! CloudEvents array new apps get; both name the changed entities by id, which is
//! all the engine needs (it reads each one afresh). Intuit sends no delivery
//! timestamp to bound a replay by; the engine de-duplicates by event.

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{KeyInit, Mac};
use ledgerbridge_sdk::model::FinanceObject;
use ledgerbridge_sdk::{
    ChangeEvent, ChangeKind, EventSubject, WebhookBatch, WebhookError, WebhookRequest,
    WebhookVerifier,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

pub struct QuickBooksWebhookVerifier {
    verifier_token: SecretString,
}

impl QuickBooksWebhookVerifier {
    pub fn new(verifier_token: SecretString) -> Self {
        QuickBooksWebhookVerifier { verifier_token }
    }
}

#[derive(Deserialize)]
struct Legacy {
    #[serde(rename = "eventNotifications")]
    notifications: Vec<Notification>,
}

#[derive(Deserialize)]
struct Notification {
    #[serde(rename = "dataChangeEvent")]
    change: Option<DataChange>,
}

#[derive(Deserialize)]
struct DataChange {
    #[serde(default)]
    entities: Vec<Value>,
}

#[derive(Deserialize)]
struct LegacyEntity {
    name: String,
    id: String,
    operation: String,
    #[serde(rename = "lastUpdated")]
    last_updated: Option<String>,
}

#[derive(Deserialize)]
struct CloudEvent {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    time: Option<String>,
    intuitentityid: String,
}

fn subject(entity: &str) -> EventSubject {
    match entity.to_ascii_lowercase().as_str() {
        "invoice" => EventSubject::Finance(FinanceObject::Invoice),
        "customer" => EventSubject::Finance(FinanceObject::Customer),
        "payment" => EventSubject::Finance(FinanceObject::Payment),
        _ => EventSubject::Other(entity.to_string()),
    }
}

/// A voided invoice changed (its amounts and balance): read again like an update.
fn change(operation: &str) -> ChangeKind {
    match operation.to_ascii_lowercase().as_str() {
        "create" | "created" => ChangeKind::Created,
        "update" | "updated" | "void" | "voided" => ChangeKind::Updated,
        "delete" | "deleted" => ChangeKind::Deleted,
        _ => ChangeKind::Other,
    }
}

fn time(s: Option<&str>) -> Option<DateTime<Utc>> {
    s.and_then(crate::wire::time::parse_time)
}

fn malformed(e: impl std::fmt::Display) -> WebhookError {
    WebhookError::Malformed(e.to_string())
}

/// The events of a body, either shape.
pub fn events(body: &[u8]) -> Result<Vec<ChangeEvent>, WebhookError> {
    let v: Value = serde_json::from_slice(body).map_err(malformed)?;
    let mut out = Vec::new();
    if let Value::Array(items) = v {
        for raw in items {
            let e: CloudEvent = serde_json::from_value(raw.clone()).map_err(malformed)?;
            // qbo.<entity>.<past tense>.v1
            let mut parts = e.kind.split('.');
            let (Some("qbo"), Some(entity), Some(op)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(malformed(format!("CloudEvents type {:?}", e.kind)));
            };
            out.push(ChangeEvent {
                event_id: e.id.clone(),
                subject: subject(entity),
                record_id: e.intuitentityid.clone(),
                change: change(op),
                occurred_at: time(e.time.as_deref()),
                change_source: None,
                property: None,
                raw,
            });
        }
        return Ok(out);
    }
    let legacy: Legacy = serde_json::from_value(v).map_err(malformed)?;
    for n in legacy.notifications {
        for raw in n.change.map(|c| c.entities).unwrap_or_default() {
            let e: LegacyEntity = serde_json::from_value(raw.clone()).map_err(malformed)?;
            out.push(ChangeEvent {
                event_id: None,
                subject: subject(&e.name),
                record_id: e.id.clone(),
                change: change(&e.operation),
                occurred_at: time(e.last_updated.as_deref()),
                change_source: None,
                property: None,
                raw,
            });
        }
    }
    Ok(out)
}

impl WebhookVerifier for QuickBooksWebhookVerifier {
    fn verify(&self, req: &WebhookRequest<'_>) -> Result<WebhookBatch, WebhookError> {
        let sig = req
            .headers
            .get("intuit-signature")
            .and_then(|v| v.to_str().ok())
            .ok_or(WebhookError::BadSignature)?;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(sig.trim())
            .map_err(|_| WebhookError::BadSignature)?;
        let mut mac = HmacSha256::new_from_slice(self.verifier_token.expose_secret().as_bytes())
            .map_err(|_| WebhookError::BadSignature)?;
        mac.update(req.body);
        mac.verify_slice(&sig)
            .map_err(|_| WebhookError::BadSignature)?;
        Ok(WebhookBatch {
            handshake: false,
            events: events(req.body)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(body: &[u8], key: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(key.as_bytes()).unwrap();
        mac.update(body);
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    fn verify(body: &[u8], sig: Option<&str>) -> Result<WebhookBatch, WebhookError> {
        let v = QuickBooksWebhookVerifier::new(SecretString::from("verifier"));
        let mut headers = http::HeaderMap::new();
        if let Some(s) = sig {
            headers.insert("intuit-signature", s.parse().unwrap());
        }
        v.verify(&WebhookRequest {
            method: "POST",
            uri: "https://x/webhooks/quickbooks",
            headers: &headers,
            body,
            now: Utc::now(),
        })
    }

    #[test]
    fn both_bodies_signed_or_refused() {
        let legacy = br#"{"eventNotifications":[{"realmId":"1","dataChangeEvent":{"entities":[{"name":"Invoice","id":"130","operation":"Void","lastUpdated":"2026-12-07T20:52:31.657Z"},{"name":"Customer","id":"7","operation":"Create","lastUpdated":"2026-12-07T20:52:31.657Z"},{"name":"Account","id":"3","operation":"Update","lastUpdated":"2026-12-07T20:52:31.657Z"}]}}]}"#;
        let b = verify(legacy, Some(&sign(legacy, "verifier"))).unwrap();
        assert_eq!(b.events.len(), 3);
        assert_eq!(
            b.events[0].subject,
            EventSubject::Finance(FinanceObject::Invoice)
        );
        assert_eq!(b.events[0].change, ChangeKind::Updated);
        assert_eq!(b.events[0].record_id, "130");
        assert_eq!(b.events[1].change, ChangeKind::Created);
        assert_eq!(b.events[2].subject, EventSubject::Other("Account".into()));
        assert!(b.events[0].occurred_at.is_some());

        let cloud = br#"[{"specversion":"1.0","id":"e-1","source":"intuit.1","type":"qbo.payment.created.v1","datacontenttype":"application/json","time":"2026-12-07T12:52:31.657-08:00","intuitentityid":"55","intuitaccountid":"1","data":{}}]"#;
        let b = verify(cloud, Some(&sign(cloud, "verifier"))).unwrap();
        assert_eq!(b.events[0].event_id.as_deref(), Some("e-1"));
        assert_eq!(
            b.events[0].subject,
            EventSubject::Finance(FinanceObject::Payment)
        );
        assert_eq!(b.events[0].record_id, "55");

        assert_eq!(
            verify(cloud, Some(&sign(cloud, "other"))),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(verify(cloud, None), Err(WebhookError::BadSignature));
        assert_eq!(verify(cloud, Some("%%")), Err(WebhookError::BadSignature));
        let junk = b"[{\"type\":\"nonsense\"}]";
        assert!(matches!(
            verify(junk, Some(&sign(junk, "verifier"))),
            Err(WebhookError::Malformed(_))
        ));
    }
}
