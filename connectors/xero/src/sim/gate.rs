//! What every API call passes through before and after its handler, in
//! Xero's order: counted in `/_sim/stats`; `Authorization: Bearer` (401);
//! `xero-tenant-id` on `/api.xro/2.0` paths (403); rate limits (429 with
//! `Retry-After` and `X-Rate-Limit-Problem`); injected faults; the
//! `Idempotency-Key` replay; strict-mode schema checks of both bodies; and
//! the `X-*Limit-Remaining` headers on the way out.

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{Fault, reset_body};

use super::idempotency::{Claim, MAX_KEY_LEN, Stored, fingerprint};
use super::limits::{Problem, Remaining};
use super::respond;
use super::state::{SimState, Violation};

const MAX_BODY: usize = 16 * 1024 * 1024;

pub async fn gate(State(st): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let method = req.method().clone();
    let write = method != Method::GET && method != Method::HEAD;
    st.stats.call(method.as_str(), &template, write);
    if let Some(d) = st.faults.latency() {
        tokio::time::sleep(d).await;
    }

    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    if !token.is_some_and(|t| st.auth.valid(t)) {
        return respond::unauthorized();
    }
    let on_tenant = template.starts_with("/api.xro/");
    if on_tenant {
        let tenant = req
            .headers()
            .get("xero-tenant-id")
            .and_then(|v| v.to_str().ok());
        if !tenant.is_some_and(|t| t.trim().eq_ignore_ascii_case(&st.tenant.id.to_string())) {
            return respond::forbidden();
        }
    }

    let (_permit, remaining) = match st.limits.acquire(on_tenant) {
        Ok(p) => p,
        Err((problem, retry)) => {
            st.stats.rate_limited();
            return too_many(problem, retry);
        }
    };

    let mut reset = false;
    match st.faults.next() {
        Some(Fault::ServerError) => {
            st.stats.fault();
            return respond::server_error();
        }
        Some(Fault::TooManyRequests) => {
            st.stats.fault();
            return too_many(
                Problem::Minute,
                st.opts.scaled(std::time::Duration::from_secs(1)),
            );
        }
        Some(Fault::Reset) => {
            st.stats.fault();
            reset = true;
        }
        None => {}
    }
    if st.faults.should_expire_tokens() {
        st.auth.expire_all();
    }

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

    // Idempotency-Key: scoped to the tenant; see `idempotency` for the rules
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
                let mut r = respond::json_bytes(
                    StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK),
                    stored.body.to_vec(),
                );
                add_limit_headers(&mut r, remaining);
                return r;
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
    let mut out = if reset {
        // the handler ran (a write happened) but the client never sees the answer
        Response::from_parts(rparts, reset_body())
    } else {
        Response::from_parts(rparts, Body::from(rbytes))
    };
    add_limit_headers(&mut out, remaining);
    out
}

fn add_limit_headers(r: &mut Response, remaining: Option<Remaining>) {
    if let Some(rem) = remaining {
        let h = r.headers_mut();
        h.insert("x-minlimit-remaining", HeaderValue::from(rem.minute));
        h.insert("x-daylimit-remaining", HeaderValue::from(rem.day));
        h.insert("x-appminlimit-remaining", HeaderValue::from(rem.app_minute));
    }
}

fn too_many(problem: Problem, retry: std::time::Duration) -> Response {
    // Retry-After is whole seconds; round up so a client that obeys it is never early
    let secs = retry.as_secs() + u64::from(retry.subsec_nanos() > 0);
    let mut r = respond::problem(
        StatusCode::TOO_MANY_REQUESTS,
        "Too Many Requests",
        "Rate limit exceeded",
    );
    let h = r.headers_mut();
    h.insert("retry-after", HeaderValue::from(secs.max(1)));
    h.insert(
        "x-rate-limit-problem",
        HeaderValue::from_static(problem.header()),
    );
    r
}
