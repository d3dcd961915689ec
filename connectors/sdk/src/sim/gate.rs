//! What every API call of a simulator passes before and after its handler,
//! in this order: counted in `/_sim/stats` by path template; injected
//! latency; authentication (the static `--token`, or an access token from the
//! simulator's OAuth server; expired and unknown tokens are refused); the
//! vendor's own checks; the vendor's rate limits; injected faults
//! (5xx, connection reset, 429 bursts, token expiry); the handler; the rate
//! limit headers on the way out. The vendor supplies its wire details through
//! [`GateWire`] and mounts [`gate`] as a route layer.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::limits::{Charge, Limited, RateLimits, Usage};
use super::tokens::{Grant, TokenRefusal, TokenRules, TokenStore};
use super::{Fault, FaultInjector, SimOptions, SimStats, reset_body};

/// Who made an authenticated call.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    /// The static `--token`.
    Static(String),
    /// An access token from the OAuth server.
    OAuth { token: String, grant: Grant },
}

impl Caller {
    pub fn token(&self) -> &str {
        match self {
            Caller::Static(t) | Caller::OAuth { token: t, .. } => t,
        }
    }

    pub fn is_oauth(&self) -> bool {
        matches!(self, Caller::OAuth { .. })
    }
}

/// Why a call was not authenticated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AuthFailure {
    /// No credential in the request.
    Missing,
    /// A credential this simulator never issued (or revoked).
    Unknown,
    /// An issued access token that expired this long ago.
    Expired(Duration),
}

/// When an injected connection reset cuts the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetPoint {
    /// Before the handler runs: nothing happened on the server.
    BeforeHandler,
    /// After the handler ran: a write happened but the client never sees the
    /// answer (the case exactly-once writes must survive).
    AfterHandler,
}

/// The shared mechanisms behind a simulator's gate.
pub struct Gate {
    pub opts: SimOptions,
    pub stats: SimStats,
    pub faults: FaultInjector,
    pub limits: RateLimits,
    pub tokens: TokenStore,
    pub reset: ResetPoint,
}

impl Gate {
    pub fn new(opts: &SimOptions, limits: RateLimits, token_rules: TokenRules) -> Gate {
        Gate {
            stats: SimStats::default(),
            faults: FaultInjector::new(opts.faults.clone(), opts.seed),
            limits,
            tokens: TokenStore::new(opts, token_rules),
            reset: ResetPoint::AfterHandler,
            opts: opts.clone(),
        }
    }

    /// Sets when an injected reset cuts the call (default after the handler).
    pub fn reset_at(mut self, point: ResetPoint) -> Gate {
        self.reset = point;
        self
    }

    /// Authenticates a credential: the static token, or an issued one.
    pub fn authenticate(&self, credential: Option<&str>) -> Result<Caller, AuthFailure> {
        let Some(token) = credential else {
            return Err(AuthFailure::Missing);
        };
        if self.opts.token.as_deref() == Some(token) {
            return Ok(Caller::Static(token.to_string()));
        }
        match self.tokens.check(token) {
            Ok(grant) => Ok(Caller::OAuth {
                token: token.to_string(),
                grant,
            }),
            Err(TokenRefusal::Unknown) => Err(AuthFailure::Unknown),
            Err(TokenRefusal::Expired(ago)) => Err(AuthFailure::Expired(ago)),
        }
    }
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// What a vendor's simulator supplies to the gate.
pub trait GateWire: Send + Sync + 'static {
    fn gate(&self) -> &Gate;

    /// The stats key's path: by default the matched route template.
    fn template(&self, matched: &str, _path: &str) -> String {
        matched.to_string()
    }

    /// Whether a call counts as a write in `/_sim/stats`.
    fn is_write(&self, method: &Method, _path: &str) -> bool {
        *method != Method::GET && *method != Method::HEAD
    }

    /// The credential of a call: by default the bearer token.
    fn credential(&self, req: &Request) -> Option<String> {
        bearer(req.headers())
    }

    /// The vendor's 401.
    fn unauthorized(&self, failure: AuthFailure) -> Response;

    /// Checks of an authenticated call before any limit is charged (a
    /// missing tenant header, say); `Some` is the refusal to answer with.
    fn refusal(&self, _req: &Request, _caller: &Caller) -> Option<Response> {
        None
    }

    /// The limits this call is charged, with their keys and costs.
    fn charges(&self, req: &Request, caller: &Caller) -> Vec<Charge>;

    /// The vendor's 429 for a refused call (`limited.limit` is `None` for an
    /// injected burst).
    fn too_many(&self, limited: &Limited, caller: &Caller) -> Response;

    /// The vendor's 5xx for an injected server error.
    fn server_error(&self) -> Response;

    /// The rate-limit headers of a call that was let through.
    fn rate_headers(&self, _headers: &mut HeaderMap, _usage: &Usage, _caller: &Caller) {}
}

/// The gate as axum middleware:
/// `.route_layer(axum::middleware::from_fn_with_state(state, gate::<Vendor>))`.
pub async fn gate<V: GateWire>(State(v): State<Arc<V>>, req: Request, next: Next) -> Response {
    let g = v.gate();
    let path = req.uri().path().to_string();
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| path.clone(), |m| m.as_str().to_string());
    let method = req.method().clone();
    g.stats.call(
        method.as_str(),
        &v.template(&matched, &path),
        v.is_write(&method, &path),
    );
    if let Some(d) = g.faults.latency() {
        tokio::time::sleep(d).await;
    }

    let caller = match g.authenticate(v.credential(&req).as_deref()) {
        Ok(c) => c,
        Err(failure) => return v.unauthorized(failure),
    };
    if let Some(refusal) = v.refusal(&req, &caller) {
        return refusal;
    }

    let usage = if g.limits.enabled() {
        match g.limits.acquire(&v.charges(&req, &caller)) {
            Ok(u) => Some(u),
            Err(limited) => {
                g.stats.rate_limited();
                return v.too_many(&limited, &caller);
            }
        }
    } else {
        None
    };

    let fault = g.faults.next();
    if g.faults.should_expire_tokens() {
        g.tokens.expire_all();
    }
    let mut reset = false;
    match fault {
        Some(Fault::ServerError) => {
            g.stats.fault();
            return v.server_error();
        }
        Some(Fault::TooManyRequests) => {
            g.stats.fault();
            g.stats.rate_limited();
            let injected = Limited::injected(g.opts.scaled(Duration::from_secs(1)));
            return v.too_many(&injected, &caller);
        }
        Some(Fault::Reset) => {
            g.stats.fault();
            if g.reset == ResetPoint::BeforeHandler {
                return (
                    StatusCode::OK,
                    [("content-type", "application/json;charset=utf-8")],
                    reset_body(),
                )
                    .into_response();
            }
            reset = true;
        }
        None => {}
    }

    let mut resp = next.run(req).await;
    if reset {
        let (mut parts, _) = resp.into_parts();
        parts.headers.remove("content-length");
        resp = Response::from_parts(parts, reset_body());
    }
    if let Some(usage) = &usage {
        v.rate_headers(resp.headers_mut(), usage, &caller);
    }
    // the usage (a concurrency slot) is held until the response is built
    drop(usage);
    resp
}
