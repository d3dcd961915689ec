//! A QuickBooks Online connection's settings as the client uses them.

/// The API hosts; `environment` picks one unless `base_url` is set.
pub const PRODUCTION_API: &str = "https://quickbooks.api.intuit.com";
pub const SANDBOX_API: &str = "https://sandbox-quickbooks.api.intuit.com";
/// Intuit's OAuth 2.0 endpoints (the same for production and sandbox companies).
pub const AUTHORIZE_URL: &str = "https://appcenter.intuit.com/connect/oauth2";
pub const TOKEN_URL: &str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer";
pub const REVOKE_URL: &str = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke";
/// The one scope the accounting API needs.
pub const SCOPE: &str = "com.intuit.quickbooks.accounting";

/// The schema minor version every call asks for (`?minorversion=`): the one the
/// connector's field names and the XSD it is checked against belong to. Intuit
/// retired minor versions below 75 in 2025, so 75 is both current and the floor.
pub const MINOR_VERSION: u32 = 75;

/// Items per `/batch` call: QuickBooks' documented maximum.
pub const MAX_BATCH: usize = 30;
/// Rows per query page: QuickBooks' `MAXRESULTS` maximum.
pub const MAX_PAGE: usize = 1000;
/// Longest `DocNumber` / `PaymentRefNum`: where our references live.
pub const MAX_REFERENCE_LEN: usize = 21;
/// How far back change data capture reaches.
pub const CDC_LOOK_BACK_DAYS: i64 = 30;

/// `environment = "production" | "sandbox"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Environment {
    #[default]
    Production,
    Sandbox,
}

impl Environment {
    pub fn parse(s: &str) -> Result<Environment, String> {
        match s {
            "production" => Ok(Environment::Production),
            "sandbox" => Ok(Environment::Sandbox),
            other => Err(format!(
                "environment {other:?}: expected \"production\" or \"sandbox\""
            )),
        }
    }

    pub fn api_url(self) -> &'static str {
        match self {
            Environment::Production => PRODUCTION_API,
            Environment::Sandbox => SANDBOX_API,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuickBooksConfig {
    /// Host of `/v3/company/{realm}/...` (a simulator: `http://127.0.0.1:9103`).
    pub api_url: String,
    /// The company; `None` only against a simulator, which names its own.
    pub realm_id: Option<String>,
    /// Time scale of the vendor (a simulator runs this many times faster).
    pub rate_scale: f64,
    /// Pace calls to QuickBooks' limits on our side.
    pub rate_limits: bool,
    /// Items per `/batch` call (at most 30).
    pub batch_size: usize,
    /// Rows per query page (at most 1000).
    pub page_size: usize,
    /// Create a missing item (a Service item on the line's income account) instead
    /// of dead-lettering the line.
    pub create_items: bool,
    /// The API is the connector's simulator (its realm is asked of it).
    pub simulator: bool,
}

impl Default for QuickBooksConfig {
    fn default() -> Self {
        QuickBooksConfig {
            api_url: PRODUCTION_API.into(),
            realm_id: None,
            rate_scale: 1.0,
            rate_limits: true,
            batch_size: MAX_BATCH,
            page_size: MAX_PAGE,
            create_items: true,
            simulator: false,
        }
    }
}

impl QuickBooksConfig {
    /// Settings for a local simulator at `base` (static token).
    pub fn simulator(base: &str) -> Self {
        QuickBooksConfig {
            api_url: base.trim_end_matches('/').into(),
            simulator: true,
            ..Default::default()
        }
    }

    /// Checks the values; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.batch_size == 0 || self.batch_size > MAX_BATCH {
            return Err(format!(
                "batch_size must be 1..={MAX_BATCH} (QuickBooks' batch limit), not {}",
                self.batch_size
            ));
        }
        if self.page_size == 0 || self.page_size > MAX_PAGE {
            return Err(format!(
                "page_size must be 1..={MAX_PAGE}, not {}",
                self.page_size
            ));
        }
        if self.rate_scale <= 0.0 {
            return Err("rate_scale must be greater than 0".into());
        }
        url::Url::parse(&self.api_url).map_err(|e| format!("base_url {:?}: {e}", self.api_url))?;
        if self.realm_id.is_none() && !self.simulator {
            return Err(
                "no company: run `ledgerbridge connect` (it stores the realmId of the \
                 redirect) or set realm_id"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_picks_the_host() {
        assert_eq!(
            Environment::parse("sandbox").unwrap().api_url(),
            SANDBOX_API
        );
        assert_eq!(
            Environment::parse("production").unwrap().api_url(),
            PRODUCTION_API
        );
        assert!(
            Environment::parse("staging")
                .unwrap_err()
                .contains("sandbox")
        );
        let no_realm = QuickBooksConfig::default();
        assert!(no_realm.validate().unwrap_err().contains("realm_id"));
        let bad = QuickBooksConfig {
            batch_size: 31,
            ..QuickBooksConfig::simulator("http://127.0.0.1:9103")
        };
        assert!(bad.validate().unwrap_err().contains("batch_size"));
    }
}
