//! Outbound Messages: Salesforce's change notifications, a SOAP
//! `notifications` message per batch of changed records of one object
//! (one outbound message action per object), POSTed to `--webhook-url` with
//! the org's `OrganizationId` and the records' ids, and resent with growing
//! waits until the listener answers with a SOAP `Ack` of `true`. No
//! signature: the receiving URL holds the secret.
//!
//! Delivery (batching, retries, counters) is the SDK's webhook queue; this
//! file is the wire.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::StatusCode;
use ledgerbridge_sdk::sim::{Batch, DeliveryPlan, SimOptions, WebhookQueue, WebhookWire};

use super::ORG_ID;
use super::ids;

/// Objects with an outbound message action in the simulated org.
pub const NOTIFIED: [&str; 6] = [
    "Account",
    "Contact",
    "Opportunity",
    "OpportunityLineItem",
    "Task",
    "Event",
];
/// Notifications per message, as Salesforce batches them.
pub const MAX_PER_MESSAGE: usize = 100;

/// One changed record, as it stood when it changed.
#[derive(Debug, Clone)]
pub struct Notice {
    pub notification_id: String,
    pub id: String,
    pub last_modified: String,
}

pub struct OutboundWire {
    object: &'static str,
    action_id: String,
    base_url: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl WebhookWire for OutboundWire {
    type Event = Notice;

    fn body(&self, batch: &Batch<'_, Notice>) -> Vec<u8> {
        let base = escape(&self.base_url);
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
             xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n \
             <soapenv:Body>\n  <notifications xmlns=\"http://soap.sforce.com/2005/09/outbound\">\n",
        );
        x.push_str(&format!(
            "   <OrganizationId>{ORG_ID}</OrganizationId>\n   <ActionId>{}</ActionId>\n   \
             <SessionId xsi:nil=\"true\"/>\n   \
             <EnterpriseUrl>{base}/services/Soap/c/66.0/{ORG_ID}</EnterpriseUrl>\n   \
             <PartnerUrl>{base}/services/Soap/u/66.0/{ORG_ID}</PartnerUrl>\n",
            self.action_id
        ));
        for n in batch.events {
            x.push_str(&format!(
                "   <Notification>\n    <Id>{}</Id>\n    \
                 <sObject xsi:type=\"sf:{obj}\" xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\">\n     \
                 <sf:Id>{}</sf:Id>\n     <sf:LastModifiedDate>{}</sf:LastModifiedDate>\n    \
                 </sObject>\n   </Notification>\n",
                n.notification_id,
                escape(&n.id),
                escape(&n.last_modified),
                obj = self.object,
            ));
        }
        x.push_str("  </notifications>\n </soapenv:Body>\n</soapenv:Envelope>\n");
        x.into_bytes()
    }

    fn headers(&self, _url: &str, _body: &[u8]) -> Vec<(String, String)> {
        vec![
            ("content-type".into(), "text/xml; charset=utf-8".into()),
            ("soapaction".into(), "\"\"".into()),
            (
                "user-agent".into(),
                "Salesforce - Outbound Notification".into(),
            ),
        ]
    }

    /// Only `<Ack>true</Ack>` in a 200 answer counts; anything else is
    /// delivered again later.
    fn acknowledged(&self, status: StatusCode, body: &[u8]) -> bool {
        status == StatusCode::OK && acknowledges(body)
    }
}

/// Does a listener's SOAP answer acknowledge the message? The element may
/// carry any namespace prefix (`<Ack>`, `<ns:Ack>`).
pub fn acknowledges(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let mut rest = text.as_ref();
    while let Some(i) = rest.find("Ack>") {
        let before = &rest[..i];
        let opening = before.rfind('<').is_some_and(|lt| {
            !before[lt..].contains('/')
                && before[lt + 1..]
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == ':')
        });
        rest = &rest[i + 4..];
        if opening && rest.trim_start().to_ascii_lowercase().starts_with("true<") {
            return true;
        }
    }
    false
}

/// One queue per notified object.
pub struct Outbound {
    queues: HashMap<&'static str, WebhookQueue<OutboundWire>>,
    next_notification: std::sync::atomic::AtomicU64,
}

impl Outbound {
    /// The org's outbound messages to `url`: Salesforce resends an
    /// unacknowledged message with growing waits for up to a day.
    pub fn new(url: &str, opts: &SimOptions, base_url: String) -> Outbound {
        let queues = NOTIFIED
            .iter()
            .enumerate()
            .map(|(i, object)| {
                let mut plan = DeliveryPlan::new(url);
                plan.max_events = MAX_PER_MESSAGE;
                plan.max_attempts = 16;
                plan.first_retry = opts.scaled(Duration::from_secs(15));
                plan.timeout = Duration::from_secs(10);
                let wire = OutboundWire {
                    object,
                    action_id: ids::make("04k", i as u64 + 1),
                    base_url: base_url.clone(),
                };
                (*object, WebhookQueue::new(wire, plan))
            })
            .collect();
        Outbound {
            queues,
            next_notification: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// Queues a notification for a changed record (never waits).
    pub fn send(&self, object: &str, id: String, last_modified: String) {
        let Some(q) = self.queues.get(object) else {
            return;
        };
        let n = self
            .next_notification
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        q.send([Notice {
            notification_id: ids::make("04l", n),
            id,
            last_modified,
        }]);
    }

    /// Notifications in acknowledged messages, over every object.
    pub fn acknowledged(&self) -> u64 {
        self.queues
            .values()
            .map(|q| ledgerbridge_sdk::sim::WebhookCounters::get(&q.counters().events_acknowledged))
            .sum()
    }

    /// Every POST attempt made, retries included.
    pub fn attempts(&self) -> u64 {
        self.queues
            .values()
            .map(|q| ledgerbridge_sdk::sim::WebhookCounters::get(&q.counters().attempts))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_in_any_prefix() {
        assert!(acknowledges(b"<soapenv:Envelope><soapenv:Body><notificationsResponse xmlns=\"http://soap.sforce.com/2005/09/outbound\"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"));
        assert!(acknowledges(b"<out:Ack>true</out:Ack>"));
        assert!(!acknowledges(b"<Ack>false</Ack>"));
        assert!(!acknowledges(b"OK"));
    }

    #[test]
    fn message_names_the_org_and_the_records() {
        let wire = OutboundWire {
            object: "Opportunity",
            action_id: ids::make("04k", 1),
            base_url: "https://127.0.0.1:9104".into(),
        };
        let events = vec![Notice {
            notification_id: ids::make("04l", 1),
            id: ids::make("006", 7),
            last_modified: "2026-12-07T10:00:00.000Z".into(),
        }];
        let body = String::from_utf8(wire.body(&Batch {
            events: &events,
            first_sequence: 1,
            attempt: 0,
        }))
        .unwrap();
        assert!(body.contains(&format!("<OrganizationId>{ORG_ID}</OrganizationId>")));
        assert!(body.contains(&format!("<sf:Id>{}</sf:Id>", ids::make("006", 7))));
        assert!(body.contains("xsi:type=\"sf:Opportunity\""));
    }
}
