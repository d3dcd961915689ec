//! QuickBooks' webhooks on the kit's delivery queue (`--webhook-url`): the
//! legacy `eventNotifications` body or the CloudEvents array new apps get
//! (`--webhook-format legacy|cloudevents`, default cloudevents), signed in
//! `intuit-signature` with base64 HMAC-SHA256 of the body, keyed by the app's
//! verifier token (`--webhook-secret`). Changes made close together go out
//! in one notification, as QuickBooks gathers them.

use std::time::Duration;

use ledgerbridge_sdk::sim::{
    Batch, DeliveryPlan, SimOptions, WebhookQueue, WebhookWire, hmac_sha256_base64,
};
use serde_json::{Value, json};

use super::write::Change;
use crate::wire::time::format_time;

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
    hmac_sha256_base64(verifier_token.as_bytes(), &[body])
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

/// QuickBooks' side of a delivery: its body and its signature header.
pub struct Hooks {
    format: Format,
    secret: String,
    realm: String,
}

impl WebhookWire for Hooks {
    type Event = Change;

    fn body(&self, batch: &Batch<'_, Change>) -> Vec<u8> {
        serde_json::to_vec(&body(self.format, &self.realm, batch.events)).unwrap_or_default()
    }

    fn headers(&self, _url: &str, body: &[u8]) -> Vec<(String, String)> {
        vec![
            ("content-type".into(), "application/json".into()),
            ("intuit-signature".into(), sign(&self.secret, body)),
        ]
    }
}

/// The delivery queue, when `--webhook-url` is set.
pub fn queue(opts: &SimOptions, realm: &str) -> Option<WebhookQueue<Hooks>> {
    let url = opts.webhook_url.clone()?;
    let hooks = Hooks {
        format: Format::parse(opts.webhook_format.as_deref()).unwrap_or(Format::CloudEvents),
        secret: opts.webhook_secret.clone().unwrap_or_default(),
        realm: realm.to_string(),
    };
    let mut plan = DeliveryPlan::new(url);
    plan.first_retry = opts.scaled(Duration::from_secs(1));
    plan.gather = opts.scaled(Duration::from_millis(200));
    Some(WebhookQueue::new(hooks, plan))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_intuit() {
        // base64(HMAC-SHA256("body", key "secret")), computed independently
        assert_eq!(
            sign("secret", b"body"),
            "3EaYNVf+oSe0OvchRn65s/3iM4/j4U9RlSqoR4wT01U="
        );
    }
}
