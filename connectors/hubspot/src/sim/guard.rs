//! HubSpot's side of the request gate: which calls count as writes, how a
//! call's stats template names its object type, the 401/429/500 bodies, and
//! HubSpot's rate limits with their `X-HubSpot-RateLimit-*` headers.

use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{
    AuthFailure, Caller, Charge, Gate, GateWire, Limited, RateLimits, SimOptions, Usage,
};

use super::Sim;
use super::errors::ApiError;
use super::schema::ObjectType;

/// Professional/Enterprise tier: 190 calls per 10 s per app and account.
pub const TEN_SECOND_LIMIT: u64 = 190;
/// Professional tier daily cap.
pub const DAILY_LIMIT: u64 = 625_000;
/// Search: 4 requests per second per token.
pub const SEARCH_PER_SECOND: u64 = 4;

const TEN_SECONDLY: &str = "ten_secondly";
const DAILY: &str = "daily";
const SEARCH: &str = "search";

/// The one simulated account's limits; search is counted per token.
pub fn limits(opts: &SimOptions) -> RateLimits {
    RateLimits::new(opts)
        .window(TEN_SECONDLY, TEN_SECOND_LIMIT, Duration::from_secs(10))
        .daily(DAILY, DAILY_LIMIT)
        .window(SEARCH, SEARCH_PER_SECOND, Duration::from_secs(1))
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

fn secs_ceil(d: Duration) -> HeaderValue {
    HeaderValue::from(d.as_millis().div_ceil(1000).max(1) as u64)
}

/// The ten-second headers, and the daily ones for static tokens (HubSpot
/// leaves those off OAuth-authorised calls).
fn limit_headers(h: &mut HeaderMap, usage: &Usage, caller: &Caller, ten_remaining: Option<u64>) {
    let Some(ten) = usage.get(TEN_SECONDLY) else {
        return;
    };
    h.insert(
        "x-hubspot-ratelimit-interval-milliseconds",
        HeaderValue::from(ten.window.as_millis() as u64),
    );
    h.insert("x-hubspot-ratelimit-max", HeaderValue::from(ten.max));
    h.insert(
        "x-hubspot-ratelimit-remaining",
        HeaderValue::from(ten_remaining.unwrap_or(ten.remaining)),
    );
    if let (Some(day), false) = (usage.get(DAILY), caller.is_oauth()) {
        h.insert("x-hubspot-ratelimit-daily", HeaderValue::from(day.max));
        h.insert(
            "x-hubspot-ratelimit-daily-remaining",
            HeaderValue::from(day.remaining),
        );
    }
}

impl GateWire for Sim {
    fn gate(&self) -> &Gate {
        &self.gate
    }

    fn template(&self, matched: &str, path: &str) -> String {
        template(matched, path)
    }

    fn is_write(&self, method: &Method, path: &str) -> bool {
        is_write(method, path)
    }

    fn unauthorized(&self, failure: AuthFailure) -> Response {
        match failure {
            AuthFailure::Missing | AuthFailure::Unknown => ApiError::unauthorized(
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            ),
            AuthFailure::Expired(ago) => ApiError::unauthorized(
                "EXPIRED_AUTHENTICATION",
                format!(
                    "The OAuth token used to make this call expired {} minute(s) ago.",
                    ago.as_secs() / 60
                ),
            ),
        }
        .into_response()
    }

    fn charges(&self, req: &Request, caller: &Caller) -> Vec<Charge> {
        if req.uri().path().ends_with("/search") {
            // search has its own per-second limit per token, outside the others
            vec![Charge::one(SEARCH, caller.token())]
        } else {
            vec![Charge::one(DAILY, ""), Charge::one(TEN_SECONDLY, "")]
        }
    }

    fn too_many(&self, limited: &Limited, caller: &Caller) -> Response {
        let (policy, message) = match limited.limit {
            Some(SEARCH) => ("SECONDLY", "You have reached your secondly limit."),
            Some(DAILY) => ("DAILY", "You have reached your daily limit."),
            _ => (
                "TEN_SECONDLY_ROLLING",
                "You have reached your ten_secondly_rolling limit.",
            ),
        };
        let mut r = ApiError::rate_limited(policy, message).into_response();
        let h = r.headers_mut();
        h.insert("retry-after", secs_ceil(limited.retry_after));
        match limited.limit {
            // an injected burst: no window is really spent
            None => {
                h.insert(
                    "x-hubspot-ratelimit-remaining",
                    HeaderValue::from_static("0"),
                );
            }
            // search answers without rate-limit headers
            Some(SEARCH) => {}
            Some(_) => limit_headers(h, &limited.usage, caller, Some(0)),
        }
        r
    }

    fn server_error(&self) -> Response {
        ApiError::internal().into_response()
    }

    fn rate_headers(&self, headers: &mut HeaderMap, usage: &Usage, caller: &Caller) {
        limit_headers(headers, usage, caller, None);
    }
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
