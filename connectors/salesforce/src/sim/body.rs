//! Request bodies: JSON objects, refused as Salesforce refuses them.

use serde_json::{Map, Value};

use super::errors::{ApiError, ApiResult};

/// The body as a JSON value, or `JSON_PARSER_ERROR`.
pub fn json(bytes: &[u8]) -> ApiResult<Value> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::json_parse(format!(
            "Unexpected character at [line:{}, column:{}]: {e}",
            e.line(),
            e.column()
        ))
    })
}

/// The body as a JSON object (a record's fields).
pub fn object(bytes: &[u8]) -> ApiResult<Map<String, Value>> {
    match json(bytes)? {
        Value::Object(m) => Ok(m),
        other => Err(ApiError::json_parse(format!(
            "Cannot deserialize instance of SObject from {} value",
            match other {
                Value::Array(_) => "START_ARRAY",
                _ => "scalar",
            }
        ))),
    }
}
