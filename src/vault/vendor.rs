//! Each vendor's OAuth facts, with the connection's overrides applied.
//!
//! The facts come from the connector crates (URLs, scopes); what lives here is only how a
//! `[connections.<name>]` table selects among them. A connection whose `base_url` points
//! somewhere other than the vendor's production API (a simulator) gets its OAuth
//! endpoints from that same base, because both simulators serve them there; explicit
//! `auth_url`/`token_url` (HubSpot) or `login_url`/`identity_url` (Xero) always win.

use std::time::Duration;

use ledgerbridge_hubspot::config as hubspot;
use ledgerbridge_sdk::auth::ClientAuth;
use ledgerbridge_xero::XeroConfig;
use ledgerbridge_xero::config as xero;

use crate::config::{ConnectionConfig, ConnectorKind};

/// The loopback port of the OAuth redirect when `redirect_port` is not set. Fixed (not
/// "any free port") because vendors only redirect to URIs registered with the app.
pub const DEFAULT_REDIRECT_PORT: u16 = 8765;

/// Xero refresh tokens lapse 60 days after issue when unused (HubSpot's never do).
const XERO_REFRESH_LIFETIME: Duration = Duration::from_secs(60 * 24 * 3600);

/// One connection's OAuth endpoints and vendor conventions.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorOAuth {
    pub auth_url: String,
    pub token_url: String,
    pub scopes: Vec<String>,
    pub client_auth: ClientAuth,
    pub refresh_lifetime: Option<Duration>,
}

/// `base_url` without a trailing slash, when it is not the vendor's production API.
fn simulator_base(conn: &ConnectionConfig, production: &str) -> Option<String> {
    conn.base_url
        .as_deref()
        .map(|b| b.trim_end_matches('/'))
        .filter(|b| !b.is_empty() && *b != production)
        .map(str::to_string)
}

/// Xero's `login_url`/`identity_url` may be written as a host (`https://identity.xero.com`,
/// the connector's convention) or as the full endpoint (config.example.toml's
/// `login_url`); a URL with a path is taken as the endpoint itself.
fn has_path(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|u| !matches!(u.path(), "" | "/"))
}

/// The OAuth endpoints, scopes and conventions of `conn`'s vendor.
pub fn vendor_oauth(conn: &ConnectionConfig) -> VendorOAuth {
    let scopes = |defaults: &[&str]| {
        if conn.scopes.is_empty() {
            defaults.iter().map(|s| s.to_string()).collect()
        } else {
            conn.scopes.clone()
        }
    };
    match conn.kind {
        ConnectorKind::Hubspot => {
            let base = simulator_base(conn, hubspot::API_BASE);
            let api = base
                .clone()
                .unwrap_or_else(|| hubspot::API_BASE.to_string());
            VendorOAuth {
                auth_url: conn.auth_url.clone().unwrap_or_else(|| match &base {
                    Some(b) => format!("{b}/oauth/authorize"),
                    None => hubspot::AUTH_URL.to_string(),
                }),
                // the token endpoint lives on the API host, in production too
                token_url: conn
                    .token_url
                    .clone()
                    .unwrap_or_else(|| format!("{api}/oauth/v1/token")),
                scopes: scopes(&hubspot::SCOPES),
                // HubSpot takes client_id/client_secret in the form body
                client_auth: ClientAuth::RequestBody,
                refresh_lifetime: None,
            }
        }
        ConnectorKind::Xero => {
            let base = simulator_base(conn, xero::API_URL);
            let login = base.as_deref().unwrap_or(xero::LOGIN_URL);
            let identity = base.as_deref().unwrap_or(xero::IDENTITY_URL);
            let auth_url =
                xero_endpoint(conn.login_url.as_deref(), login, XeroConfig::authorize_url);
            let token_url = xero_endpoint(
                conn.identity_url.as_deref(),
                identity,
                XeroConfig::token_url,
            );
            VendorOAuth {
                auth_url,
                token_url,
                scopes: scopes(&xero::DEFAULT_SCOPES),
                client_auth: ClientAuth::BasicAuth,
                refresh_lifetime: Some(XERO_REFRESH_LIFETIME),
            }
        }
    }
}

/// A Xero endpoint from an explicit setting (host or full URL) or the default host, built
/// by the connector's own `authorize_url()`/`token_url()` so the paths live in one place.
fn xero_endpoint(
    explicit: Option<&str>,
    default_host: &str,
    build: fn(&XeroConfig) -> String,
) -> String {
    let host = match explicit.map(|u| u.trim_end_matches('/')) {
        Some(u) if has_path(u) => return u.to_string(),
        Some(u) => u,
        None => default_host,
    };
    build(&XeroConfig {
        login_url: host.to_string(),
        identity_url: host.to_string(),
        ..XeroConfig::default()
    })
}
