//! A HubSpot connection's settings.

use std::time::Duration;

/// HubSpot's authorization page and token endpoint (the simulator serves
/// both at its own base URL: `{base}/oauth/authorize`, `{base}/oauth/v1/token`).
pub const AUTH_URL: &str = "https://app.hubspot.com/oauth/authorize";
pub const TOKEN_URL: &str = "https://api.hubapi.com/oauth/v1/token";
pub const API_BASE: &str = "https://api.hubapi.com";
/// Scopes the connector needs: read CRM objects, write deal/company
/// properties back, read schemas (pipelines, properties).
pub const SCOPES: [&str; 8] = [
    "oauth",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.contacts.read",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "crm.objects.line_items.read",
    "crm.schemas.deals.read",
];

#[derive(Debug, Clone)]
pub struct HubSpotConfig {
    /// The connection's name: the tenant its calls count against and what
    /// the engine's fleet [`Pacer`](ledgerbridge_sdk::http::Pacer) sees.
    pub connection: String,
    /// API base, `https://api.hubapi.com` or a simulator's URL.
    pub base_url: String,
    /// Time scale shared with a simulator (> 1 shortens windows).
    pub rate_scale: f64,
    /// Pace calls under the limits below (off only against a simulator run
    /// with `--rate-limits off`, for throughput tests).
    pub pace: bool,
    /// Calls per 10 s for the account's tier (Free/Starter 100, Pro/Enterprise 190).
    pub per_ten_seconds: u32,
    /// Daily cap for the tier (Pro 625,000); corrected by headers when sent.
    pub daily: u32,
    /// Search calls per second per token.
    pub search_per_second: u32,
    /// Records per list page (≤ 100) and per search page (≤ 200).
    pub page_size: usize,
    pub search_page_size: usize,
    /// Incremental pulls leave out changes newer than this (scaled by
    /// `rate_scale`): HubSpot's search index trails writes by a moment, and a
    /// change indexed late behind our cursor would be missed.
    pub search_settle: Duration,
    /// Attempts per call on retryable failures (5xx, resets, 429).
    pub max_attempts: u32,
    /// Properties beyond the built-in list to fetch, per HubSpot object type
    /// (`("deals", "my_custom_prop")`).
    pub extra_properties: Vec<(String, String)>,
    /// Timeout of one HTTP call.
    pub timeout: Duration,
}

impl Default for HubSpotConfig {
    fn default() -> Self {
        HubSpotConfig {
            connection: "hubspot".to_string(),
            base_url: API_BASE.to_string(),
            rate_scale: 1.0,
            pace: true,
            per_ten_seconds: 190,
            daily: 625_000,
            search_per_second: 4,
            page_size: 100,
            search_page_size: 200,
            search_settle: Duration::from_secs(2),
            max_attempts: 8,
            extra_properties: Vec::new(),
            timeout: Duration::from_secs(30),
        }
    }
}

impl HubSpotConfig {
    /// A real duration shortened by `rate_scale`.
    pub fn scaled(&self, d: Duration) -> Duration {
        let s = if self.rate_scale.is_finite() && self.rate_scale > 0.0 {
            self.rate_scale
        } else {
            1.0
        };
        Duration::from_secs_f64(d.as_secs_f64() / s)
    }
}
