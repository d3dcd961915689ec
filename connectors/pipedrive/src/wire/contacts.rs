use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::CustomFields;

/// One email or phone of a person: `{"value", "primary", "label"}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PersonContact {
    pub value: String,
    #[serde(default)]
    pub primary: bool,
    #[serde(default = "work")]
    pub label: String,
}

fn work() -> String {
    "work".into()
}

/// A structured address (`address` of an organization, `postal_address` of a person).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Address {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub street_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub route: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub locality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub country: Option<String>,
}

/// A v2 person (`GET /api/v2/persons/{id}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Person {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_name: Option<String>,
    pub owner_id: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_id: Option<i64>,
    #[serde(with = "crate::time::v2_serde")]
    pub add_time: DateTime<Utc>,
    #[serde(with = "crate::time::v2_serde")]
    pub update_time: DateTime<Utc>,
    #[serde(default)]
    pub emails: Vec<PersonContact>,
    #[serde(default)]
    pub phones: Vec<PersonContact>,
    pub is_deleted: bool,
    pub visible_to: i64,
    #[serde(default)]
    pub label_ids: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub job_title: Option<String>,
    #[serde(default)]
    pub custom_fields: CustomFields,
}

/// A v2 organization (`GET /api/v2/organizations/{id}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub owner_id: i64,
    #[serde(with = "crate::time::v2_serde")]
    pub add_time: DateTime<Utc>,
    #[serde(with = "crate::time::v2_serde")]
    pub update_time: DateTime<Utc>,
    pub is_deleted: bool,
    pub visible_to: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub label_ids: Vec<i64>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub custom_fields: CustomFields,
}
