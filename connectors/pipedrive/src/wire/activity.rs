use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A v2 activity (call, meeting, email, task…) linked to a deal, person or organization.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Activity {
    pub id: i64,
    pub subject: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub owner_id: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creator_user_id: Option<i64>,
    pub is_deleted: bool,
    #[serde(with = "crate::time::v2_serde")]
    pub add_time: DateTime<Utc>,
    #[serde(with = "crate::time::v2_serde")]
    pub update_time: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deal_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub person_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub due_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub busy: bool,
    #[serde(default)]
    pub done: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}
