//! What happens to every REST call before its handler: call statistics,
//! latency and faults, the session check (401 `INVALID_SESSION_ID`), the
//! rolling 24-hour allocation (403 `REQUEST_LIMIT_EXCEEDED`) and the
//! `Sforce-Limit-Info` header on the answer.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{Fault, reset_body};

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

fn is_write(method: &Method) -> bool {
    *method != Method::GET && *method != Method::HEAD
}

/// The session id of a request: `Authorization: Bearer …` (or the older
/// `OAuth …` scheme Salesforce still takes).
pub fn session(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.trim().to_string())
}

fn usage_header(used: u64, max: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("api-usage={used}/{max}")).expect("ASCII")
}

pub async fn guard(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| path.clone(), |m| m.as_str().to_string());
    let method = req.method().clone();
    sim.stats
        .call(method.as_str(), &template(&matched, &path), is_write(&method));

    if let Some(d) = sim.faults.latency() {
        tokio::time::sleep(d).await;
    }
    let fault = sim.faults.next();
    if sim.faults.should_expire_tokens() {
        sim.expire_sessions();
    }

    let token = session(req.headers());
    if !token.as_deref().is_some_and(|t| sim.session_valid(t)) {
        let mut r = ApiError::invalid_session().into_response();
        r.headers_mut().insert(
            "www-authenticate",
            HeaderValue::from_static("Token"),
        );
        return r;
    }

    let max = sim.usage.max();
    let used = if sim.opts.rate_limits {
        match sim.usage.take() {
            Ok(used) => used,
            Err(used) => {
                sim.stats.rate_limited();
                let mut r = ApiError::limit_exceeded().into_response();
                r.headers_mut()
                    .insert("sforce-limit-info", usage_header(used, max));
                return r;
            }
        }
    } else {
        // limits off: usage is still counted and reported, never refused
        let _ = sim.usage.take();
        sim.usage.used()
    };

    let mut resp = match fault {
        Some(Fault::ServerError) => {
            sim.stats.fault();
            ApiError::internal().into_response()
        }
        Some(Fault::TooManyRequests) => {
            // Salesforce refuses a burst over its concurrency limit with
            // 403 REQUEST_LIMIT_EXCEEDED, never 429
            sim.stats.fault();
            sim.stats.rate_limited();
            ApiError::new(
                StatusCode::FORBIDDEN,
                "REQUEST_LIMIT_EXCEEDED",
                "ConcurrentPerOrgLongTxn Limit exceeded.",
            )
            .into_response()
        }
        Some(Fault::Reset) => {
            sim.stats.fault();
            (
                StatusCode::OK,
                [("content-type", "application/json;charset=UTF-8")],
                reset_body(),
            )
                .into_response()
        }
        None => next.run(req).await,
    };
    resp.headers_mut()
        .insert("sforce-limit-info", usage_header(used, max));
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
