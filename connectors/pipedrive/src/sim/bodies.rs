//! Strict mode, inside the gate: every request body and every response body
//! of an API call is checked against Pipedrive's OpenAPI files, and what
//! does not validate is recorded as a violation.

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::state::{SimState, Violation};

const MAX_BODY: usize = 16 * 1024 * 1024;

pub async fn check(State(st): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    let Some(spec) = st.spec() else {
        return next.run(req).await;
    };
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| req.uri().path().to_string(), |m| m.as_str().to_string());
    let method = req.method().clone();
    let (parts, body) = req.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let write = method != Method::GET && method != Method::HEAD;
    if write
        && !body.is_empty()
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body)
        && let Err(errors) = spec.validate_request(method.as_str(), &template, &v)
    {
        st.record_violation(Violation {
            method: method.to_string(),
            path: template.clone(),
            direction: "request",
            status: 0,
            errors,
        });
    }
    let resp = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (mut rparts, rbody) = resp.into_parts();
    let rbytes: Bytes = to_bytes(rbody, MAX_BODY).await.unwrap_or_default();
    let status = rparts.status.as_u16();
    let checked = match serde_json::from_slice::<serde_json::Value>(&rbytes) {
        Ok(v) => spec.validate_response(method.as_str(), &template, status, &v),
        Err(e) => Err(vec![format!("the response is not JSON: {e}")]),
    };
    if let Err(errors) = checked {
        st.record_violation(Violation {
            method: method.to_string(),
            path: template,
            direction: "response",
            status,
            errors,
        });
    }
    rparts.headers.remove("content-length");
    Response::from_parts(rparts, Body::from(rbytes))
}
