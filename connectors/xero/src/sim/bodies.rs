//! What Xero does with bodies around a handler, inside the request gate:
//! strict-mode schema checks of the request and the response, and the
//! `Idempotency-Key` replay (see `idempotency` for the rules).

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::idempotency::{Claim, MAX_KEY_LEN, Stored, fingerprint};
use super::respond;
use super::state::{SimState, Violation};

const MAX_BODY: usize = 16 * 1024 * 1024;

pub async fn bodies(State(st): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let method = req.method().clone();
    let write = method != Method::GET && method != Method::HEAD;
    let (parts, body) = req.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let strict = st.strict.read().unwrap().clone();
    if let (Some(spec), true) = (&strict, write && !body.is_empty())
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

    // Idempotency-Key: scoped to the tenant
    let key = parts
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|_| write)
        .map(|k| format!("{}:{k}", st.tenant.id));
    let mut claimed = None;
    if let Some(key) = key {
        if key.len() - st.tenant.id.to_string().len() - 1 > MAX_KEY_LEN {
            return respond::exception(
                10,
                "ValidationException",
                "The Idempotency-Key header must be 128 characters or less",
            );
        }
        let pq = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
        let fp = fingerprint(method.as_str(), pq, &body);
        match st.idempotency.claim(&key, fp) {
            Claim::Run => claimed = Some((key, fp)),
            Claim::Replay(stored) => {
                return respond::json_bytes(
                    StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK),
                    stored.body.to_vec(),
                );
            }
            Claim::Mismatch => {
                return respond::problem(
                    StatusCode::CONFLICT,
                    "Conflict",
                    "This Idempotency-Key was already used with a different request",
                );
            }
            Claim::InProgress => {
                return respond::problem(
                    StatusCode::CONFLICT,
                    "Conflict",
                    "A request with this Idempotency-Key is still being processed",
                );
            }
        }
    }

    let resp = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (mut rparts, rbody) = resp.into_parts();
    let rbytes: Bytes = to_bytes(rbody, MAX_BODY).await.unwrap_or_default();
    let status = rparts.status.as_u16();
    if let Some((key, fp)) = claimed {
        let keep = (status < 500).then(|| Stored {
            status,
            body: rbytes.clone(),
        });
        st.idempotency.finish(&key, fp, keep);
    }
    let is_json = rparts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if let (Some(spec), true) = (&strict, is_json)
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&rbytes)
        && let Err(errors) = spec.validate_response(method.as_str(), &template, status, &v)
    {
        st.record_violation(Violation {
            method: method.to_string(),
            path: template.clone(),
            direction: "response",
            status,
            errors,
        });
    }
    rparts.headers.remove("content-length");
    Response::from_parts(rparts, Body::from(rbytes))
}
