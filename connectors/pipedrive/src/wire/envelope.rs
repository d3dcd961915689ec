//! The envelope every response has: `{"success", "data", "additional_data"}`,
//! and the error body Pipedrive sends with `success: false`.

use serde::{Deserialize, Serialize};

/// `additional_data` of a v2 list: the cursor of the next page, `null` at the end.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CursorData {
    pub next_cursor: Option<String>,
}

/// `additional_data.pagination` of a v1 list (`start`/`limit` paging).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pagination {
    pub start: u64,
    pub limit: u64,
    pub more_items_in_collection: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub next_start: Option<u64>,
}

/// `additional_data` of a v1 list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StartPageData {
    pub pagination: Pagination,
}

/// `{"success": false, "error", "error_info", "data": null, "additional_data": null}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorBody {
    pub success: bool,
    pub error: String,
    pub error_info: String,
    pub data: Option<serde_json::Value>,
    pub additional_data: Option<serde_json::Value>,
}

/// What Pipedrive's errors point at.
pub const ERROR_INFO: &str =
    "Please check developers.pipedrive.com for more information about Pipedrive API.";

impl ErrorBody {
    pub fn new(error: impl Into<String>) -> ErrorBody {
        ErrorBody::with_info(error, ERROR_INFO)
    }

    pub fn with_info(error: impl Into<String>, info: impl Into<String>) -> ErrorBody {
        ErrorBody {
            success: false,
            error: error.into(),
            error_info: info.into(),
            data: None,
            additional_data: None,
        }
    }
}
