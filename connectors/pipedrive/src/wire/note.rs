use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The `{"title"}` / `{"name"}` summaries v1 notes carry of what they are attached to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoteRef {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
}

/// A v1 note (`GET /v1/notes/{id}`): HTML content attached to a deal, person or organization.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Note {
    pub id: i64,
    pub active_flag: bool,
    #[serde(with = "crate::time::v1_serde")]
    pub add_time: DateTime<Utc>,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deal_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub person_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deal: Option<NoteRef>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub person: Option<NoteRef>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub organization: Option<NoteRef>,
    pub last_update_user_id: i64,
    pub pinned_to_deal_flag: bool,
    pub pinned_to_organization_flag: bool,
    pub pinned_to_person_flag: bool,
    #[serde(with = "crate::time::v1_serde")]
    pub update_time: DateTime<Utc>,
    pub user_id: i64,
}
