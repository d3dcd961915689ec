use serde::{Deserialize, Serialize};

/// `POST /v1/webhooks` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewWebhook {
    pub subscription_url: String,
    /// `create`, `change`, `delete` or `*`.
    pub event_action: String,
    /// `deal`, `person`, `organization`, `activity`, `note`, `product`, … or `*`.
    pub event_object: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_id: Option<i64>,
    #[serde(default)]
    pub http_auth_user: Option<String>,
    #[serde(default)]
    pub http_auth_password: Option<String>,
    /// `1.0` or `2.0` (the default).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<String>,
}

/// A registered webhook as `GET /v1/webhooks` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Webhook {
    pub id: i64,
    pub company_id: i64,
    pub owner_id: i64,
    pub user_id: i64,
    pub event_action: String,
    pub event_object: String,
    pub subscription_url: String,
    pub version: String,
    pub is_active: u8,
    /// RFC 3339 with milliseconds (`2019-10-25T08:25:27.000Z`).
    pub add_time: String,
    pub remove_time: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub http_auth_user: Option<String>,
    pub http_auth_password: Option<String>,
    pub remove_reason: Option<String>,
    pub last_delivery_time: Option<String>,
    pub last_http_status: Option<u16>,
    pub admin_id: i64,
    pub name: String,
}

/// `meta` of a v2 webhook delivery.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WebhookMeta {
    /// `create`, `change` or `delete`.
    pub action: String,
    /// `deal`, `person`, `organization`, …
    pub entity: String,
    pub entity_id: String,
    /// The event's own id: a redelivery carries the same one.
    pub id: String,
    /// 1 on the first delivery, then 2, 3… on retries.
    pub attempt: u32,
    pub company_id: String,
    pub user_id: String,
    pub webhook_id: String,
    pub webhook_owner_id: String,
    pub correlation_id: String,
    pub is_bulk_edit: bool,
    /// RFC 3339 with milliseconds.
    pub timestamp: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub version: String,
    pub host: String,
}

/// A v2 webhook body: `data` is the object now (null after a delete),
/// `previous` the changed fields' old values (null on create).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub meta: WebhookMeta,
    pub data: Option<Box<serde_json::value::RawValue>>,
    pub previous: Option<Box<serde_json::value::RawValue>>,
}
