//! HubSpot webhook verification: signature v3 (base64 HMAC-SHA256 with the
//! app's client secret over method + URI + raw body + timestamp), compared in
//! constant time, with a 5-minute replay window.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::DateTime;
use hmac::{Hmac, KeyInit, Mac};
use ledgerbridge_sdk::model::CrmObject;
use ledgerbridge_sdk::{
    ChangeEvent, ChangeKind, EventSubject, WebhookBatch, WebhookError, WebhookRequest,
    WebhookVerifier,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;

/// Timestamps older (or further ahead) than this are refused.
pub const REPLAY_WINDOW_MS: i64 = 5 * 60 * 1000;

pub struct HubSpotWebhookVerifier {
    secret: SecretString,
}

impl HubSpotWebhookVerifier {
    pub fn new(secret: SecretString) -> Self {
        HubSpotWebhookVerifier { secret }
    }
}

fn header<'a>(req: &'a WebhookRequest<'_>, name: &str) -> Option<&'a str> {
    req.headers.get(name)?.to_str().ok()
}

impl WebhookVerifier for HubSpotWebhookVerifier {
    fn verify(&self, req: &WebhookRequest<'_>) -> Result<WebhookBatch, WebhookError> {
        let sig = header(req, "x-hubspot-signature-v3").ok_or(WebhookError::BadSignature)?;
        let ts = header(req, "x-hubspot-request-timestamp").ok_or(WebhookError::BadSignature)?;
        let ts_ms: i64 = ts.trim().parse().map_err(|_| WebhookError::BadSignature)?;
        let expected = STANDARD
            .decode(sig.trim())
            .map_err(|_| WebhookError::BadSignature)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
            .map_err(|_| WebhookError::BadSignature)?;
        mac.update(req.method.as_bytes());
        mac.update(req.uri.as_bytes());
        mac.update(req.body);
        mac.update(ts.as_bytes());
        // verify_slice compares in constant time
        mac.verify_slice(&expected)
            .map_err(|_| WebhookError::BadSignature)?;
        // checked after the signature so a forged timestamp cannot probe the clock
        // abs_diff: an extreme timestamp (i64::MIN) must not overflow
        if req.now.timestamp_millis().abs_diff(ts_ms) > REPLAY_WINDOW_MS.unsigned_abs() {
            return Err(WebhookError::Stale);
        }
        let events: Vec<Value> =
            serde_json::from_slice(req.body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        let events = events
            .into_iter()
            .map(parse_event)
            .collect::<Result<_, _>>()?;
        Ok(WebhookBatch {
            handshake: false,
            events,
        })
    }
}

fn parse_event(raw: Value) -> Result<ChangeEvent, WebhookError> {
    let kind = raw["subscriptionType"]
        .as_str()
        .ok_or_else(|| WebhookError::Malformed("event without subscriptionType".into()))?;
    let id = match &raw["objectId"] {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => {
            return Err(WebhookError::Malformed(format!(
                "{kind} event without objectId"
            )));
        }
    };
    let (object, action) = kind.split_once('.').unwrap_or((kind, ""));
    let subject = match object {
        "contact" => EventSubject::Crm(CrmObject::Contact),
        "company" => EventSubject::Crm(CrmObject::Company),
        "deal" => EventSubject::Crm(CrmObject::Deal),
        other => EventSubject::Other(other.to_string()),
    };
    let change = match action {
        "creation" => ChangeKind::Created,
        "propertyChange" => ChangeKind::Updated,
        "deletion" => ChangeKind::Deleted,
        _ => ChangeKind::Other,
    };
    // "INTEGRATION:<app id>" for app writes: the engine recognises its own
    let change_source = raw["changeSource"]
        .as_str()
        .map(|s| match &raw["sourceId"] {
            Value::String(src) => format!("{s}:{src}"),
            Value::Number(n) => format!("{s}:{n}"),
            _ => s.to_string(),
        });
    Ok(ChangeEvent {
        event_id: raw["eventId"]
            .as_u64()
            .map(|n| n.to_string())
            .or_else(|| raw["eventId"].as_str().map(str::to_string)),
        subject,
        record_id: id,
        change,
        occurred_at: raw["occurredAt"]
            .as_i64()
            .and_then(DateTime::from_timestamp_millis),
        change_source,
        property: raw["propertyName"].as_str().map(str::to_string),
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn sign(secret: &str, method: &str, uri: &str, body: &[u8], ts: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{method}{uri}").as_bytes());
        mac.update(body);
        mac.update(ts.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }

    fn request<'a>(
        headers: &'a http::HeaderMap,
        body: &'a [u8],
        now: DateTime<Utc>,
    ) -> WebhookRequest<'a> {
        WebhookRequest {
            method: "POST",
            uri: "https://lb.example.com/webhooks/hubspot",
            headers,
            body,
            now,
        }
    }

    #[test]
    fn accepts_signed_fresh_events_and_refuses_the_rest() {
        let v = HubSpotWebhookVerifier::new(SecretString::from("s3cret".to_string()));
        let body = br#"[{"eventId":7,"subscriptionId":1,"portalId":2,"occurredAt":1764300000000,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":123,"changeSource":"INTEGRATION","sourceId":"3141592","propertyName":"dealstage","propertyValue":"closedwon"}]"#;
        let now = Utc::now();
        let ts = now.timestamp_millis().to_string();
        let mut h = http::HeaderMap::new();
        h.insert("x-hubspot-request-timestamp", ts.parse().unwrap());
        h.insert(
            "x-hubspot-signature-v3",
            sign(
                "s3cret",
                "POST",
                "https://lb.example.com/webhooks/hubspot",
                body,
                &ts,
            )
            .parse()
            .unwrap(),
        );
        let batch = v.verify(&request(&h, body, now)).unwrap();
        let e = &batch.events[0];
        assert_eq!(
            (e.record_id.as_str(), e.change, e.property.as_deref()),
            ("123", ChangeKind::Updated, Some("dealstage"))
        );
        assert_eq!(e.subject, EventSubject::Crm(CrmObject::Deal));
        assert_eq!(e.change_source.as_deref(), Some("INTEGRATION:3141592"));
        assert_eq!(e.event_id.as_deref(), Some("7"));
        // tampered body
        assert_eq!(
            v.verify(&request(&h, b"[]", now)).unwrap_err(),
            WebhookError::BadSignature
        );
        // stale: six minutes later
        let later = now + chrono::Duration::minutes(6);
        assert_eq!(
            v.verify(&request(&h, body, later)).unwrap_err(),
            WebhookError::Stale
        );
        // wrong secret
        let v2 = HubSpotWebhookVerifier::new(SecretString::from("other".to_string()));
        assert_eq!(
            v2.verify(&request(&h, body, now)).unwrap_err(),
            WebhookError::BadSignature
        );
        // signed garbage
        let mut h2 = http::HeaderMap::new();
        h2.insert("x-hubspot-request-timestamp", ts.parse().unwrap());
        h2.insert(
            "x-hubspot-signature-v3",
            sign(
                "s3cret",
                "POST",
                "https://lb.example.com/webhooks/hubspot",
                b"{",
                &ts,
            )
            .parse()
            .unwrap(),
        );
        assert!(matches!(
            v.verify(&request(&h2, b"{", now)),
            Err(WebhookError::Malformed(_))
        ));
    }
}
