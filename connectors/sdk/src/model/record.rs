//! What every record carries, whichever side it comes from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Identity and version of a record in the system it lives in.
///
/// `version` is whatever the vendor gives that changes on every edit
/// (HubSpot `updatedAt`, QuickBooks `SyncToken`, Salesforce `SystemModstamp`);
/// the engine hashes content separately, so a version is only used to order
/// changes and to detect that a record moved on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordMeta {
    /// The vendor's id of the record (`"123"` in HubSpot, `"0061x00000AbCdE"` in Salesforce).
    pub id: String,
    /// Vendor version token; see above.
    pub version: String,
    /// When the vendor last changed the record.
    pub updated_at: DateTime<Utc>,
    /// Archived / deleted in the source (HubSpot `archived`, Pipedrive `is_deleted`).
    #[serde(default)]
    pub archived: bool,
}

impl RecordMeta {
    /// The record key used in the engine's mirror and in idempotency keys:
    /// `<object>:<id>` within one connection.
    pub fn key(&self, object: &str) -> String {
        format!("{object}:{}", self.id)
    }
}
