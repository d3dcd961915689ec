//! The REST API's wire shapes, for the connector and the simulator alike.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `attributes` of every record in a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attributes {
    #[serde(rename = "type")]
    pub object: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One page of `GET /query` (records stay raw: their fields depend on the
/// `SELECT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryPage {
    pub total_size: u64,
    pub done: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_records_url: Option<String>,
    pub records: Vec<Value>,
}

/// An element of the error array every failed call answers with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorItem {
    pub message: String,
    pub error_code: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

/// A per-record failure inside an sObject Collections result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordError {
    pub status_code: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

/// One record's outcome in `/composite/sobjects`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaveResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub success: bool,
    #[serde(default)]
    pub errors: Vec<RecordError>,
}

/// The `/composite/sobjects` request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionRequest {
    pub all_or_none: bool,
    pub records: Vec<Value>,
}

/// `GET /sobjects/{O}/updated/`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatedIds {
    pub ids: Vec<String>,
    pub latest_date_covered: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedRecord {
    pub id: String,
    pub deleted_date: String,
}

/// `GET /sobjects/{O}/deleted/`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedIds {
    pub deleted_records: Vec<DeletedRecord>,
    pub earliest_date_available: String,
    pub latest_date_covered: String,
}

/// The OAuth token response. Salesforce sends no `expires_in`: a session
/// lasts the org's session timeout, and a client learns it ended from a
/// 401 `INVALID_SESSION_ID`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub instance_url: String,
    /// The identity URL (`…/id/{orgId}/{userId}`).
    pub id: String,
    /// Milliseconds since the epoch, as a string.
    pub issued_at: String,
    /// Base64 HMAC-SHA256 of `id + issued_at` keyed by the client secret.
    pub signature: String,
    pub token_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// `{"error": "invalid_grant", "error_description": "…"}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OAuthError {
    pub error: String,
    pub error_description: String,
}

/// `Sforce-Limit-Info: api-usage=18/120000` → `(18, 120000)`.
pub fn parse_limit_info(header: &str) -> Option<(u64, u64)> {
    let usage = header
        .split(';')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("api-usage="))?;
    let (used, max) = usage.split_once('/')?;
    Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_info_with_and_without_bursts() {
        assert_eq!(parse_limit_info("api-usage=18/120000"), Some((18, 120_000)));
        assert_eq!(
            parse_limit_info("api-usage=10018/100000; api-bursts=1/750"),
            Some((10_018, 100_000))
        );
        assert_eq!(parse_limit_info("garbage"), None);
    }

    #[test]
    fn token_response_has_no_expiry() {
        let t: TokenResponse = serde_json::from_str(
            r#"{"access_token":"a","instance_url":"https://x","id":"https://x/id/00D/005","issued_at":"1","signature":"s","token_type":"Bearer"}"#,
        )
        .unwrap();
        assert_eq!(t.refresh_token, None);
        assert!(!serde_json::to_string(&t).unwrap().contains("expires_in"));
    }
}
