//! Xero's response bodies: the envelope and its error shapes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::state::{PROVIDER_NAME, SimState};
use crate::msdate;
use crate::wire::{Envelope, Pagination, ValidationError};

/// Serialized JSON with a status. Bodies are written straight to bytes (never
/// through `serde_json::Value`) so money keeps its exact decimal text.
pub fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    json_bytes(
        status,
        serde_json::to_vec(body).expect("response bodies serialize"),
    )
}

/// `200 {"Id","Status":"OK","ProviderName","DateTimeUTC",["pagination"],"<collection>":[…]}`.
pub fn envelope<T: Serialize>(
    st: &SimState,
    collection: &str,
    items: &[T],
    pagination: Option<Pagination>,
) -> Response {
    json(
        StatusCode::OK,
        &Envelope {
            id: Uuid::new_v4().to_string(),
            provider_name: PROVIDER_NAME,
            date_time_utc: msdate::format_envelope(st.now()),
            pagination,
            collection,
            items,
        },
    )
}

/// One element of a `ValidationException`: the object as sent, plus its errors.
pub fn element<T: Serialize>(item: &T, errors: &[String]) -> serde_json::Value {
    let mut v = serde_json::to_value(item).unwrap_or_else(|_| json!({}));
    if !v.is_object() {
        v = json!({});
    }
    v["ValidationErrors"] =
        serde_json::to_value(errors.iter().map(ValidationError::new).collect::<Vec<_>>())
            .expect("json");
    v
}

/// `400 {"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred","Elements":[…]}`.
pub fn validation_exception(elements: Vec<serde_json::Value>) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &json!({
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": elements,
        }),
    )
}

/// A 400 of another exception type (`PostDataInvalidException`, `QueryParseException`, …).
pub fn exception(number: u32, kind: &str, message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &json!({ "ErrorNumber": number, "Type": kind, "Message": message }),
    )
}

/// The identity platform's problem shape for 401/403/409/429.
pub fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    json(
        status,
        &json!({
            "Type": null, "Title": title, "Status": status.as_u16(), "Detail": detail,
            "Instance": Uuid::new_v4(), "Extensions": {},
        }),
    )
}

pub fn unauthorized() -> Response {
    let mut r = problem(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "AuthenticationUnsuccessful",
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    r
}

pub fn forbidden() -> Response {
    problem(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "AuthenticationUnsuccessful",
    )
}

/// Xero answers an unknown id with a plain-text 404.
pub fn not_found() -> Response {
    let mut r = (
        StatusCode::NOT_FOUND,
        "The resource you're looking for cannot be found",
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The 500 Xero answers when something failed on its side.
pub fn server_error() -> Response {
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({
            "ErrorNumber": 500,
            "Type": "UnknownErrorException",
            "Message": "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status. Contact the API support team at api@xero.com for more assistance.",
        }),
    )
}
