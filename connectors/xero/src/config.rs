//! A Xero connection's settings (`[connections.<name>]` with `kind = "xero"`).

use serde::Deserialize;

/// Xero's production hosts; a simulator serves all three on one base URL.
pub const API_URL: &str = "https://api.xero.com";
pub const IDENTITY_URL: &str = "https://identity.xero.com";
pub const LOGIN_URL: &str = "https://login.xero.com";

/// Scopes asked for in `ledgerbridge connect` when a connection lists none: Xero's
/// granular scopes, which apps created on or after 2 March 2026 must use (they cannot ask
/// for the broad `accounting.transactions`). Read-only where the connector only reads
/// (settings: accounts, tax rates, currencies, tracking; budgets). An app created
/// before that date may keep the broad scopes until September 2027 by listing them in
/// the connection's `scopes` ([`BROAD_SCOPES`]).
pub const DEFAULT_SCOPES: [&str; 6] = [
    "offline_access",
    "accounting.invoices",
    "accounting.payments",
    "accounting.contacts",
    "accounting.settings.read",
    "accounting.budgets.read",
];

/// The broad scopes of apps created before 2 March 2026 (accepted until September 2027).
pub const BROAD_SCOPES: [&str; 5] = [
    "offline_access",
    "accounting.transactions",
    "accounting.contacts",
    "accounting.settings.read",
    "accounting.budgets.read",
];

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct XeroConfig {
    /// Base of `/connections` and `/api.xro/2.0` (a simulator: `http://127.0.0.1:9102`).
    pub api_url: String,
    /// Base of `/connect/token`.
    pub identity_url: String,
    /// Base of `/identity/connect/authorize`.
    pub login_url: String,
    /// The organisation to write to; empty: the first ORGANISATION of `/connections`.
    pub tenant_id: Option<String>,
    /// The simulator's `--rate-scale` (1 against real Xero).
    pub rate_scale: f64,
    /// Pace calls to Xero's limits on our side (off only against a simulator with limits off).
    pub rate_limits: bool,
    /// Items per write call (Xero: at most 50).
    pub batch_size: usize,
    /// Records per list page (Xero: up to 1000; 100 is its default).
    pub page_size: u64,
    /// Read the simulator's fixed rate table (`/_sim/currency-rates`) for
    /// currencies no posted invoice states a rate for. Simulators only.
    pub simulator_rates: bool,
    pub scopes: Vec<String>,
}

impl Default for XeroConfig {
    fn default() -> Self {
        XeroConfig {
            api_url: API_URL.into(),
            identity_url: IDENTITY_URL.into(),
            login_url: LOGIN_URL.into(),
            tenant_id: None,
            rate_scale: 1.0,
            rate_limits: true,
            batch_size: 50,
            page_size: 100,
            simulator_rates: false,
            scopes: DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl XeroConfig {
    /// Settings for a local simulator at `base` (static token, no OAuth).
    pub fn simulator(base: &str) -> Self {
        XeroConfig {
            api_url: base.into(),
            identity_url: base.into(),
            login_url: base.into(),
            simulator_rates: true,
            ..Default::default()
        }
    }

    pub fn token_url(&self) -> String {
        format!("{}/connect/token", self.identity_url.trim_end_matches('/'))
    }

    pub fn authorize_url(&self) -> String {
        format!(
            "{}/identity/connect/authorize",
            self.login_url.trim_end_matches('/')
        )
    }

    /// Checks the values; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.batch_size == 0 || self.batch_size > 50 {
            return Err(format!(
                "batch_size must be 1..=50 (Xero's batch limit), not {}",
                self.batch_size
            ));
        }
        if self.page_size == 0 || self.page_size > 1000 {
            return Err(format!(
                "page_size must be 1..=1000, not {}",
                self.page_size
            ));
        }
        if self.rate_scale <= 0.0 {
            return Err("rate_scale must be greater than 0".into());
        }
        for (k, v) in [
            ("api_url", &self.api_url),
            ("identity_url", &self.identity_url),
            ("login_url", &self.login_url),
        ] {
            url::Url::parse(v).map_err(|e| format!("{k} {v:?}: {e}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_xero_and_validate() {
        let c = XeroConfig::default();
        assert_eq!(c.token_url(), "https://identity.xero.com/connect/token");
        assert_eq!(
            c.authorize_url(),
            "https://login.xero.com/identity/connect/authorize"
        );
        assert!(c.validate().is_ok());
        let bad = XeroConfig {
            batch_size: 51,
            ..XeroConfig::simulator("http://127.0.0.1:9102")
        };
        assert!(bad.validate().unwrap_err().contains("batch_size"));
    }
}
