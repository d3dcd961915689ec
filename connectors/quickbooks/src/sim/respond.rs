//! QuickBooks' response envelopes: `{"<Entity>": {...}, "time": ...}` and
//! `{"Fault": {...}, "time": ...}`, JSON with a charset.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use crate::wire::time::format_time;
use crate::wire::{Fault, FaultType};

pub fn now_text() -> String {
    format_time(Utc::now())
}

/// A JSON body with QuickBooks' content type.
pub fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

pub fn json_value(status: StatusCode, body: &Value) -> Response {
    json_bytes(status, serde_json::to_vec(body).unwrap_or_default())
}

/// `{"<Entity>": obj, "time": ...}`.
pub fn entity(name: &str, obj: Value) -> Value {
    json!({name: obj, "time": now_text()})
}

/// The envelope of a fault.
pub fn fault_body(f: &Fault) -> Value {
    json!({"Fault": f.to_json(), "time": now_text()})
}

/// A fault with the HTTP status QuickBooks gives its kind.
pub fn fault(f: &Fault) -> Response {
    let status = match f.kind {
        FaultType::AuthenticationFault => StatusCode::UNAUTHORIZED,
        FaultType::AuthorizationFault => StatusCode::FORBIDDEN,
        FaultType::ThrottleFault => StatusCode::TOO_MANY_REQUESTS,
        FaultType::SystemFault => StatusCode::INTERNAL_SERVER_ERROR,
        FaultType::ValidationFault => StatusCode::BAD_REQUEST,
    };
    json_value(status, &fault_body(f))
}
