//! A connection's OAuth facts: its connector's endpoints and conventions, with the
//! connection's `scopes` applied.
//!
//! The connector applies its own overrides (its endpoint keys, a simulator's `base_url`
//! serving the OAuth endpoints too); what lives here is only the part every connection
//! shares: `scopes` from the config replaces the connector's defaults.

use std::time::Duration;

use ledgerbridge_sdk::auth::ClientAuth;

use crate::config::ConnectionConfig;

/// The loopback port of the OAuth redirect when `redirect_port` is not set. Fixed (not
/// "any free port") because vendors only redirect to URIs registered with the app.
pub const DEFAULT_REDIRECT_PORT: u16 = 8765;

/// One connection's OAuth endpoints and vendor conventions.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorOAuth {
    pub auth_url: String,
    pub token_url: String,
    pub scopes: Vec<String>,
    pub client_auth: ClientAuth,
    pub refresh_lifetime: Option<Duration>,
}

/// The OAuth endpoints, scopes and conventions of `conn`'s vendor (`name` is the
/// connection's, for messages).
pub fn vendor_oauth(name: &str, conn: &ConnectionConfig) -> Result<VendorOAuth, crate::Error> {
    let granted = Default::default();
    let o = conn
        .connector()
        .oauth(&conn.spec(name, &granted))
        .map_err(|e| format!("connection `{name}`: {e}"))?;
    Ok(VendorOAuth {
        auth_url: o.auth_url,
        token_url: o.token_url,
        scopes: if conn.scopes.is_empty() {
            o.default_scopes
        } else {
            conn.scopes.clone()
        },
        client_auth: o.client_auth,
        refresh_lifetime: o.refresh_lifetime,
    })
}
