//! HubSpot's error bodies, as the API sends them.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An error answer: status plus HubSpot's `{status, message, correlationId,
/// category, ...}` body.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
}

pub fn correlation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl ApiError {
    pub fn new(status: StatusCode, category: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({
                "status": "error",
                "message": message.into(),
                "correlationId": correlation_id(),
                "category": category,
            }),
        }
    }

    pub fn with(mut self, key: &str, value: Value) -> ApiError {
        if let Value::Object(m) = &mut self.body {
            m.insert(key.to_string(), value);
        }
        self
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", message)
    }

    /// Unknown path segment for an object type.
    pub fn unknown_type(t: &str) -> ApiError {
        ApiError::bad_request(format!("Unable to infer object type from: {t}"))
    }

    pub fn batch_too_large(max: usize, got: usize) -> ApiError {
        ApiError::bad_request(format!(
            "Batch input is limited to {max} inputs. Received {got} inputs."
        ))
        .with("context", json!({"inputs": [format!("{got}")]}))
    }

    /// `Property values were not valid: [...]` with one validation result per
    /// bad property, the shape HubSpot answers writes with.
    pub fn invalid_properties(results: Vec<PropertyError>) -> ApiError {
        let list: Vec<Value> = results.iter().map(PropertyError::to_json).collect();
        let inner = serde_json::to_string(&list).unwrap_or_default();
        let errors: Vec<Value> = results
            .iter()
            .map(|e| {
                json!({
                    "message": e.message,
                    "code": e.code,
                    "context": {"propertyName": [e.name]},
                })
            })
            .collect();
        ApiError::bad_request(format!("Property values were not valid: {inner}"))
            .with("errors", Value::Array(errors))
    }

    pub fn unauthorized(category: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, category, message)
    }

    /// The 5xx fault HubSpot answers on an internal failure.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal error",
        )
    }

    /// 429 with `policyName` telling which limit was hit.
    pub fn rate_limited(policy: &str, message: &str) -> ApiError {
        let mut m = Map::new();
        m.insert("status".into(), json!("error"));
        m.insert("message".into(), json!(message));
        m.insert("errorType".into(), json!("RATE_LIMIT"));
        m.insert("correlationId".into(), json!(correlation_id()));
        m.insert("policyName".into(), json!(policy));
        m.insert("requestId".into(), json!(correlation_id()));
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: Value::Object(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body)).into_response();
        r.headers_mut().insert(
            "content-type",
            HeaderValue::from_static("application/json;charset=utf-8"),
        );
        r
    }
}

/// One entry of a property validation failure.
#[derive(Debug, Clone)]
pub struct PropertyError {
    pub name: String,
    /// `PROPERTY_DOESNT_EXIST`, `INVALID_OPTION`, `INVALID_INTEGER`, ...
    pub code: String,
    pub message: String,
}

impl PropertyError {
    pub fn new(name: &str, code: &str, message: impl Into<String>) -> PropertyError {
        PropertyError {
            name: name.to_string(),
            code: code.to_string(),
            message: message.into(),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "isValid": false,
            "message": self.message,
            "error": self.code,
            "name": self.name,
            "localizedErrorMessage": self.message,
        })
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
