//! Pipedrive's response bodies: `{"success": true, "data", "additional_data"}`
//! and the error body `{"success": false, "error", "error_info", "data": null,
//! "additional_data": null}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::wire::{CursorData, ErrorBody};

/// Serialized JSON with a status. Bodies go straight to bytes (never through
/// `serde_json::Value`) so money keeps its exact decimal text.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).expect("response bodies serialize");
    let mut r = (status, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

#[derive(Serialize)]
struct Success<'a, T: Serialize, A: Serialize> {
    success: bool,
    data: &'a T,
    additional_data: Option<A>,
}

/// `200 {"success": true, "data": …}` for one object.
pub fn one<T: Serialize>(status: StatusCode, data: &T) -> Response {
    json(
        status,
        &Success::<T, ()> {
            success: true,
            data,
            additional_data: None,
        },
    )
}

/// `200 {"success": true, "data": […], "additional_data": {"next_cursor": …}}`.
pub fn cursor_page<T: Serialize>(data: &[T], next_cursor: Option<String>) -> Response {
    json(
        StatusCode::OK,
        &Success {
            success: true,
            data: &data,
            additional_data: Some(CursorData { next_cursor }),
        },
    )
}

/// `200 {"success": true, "data": […], "additional_data": …}` with any `additional_data`.
pub fn page_with<T: Serialize, A: Serialize>(data: &[T], additional: A) -> Response {
    json(
        StatusCode::OK,
        &Success {
            success: true,
            data: &data,
            additional_data: Some(additional),
        },
    )
}

/// An error the API answers with, as `{"success": false, …}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// The `error` text, naming what is wrong.
    pub error: String,
    info: &'static str,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            info: crate::wire::ERROR_INFO_TEXT,
        }
    }

    /// 400 naming what is wrong with the request (`"title" is required.`).
    pub fn bad_request(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error)
    }

    /// 404 for an unknown (or purged) record: `Deal not found`.
    pub fn not_found(entity: &str) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            error: format!("{entity} not found"),
            info: "Object was not found.",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json(self.status, &ErrorBody::with_info(self.error, self.info))
    }
}

/// The 401 Pipedrive answers without valid credentials.
pub fn unauthorized() -> Response {
    #[derive(Serialize)]
    struct Unauthorized {
        success: bool,
        error: &'static str,
        #[serde(rename = "errorCode")]
        error_code: u16,
        error_info: &'static str,
        data: Option<()>,
        additional_data: Option<()>,
    }
    json(
        StatusCode::UNAUTHORIZED,
        &Unauthorized {
            success: false,
            error: "unauthorized access",
            error_code: 401,
            error_info: crate::wire::ERROR_INFO_TEXT,
            data: None,
            additional_data: None,
        },
    )
}

/// A 500 from Pipedrive's side (injected faults).
pub fn server_error() -> Response {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error").into_response()
}

/// The 429 of an exhausted limit (`what` says which).
pub fn too_many(what: &str) -> Response {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("Request over limit: {what}"),
    )
    .into_response()
}
