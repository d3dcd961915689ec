//! Pipedrive's JSON bodies, as the v2 and v1 APIs send and take them.
//!
//! Fields the spec declares non-nullable are left out when they have no value
//! (rather than sent as `null`); custom fields sit under `custom_fields`,
//! keyed by their 40-character hash.

mod activity;
mod contacts;
mod deal;
mod envelope;
mod field;
mod note;
mod pipeline;
mod product;
mod webhook;

pub use activity::Activity;
pub use contacts::{Address, Organization, Person, PersonContact};
pub use deal::{Deal, DealStatus};
pub use envelope::{
    CursorData, ERROR_INFO as ERROR_INFO_TEXT, ErrorBody, Pagination, StartPageData,
};
pub use field::{Field, FieldOption};
pub use note::{Note, NoteRef};
pub use pipeline::{Pipeline, Stage};
pub use product::{DealProduct, Product, ProductPrice};
pub use webhook::{NewWebhook, Webhook, WebhookEvent, WebhookMeta};

/// Custom field values keyed by their 40-character hash, each kept as its
/// exact JSON text (a monetary field's `{"value": 1250.5, "currency": "EUR"}`
/// never passes through a float).
pub type CustomFields = std::collections::BTreeMap<String, Box<serde_json::value::RawValue>>;
