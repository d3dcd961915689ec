//! The HTTP toolkit: one [`HttpClient`] per connection, used for every
//! vendor call, so that rate limits, retries, error classification and
//! secret hygiene are the same for all five vendors and written once.
//!
//! What a connector supplies and why:
//! - its [`Capabilities`](crate::Capabilities): declared rate limits and the
//!   concurrency cap, enforced per tenant with `governor` and a semaphore;
//! - a [`QuotaReader`]: the vendor's remaining-quota headers pause a tenant
//!   whose window is spent, instead of spending a call on a 429;
//! - a [`Classifier`] and [`ErrorFields`]: vendor error shapes the status
//!   alone gets wrong (QuickBooks' 200 with a `Fault`), and where the
//!   message and correlation id are;
//! - per [`Call`]: the path template (logged instead of ids), whether a
//!   write is idempotent (vendor idempotency key), the tenant.
//!
//! What the engine supplies: a [`TokenSource`](crate::auth::TokenSource),
//! the connection's `rate_scale`, and optionally a [`Pacer`] for fleet-wide
//! pacing across processes. It reads [`HttpStats`] for metrics.
//!
//! How the five vendors fit (their documented limits and headers):
//!
//! | vendor | declared limits | quota reader | classifier needed for | correlation | retry-safe writes |
//! |---|---|---|---|---|---|
//! | HubSpot | 100–190 / 10 s (tenant), search 4 / s (token), daily | `X-HubSpot-RateLimit-Remaining` (+ `-Daily-Remaining`) | — (statuses are honest; 207 is a success the connector reads per item) | `X-HubSpot-Correlation-Id`, `correlationId` | `batch/upsert` by unique property → [`Call::idempotent`] |
//! | Salesforce | daily org allocation | `Sforce-Limit-Info: api-usage=n/m` | 403 `REQUEST_LIMIT_EXCEEDED` → `RateLimited`; 300 on an ambiguous external id | `Sforce-Call-Id` | upsert by external id (`PATCH …/{ExtIdField}/{v}`) → idempotent |
//! | Pipedrive | 2-second burst per token, daily token budget | `x-ratelimit-remaining` + `x-ratelimit-reset` | — | `X-Correlation-Id` if sent | none: never retried after sending |
//! | QuickBooks | 500 / min and 10 / s per realm, 40 batch / min | none documented | 200 with `Fault`; 400 code 5010 → `Conflict` | `intuit_tid` | `?requestid=` → [`Call::idempotency_query`] |
//! | Xero | 60 / min, 5,000 / day per tenant, 5 concurrent, 10,000 / min app | `X-MinLimit-Remaining`, `X-DayLimit-Remaining` ([`remaining_headers`]) | a 200 whose elements carry `ValidationErrors` (per item, read by the connector) | `Xero-Correlation-Id` | `Idempotency-Key` → [`Call::idempotency_key`] |
//!
//! App-wide limits across connections (Xero's 10,000 / min) and limits
//! shared by several processes are the [`Pacer`]'s job; within one client,
//! `App` and `Token` scoped limits are shared by all of its tenants.

mod call;
mod classify;
mod client;
mod limits;
mod redact;
mod retry;

pub use call::{Call, Response};
pub use classify::{
    Classifier, ErrorFields, correlation_id, html_title, kind_for_status, looks_like_html,
    parse_json, vendor_message,
};
pub use client::{AuthHeader, HttpClient, HttpClientBuilder, HttpStats};
pub use limits::{CallInfo, NoPacer, Pacer, Quota, QuotaReader, remaining_headers};
pub use redact::{is_sensitive, redact_pairs, redact_url};
pub use retry::{RetryPolicy, backoff_ceiling, parse_retry_after};

/// `Retry-After` of a response, relative to `now` (shared with the OAuth adapter).
pub(crate) fn retry_after(
    headers: &::http::HeaderMap,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    parse_retry_after(headers, now)
}

/// A transport error in words, without the URL (whose query may hold a
/// secret): what failed, then the chain of causes.
pub(crate) fn describe_reqwest(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "response body failed"
    } else if e.is_request() {
        "request failed"
    } else {
        "transport error"
    };
    let mut parts = vec![what.to_string()];
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let t = s.to_string();
        if !parts.contains(&t) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}
