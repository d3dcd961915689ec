//! What happens to every API call before its handler: call statistics, fault
//! injection, authentication and HubSpot's rate limits with their headers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{Fault, RateDecision, RateWindow, SimOptions, reset_body};

use super::Sim;
use super::errors::ApiError;
use super::oauth::TokenCheck;
use super::schema::ObjectType;

/// Professional/Enterprise tier: 190 calls per 10 s per app and account.
pub const TEN_SECOND_LIMIT: u64 = 190;
/// Professional tier daily cap.
pub const DAILY_LIMIT: u64 = 625_000;
/// Search: 4 requests per second per token.
pub const SEARCH_PER_SECOND: u64 = 4;

pub struct Limits {
    enabled: bool,
    ten_second: RateWindow,
    daily: RateWindow,
    search_window: Duration,
    search: Mutex<HashMap<String, Arc<RateWindow>>>,
}

impl Limits {
    pub fn new(opts: &SimOptions) -> Limits {
        Limits {
            enabled: opts.rate_limits,
            ten_second: RateWindow::new(TEN_SECOND_LIMIT, opts.scaled(Duration::from_secs(10))),
            daily: RateWindow::new(
                opts.scaled_cap(DAILY_LIMIT),
                opts.scaled(Duration::from_secs(86_400)),
            ),
            search_window: opts.scaled(Duration::from_secs(1)),
            search: Mutex::new(HashMap::new()),
        }
    }

    fn search_window(&self, token: &str) -> Arc<RateWindow> {
        self.search
            .lock()
            .unwrap()
            .entry(token.to_string())
            .or_insert_with(|| Arc::new(RateWindow::new(SEARCH_PER_SECOND, self.search_window)))
            .clone()
    }
}

/// The stats template of a call: the matched route with object types filled
/// in (`/crm/v3/objects/deals/{id}`), so tests can count per endpoint.
fn template(matched: &str, path: &str) -> String {
    let actual: Vec<&str> = path.split('/').collect();
    matched
        .split('/')
        .enumerate()
        .map(|(i, seg)| match seg {
            "{object_type}" | "{from}" | "{to}" => actual
                .get(i)
                .and_then(|a| ObjectType::parse(a))
                .map_or_else(
                    || actual.get(i).unwrap_or(&seg).to_string(),
                    |t| t.name().to_string(),
                ),
            "{to_id}" | "{pipeline_id}" => "{id}".to_string(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_write(method: &Method, path: &str) -> bool {
    *method != Method::GET && !path.ends_with("/search") && !path.ends_with("/batch/read")
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

fn secs_ceil(d: Duration) -> String {
    (d.as_millis().div_ceil(1000).max(1)).to_string()
}

pub async fn guard(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| path.clone(), |m| m.as_str().to_string());
    let method = req.method().clone();
    sim.stats.call(
        method.as_str(),
        &template(&matched, &path),
        is_write(&method, &path),
    );

    if let Some(d) = sim.faults.latency() {
        tokio::time::sleep(d).await;
    }
    let fault = sim.faults.next();
    if sim.faults.should_expire_tokens() {
        sim.oauth.lock().unwrap().expire_all();
    }

    let token = bearer(req.headers());
    let check = match &token {
        None => TokenCheck::Missing,
        Some(t) if sim.opts.token.as_deref() == Some(t.as_str()) => TokenCheck::Static,
        Some(t) => sim.oauth.lock().unwrap().check(t),
    };
    let oauth = match check {
        TokenCheck::Static => false,
        TokenCheck::OAuth => true,
        TokenCheck::Missing | TokenCheck::Unknown => {
            return ApiError::unauthorized(
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            )
            .into_response();
        }
        TokenCheck::Expired(ago) => {
            return ApiError::unauthorized(
                "EXPIRED_AUTHENTICATION",
                format!(
                    "The OAuth token used to make this call expired {} minute(s) ago.",
                    ago.as_secs() / 60
                ),
            )
            .into_response();
        }
    };

    match fault {
        Some(Fault::ServerError) => {
            sim.stats.fault();
            return ApiError::internal().into_response();
        }
        Some(Fault::TooManyRequests) => {
            sim.stats.fault();
            sim.stats.rate_limited();
            let mut r = ApiError::rate_limited(
                "TEN_SECONDLY_ROLLING",
                "You have reached your ten_secondly_rolling limit.",
            )
            .into_response();
            let h = r.headers_mut();
            h.insert("retry-after", HeaderValue::from_static("1"));
            h.insert(
                "x-hubspot-ratelimit-remaining",
                HeaderValue::from_static("0"),
            );
            return r;
        }
        Some(Fault::Reset) => {
            sim.stats.fault();
            return (
                StatusCode::OK,
                [("content-type", "application/json;charset=utf-8")],
                reset_body(),
            )
                .into_response();
        }
        None => {}
    }

    let limits = &sim.limits;
    if !limits.enabled {
        return next.run(req).await;
    }
    if path.ends_with("/search") {
        // search has its own per-second limit and answers without headers
        let w = limits.search_window(token.as_deref().unwrap_or(""));
        if let RateDecision::Limited { retry_after } = w.acquire() {
            sim.stats.rate_limited();
            let mut r = ApiError::rate_limited("SECONDLY", "You have reached your secondly limit.")
                .into_response();
            r.headers_mut().insert(
                "retry-after",
                HeaderValue::from_str(&secs_ceil(retry_after)).unwrap(),
            );
            return r;
        }
        return next.run(req).await;
    }
    let daily = limits.daily.acquire();
    let ten = match daily {
        RateDecision::Limited { .. } => daily,
        RateDecision::Allowed { .. } => limits.ten_second.acquire(),
    };
    let interval_ms = limits.ten_second.window().as_millis().to_string();
    let daily_remaining = match daily {
        RateDecision::Allowed { remaining } => remaining,
        RateDecision::Limited { .. } => 0,
    };
    let mut resp = match (daily, ten) {
        (RateDecision::Limited { retry_after }, _) => {
            sim.stats.rate_limited();
            let mut r = ApiError::rate_limited("DAILY", "You have reached your daily limit.")
                .into_response();
            r.headers_mut().insert(
                "retry-after",
                HeaderValue::from_str(&secs_ceil(retry_after)).unwrap(),
            );
            r
        }
        (_, RateDecision::Limited { retry_after }) => {
            sim.stats.rate_limited();
            let mut r = ApiError::rate_limited(
                "TEN_SECONDLY_ROLLING",
                "You have reached your ten_secondly_rolling limit.",
            )
            .into_response();
            r.headers_mut().insert(
                "retry-after",
                HeaderValue::from_str(&secs_ceil(retry_after)).unwrap(),
            );
            r
        }
        _ => next.run(req).await,
    };
    let remaining = match ten {
        RateDecision::Allowed { remaining } => remaining,
        RateDecision::Limited { .. } => 0,
    };
    let h = resp.headers_mut();
    let num = |n: u64| HeaderValue::from_str(&n.to_string()).unwrap();
    h.insert(
        "x-hubspot-ratelimit-interval-milliseconds",
        HeaderValue::from_str(&interval_ms).unwrap(),
    );
    h.insert("x-hubspot-ratelimit-max", num(limits.ten_second.limit()));
    h.insert("x-hubspot-ratelimit-remaining", num(remaining));
    if !oauth {
        // HubSpot leaves the daily headers off OAuth-authorised calls
        h.insert("x-hubspot-ratelimit-daily", num(limits.daily.limit()));
        h.insert("x-hubspot-ratelimit-daily-remaining", num(daily_remaining));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_name_the_object_type() {
        assert_eq!(
            template(
                "/crm/v3/objects/{object_type}/{id}",
                "/crm/v3/objects/0-3/123"
            ),
            "/crm/v3/objects/deals/{id}"
        );
        assert_eq!(
            template(
                "/crm/v4/associations/{from}/{to}/batch/read",
                "/crm/v4/associations/deal/companies/batch/read"
            ),
            "/crm/v4/associations/deals/companies/batch/read"
        );
    }

    #[test]
    fn searches_and_batch_reads_are_reads() {
        assert!(!is_write(&Method::POST, "/crm/v3/objects/deals/search"));
        assert!(!is_write(&Method::POST, "/crm/v3/objects/deals/batch/read"));
        assert!(is_write(&Method::PATCH, "/crm/v3/objects/deals/1"));
    }
}
