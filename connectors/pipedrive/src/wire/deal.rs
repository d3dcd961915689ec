use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::CustomFields;

/// `open`, `won`, `lost` or `deleted`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DealStatus {
    Open,
    Won,
    Lost,
    Deleted,
}

impl DealStatus {
    pub fn parse(s: &str) -> Option<DealStatus> {
        match s {
            "open" => Some(DealStatus::Open),
            "won" => Some(DealStatus::Won),
            "lost" => Some(DealStatus::Lost),
            "deleted" => Some(DealStatus::Deleted),
            _ => None,
        }
    }
}

/// A v2 deal (`GET /api/v2/deals/{id}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deal {
    pub id: i64,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creator_user_id: Option<i64>,
    pub owner_id: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub person_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_id: Option<i64>,
    pub pipeline_id: i64,
    pub stage_id: i64,
    #[serde(with = "crate::money::req")]
    pub value: Decimal,
    pub currency: String,
    #[serde(with = "crate::time::v2_serde")]
    pub add_time: DateTime<Utc>,
    #[serde(with = "crate::time::v2_serde")]
    pub update_time: DateTime<Utc>,
    #[serde(
        with = "crate::time::v2_opt",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub stage_change_time: Option<DateTime<Utc>>,
    pub is_deleted: bool,
    pub is_archived: bool,
    #[serde(
        with = "crate::time::v2_opt",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub archive_time: Option<DateTime<Utc>>,
    pub status: DealStatus,
    #[serde(default)]
    pub probability: Option<i64>,
    #[serde(default)]
    pub lost_reason: Option<String>,
    pub visible_to: i64,
    #[serde(with = "crate::time::v2_opt", default)]
    pub close_time: Option<DateTime<Utc>>,
    #[serde(
        with = "crate::time::v2_opt",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub won_time: Option<DateTime<Utc>>,
    #[serde(
        with = "crate::time::v2_opt",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub lost_time: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expected_close_date: Option<NaiveDate>,
    #[serde(default)]
    pub label_ids: Vec<i64>,
    pub origin: String,
    #[serde(default)]
    pub origin_id: Option<String>,
    #[serde(default)]
    pub channel: Option<i64>,
    #[serde(default)]
    pub channel_id: Option<String>,
    #[serde(with = "crate::money::opt", default)]
    pub arr: Option<Decimal>,
    #[serde(with = "crate::money::opt", default)]
    pub mrr: Option<Decimal>,
    #[serde(with = "crate::money::opt", default)]
    pub acv: Option<Decimal>,
    #[serde(default)]
    pub custom_fields: CustomFields,
}
