//! Pipedrive's side of the SDK's request gate: the credential (`x-api-token`
//! header, the legacy `api_token` query parameter, or an OAuth bearer token),
//! the 401, the limits each call is charged (its token's burst window, its
//! `x-token-cost` against the company budget, the POST/PUT fair-use counter
//! for API-token calls), the 429 and 5xx bodies, and the `x-ratelimit-*` and
//! `x-daily-requests-left` headers. Body checks run inside it (`bodies`).

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::Response;
use ledgerbridge_sdk::sim::{AuthFailure, Caller, Charge, Gate, GateWire, Limited, Usage};

use super::auth::Credential;
use super::costs;
use super::limits::{self, BUDGET, BURST_ACCESS, BURST_API, FAIR_USE, ceil_secs};
use super::respond;
use super::state::SimState;

fn credential_of(req: &Request) -> Option<Credential> {
    Credential::of(req.headers(), req.uri().query())
}

impl GateWire for SimState {
    fn gate(&self) -> &Gate {
        &self.gate
    }

    fn credential(&self, req: &Request) -> Option<String> {
        credential_of(req).map(|c| c.token().to_string())
    }

    fn unauthorized(&self, _failure: AuthFailure) -> Response {
        respond::unauthorized()
    }

    fn charges(&self, req: &Request, caller: &Caller) -> Vec<Charge> {
        let template = req
            .extensions()
            .get::<MatchedPath>()
            .map_or(req.uri().path(), |m| m.as_str());
        let method = req.method();
        let cost = costs::token_cost(method.as_str(), template).unwrap_or_else(|| {
            debug_assert!(false, "no token cost for {method} {template}");
            1
        });
        let api_token = credential_of(req).is_some_and(|c| c.is_api_token());
        let post_put = method == Method::POST || method == Method::PUT;
        limits::charges(api_token, caller.token(), cost, post_put)
    }

    fn too_many(&self, limited: &Limited, _caller: &Caller) -> Response {
        let what = match limited.limit {
            Some(BUDGET) => "the company's daily token budget is spent",
            Some(FAIR_USE) => "the user's daily POST/PUT requests are spent",
            // an injected burst looks like the 2-second window
            _ => "too many requests in the 2-second window",
        };
        let mut r = respond::too_many(what);
        let secs = ceil_secs(limited.retry_after).max(1);
        let h = r.headers_mut();
        for u in limited.usage.uses() {
            if u.limit == BURST_API || u.limit == BURST_ACCESS {
                h.insert("x-ratelimit-limit", HeaderValue::from(u.max));
                h.insert("x-ratelimit-remaining", HeaderValue::from(u.remaining));
                h.insert("x-ratelimit-reset", HeaderValue::from(secs));
            }
            if u.limit == FAIR_USE {
                h.insert("x-daily-requests-left", HeaderValue::from(u.remaining));
            }
        }
        if limited.limit.is_none() {
            h.insert("x-ratelimit-remaining", HeaderValue::from(0));
        }
        h.insert("retry-after", HeaderValue::from(secs));
        r
    }

    fn server_error(&self) -> Response {
        respond::server_error()
    }

    fn rate_headers(&self, h: &mut HeaderMap, usage: &Usage, _caller: &Caller) {
        for u in usage.uses() {
            if u.limit == BURST_API || u.limit == BURST_ACCESS {
                h.insert("x-ratelimit-limit", HeaderValue::from(u.max));
                h.insert("x-ratelimit-remaining", HeaderValue::from(u.remaining));
                // the window's length: the SDK's usage does not say when it started
                h.insert(
                    "x-ratelimit-reset",
                    HeaderValue::from(ceil_secs(u.window).max(1)),
                );
            }
            if u.limit == FAIR_USE {
                h.insert("x-daily-requests-left", HeaderValue::from(u.remaining));
            }
        }
    }
}
