//! Reading request bodies: JSON into typed inputs, with a 400 in Pipedrive's
//! error shape that names what is wrong.

use axum::body::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::respond::ApiError;

/// Parses a JSON body (an empty body is `{}`).
pub fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(text)
        .map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))
}

/// `#[serde(default, deserialize_with = "input::nullable")]`: tells a field
/// set to `null` (`Some(None)`: clear it) from a field left out (`None`).
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A required text field: present and not blank, or `"name" is required.`.
pub fn required(value: Option<&String>, name: &str) -> Result<String, ApiError> {
    match value.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(s) => Ok(s.to_string()),
        None => Err(ApiError::bad_request(format!("\"{name}\" is required."))),
    }
}

/// An ISO 4217 code (three capital letters).
pub fn currency(code: &str) -> Result<String, ApiError> {
    let ok = code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase());
    if ok {
        Ok(code.to_string())
    } else {
        Err(ApiError::bad_request(format!(
            "\"currency\" must be a 3-letter ISO 4217 code, got {code:?}."
        )))
    }
}
