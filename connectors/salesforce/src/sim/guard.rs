//! Salesforce's answers to the SDK's request gate: every REST call is
//! counted, delayed and faulted by the kit; here are the session check's
//! 401 `INVALID_SESSION_ID`, the rolling 24-hour allocation (403
//! `REQUEST_LIMIT_EXCEEDED`, checked among the vendor's own checks because it is a rolling
//! window, not one of the kit's fixed ones), and the `Sforce-Limit-Info`
//! header every REST answer carries, limits on or off.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{AuthFailure, Caller, Charge, Gate, GateWire, Limited};

use super::Sim;
use super::errors::ApiError;
use super::schema::object_def;

/// The stats template of a call: the matched route with the object name
/// filled in (`GET /services/data/{version}/sobjects/Opportunity/{id}`).
pub fn template(matched: &str, path: &str) -> String {
    let actual: Vec<&str> = path.split('/').collect();
    matched
        .split('/')
        .enumerate()
        .map(|(i, seg)| match seg {
            "{object}" => actual
                .get(i)
                .and_then(|a| object_def(a))
                .map_or_else(|| seg.to_string(), |o| o.name.to_string()),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The session id of a request: `Authorization: Bearer …` (or the older
/// `OAuth …` scheme Salesforce still takes).
pub fn session(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.trim().to_string())
}

impl GateWire for Sim {
    fn gate(&self) -> &Gate {
        &self.gate
    }

    fn template(&self, matched: &str, path: &str) -> String {
        template(matched, path)
    }

    fn credential(&self, req: &Request) -> Option<String> {
        session(req.headers())
    }

    fn unauthorized(&self, _failure: AuthFailure) -> Response {
        let mut r = ApiError::invalid_session().into_response();
        r.headers_mut()
            .insert("www-authenticate", HeaderValue::from_static("Token"));
        r
    }

    /// Takes one call from the rolling allocation; with `--rate-limits off`
    /// the call is counted and reported but never refused.
    fn refusal(&self, _req: &Request, _caller: &Caller) -> Option<Response> {
        match self.usage.take() {
            Ok(_) => None,
            Err(_) if !self.gate.opts.rate_limits => None,
            Err(_) => {
                self.gate.stats.rate_limited();
                Some(ApiError::limit_exceeded().into_response())
            }
        }
    }

    fn charges(&self, _req: &Request, _caller: &Caller) -> Vec<Charge> {
        Vec::new()
    }

    /// An injected burst: Salesforce refuses calls over its concurrency
    /// limit with 403 `REQUEST_LIMIT_EXCEEDED`, never 429.
    fn too_many(&self, _limited: &Limited, _caller: &Caller) -> Response {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentPerOrgLongTxn Limit exceeded.",
        )
        .into_response()
    }

    fn server_error(&self) -> Response {
        ApiError::internal().into_response()
    }
}

/// `Sforce-Limit-Info: api-usage=n/m` on every REST answer, refusals too.
pub async fn limit_info(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let value = format!("api-usage={}/{}", sim.usage.used(), sim.usage.max());
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().insert("sforce-limit-info", v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_name_the_object() {
        assert_eq!(
            template(
                "/services/data/{version}/sobjects/{object}/{id}",
                "/services/data/v66.0/sobjects/opportunity/006Dn0000000001AAA"
            ),
            "/services/data/{version}/sobjects/Opportunity/{id}"
        );
    }

    #[test]
    fn both_authorization_schemes() {
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_static("Bearer abc"));
        assert_eq!(session(&h).as_deref(), Some("abc"));
        h.insert("authorization", HeaderValue::from_static("OAuth abc"));
        assert_eq!(session(&h).as_deref(), Some("abc"));
        h.insert("authorization", HeaderValue::from_static("Basic abc"));
        assert_eq!(session(&h), None);
    }
}
