//! The HTTP client every connector uses for every vendor call.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use ::http::header::{AUTHORIZATION, CONTENT_TYPE};
use ::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use super::call::{Call, Response};
use super::classify::{Classifier, ErrorFields, default_error};
use super::limits::{CallInfo, Limits, NoPacer, Pacer, QuotaReader};
use super::redact::redact_pairs;
use super::retry::{RetryPolicy, parse_retry_after};
use crate::auth::TokenSource;
use crate::{Capabilities, ConnectorError, ConnectorResult, ErrorKind, RateLimit};

/// Where the credential goes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AuthHeader {
    /// `Authorization: Bearer <token>` (every OAuth vendor, HubSpot private apps).
    #[default]
    Bearer,
    /// The raw token in a header of its own (Pipedrive `x-api-token`).
    Raw(HeaderName),
}

/// Counters of one client (one connection), for the engine's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpStats {
    /// Requests actually sent to the vendor (every attempt counts).
    pub api_calls: u64,
    /// Responses that said "rate limited" (429, or a connector-classified limit).
    pub rate_limited: u64,
    /// Attempts that were retries.
    pub retries: u64,
    /// Times a tenant was paused because a quota header reported a window spent.
    pub quota_pauses: u64,
    /// 401s answered with a token refresh and one more try.
    pub auth_refreshes: u64,
}

#[derive(Default)]
struct Counters {
    api_calls: AtomicU64,
    rate_limited: AtomicU64,
    retries: AtomicU64,
    quota_pauses: AtomicU64,
    auth_refreshes: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Configures an [`HttpClient`]; start with [`HttpClient::builder`].
pub struct HttpClientBuilder {
    vendor: &'static str,
    connection: String,
    base_url: String,
    rate_limits: Vec<RateLimit>,
    max_concurrency: Option<usize>,
    rate_scale: f64,
    enforce_limits: bool,
    retry: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
    token_source: Option<Arc<dyn TokenSource>>,
    auth_header: AuthHeader,
    default_headers: Vec<(String, String)>,
    default_tenant: Option<String>,
    classifier: Option<Classifier>,
    error_fields: ErrorFields,
    quota_reader: Option<QuotaReader>,
    pacer: Arc<dyn Pacer>,
}

impl fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClientBuilder")
            .field("vendor", &self.vendor)
            .field("connection", &self.connection)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl HttpClientBuilder {
    /// The connection's time scale: the vendor's windows are `f` times
    /// shorter (simulators with `--rate-scale f`). As in the simulators,
    /// every declared window shrinks `f` times and windows of a day or more
    /// also hold `f` times fewer calls. Windows up to a minute are paced
    /// smoothly (one call every `window / calls`, so no window of that length
    /// ever holds more than `calls`, wherever the vendor's window starts);
    /// longer ones are budgets (burst of `calls`, refilled over the window).
    #[must_use]
    pub fn rate_scale(mut self, f: f64) -> Self {
        self.rate_scale = f;
        self
    }

    /// Turns client-side pacing (limiters, concurrency cap) off or on
    /// (default on). Off only for simulators with limits off: quota headers,
    /// `Retry-After` and retries still apply.
    #[must_use]
    pub fn enforce_rate_limits(mut self, on: bool) -> Self {
        self.enforce_limits = on;
        self
    }

    /// Replaces the declared limits (default: the capabilities').
    #[must_use]
    pub fn rate_limits(mut self, limits: Vec<RateLimit>, max_concurrency: Option<usize>) -> Self {
        self.rate_limits = limits;
        self.max_concurrency = max_concurrency;
        self
    }

    /// Retry bounds (default [`RetryPolicy::default`]).
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Timeout of one attempt, body included (default 60 s).
    #[must_use]
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Where tokens come from (none: unauthenticated calls).
    #[must_use]
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.token_source = Some(source);
        self
    }

    /// Where the token goes (default `Authorization: Bearer`).
    #[must_use]
    pub fn auth_header(mut self, h: AuthHeader) -> Self {
        self.auth_header = h;
        self
    }

    /// A header sent with every call (`Accept: application/json`,
    /// Xero `xero-tenant-id`).
    #[must_use]
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// The tenant calls count against unless a [`Call::tenant`] says
    /// otherwise (default: the connection name).
    #[must_use]
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.default_tenant = Some(tenant.into());
        self
    }

    /// The connector's reading of vendor-specific error shapes.
    #[must_use]
    pub fn classifier(mut self, c: Classifier) -> Self {
        self.classifier = Some(c);
        self
    }

    /// Where the vendor puts messages and correlation ids (default: all
    /// five vendors' usual places).
    #[must_use]
    pub fn error_fields(mut self, f: ErrorFields) -> Self {
        self.error_fields = f;
        self
    }

    /// Reads remaining-quota headers; an exhausted window pauses the tenant.
    #[must_use]
    pub fn quota_reader(mut self, r: QuotaReader) -> Self {
        self.quota_reader = Some(r);
        self
    }

    /// The engine's fleet-wide pacing hook (default [`NoPacer`]).
    #[must_use]
    pub fn pacer(mut self, p: Arc<dyn Pacer>) -> Self {
        self.pacer = p;
        self
    }

    /// Builds the client. Fails (`Config`) on a bad base URL or header.
    pub fn build(self) -> ConnectorResult<HttpClient> {
        let base = Url::parse(self.base_url.trim_end_matches('/'))
            .map_err(|e| ConnectorError::config(format!("base URL {:?}: {e}", self.base_url)))?;
        if base.cannot_be_a_base() {
            return Err(ConnectorError::config(format!(
                "base URL {:?} cannot be a base",
                self.base_url
            )));
        }
        let default_headers = header_map(&self.default_headers)?;
        // Redirects are never followed: a 3xx from an API is a misconfiguration
        // (wrong base URL, http→https) and following it could carry the
        // Authorization header somewhere it does not belong.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true)
            .user_agent(concat!("ledgerbridge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::config(format!("HTTP client: {e}")))?;
        let limits = Limits::new(
            &self.rate_limits,
            self.max_concurrency,
            self.rate_scale,
            self.enforce_limits,
        );
        Ok(HttpClient {
            inner: Arc::new(Inner {
                vendor: self.vendor,
                default_tenant: self
                    .default_tenant
                    .unwrap_or_else(|| self.connection.clone()),
                connection: self.connection,
                base,
                http,
                token_source: self.token_source,
                auth_header: self.auth_header,
                default_headers,
                limits,
                retry: self.retry,
                classifier: self.classifier,
                error_fields: self.error_fields,
                quota_reader: self.quota_reader,
                pacer: self.pacer,
                counters: Counters::default(),
            }),
        })
    }
}

fn header_map(pairs: &[(String, String)]) -> ConnectorResult<HeaderMap> {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| ConnectorError::config(format!("invalid header name {k:?}")))?;
        let value = HeaderValue::from_str(v)
            .map_err(|_| ConnectorError::config(format!("invalid value for header {k:?}")))?;
        map.append(name, value);
    }
    Ok(map)
}

/// The HTTP client of one connection. Cheap to clone (shared state).
///
/// Every call goes through, in order: the tenant's concurrency slot → the
/// engine's [`Pacer`] → any pause (quota spent, 429 with `Retry-After`) →
/// the governor limiters → the token → the request. The slot is taken
/// first so that calls admitted by the limiters go out at once instead of
/// bunching up behind the semaphore (which would break the pacing). The
/// pacer comes before the pause and the limiters for the same reason (calls
/// admitted while it waited for a fleet lease would go out in a burst once
/// it returns), and so that a tenant paused by its quota still counts as in
/// use (a fleet lease is not handed to a process that knows nothing of the
/// pause).
///
/// Failures are classified ([`Classifier`], then [`kind_for_status`](super::kind_for_status))
/// and retried within [`RetryPolicy`] when safe: a GET or a call marked
/// idempotent always; any call when it certainly did not reach the vendor
/// (connection refused, 429, 401); a non-idempotent write that may have
/// reached the vendor never — the engine gets `Retryable` and recovers by
/// looking the record up.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    vendor: &'static str,
    connection: String,
    default_tenant: String,
    base: Url,
    http: reqwest::Client,
    token_source: Option<Arc<dyn TokenSource>>,
    auth_header: AuthHeader,
    default_headers: HeaderMap,
    limits: Limits,
    retry: RetryPolicy,
    classifier: Option<Classifier>,
    error_fields: ErrorFields,
    quota_reader: Option<QuotaReader>,
    pacer: Arc<dyn Pacer>,
    counters: Counters,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("vendor", &self.inner.vendor)
            .field("connection", &self.inner.connection)
            .field("base", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

/// Why one attempt failed, with what the retry loop needs to decide.
struct Failure {
    error: ConnectorError,
    /// The request may have reached the vendor (and been acted on).
    reached: bool,
    /// The vendor said when to come back.
    retry_after: Option<Duration>,
    /// A 401 to this token.
    unauthorized: Option<SecretString>,
}

impl Failure {
    fn before_send(error: ConnectorError) -> Self {
        let retry_after = match &error.kind {
            ErrorKind::RateLimited { retry_after } => *retry_after,
            _ => None,
        };
        Failure {
            error,
            reached: false,
            retry_after,
            unauthorized: None,
        }
    }
}

impl HttpClient {
    /// A builder for connection `connection` of a connector declaring
    /// `caps` (its vendor name, rate limits and concurrency cap are taken
    /// from there), calling paths under `base_url`.
    pub fn builder(
        connection: impl Into<String>,
        base_url: impl Into<String>,
        caps: &Capabilities,
    ) -> HttpClientBuilder {
        HttpClientBuilder {
            vendor: caps.vendor,
            connection: connection.into(),
            base_url: base_url.into(),
            rate_limits: caps.rate_limits.clone(),
            max_concurrency: caps.max_concurrency,
            rate_scale: 1.0,
            enforce_limits: true,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            token_source: None,
            auth_header: AuthHeader::default(),
            default_headers: Vec::new(),
            default_tenant: None,
            classifier: None,
            error_fields: ErrorFields::default(),
            quota_reader: None,
            pacer: Arc::new(NoPacer),
        }
    }

    /// The base URL calls are relative to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> HttpStats {
        let c = &self.inner.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        HttpStats {
            api_calls: l(&c.api_calls),
            rate_limited: l(&c.rate_limited),
            retries: l(&c.retries),
            quota_pauses: l(&c.quota_pauses),
            auth_refreshes: l(&c.auth_refreshes),
        }
    }

    /// Sends the call; a 2xx (or accepted) response comes back fully read,
    /// anything else as a classified error.
    pub async fn send(&self, call: Call) -> ConnectorResult<Response> {
        self.execute(call, Ok).await
    }

    /// Sends the call and parses the body as JSON. Parsing happens inside
    /// the retry loop, so a garbled answer to a GET is retried like a 5xx.
    pub async fn send_json<T: DeserializeOwned>(&self, call: Call) -> ConnectorResult<T> {
        self.execute(call, |r| r.json::<T>()).await
    }

    async fn execute<T>(
        &self,
        call: Call,
        parse: impl Fn(Response) -> ConnectorResult<T>,
    ) -> ConnectorResult<T> {
        let summary = call.summary();
        if let Some(e) = &call.build_error {
            return Err(ConnectorError::config(format!("{summary}: {e}")));
        }
        let url = self.url_for(&call)?;
        let mut headers = self.inner.default_headers.clone();
        for (k, v) in header_map(&call.headers)? {
            if let Some(k) = k {
                headers.insert(k, v);
            }
        }
        let tenant = call
            .tenant
            .clone()
            .unwrap_or_else(|| self.inner.default_tenant.clone());
        let policy = &self.inner.retry;
        let start = Instant::now();
        let deadline = start + policy.max_elapsed;
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let span = tracing::debug_span!(
                "vendor_call",
                vendor = self.inner.vendor,
                connection = %self.inner.connection,
                method = %call.method,
                path = %call.template,
                query = %redact_pairs(&call.query),
                tenant = %tenant,
                attempt,
                status = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            );
            let ctx = AttemptCtx {
                call: &call,
                url: &url,
                headers: &headers,
                tenant: &tenant,
                attempt,
                summary: &summary,
                deadline,
            };
            let failure = match self.attempt(&ctx, &parse).instrument(span.clone()).await {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            if let (Some(stale), false, Some(ts)) =
                (&failure.unauthorized, refreshed, &self.inner.token_source)
            {
                refreshed = true;
                if ts.refresh_after_unauthorized(stale).await? {
                    bump(&self.inner.counters.auth_refreshes);
                    tracing::info!(parent: &span, "401: token refreshed, trying once more");
                    continue;
                }
            }
            let safe = call.idempotent || !failure.reached;
            if !failure.error.is_retryable() || !safe || attempt >= policy.max_attempts {
                tracing::debug!(parent: &span, error = %failure.error, "vendor call failed");
                return Err(failure.error);
            }
            let wait = failure
                .retry_after
                .unwrap_or_else(|| policy.backoff(attempt));
            if Instant::now() + wait > deadline {
                tracing::debug!(parent: &span, error = %failure.error, wait_ms = wait.as_millis() as u64, "retry budget spent");
                return Err(failure.error);
            }
            bump(&self.inner.counters.retries);
            tracing::info!(parent: &span, error = %failure.error, wait_ms = wait.as_millis() as u64, "retrying vendor call");
            tokio::time::sleep(wait).await;
        }
    }

    fn url_for(&self, call: &Call) -> ConnectorResult<Url> {
        let bad = |e: String| ConnectorError::config(format!("{}: {e}", call.summary()));
        let mut url = match &call.url {
            Some(u) => {
                let url = self
                    .inner
                    .base
                    .join(u)
                    .map_err(|e| bad(format!("invalid URL: {e}")))?;
                if url.origin() != self.inner.base.origin() {
                    return Err(bad(format!(
                        "refusing to send credentials to {} (not the base URL's origin)",
                        url.host_str().unwrap_or("?")
                    )));
                }
                url
            }
            None => {
                if call.path.contains('{') {
                    return Err(bad(format!("unfilled path parameter in {}", call.path)));
                }
                let path = if call.path.starts_with('/') {
                    call.path.clone()
                } else {
                    format!("/{}", call.path)
                };
                Url::parse(&format!(
                    "{}{}",
                    self.inner.base.as_str().trim_end_matches('/'),
                    path
                ))
                .map_err(|e| bad(format!("invalid path: {e}")))?
            }
        };
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&call.query);
        }
        Ok(url)
    }

    fn auth_value(
        &self,
        token: &SecretString,
    ) -> Result<(HeaderName, HeaderValue), ConnectorError> {
        let (name, text) = match &self.inner.auth_header {
            AuthHeader::Bearer => (AUTHORIZATION, format!("Bearer {}", token.expose_secret())),
            AuthHeader::Raw(h) => (h.clone(), token.expose_secret().to_string()),
        };
        let mut v = HeaderValue::from_str(&text).map_err(|_| {
            ConnectorError::new(
                ErrorKind::Auth,
                "the access token is not a valid header value",
            )
        })?;
        // keeps it out of hyper's Debug output and HPACK tables
        v.set_sensitive(true);
        Ok((name, v))
    }

    async fn attempt<T>(
        &self,
        ctx: &AttemptCtx<'_>,
        parse: &impl Fn(Response) -> ConnectorResult<T>,
    ) -> Result<T, Failure> {
        let inner = &*self.inner;
        let info = CallInfo {
            vendor: inner.vendor,
            connection: &inner.connection,
            tenant: ctx.tenant,
            method: &ctx.call.method,
            template: &ctx.call.template,
            attempt: ctx.attempt,
        };
        let _slot = inner.limits.permit(ctx.tenant).await;
        inner
            .pacer
            .before_call(&info)
            .await
            .map_err(Failure::before_send)?;
        while let Some(left) = inner.limits.pause_left(ctx.tenant) {
            if Instant::now() + left > ctx.deadline {
                inner.pacer.after_call(&info, None);
                return Err(Failure::before_send(ConnectorError::new(
                    ErrorKind::RateLimited {
                        retry_after: Some(left),
                    },
                    format!(
                        "{}: vendor quota spent for tenant {}",
                        ctx.summary, ctx.tenant
                    ),
                )));
            }
            tracing::debug!(
                wait_ms = left.as_millis() as u64,
                "tenant paused by vendor quota"
            );
            tokio::time::sleep(left).await;
        }
        inner.limits.admit(ctx.tenant).await;
        let token = match &inner.token_source {
            Some(ts) => Some(ts.access_token().await.map_err(Failure::before_send)?),
            None => None,
        };

        let mut rb = inner
            .http
            .request(ctx.call.method.clone(), ctx.url.clone())
            .headers(ctx.headers.clone());
        if let Some(t) = &token {
            let (name, value) = self.auth_value(t).map_err(Failure::before_send)?;
            rb = rb.header(name, value);
        }
        if let Some((body, ct)) = &ctx.call.body {
            rb = rb.header(CONTENT_TYPE, *ct).body(body.clone());
        }
        bump(&inner.counters.api_calls);
        let t0 = Instant::now();
        let span = tracing::Span::current();
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => {
                inner.pacer.after_call(&info, None);
                span.record("elapsed_ms", t0.elapsed().as_millis() as u64);
                let reached = !e.is_connect();
                tracing::debug!(error = %super::describe_reqwest(&e), "no response");
                return Err(Failure {
                    error: ConnectorError::retryable(format!(
                        "{}: {}",
                        ctx.summary,
                        super::describe_reqwest(&e)
                    )),
                    reached,
                    retry_after: None,
                    unauthorized: None,
                });
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        self.observe_quota(ctx.tenant, &headers);
        let body = resp.bytes().await;
        let elapsed = t0.elapsed();
        span.record("status", status.as_u16());
        span.record("elapsed_ms", elapsed.as_millis() as u64);
        inner.pacer.after_call(&info, Some(status.as_u16()));
        tracing::debug!(
            status = status.as_u16(),
            elapsed_ms = elapsed.as_millis() as u64,
            "vendor call"
        );
        let body = body.map_err(|e| Failure {
            error: ConnectorError::retryable(format!(
                "{}: the response was cut off while reading its body ({})",
                ctx.summary,
                super::describe_reqwest(&e)
            ))
            .with_status(status.as_u16()),
            reached: true,
            retry_after: None,
            unauthorized: None,
        })?;

        let unauthorized = if status == StatusCode::UNAUTHORIZED {
            token.clone()
        } else {
            None
        };
        // a status the call accepts is the caller's to read (e.g. a batch
        // refusal whose per-element errors it maps to items), never an error
        if let Some(classify) = &inner.classifier
            && !ctx.call.accept.contains(&status)
            && let Some(mut e) = classify(status, &headers, &body)
        {
            if e.status.is_none() {
                e.status = Some(status.as_u16());
            }
            if e.correlation_id.is_none() {
                e.correlation_id =
                    super::classify::correlation_id(&headers, &body, &inner.error_fields);
            }
            let retry_after = match &e.kind {
                ErrorKind::RateLimited { retry_after } => {
                    bump(&inner.counters.rate_limited);
                    if let Some(d) = retry_after {
                        inner.limits.pause(ctx.tenant, *d);
                    }
                    *retry_after
                }
                _ => None,
            };
            let refused = matches!(e.kind, ErrorKind::RateLimited { .. })
                || status == StatusCode::UNAUTHORIZED;
            return Err(Failure {
                error: e,
                reached: !refused,
                retry_after,
                unauthorized,
            });
        }
        if status.is_success() || ctx.call.accept.contains(&status) {
            let r = Response {
                status,
                headers,
                body,
                summary: ctx.summary.to_string(),
            };
            return parse(r).map_err(|error| Failure {
                error,
                reached: true,
                retry_after: None,
                unauthorized: None,
            });
        }
        let retry_after = if status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::SERVICE_UNAVAILABLE
        {
            parse_retry_after(&headers, SystemTime::now())
        } else {
            None
        };
        if status == StatusCode::TOO_MANY_REQUESTS {
            bump(&inner.counters.rate_limited);
            if let Some(d) = retry_after {
                // the vendor refuses everything from this tenant until then
                inner.limits.pause(ctx.tenant, d);
            }
        }
        let error = default_error(
            ctx.summary,
            status,
            &headers,
            &body,
            &inner.error_fields,
            retry_after,
        );
        Err(Failure {
            error,
            // a 429 or 401 was refused before any processing
            reached: !(status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::UNAUTHORIZED),
            retry_after,
            unauthorized,
        })
    }

    fn observe_quota(&self, tenant: &str, headers: &HeaderMap) {
        let Some(read) = &self.inner.quota_reader else {
            return;
        };
        for q in read(headers) {
            if q.remaining == 0 {
                let pause = self.inner.limits.exhausted_pause(tenant, &q);
                self.inner.limits.pause(tenant, pause);
                bump(&self.inner.counters.quota_pauses);
                tracing::info!(
                    window = %q.window,
                    pause_ms = pause.as_millis() as u64,
                    tenant,
                    "vendor reports the window spent; pausing the tenant"
                );
            }
        }
    }
}

struct AttemptCtx<'a> {
    call: &'a Call,
    url: &'a Url,
    headers: &'a HeaderMap,
    tenant: &'a str,
    attempt: u32,
    summary: &'a str,
    deadline: Instant,
}
