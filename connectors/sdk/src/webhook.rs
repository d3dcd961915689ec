//! The contract of a webhook verifier.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{CrmObject, FinanceObject};

/// A webhook delivery as the server received it.
pub struct WebhookRequest<'a> {
    pub method: &'a str,
    /// The full URI the vendor signed (scheme, host, path, query), i.e. the
    /// server's `public_url` joined with the path when behind a proxy.
    pub uri: &'a str,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
    /// Now, passed in so tests can check replay windows.
    pub now: DateTime<Utc>,
}

/// Which record an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "side", content = "object")]
pub enum EventSubject {
    Crm(CrmObject),
    Finance(FinanceObject),
    /// Anything else the vendor sends (stored, counted, ignored).
    Other(String),
}

/// What happened to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
    Other,
}

/// One change a webhook announces. Payloads are thin (ids only) for most
/// vendors, so the engine always fetches the latest state: event order does
/// not matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeEvent {
    /// The vendor's event id, for de-duplication; `None` where the vendor
    /// has none (the engine hashes the event instead).
    pub event_id: Option<String>,
    pub subject: EventSubject,
    pub record_id: String,
    pub change: ChangeKind,
    pub occurred_at: Option<DateTime<Utc>>,
    /// Who made the change, where the vendor says (HubSpot `changeSource`
    /// plus `sourceId`): lets the engine ignore echoes of its own writes.
    pub change_source: Option<String>,
    /// The property that changed, for property-change events.
    pub property: Option<String>,
    /// The vendor's event as received.
    pub raw: serde_json::Value,
}

/// A verified delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookBatch {
    /// Xero's intent-to-receive handshake: answer 200 with an empty body.
    pub handshake: bool,
    pub events: Vec<ChangeEvent>,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Missing or wrong signature → 401, nothing stored.
    #[error("invalid webhook signature")]
    BadSignature,
    /// Timestamp outside the replay window → 401.
    #[error("webhook timestamp outside the replay window")]
    Stale,
    /// Signed correctly but not the vendor's format → 400.
    #[error("malformed webhook body: {0}")]
    Malformed(String),
}

/// Verifies and parses one vendor's webhooks. Pure and synchronous: no I/O,
/// so it can be fuzzed and benchmarked alone.
pub trait WebhookVerifier: Send + Sync {
    fn verify(&self, req: &WebhookRequest<'_>) -> Result<WebhookBatch, WebhookError>;
}
