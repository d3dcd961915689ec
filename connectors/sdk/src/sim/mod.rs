//! The simulator kit (`sim` feature): what every vendor simulator shares.
//!
//! A simulator is an axum server speaking one vendor's real wire format. The
//! mechanisms are here: the command-line options of the simulator contract
//! ([`SimOptions`]), fault injection, call statistics for `GET /_sim/stats`,
//! rate limits scaled in time, a request gate, an OAuth authorization
//! server, webhook delivery and a server loop. What differs between vendors
//! (paths, bodies, error shapes, headers, signatures) stays in the vendor
//! crate's `sim/` folder, as the answers to three traits:
//!
//! - [`GateWire`] for [`gate`], the middleware every API route passes:
//!   stats → latency → auth → [`GateWire::refusal`] → rate limits → faults →
//!   handler → rate-limit headers. The vendor says which named limits a call
//!   is charged (key and cost: [`Charge`]), and builds its 401, 429 and 5xx.
//! - [`OAuthWire`] for [`authorize`], [`token`] and [`revoke`]: codes with
//!   PKCE and state, `authorization_code` and `refresh_token` grants, client
//!   credentials in the body or HTTP Basic ([`ClientRules`]), refresh
//!   [`Rotation`] (never, every refresh, until the successor is used, with a
//!   grace period), lifetimes scaled by `rate_scale`, `expire=N`. The vendor
//!   builds the token body ([`standard_token_body`] plus its own fields).
//! - [`WebhookWire`] for [`WebhookQueue`]: queue → batch ([`DeliveryPlan`])
//!   → vendor body → vendor headers ([`hmac_sha256_base64`],
//!   [`hmac_sha256_hex`], [`basic_authorization`]) → POST → backoff until the
//!   vendor's [`WebhookWire::acknowledged`] says yes; [`WebhookCounters`].
//!
//! A new simulator, in outline:
//!
//! ```ignore
//! use ledgerbridge_sdk::sim::*;
//!
//! pub struct Sim { gate: Gate, hooks: Option<WebhookQueue<Hooks>> /* , data… */ }
//!
//! impl GateWire for Sim {
//!     fn gate(&self) -> &Gate { &self.gate }
//!     fn unauthorized(&self, _: AuthFailure) -> Response { vendor_error(401, "…") }
//!     fn charges(&self, req: &Request, _: &Caller) -> Vec<Charge> {
//!         let realm = realm_of(req.uri().path());
//!         vec![Charge::one("minute", realm.clone()), Charge::one("concurrent", realm)]
//!     }
//!     fn too_many(&self, l: &Limited) -> Response { vendor_error(429, "…") /* + Retry-After */ }
//!     fn server_error(&self) -> Response { vendor_error(500, "…") }
//! }
//!
//! impl OAuthWire for Sim {
//!     fn tokens(&self) -> &TokenStore { &self.gate.tokens }
//!     fn redirect_extras(&self, _: &Code) -> Vec<(String, String)> {
//!         vec![("realmId".into(), REALM.into())]
//!     }
//! }
//!
//! pub fn router(opts: SimOptions) -> Router {
//!     let limits = RateLimits::new(&opts)
//!         .window("minute", 500, Duration::from_secs(60))
//!         .concurrent("concurrent", 10);
//!     let rules = TokenRules {
//!         access_lifetime: Duration::from_secs(3600),
//!         rotation: Rotation::WithGrace(Duration::from_secs(24 * 3600)),
//!         ..TokenRules::default()
//!     };
//!     let sim = Arc::new(Sim { gate: Gate::new(&opts, limits, rules), hooks: None });
//!     let api = Router::new()
//!         .route("/v3/company/{realm}/invoice", post(invoices::create))
//!         .route_layer(axum::middleware::from_fn_with_state(sim.clone(), gate::<Sim>));
//!     let open = Router::new()
//!         .route("/connect/oauth2", get(authorize::<Sim>))
//!         .route("/oauth2/v1/tokens/bearer", post(token::<Sim>))
//!         .route("/_sim/stats", get(/* sim.gate.stats.to_json() */));
//!     api.merge(open).with_state(sim)
//! }
//! ```

mod faults;
mod gate;
mod limits;
mod oauth;
mod options;
mod rate;
mod serve;
mod stats;
mod tokens;
mod webhooks;

pub use faults::{Fault, FaultInjector, FaultSpec, FaultSpecError, reset_body};
pub use gate::{AuthFailure, Caller, Gate, GateWire, ResetPoint, bearer, gate};
pub use limits::{Charge, LimitUse, Limited, RateLimits, Usage};
pub use oauth::{
    ClientCredentials, ClientRules, OAuthError, OAuthWire, authorize, exchange, revoke,
    standard_token_body, token,
};
pub use options::SimOptions;
pub use rate::{RateDecision, RateWindow};
pub use serve::{RunningSim, bind, serve, spawn};
pub use stats::SimStats;
pub use tokens::{Challenge, Code, Grant, Issued, Rotation, TokenRefusal, TokenRules, TokenStore};
pub use webhooks::{
    Batch, DeliveryPlan, WebhookCounters, WebhookQueue, WebhookWire, basic_authorization,
    hmac_sha256, hmac_sha256_base64, hmac_sha256_hex,
};
