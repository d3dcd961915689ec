//! What every company API call passes through, in order: counted in
//! `/_sim/stats`; injected latency; `Authorization: Bearer` (401
//! `AuthenticationFault`); the realm in the path (403); throttles (429
//! `ThrottleFault`); injected faults; and `intuit_tid` on the way out.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use ledgerbridge_sdk::sim::{Fault as Injected, reset_body};

use super::refusals;
use super::respond;
use super::state::SimState;
use crate::wire::{Fault, FaultType};

pub async fn gate(State(st): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    // a query is a read whatever its method; a batch may write
    let read = method == Method::GET || path.ends_with("/query");
    st.stats
        .call(method.as_str(), &stat_template(&template, &path), !read);
    let mut out = gated(&st, req, next, &path).await;
    let tid = uuid::Uuid::new_v4().to_string();
    if let Ok(v) = HeaderValue::from_str(&tid) {
        out.headers_mut().insert("intuit_tid", v);
    }
    out
}

/// Paths as templates with the entity named, so calls count per entity
/// (`POST /v3/company/{realm}/invoice`).
fn stat_template(template: &str, path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    template
        .split('/')
        .enumerate()
        .map(|(i, seg)| {
            if seg == "{entity}" {
                parts
                    .get(i)
                    .map(|p| p.to_ascii_lowercase())
                    .unwrap_or_default()
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn gated(st: &SimState, req: Request, next: Next, path: &str) -> Response {
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
    let Some(app) = token.and_then(|t| st.auth.app_of(t)) else {
        return respond::fault(&refusals::unauthorized());
    };
    let realm = path.split('/').nth(3).unwrap_or_default();
    if realm != st.realm {
        return respond::fault(&Fault::new(
            FaultType::AuthorizationFault,
            120,
            "Authorization Failure",
            format!("AuthorizationFailure: this token is not authorized for company {realm}"),
        ));
    }
    if st.limits.acquire(&app, path.ends_with("/batch")).is_err() {
        st.stats.rate_limited();
        return respond::fault(&refusals::throttled());
    }
    let mut reset = false;
    match st.faults.next() {
        Some(Injected::ServerError) => {
            st.stats.fault();
            return respond::fault(&refusals::server_error());
        }
        Some(Injected::TooManyRequests) => {
            st.stats.fault();
            return respond::fault(&refusals::throttled());
        }
        Some(Injected::Reset) => {
            st.stats.fault();
            reset = true;
        }
        None => {}
    }
    if st.faults.should_expire_tokens() {
        st.auth.expire_all();
    }
    let resp = next.run(req).await;
    if reset {
        // the handler ran (a write happened) but the client never sees the answer
        let (parts, _) = resp.into_parts();
        return Response::from_parts(parts, reset_body());
    }
    resp
}
