use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A v2 pipeline: an ordered collection of stages.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pipeline {
    pub id: i64,
    pub name: String,
    pub order_nr: i64,
    pub is_deleted: bool,
    pub is_deal_probability_enabled: bool,
    #[serde(with = "crate::time::v2_serde")]
    pub add_time: DateTime<Utc>,
    #[serde(with = "crate::time::v2_serde")]
    pub update_time: DateTime<Utc>,
}

/// A v2 stage of a pipeline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stage {
    pub id: i64,
    pub order_nr: i64,
    pub name: String,
    pub is_deleted: bool,
    pub deal_probability: i64,
    pub pipeline_id: i64,
    pub is_deal_rot_enabled: bool,
    pub days_to_rotten: Option<i64>,
    #[serde(with = "crate::time::v2_serde")]
    pub add_time: DateTime<Utc>,
    #[serde(with = "crate::time::v2_serde")]
    pub update_time: DateTime<Utc>,
}
