//! Salesforce's error answers: a JSON array of `{message, errorCode, fields}`
//! for every failed REST call, and `{statusCode, message, fields}` for each
//! failed record inside an sObject Collections result.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One failure of one record or call.
#[derive(Debug, Clone, PartialEq)]
pub struct SfError {
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<String>,
}

impl SfError {
    pub fn new(code: &'static str, message: impl Into<String>) -> SfError {
        SfError {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn on(mut self, field: impl Into<String>) -> SfError {
        self.fields.push(field.into());
        self
    }

    /// The REST error array element.
    pub fn rest_json(&self) -> Value {
        json!({"message": self.message, "errorCode": self.code, "fields": self.fields})
    }

    /// The per-record element of sObject Collections results.
    pub fn record_json(&self) -> Value {
        json!({"statusCode": self.code, "message": self.message, "fields": self.fields})
    }
}

/// A failed REST call: status plus the error array.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<SfError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            errors: vec![SfError::new(code, message)],
        }
    }

    pub fn many(status: StatusCode, errors: Vec<SfError>) -> ApiError {
        ApiError { status, errors }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    pub fn unknown_object(name: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!(
                "The requested resource does not exist: sObject type '{name}' is not supported."
            ),
        )
    }

    pub fn invalid_session() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    pub fn limit_exceeded() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: 1873651987-52331 (-1284918427)",
        )
    }

    pub fn json_parse(detail: impl std::fmt::Display) -> ApiError {
        ApiError::bad_request("JSON_PARSER_ERROR", format!("{detail}"))
    }

    pub fn body(&self) -> Value {
        Value::Array(self.errors.iter().map(SfError::rest_json).collect())
    }
}

impl From<SfError> for ApiError {
    fn from(e: SfError) -> ApiError {
        let status = match e.code {
            "NOT_FOUND" => StatusCode::NOT_FOUND,
            "ENTITY_IS_DELETED" => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::many(status, vec![e])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            [("content-type", "application/json;charset=UTF-8")],
            self.body().to_string(),
        )
            .into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_and_record_shapes() {
        let e = SfError::new(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [Name]",
        )
        .on("Name");
        assert_eq!(
            e.rest_json(),
            json!({"message": "Required fields are missing: [Name]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Name"]})
        );
        assert_eq!(e.record_json()["statusCode"], "REQUIRED_FIELD_MISSING");
        let api = ApiError::invalid_session();
        assert_eq!(api.status, StatusCode::UNAUTHORIZED);
        assert_eq!(api.body()[0]["errorCode"], "INVALID_SESSION_ID");
    }
}
