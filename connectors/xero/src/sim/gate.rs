//! Xero's side of the request gate. Every API call is counted in
//! `/_sim/stats`; then `Authorization: Bearer` (401); `xero-tenant-id` on
//! `/api.xro/2.0` paths (403); rate limits (429 with `Retry-After` and
//! `X-Rate-Limit-Problem`); injected faults (a reset cuts the answer after
//! the handler ran); the `X-*Limit-Remaining` headers on the way out. The
//! body checks and `Idempotency-Key` replay run inside it (`bodies`).

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use ledgerbridge_sdk::sim::{AuthFailure, Caller, Charge, Gate, GateWire, Limited, Usage};

use super::limits::{self, APP_MINUTE, DAY, MINUTE};
use super::respond;
use super::state::SimState;

/// Calls made on a tenant (`/api.xro/2.0/...`), not on the app (`/connections`).
fn on_tenant(req: &Request) -> bool {
    req.extensions()
        .get::<MatchedPath>()
        .map_or(req.uri().path(), |m| m.as_str())
        .starts_with("/api.xro/")
}

impl GateWire for SimState {
    fn gate(&self) -> &Gate {
        &self.gate
    }

    fn unauthorized(&self, _failure: AuthFailure) -> Response {
        respond::unauthorized()
    }

    fn refusal(&self, req: &Request, _caller: &Caller) -> Option<Response> {
        if !on_tenant(req) {
            return None;
        }
        let tenant = req
            .headers()
            .get("xero-tenant-id")
            .and_then(|v| v.to_str().ok());
        match tenant {
            Some(t) if t.trim().eq_ignore_ascii_case(&self.tenant.id.to_string()) => None,
            _ => Some(respond::forbidden()),
        }
    }

    fn charges(&self, req: &Request, _caller: &Caller) -> Vec<Charge> {
        limits::charges(on_tenant(req), &self.tenant.id.to_string())
    }

    fn too_many(&self, limited: &Limited, _caller: &Caller) -> Response {
        // Retry-After is whole seconds; round up so a client that obeys it is never early
        let retry = limited.retry_after;
        let secs = retry.as_secs() + u64::from(retry.subsec_nanos() > 0);
        let mut r = respond::problem(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
            "Rate limit exceeded",
        );
        let h = r.headers_mut();
        h.insert("retry-after", HeaderValue::from(secs.max(1)));
        // an injected burst looks like the minute limit
        let problem = limited.limit.unwrap_or(MINUTE);
        h.insert("x-rate-limit-problem", HeaderValue::from_static(problem));
        r
    }

    fn server_error(&self) -> Response {
        respond::server_error()
    }

    fn rate_headers(&self, h: &mut HeaderMap, usage: &Usage, _caller: &Caller) {
        for (limit, header) in [
            (MINUTE, "x-minlimit-remaining"),
            (DAY, "x-daylimit-remaining"),
            (APP_MINUTE, "x-appminlimit-remaining"),
        ] {
            if let Some(r) = usage.remaining(limit) {
                h.insert(header, HeaderValue::from(r));
            }
        }
    }
}
