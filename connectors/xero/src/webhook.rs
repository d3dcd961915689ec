//! Verifying Xero's webhooks: `x-xero-signature` is base64(HMAC-SHA256(raw
//! body, webhook key)); a wrong one is refused (401) before the body is read.
//! An empty event list is the intent-to-receive handshake: answer 200 with
//! an empty body. Xero events carry no timestamp of delivery, so there is no
//! replay window here; the engine de-duplicates by event hash.

use base64::Engine;
use hmac::{KeyInit, Mac};
use ledgerbridge_sdk::model::FinanceObject;
use ledgerbridge_sdk::{
    ChangeEvent, ChangeKind, EventSubject, WebhookBatch, WebhookError, WebhookRequest,
    WebhookVerifier,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

pub struct XeroWebhookVerifier {
    key: SecretString,
}

impl XeroWebhookVerifier {
    pub fn new(key: SecretString) -> Self {
        XeroWebhookVerifier { key }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Delivery {
    events: Vec<serde_json::Value>,
    #[serde(default)]
    first_event_sequence: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    resource_id: String,
    #[serde(default)]
    event_date_utc: Option<String>,
    event_type: String,
    event_category: String,
}

impl WebhookVerifier for XeroWebhookVerifier {
    fn verify(&self, req: &WebhookRequest<'_>) -> Result<WebhookBatch, WebhookError> {
        let sig = req
            .headers
            .get("x-xero-signature")
            .and_then(|v| v.to_str().ok())
            .ok_or(WebhookError::BadSignature)?;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(sig.trim())
            .map_err(|_| WebhookError::BadSignature)?;
        let mut mac = HmacSha256::new_from_slice(self.key.expose_secret().as_bytes())
            .map_err(|_| WebhookError::BadSignature)?;
        mac.update(req.body);
        // constant-time comparison
        mac.verify_slice(&sig)
            .map_err(|_| WebhookError::BadSignature)?;
        let d: Delivery =
            serde_json::from_slice(req.body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        if d.events.is_empty() {
            return Ok(WebhookBatch {
                handshake: d.first_event_sequence == 0,
                events: vec![],
            });
        }
        let mut events = Vec::with_capacity(d.events.len());
        for raw in d.events {
            let e: Event = serde_json::from_value(raw.clone())
                .map_err(|e| WebhookError::Malformed(e.to_string()))?;
            let subject = match e.event_category.as_str() {
                "INVOICE" => EventSubject::Finance(FinanceObject::Invoice),
                "CONTACT" => EventSubject::Finance(FinanceObject::Customer),
                other => EventSubject::Other(other.to_string()),
            };
            let change = match e.event_type.as_str() {
                "CREATE" => ChangeKind::Created,
                "UPDATE" => ChangeKind::Updated,
                _ => ChangeKind::Other,
            };
            events.push(ChangeEvent {
                event_id: None,
                subject,
                record_id: e.resource_id,
                change,
                // Xero writes UTC without a zone designator
                occurred_at: e.event_date_utc.as_deref().and_then(crate::msdate::parse),
                change_source: None,
                property: None,
                raw,
            });
        }
        Ok(WebhookBatch {
            handshake: false,
            events,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn sign(body: &[u8], key: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(key.as_bytes()).unwrap();
        mac.update(body);
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    fn verify(body: &[u8], sig: Option<&str>) -> Result<WebhookBatch, WebhookError> {
        let v = XeroWebhookVerifier::new(SecretString::from("key1"));
        let mut headers = http::HeaderMap::new();
        if let Some(s) = sig {
            headers.insert("x-xero-signature", s.parse().unwrap());
        }
        v.verify(&WebhookRequest {
            method: "POST",
            uri: "https://x/webhooks/xero",
            headers: &headers,
            body,
            now: Utc::now(),
        })
    }

    #[test]
    fn handshake_events_and_bad_signatures() {
        let itr = br#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"ABC"}"#;
        assert!(verify(itr, Some(&sign(itr, "key1"))).unwrap().handshake);
        assert_eq!(
            verify(itr, Some(&sign(itr, "key2"))),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(verify(itr, None), Err(WebhookError::BadSignature));
        assert_eq!(
            verify(itr, Some("not base64!")),
            Err(WebhookError::BadSignature)
        );
        let body = br#"{"events":[{"resourceUrl":"https://api.xero.com/api.xro/2.0/Invoices/0f3e","resourceId":"0f3e","eventDateUtc":"2025-12-02T00:44:09.923","eventType":"UPDATE","eventCategory":"INVOICE","tenantId":"t","tenantType":"ORGANISATION"}],"firstEventSequence":5,"lastEventSequence":5,"entropy":"X"}"#;
        let b = verify(body, Some(&sign(body, "key1"))).unwrap();
        assert!(!b.handshake);
        assert_eq!(
            b.events[0].subject,
            EventSubject::Finance(FinanceObject::Invoice)
        );
        assert_eq!(b.events[0].change, ChangeKind::Updated);
        assert_eq!(b.events[0].record_id, "0f3e");
        assert!(b.events[0].occurred_at.is_some());
        let junk = b"{not json";
        assert!(matches!(
            verify(junk, Some(&sign(junk, "key1"))),
            Err(WebhookError::Malformed(_))
        ));
    }
}
