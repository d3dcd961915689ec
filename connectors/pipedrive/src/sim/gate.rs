//! What every API call passes through before and after its handler: counted
//! in `/_sim/stats`; latency faults; credentials (401); the limits — burst,
//! the daily token budget charged by the endpoint's `x-token-cost`, the
//! POST/PUT fair-use counter (429); injected faults; strict-mode schema
//! checks of both bodies; and the rate-limit headers on the way out.

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{Fault, reset_body};

use super::auth::Credential;
use super::costs;
use super::limits::{Allowed, Refusal, ceil_secs};
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

    let cred = Credential::of(req.headers(), req.uri().query());
    let Some(cred) = cred.filter(|c| st.accepts(c)) else {
        return respond::unauthorized();
    };

    let cost = costs::token_cost(method.as_str(), &template).unwrap_or_else(|| {
        debug_assert!(false, "no token cost for {method} {template}");
        1
    });
    let post_put = method == Method::POST || method == Method::PUT;
    let allowed = match st.limits.acquire(&cred, cost, post_put) {
        Ok(a) => a,
        Err(refusal) => {
            st.stats.rate_limited();
            return too_many(refusal);
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
            return too_many(Refusal::Burst {
                limit: allowed.limit,
                reset: allowed.reset,
            });
        }
        Some(Fault::Reset) => {
            st.stats.fault();
            reset = true;
        }
        None => {}
    }
    st.after_call();

    let (parts, body) = req.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let strict = st.spec();
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

    let resp = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (mut rparts, rbody) = resp.into_parts();
    let rbytes: Bytes = to_bytes(rbody, MAX_BODY).await.unwrap_or_default();
    let status = rparts.status.as_u16();
    if let Some(spec) = &strict {
        let checked = match serde_json::from_slice::<serde_json::Value>(&rbytes) {
            Ok(v) => spec.validate_response(method.as_str(), &template, status, &v),
            Err(e) => Err(vec![format!("the response is not JSON: {e}")]),
        };
        if let Err(errors) = checked {
            st.record_violation(Violation {
                method: method.to_string(),
                path: template.clone(),
                direction: "response",
                status,
                errors,
            });
        }
    }
    rparts.headers.remove("content-length");
    add_limit_headers(&mut rparts.headers, &allowed);
    if reset {
        // the handler ran (a write happened) but the client never sees the answer
        Response::from_parts(rparts, reset_body())
    } else {
        Response::from_parts(rparts, Body::from(rbytes))
    }
}

fn add_limit_headers(h: &mut HeaderMap, a: &Allowed) {
    h.insert("x-ratelimit-limit", HeaderValue::from(a.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(a.remaining));
    h.insert(
        "x-ratelimit-reset",
        HeaderValue::from(ceil_secs(a.reset).max(1)),
    );
    if let Some(left) = a.daily_requests_left {
        h.insert("x-daily-requests-left", HeaderValue::from(left));
    }
}

fn too_many(refusal: Refusal) -> Response {
    let (what, reset, limit) = match refusal {
        Refusal::Burst { limit, reset } => (
            "too many requests in the 2-second window",
            reset,
            Some(limit),
        ),
        Refusal::DailyBudget { reset } => {
            ("the company's daily token budget is spent", reset, None)
        }
        Refusal::FairUse { reset } => ("the user's daily POST/PUT requests are spent", reset, None),
    };
    let mut r = respond::too_many(what);
    let secs = ceil_secs(reset).max(1);
    let h = r.headers_mut();
    if let Some(limit) = limit {
        h.insert("x-ratelimit-limit", HeaderValue::from(limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(0));
        h.insert("x-ratelimit-reset", HeaderValue::from(secs));
    }
    if matches!(refusal, Refusal::FairUse { .. }) {
        h.insert("x-daily-requests-left", HeaderValue::from(0));
    }
    h.insert("retry-after", HeaderValue::from(secs));
    r
}
