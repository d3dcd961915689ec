//! HTTP calls to HubSpot: auth, pacing under the rate limits, retries and
//! error bodies. Endpoint helpers return HubSpot's JSON; `source.rs` turns it
//! into the canonical model.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ledgerbridge_sdk::{ConnectorError, ConnectorResult, ErrorKind};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::config::HubSpotConfig;
use crate::error::classify;

/// Where the bearer token comes from: the same shape as the SDK's
/// `auth::TokenSource`, so an OAuth source plugs in unchanged.
#[async_trait]
pub trait Bearer: Send + Sync {
    async fn access_token(&self) -> ConnectorResult<SecretString>;
    /// After a 401: true when a different token is now available.
    async fn refresh_after_unauthorized(&self, stale: &SecretString) -> ConnectorResult<bool>;
}

/// A private-app token (or a simulator's `--token`).
pub struct StaticBearer(pub SecretString);

#[async_trait]
impl Bearer for StaticBearer {
    async fn access_token(&self) -> ConnectorResult<SecretString> {
        Ok(self.0.clone())
    }
    async fn refresh_after_unauthorized(&self, _stale: &SecretString) -> ConnectorResult<bool> {
        Ok(false)
    }
}

/// A sliding-window log: at most `limit` sends in any `window`. The server
/// counts in fixed windows; never exceeding the limit in *any* window of that
/// length keeps every fixed one under it too.
struct Window {
    limit: usize,
    window: Duration,
    sent: VecDeque<Instant>,
    /// Set when the server says the window is spent (headers or a 429).
    blocked_until: Option<Instant>,
}

impl Window {
    fn new(limit: u32, window: Duration) -> Window {
        Window {
            limit: limit.max(1) as usize,
            window,
            sent: VecDeque::new(),
            blocked_until: None,
        }
    }

    /// How long to wait before the next send (zero: go, and it is recorded).
    fn reserve(&mut self, now: Instant) -> Duration {
        if let Some(until) = self.blocked_until {
            if until > now {
                return until - now;
            }
            self.blocked_until = None;
        }
        while self
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            self.sent.pop_front();
        }
        if self.sent.len() >= self.limit {
            return self.window - now.duration_since(self.sent[0]) + Duration::from_millis(1);
        }
        self.sent.push_back(now);
        Duration::ZERO
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum Lane {
    /// Counted in the 10-second and daily limits.
    Standard,
    /// The search API: its own per-second limit.
    Search,
}

struct Pacer {
    ten: Window,
    search: Window,
    daily_remaining: Option<u64>,
}

pub struct HubSpotClient {
    http: reqwest::Client,
    cfg: HubSpotConfig,
    auth: Arc<dyn Bearer>,
    pacer: Mutex<Pacer>,
    calls: std::sync::atomic::AtomicU64,
    retried_429: std::sync::atomic::AtomicU64,
}

fn header_u64(h: &reqwest::header::HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

impl HubSpotClient {
    pub fn new(cfg: HubSpotConfig, auth: Arc<dyn Bearer>) -> ConnectorResult<HubSpotClient> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ConnectorError::config(format!("HTTP client: {e}")))?;
        let pacer = Pacer {
            ten: Window::new(cfg.per_ten_seconds, cfg.scaled(Duration::from_secs(10))),
            search: Window::new(cfg.search_per_second, cfg.scaled(Duration::from_secs(1))),
            daily_remaining: None,
        };
        Ok(HubSpotClient {
            http,
            auth,
            pacer: Mutex::new(pacer),
            cfg,
            calls: Default::default(),
            retried_429: Default::default(),
        })
    }

    pub fn config(&self) -> &HubSpotConfig {
        &self.cfg
    }

    /// Calls sent (including retries).
    pub fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// 429s received and waited out.
    pub fn rate_limited(&self) -> u64 {
        self.retried_429.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn pace(&self, lane: Lane) -> ConnectorResult<()> {
        if !self.cfg.pace {
            return Ok(());
        }
        loop {
            let wait = {
                let mut p = self.pacer.lock().await;
                if lane == Lane::Standard && p.daily_remaining == Some(0) {
                    return Err(ConnectorError::new(
                        ErrorKind::RateLimited {
                            retry_after: Some(self.cfg.scaled(Duration::from_secs(3600))),
                        },
                        "HubSpot daily API limit reached",
                    ));
                }
                let now = Instant::now();
                match lane {
                    Lane::Standard => p.ten.reserve(now),
                    Lane::Search => p.search.reserve(now),
                }
            };
            if wait.is_zero() {
                return Ok(());
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Reads `X-HubSpot-RateLimit-*`: the server's count wins over ours.
    async fn observe(&self, h: &reqwest::header::HeaderMap) {
        let remaining = header_u64(h, "x-hubspot-ratelimit-remaining");
        let interval = header_u64(h, "x-hubspot-ratelimit-interval-milliseconds");
        let daily = header_u64(h, "x-hubspot-ratelimit-daily-remaining");
        let mut p = self.pacer.lock().await;
        if let Some(d) = daily {
            p.daily_remaining = Some(d);
        } else if let Some(d) = p.daily_remaining.as_mut() {
            *d = d.saturating_sub(1);
        }
        if let (Some(0), Some(ms)) = (remaining, interval) {
            // another client shares the window: wait for it to roll over
            p.ten.blocked_until = Some(Instant::now() + Duration::from_millis(ms));
        }
    }

    /// One API call with pacing, retries and a single refresh on 401.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        lane: Lane,
    ) -> ConnectorResult<(u16, Value)> {
        let summary = format!("{method} {path}");
        let url = format!("{}{path}", self.cfg.base_url.trim_end_matches('/'));
        let mut refreshed = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.pace(lane).await?;
            let token = self.auth.access_token().await?;
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(token.expose_secret())
                .query(query);
            if let Some(b) = body {
                req = req.json(b);
            }
            self.calls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let err = match req.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    if lane == Lane::Standard {
                        self.observe(&headers).await;
                    }
                    match resp.bytes().await {
                        Ok(bytes) if (200..300).contains(&status) => {
                            if bytes.is_empty() {
                                return Ok((status, Value::Null));
                            }
                            match serde_json::from_slice(&bytes) {
                                Ok(v) => return Ok((status, v)),
                                Err(e) => ConnectorError::malformed(format!(
                                    "{summary}: unreadable JSON: {e}"
                                ))
                                .with_status(status),
                            }
                        }
                        Ok(bytes) => {
                            let retry_after = header_u64(&headers, "retry-after")
                                .map(Duration::from_secs)
                                .or_else(|| {
                                    header_u64(
                                        &headers,
                                        "x-hubspot-ratelimit-interval-milliseconds",
                                    )
                                    .map(Duration::from_millis)
                                });
                            let e = classify(&summary, status, retry_after, &bytes);
                            if status == 401 && !refreshed {
                                refreshed = true;
                                if self.auth.refresh_after_unauthorized(&token).await? {
                                    attempt -= 1;
                                    continue;
                                }
                            }
                            e
                        }
                        // the body broke off (connection reset mid-response)
                        Err(e) => ConnectorError::retryable(format!(
                            "{summary}: reading the response: {e}"
                        )),
                    }
                }
                Err(e) => ConnectorError::retryable(format!("{summary}: {e}")),
            };
            if !err.is_retryable() || attempt >= self.cfg.max_attempts {
                return Err(err);
            }
            let wait = match err.kind {
                ErrorKind::RateLimited { retry_after } => {
                    self.retried_429
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let w = retry_after.unwrap_or(Duration::from_secs(1));
                    let mut p = self.pacer.lock().await;
                    let until = Instant::now() + w;
                    match lane {
                        Lane::Standard => p.ten.blocked_until = Some(until),
                        Lane::Search => p.search.blocked_until = Some(until),
                    }
                    Duration::ZERO
                }
                _ => self
                    .cfg
                    .scaled(Duration::from_millis(100 * (1 << attempt.min(6)))),
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// `GET /crm/v3/objects/{type}` page.
    pub async fn list(
        &self,
        object: &str,
        after: Option<&str>,
        properties: &[String],
        associations: &[&str],
    ) -> ConnectorResult<Value> {
        let mut q = vec![
            ("limit", self.cfg.page_size.min(100).to_string()),
            ("properties", properties.join(",")),
        ];
        if !associations.is_empty() {
            q.push(("associations", associations.join(",")));
        }
        if let Some(a) = after {
            q.push(("after", a.to_string()));
        }
        Ok(self
            .call(
                Method::GET,
                &format!("/crm/v3/objects/{object}"),
                &q,
                None,
                Lane::Standard,
            )
            .await?
            .1)
    }

    /// `POST /crm/v3/objects/{type}/search`.
    pub async fn search(&self, object: &str, body: &Value) -> ConnectorResult<Value> {
        Ok(self
            .call(
                Method::POST,
                &format!("/crm/v3/objects/{object}/search"),
                &[],
                Some(body),
                Lane::Search,
            )
            .await?
            .1)
    }

    /// `batch/read` of up to 100 ids; missing ids are simply absent.
    pub async fn batch_read(
        &self,
        object: &str,
        ids: &[String],
        properties: &[String],
    ) -> ConnectorResult<Vec<Value>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(100) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({"id": id})).collect();
            let body = json!({"inputs": inputs, "properties": properties});
            let (_, v) = self
                .call(
                    Method::POST,
                    &format!("/crm/v3/objects/{object}/batch/read"),
                    &[],
                    Some(&body),
                    Lane::Standard,
                )
                .await?;
            out.extend(v["results"].as_array().cloned().unwrap_or_default());
        }
        Ok(out)
    }

    /// v4 associations of many records (≤ 1000 per call): `from id → [(to id, type ids)]`.
    pub async fn associations(
        &self,
        from: &str,
        to: &str,
        ids: &[String],
    ) -> ConnectorResult<Vec<(String, Vec<(String, Vec<u64>)>)>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(1000) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({"id": id})).collect();
            let (_, v) = self
                .call(
                    Method::POST,
                    &format!("/crm/v4/associations/{from}/{to}/batch/read"),
                    &[],
                    Some(&json!({"inputs": inputs})),
                    Lane::Standard,
                )
                .await?;
            // a 207 lists records without associations as errors: that is "none"
            for r in v["results"].as_array().into_iter().flatten() {
                let from_id = r
                    .pointer("/from/id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let tos = r["to"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| {
                        let id = t["toObjectId"]
                            .as_u64()
                            .map(|n| n.to_string())
                            .or_else(|| t["toObjectId"].as_str().map(str::to_string))
                            .unwrap_or_default();
                        let types = t["associationTypes"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|a| a["typeId"].as_u64())
                            .collect();
                        (id, types)
                    })
                    .collect();
                out.push((from_id, tos));
            }
        }
        Ok(out)
    }

    /// `batch/update` of up to 100 inputs; returns the 2xx body.
    pub async fn batch_update(
        &self,
        object: &str,
        inputs: &[Value],
    ) -> ConnectorResult<(u16, Value)> {
        self.call(
            Method::POST,
            &format!("/crm/v3/objects/{object}/batch/update"),
            &[],
            Some(&json!({"inputs": inputs})),
            Lane::Standard,
        )
        .await
    }

    pub async fn pipelines(&self) -> ConnectorResult<Value> {
        Ok(self
            .call(
                Method::GET,
                "/crm/v3/pipelines/deals",
                &[],
                None,
                Lane::Standard,
            )
            .await?
            .1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window_never_lets_more_than_the_limit_through() {
        let mut w = Window::new(3, Duration::from_millis(100));
        let t0 = Instant::now();
        assert!(w.reserve(t0).is_zero());
        assert!(w.reserve(t0).is_zero());
        assert!(w.reserve(t0 + Duration::from_millis(50)).is_zero());
        let wait = w.reserve(t0 + Duration::from_millis(60));
        assert!(wait >= Duration::from_millis(40) && wait <= Duration::from_millis(41));
        assert!(w.reserve(t0 + Duration::from_millis(101)).is_zero());
    }
}
